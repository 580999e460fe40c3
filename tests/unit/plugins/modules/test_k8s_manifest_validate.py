"""k8s_manifest_validate in-process: files, directories, inline documents, CRD files, failures."""

from __future__ import annotations

import pytest
import yaml
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.langchain.langsmith_aws.plugins.modules import k8s_manifest_validate


class Done(Exception):
    def __init__(self, result, failed):
        super().__init__(result.get("msg"))
        self.result = result
        self.failed = failed


@pytest.fixture
def run(monkeypatch):
    def _exit(self, **kwargs):
        raise Done(kwargs, failed=False)

    def _fail(self, **kwargs):
        raise Done(kwargs, failed=True)

    monkeypatch.setattr(AnsibleModule, "exit_json", _exit)
    monkeypatch.setattr(AnsibleModule, "fail_json", _fail)

    def _run(args, check_mode=False):
        with patch_module_args({**args, "_ansible_check_mode": check_mode}), pytest.raises(Done) as done:
            k8s_manifest_validate.main()
        return done.value

    return _run


NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "langsmith"}}
WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"kind": "Widget", "plural": "widgets"},
        "scope": "Cluster",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size"],
                                "properties": {"size": {"type": "integer"}},
                            }
                        },
                    }
                },
            }
        ],
    },
}


def _write(path, docs):
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


def test_a_directory_of_valid_manifests_passes_in_check_mode(run, tmp_path):
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "00-ns.yaml", [NAMESPACE])
    _write(
        tmp_path / "sub" / "10-cm.yml",
        [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "x"}}],
    )
    (tmp_path / "README.md").write_text("not a manifest")
    done = run({"path": [str(tmp_path)], "kubernetes_version": "v1.34.2"}, check_mode=True)
    assert not done.failed
    assert done.result["changed"] is False
    assert done.result["invalid"] == 0
    assert done.result["kubernetes_version"] == "1.34"
    assert [(r["kind"], r["schema"]) for r in done.result["resources"]] == [
        ("Namespace", "kubernetes-1.34"),
        ("ConfigMap", "kubernetes-1.34"),
    ]
    assert "external-secrets.io/v1/ExternalSecret" in done.result["custom_kinds"]


def test_an_invalid_manifest_fails_with_file_kind_name_and_error(run, tmp_path):
    path = _write(
        tmp_path / "m.yaml",
        [NAMESPACE, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"type": 3}}],
    )
    done = run({"path": [path], "kubernetes_version": "1.34"})
    assert done.failed
    assert done.result["invalid"] == 1
    assert f"{path}#1 Service/s: spec.type" in done.result["msg"]
    assert done.result["resources"][0]["valid"] is True
    assert done.result["resources"][1]["valid"] is False


def test_fail_on_error_false_reports_without_failing(run):
    bad = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Bad_Name"}}
    done = run({"documents": [bad], "kubernetes_version": "1.34", "fail_on_error": False})
    assert not done.failed
    assert done.result["invalid"] == 1
    assert done.result["resources"][0]["source"] == "documents[0]"


def test_crd_files_add_schemas_for_their_kinds(run, tmp_path):
    crds = _write(tmp_path / "crds.yaml", [WIDGET_CRD])
    good = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}}
    bad = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": "big"}}
    assert run({"documents": [good], "crd_files": [crds], "kubernetes_version": "1.34"}).failed is False
    done = run({"documents": [bad], "crd_files": [crds], "kubernetes_version": "1.34"})
    assert done.failed
    assert "spec.size: 'big' is not of type 'integer'" in done.result["msg"]
    unknown = run({"documents": [good], "kubernetes_version": "1.34"})
    assert unknown.failed
    assert "no schema for example.com/v1/Widget" in unknown.result["msg"]
    skipped = run({"documents": [good], "kubernetes_version": "1.34", "allow_unknown_kinds": True})
    assert not skipped.failed
    assert skipped.result["resources"][0]["skipped"] is True


def test_explicit_schemas_take_precedence(run):
    schema = {"type": "object", "properties": {"spec": {"type": "object", "required": ["must"]}}}
    done = run(
        {"documents": [{**NAMESPACE, "spec": {}}], "schemas": {"v1/Namespace": schema}, "kubernetes_version": "1.34"}
    )
    assert done.failed
    assert "'must' is a required property" in done.result["msg"]


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("latest", "is not a Kubernetes version"),
        ("1.20", "is older than"),
        ("1.99", "upgrade the kubernetes-validate package"),
    ],
)
def test_unusable_kubernetes_versions_fail_clearly(run, version, message):
    done = run({"documents": [NAMESPACE], "kubernetes_version": version})
    assert done.failed
    assert message in done.result["msg"]


def test_missing_paths_and_empty_input_fail(run, tmp_path):
    assert "does not exist" in run({"path": [str(tmp_path / "nope")], "kubernetes_version": "1.34"}).result["msg"]
    (tmp_path / "empty").mkdir()
    assert "No manifests found" in run({"path": [str(tmp_path / "empty")], "kubernetes_version": "1.34"}).result["msg"]

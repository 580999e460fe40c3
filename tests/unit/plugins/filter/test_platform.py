"""Filters of the platform role: ExternalSecrets from the chart's contract, release spec checks, YAML."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.filter import platform

CONTRACT = [
    {
        "name": "langsmith-config",
        "keys": [
            {"key": "langsmith_license_key", "entry": "app_license"},
            {"key": "api_key_salt", "entry": "app_generated"},
        ],
    },
    {"name": "langsmith-postgres", "keys": [{"key": "connection_url", "entry": "postgres_connection"}]},
]
REFS = {
    "app_license": {"name": "demo-langsmith/app/license", "arn": "arn:aws:secretsmanager:us-east-1:1:secret:a"},
    "app_generated": {"name": "demo-langsmith/app/generated", "arn": "arn:aws:secretsmanager:us-east-1:1:secret:b"},
    "postgres_connection": {
        "name": "demo-langsmith/postgres/connection",
        "arn": "arn:aws:secretsmanager:us-east-1:1:secret:c",
    },
}
RELEASE = {
    "name": "external-secrets",
    "namespace": "external-secrets",
    "chart_ref": "external-secrets",
    "chart_repo_url": "https://charts.external-secrets.io",
    "chart_version": "1.0.0",
    "values": {"installCRDs": True},
}


def test_external_secrets_have_exactly_the_contract_keys_and_read_properties_of_the_same_name():
    docs = platform.platform_external_secrets(CONTRACT, REFS, "store", "langsmith", "1h", {"a": "b"})
    assert [d["metadata"]["name"] for d in docs] == ["langsmith-config", "langsmith-postgres"]
    config = docs[0]
    assert config["apiVersion"] == "external-secrets.io/v1"
    assert config["kind"] == "ExternalSecret"
    assert config["metadata"] == {"name": "langsmith-config", "namespace": "langsmith", "labels": {"a": "b"}}
    assert config["spec"]["refreshInterval"] == "1h"
    assert config["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "store"}
    assert config["spec"]["target"] == {
        "name": "langsmith-config",
        "creationPolicy": "Owner",
        "deletionPolicy": "Retain",
    }
    assert config["spec"]["data"] == [
        {
            "secretKey": "langsmith_license_key",
            "remoteRef": {"key": "demo-langsmith/app/license", "property": "langsmith_license_key"},
        },
        {"secretKey": "api_key_salt", "remoteRef": {"key": "demo-langsmith/app/generated", "property": "api_key_salt"}},
    ]
    assert "dataFrom" not in config["spec"]  # no extract: exactly the listed keys, nothing else


def test_external_secrets_fail_on_a_missing_secrets_manager_entry():
    with pytest.raises(AnsibleFilterError, match=r"app_license.*run playbooks/secrets\.yml"):
        platform.platform_external_secrets(CONTRACT, {}, "store", "langsmith", "1h")


def test_external_secrets_refuse_duplicate_keys():
    contract = [{"name": "x", "keys": [{"key": "k", "entry": "app_license"}, {"key": "k", "entry": "app_generated"}]}]
    with pytest.raises(AnsibleFilterError, match="duplicate keys"):
        platform.platform_external_secrets(contract, REFS, "store", "langsmith", "1h")


def test_contract_mismatches_name_the_keys_whose_entry_is_not_granted():
    sources = {"langsmith-config": [REFS["app_license"], REFS["app_generated"]], "langsmith-postgres": []}
    assert platform.platform_contract_mismatches(CONTRACT, REFS, sources) == [
        "langsmith-postgres/connection_url (demo-langsmith/postgres/connection)"
    ]
    sources["langsmith-postgres"] = [REFS["postgres_connection"]]
    assert platform.platform_contract_mismatches(CONTRACT, REFS, sources) == []


def test_a_complete_pinned_release_has_no_problems():
    assert platform.platform_release_problems([RELEASE]) == []


@pytest.mark.parametrize("version", ["1.0", "^1.0.0", "~1.0.0", "1.x", "latest", ">=1.0.0", "1.0.0-rc1 || 2", "*"])
def test_unpinned_chart_versions_are_refused(version):
    problems = platform.platform_release_problems([{**RELEASE, "chart_version": version}])
    assert len(problems) == 1
    assert "not pinned" in problems[0]
    assert "external-secrets" in problems[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"chart_version": ""}, "missing chart_version"),
        ({"chart_ref": None}, "missing chart_ref"),
        ({"chart_repo_url": "http://charts.example.com"}, "must be an https:// URL"),
        ({"name": "External_Secrets"}, "release name must be"),
        ({"values": ["a"]}, "values must be a mapping"),
    ],
)
def test_incomplete_or_malformed_releases_are_refused(change, expected):
    problems = platform.platform_release_problems([{**RELEASE, **change}])
    assert any(expected in p for p in problems), problems


def test_duplicate_releases_are_refused():
    assert platform.platform_release_problems([RELEASE, dict(RELEASE)]) == [
        "duplicate releases: external-secrets/external-secrets"
    ]


def test_release_index_drops_values_and_names_the_values_file():
    assert platform.platform_release_index([{**RELEASE, "component": "external_secrets"}], 600) == [
        {
            "name": "external-secrets",
            "namespace": "external-secrets",
            "chart_ref": "external-secrets",
            "chart_repo_url": "https://charts.external-secrets.io",
            "chart_version": "1.0.0",
            "values_file": "external-secrets.values.yaml",
            "wait": True,
            "atomic": True,
            "timeout": "600s",
        }
    ]


def test_ebs_csi_tag_parameters_are_sorted_and_numbered():
    assert platform.ebs_csi_tag_parameters({"langsmith:stage": "platform", "langsmith:env": "demo"}) == {
        "tagSpecification_1": "langsmith:env=demo",
        "tagSpecification_2": "langsmith:stage=platform",
    }
    with pytest.raises(AnsibleFilterError):
        platform.ebs_csi_tag_parameters({"team": "a,b"})


def test_default_storage_classes_honour_both_annotations():
    classes = [
        {"metadata": {"name": "gp2", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}},
        {"metadata": {"name": "old", "annotations": {"storageclass.beta.kubernetes.io/is-default-class": "True"}}},
        {"metadata": {"name": "no", "annotations": {"storageclass.kubernetes.io/is-default-class": "false"}}},
        {"metadata": {"name": "bare"}},
    ]
    assert [c["metadata"]["name"] for c in platform.default_storage_classes(classes)] == ["gp2", "old"]


def test_manifest_yaml_is_stable_sorted_and_round_trips():
    docs = [{"kind": "B", "apiVersion": "v1", "metadata": {"name": "x"}}, {"b": [1, 2], "a": "multi\nline"}]
    text = platform.k8s_manifests_yaml(docs, ["line one", "line two"])
    assert text.startswith("# line one\n# line two\n---\n")
    assert text == platform.k8s_manifests_yaml(list(reversed(list(reversed(docs)))), "line one\nline two")
    assert list(yaml.safe_load_all(text)) == docs
    assert text.index("apiVersion") < text.index("kind")  # keys sorted
    assert "&id" not in text
    assert "*id" not in text
    shared = {"k": "v"}
    assert "&" not in platform.k8s_manifests_yaml([{"a": shared, "b": shared}])


def test_manifest_files_name_each_step_under_manifests_with_the_header():
    steps = [{"file": "00-namespaces.yaml", "documents": [{"kind": "Namespace", "metadata": {"name": "a"}}]}]
    (item,) = platform.platform_manifest_files(steps, "/art/platform", "demo", "1.31")
    assert item["dest"] == "/art/platform/manifests/00-namespaces.yaml"
    assert item["mode"] == "0640"
    assert item["content"].startswith(
        "# Rendered by langchain.langsmith_aws.platform for demo (Kubernetes 1.31).\n# Apply"
    )
    assert list(yaml.safe_load_all(item["content"])) == steps[0]["documents"]
    assert platform.platform_manifest_files(None, "/x", "demo", "1.31") == []


def test_values_files_one_per_release_with_its_chart_in_the_header():
    release = {
        "name": "aws-load-balancer-controller",
        "chart_ref": "aws-load-balancer-controller",
        "chart_version": "1.8.1",
        "chart_repo_url": "https://aws.github.io/eks-charts",
        "namespace": "kube-system",
        "values": {"clusterName": "c"},
    }
    (item,) = platform.platform_values_files([release], "/art/platform")
    assert item["dest"] == "/art/platform/helm/aws-load-balancer-controller.values.yaml"
    assert item["content"].startswith(
        "# Helm values of aws-load-balancer-controller (aws-load-balancer-controller 1.8.1 from "
        "https://aws.github.io/eks-charts) in namespace kube-system.\n---\n"
    )
    assert yaml.safe_load(item["content"]) == {"clusterName": "c"}

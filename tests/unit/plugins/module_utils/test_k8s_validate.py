"""Offline manifest validation: CRD schema conversion, bundled External Secrets schemas, built-in kinds."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
from conftest import ROOT

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import k8s_validate
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.k8s_crd_schemas import SCHEMAS

EXTERNAL_SECRET = {
    "apiVersion": "external-secrets.io/v1",
    "kind": "ExternalSecret",
    "metadata": {"name": "langsmith-config", "namespace": "langsmith"},
    "spec": {
        "refreshInterval": "1h",
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": "demo-langsmith-secrets-manager"},
        "target": {"name": "langsmith-config", "creationPolicy": "Owner", "deletionPolicy": "Retain"},
        "data": [{"secretKey": "api_key_salt", "remoteRef": {"key": "demo/app/generated", "property": "api_key_salt"}}],
    },
}
STORE = {
    "apiVersion": "external-secrets.io/v1",
    "kind": "ClusterSecretStore",
    "metadata": {"name": "demo-langsmith-secrets-manager"},
    "spec": {
        "conditions": [{"namespaces": ["langsmith"]}],
        "provider": {
            "aws": {
                "service": "SecretsManager",
                "region": "us-east-1",
                "auth": {"jwt": {"serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}}},
            }
        },
    },
}
STORAGE_CLASS = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {"name": "gp3", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
    "provisioner": "ebs.csi.aws.com",
    "parameters": {"type": "gp3", "iops": "3000"},
    "reclaimPolicy": "Retain",
    "volumeBindingMode": "WaitForFirstConsumer",
    "allowVolumeExpansion": True,
}


def _check(document, version="1.34"):
    return k8s_validate.validate_document(document, version, schemas=SCHEMAS)


def _with(document, path, value):
    doc = copy.deepcopy(document)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


_DELETE = object()


def test_bundled_schemas_are_generated_from_tools_crds():
    proc = subprocess.run(
        [sys.executable, "tools/crd_schema.py", "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(SCHEMAS) == ["external-secrets.io/v1/ClusterSecretStore", "external-secrets.io/v1/ExternalSecret"]


@pytest.mark.parametrize("document", [EXTERNAL_SECRET, STORE], ids=["ExternalSecret", "ClusterSecretStore"])
def test_the_documents_the_platform_role_writes_are_valid(document):
    assert _check(document) == {"valid": True, "schema": "custom", "errors": []}


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (("spec", "target", "creationPolicy"), "Always", "spec.target.creationPolicy: 'Always' is not one of"),
        (("spec", "data", 0, "secretKey"), _DELETE, "'secretKey' is a required property"),
        (("spec", "data", 0, "secretKey"), "bad key!", "does not match"),
        (("spec", "refreshIntervall"), "1h", "Additional properties are not allowed ('refreshIntervall'"),
        (("spec", "secretStoreRef", "kind"), "SecretStores", "is not one of"),
        (("metadata", "namespace"), _DELETE, "'namespace' is a required property"),
        (("apiVersion",), "external-secrets.io/v1beta2", "no schema"),
    ],
)
def test_external_secret_mistakes_are_reported(path, value, error):
    outcome = _check(_with(EXTERNAL_SECRET, path, value))
    assert not outcome["valid"]
    assert any(error in e for e in outcome["errors"]), outcome["errors"]


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (("spec", "provider", "aws", "region"), _DELETE, "'region' is a required property"),
        (("spec", "provider", "aws", "service"), "SSM", "is not one of"),
        (("spec", "provider", "gcpsm"), {"projectID": "x"}, "should be non-empty"),  # one provider only
        (("spec", "provider"), {}, "should be non-empty"),
        (("spec", "conditions", 0, "namespaces"), ["Not_A_Namespace"], "does not match"),
    ],
)
def test_cluster_secret_store_mistakes_are_reported(path, value, error):
    outcome = _check(_with(STORE, path, value))
    assert not outcome["valid"]
    joined = " ".join(outcome["errors"])
    assert error in joined or ("has too many properties" in joined and error == "should be non-empty"), outcome[
        "errors"
    ]


def test_built_in_kinds_use_the_kubernetes_schemas_of_the_version():
    assert _check(STORAGE_CLASS) == {"valid": True, "schema": "kubernetes-1.34", "errors": []}
    bad = _check(_with(STORAGE_CLASS, ("volumeBindingMode",), 7))
    assert not bad["valid"]
    assert bad["schema"] == "kubernetes-1.34"
    assert "volumeBindingMode" in bad["errors"][0]
    unknown = _check(_with(STORAGE_CLASS, ("allowVolumeExpansions",), True))
    assert not unknown["valid"]
    assert "allowVolumeExpansions" in unknown["errors"][0]


def test_documents_without_identity_are_invalid():
    assert _check({"kind": "Namespace"})["errors"] == ["apiVersion is missing", "metadata.name is missing"]
    assert _check(["not", "a", "mapping"])["errors"] == ["the document is not a mapping"]


def test_unknown_kinds_fail_unless_allowed():
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    results, invalid = k8s_validate.validate_manifests([("inline", 0, widget)], "1.34")
    assert invalid == 1
    assert results[0]["errors"] == ["no schema for example.com/v1/Widget"]
    results, invalid = k8s_validate.validate_manifests([("inline", 0, widget)], "1.34", allow_unknown_kinds=True)
    assert invalid == 0
    assert results[0]["skipped"] is True


def test_openapi_conversion_translates_kubernetes_extensions():
    schema = k8s_validate.openapi_to_json_schema(
        {
            "type": "object",
            "properties": {
                "port": {"x-kubernetes-int-or-string": True},
                "free": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "properties": {"a": {"type": "string"}},
                },
                "maybe": {"type": "string", "nullable": True, "description": "dropped", "default": "x"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    )
    assert schema["additionalProperties"] is False
    assert schema["properties"]["port"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert "additionalProperties" not in schema["properties"]["free"]
    assert schema["properties"]["maybe"] == {"type": ["string", "null"]}
    assert schema["properties"]["labels"] == {"type": "object", "additionalProperties": {"type": "string"}}
    lax = k8s_validate.openapi_to_json_schema({"type": "object", "properties": {"a": {"type": "string"}}}, strict=False)
    assert "additionalProperties" not in lax


def test_crd_schemas_cover_every_served_version_and_require_namespace_when_namespaced():
    crd = {
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object"}}}},
                },
                {"name": "v1alpha1", "served": False},
            ],
        },
    }
    schemas = k8s_validate.crd_schemas(crd)
    assert list(schemas) == ["example.com/v1/Widget"]
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}
    outcome = k8s_validate.validate_document(widget, "1.34", schemas=schemas)
    assert outcome["errors"] == ["metadata: 'namespace' is a required property"]
    with pytest.raises(k8s_validate.ManifestError):
        k8s_validate.crd_schemas({"kind": "ConfigMap"})


def test_supported_versions_include_the_eks_role_versions():
    supported = k8s_validate.supported_kubernetes_versions()
    assert {"1.33", "1.34"} <= set(supported)

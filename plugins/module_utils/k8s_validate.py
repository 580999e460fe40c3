# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline validation of Kubernetes manifests (no API server).

Built-in kinds are checked against the Kubernetes JSON schemas the ``kubernetes-validate`` package
ships for each Kubernetes minor version; custom resources against JSON schemas converted from their
CRDs' ``openAPIV3Schema`` (bundled ones in ``k8s_crd_schemas.py``, or CRD files given at run time).
Used by the ``k8s_manifest_validate`` module; pure Python, unit-tested without Ansible.
"""

from __future__ import annotations

import copy
import os
import re

try:
    import jsonschema

    HAS_JSONSCHEMA = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_JSONSCHEMA = False

try:
    import kubernetes_validate
    from kubernetes_validate import utils as kv_utils

    HAS_KUBERNETES_VALIDATE = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_KUBERNETES_VALIDATE = False

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_YAML = False

# Keywords of a structural OpenAPI v3 schema that mean the same in JSON Schema.
_COPIED_KEYWORDS = (
    "type",
    "enum",
    "pattern",
    "format",
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
)
_NESTED_LISTS = ("allOf", "anyOf", "oneOf")
YAML_SUFFIXES = (".yaml", ".yml", ".json")

# What every object's metadata must look like (the part an offline check can know).
OBJECT_META_SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 253,
            "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        },
        "namespace": {"type": "string", "minLength": 1, "maxLength": 63, "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


class ManifestError(Exception):
    """A manifest that cannot be read or has no usable apiVersion/kind/metadata."""


def openapi_to_json_schema(node, strict=True):
    """Convert one CRD ``openAPIV3Schema`` node to JSON Schema (draft 2020-12).

    ``strict`` rejects fields the schema does not list (``additionalProperties: false`` wherever
    ``properties`` are given and unknown fields are not preserved), as the API server prunes or,
    with ``kubectl --validate=strict``, rejects them. ``nullable``, ``x-kubernetes-int-or-string``
    and ``x-kubernetes-preserve-unknown-fields`` are translated; descriptions and defaults dropped.
    """
    if not isinstance(node, dict):
        return {}
    out = {key: copy.deepcopy(node[key]) for key in _COPIED_KEYWORDS if key in node}
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if "properties" in node:
        out["properties"] = {
            name: openapi_to_json_schema(sub, strict) for name, sub in sorted(node["properties"].items())
        }
    if "additionalProperties" in node:
        extra = node["additionalProperties"]
        out["additionalProperties"] = openapi_to_json_schema(extra, strict) if isinstance(extra, dict) else bool(extra)
    elif strict and "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if "items" in node:
        out["items"] = openapi_to_json_schema(node["items"], strict)
    for key in _NESTED_LISTS:
        if key in node:
            out[key] = [openapi_to_json_schema(sub, strict) for sub in node[key]]
    if "not" in node:
        out["not"] = openapi_to_json_schema(node["not"], strict)
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*list(out["type"]), "null"]
    return out


def crd_schemas(crd, strict=True, served_only=True):
    """``{"<group>/<version>/<Kind>": json_schema}`` for every (served) version of a CRD document."""
    if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
        raise ManifestError("not a CustomResourceDefinition")
    spec = crd.get("spec") or {}
    group = spec.get("group")
    kind = (spec.get("names") or {}).get("kind")
    if not group or not kind:
        raise ManifestError(f"CRD {(crd.get('metadata') or {}).get('name')!r} has no spec.group or spec.names.kind")
    namespaced = spec.get("scope", "Namespaced") == "Namespaced"
    result = {}
    for version in spec.get("versions") or []:
        if served_only and not version.get("served", True):
            continue
        openapi = ((version.get("schema") or {}).get("openAPIV3Schema")) or {"type": "object"}
        schema = openapi_to_json_schema(openapi, strict)
        api_version = f"{group}/{version['name']}"
        schema.setdefault("properties", {})
        schema["properties"]["apiVersion"] = {"type": "string", "enum": [api_version]}
        schema["properties"]["kind"] = {"type": "string", "enum": [kind]}
        metadata = copy.deepcopy(OBJECT_META_SCHEMA)
        if namespaced:
            metadata["required"] = ["name", "namespace"]
        schema["properties"]["metadata"] = metadata
        schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
        schema["type"] = "object"
        result[f"{api_version}/{kind}"] = schema
    return result


def schema_key(document):
    """``"<apiVersion>/<kind>"`` of a manifest (``"v1/Namespace"``, ``"external-secrets.io/v1/ExternalSecret"``)."""
    return f"{document.get('apiVersion')}/{document.get('kind')}"


def load_documents(path):
    """Every non-empty YAML document of a file, in order."""
    if not HAS_YAML:  # pragma: no cover
        raise ManifestError("PyYAML is required")
    try:
        with open(path, encoding="utf-8") as handle:
            return [doc for doc in yaml.safe_load_all(handle) if doc is not None]
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestError(f"cannot read {path}: {exc}") from exc


def expand_paths(paths):
    """Files under ``paths`` (directories walked, sorted) with a YAML or JSON suffix."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, names in os.walk(path):
                dirs.sort()
                files.extend(os.path.join(root, name) for name in sorted(names) if name.endswith(YAML_SUFFIXES))
        elif os.path.exists(path):
            files.append(path)
        else:
            raise ManifestError(f"{path} does not exist")
    return files


def _error_text(error):
    location = ".".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{location}: {error.message}"


DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


def _check_identity(document):
    """What the API server checks before any schema: apiVersion, kind, a name (a DNS label for namespaces)."""
    if not isinstance(document, dict):
        return ["the document is not a mapping"]
    problems = [f"{field} is missing" for field in ("apiVersion", "kind") if not document.get(field)]
    if not isinstance(document.get("metadata"), dict) or not document["metadata"].get("name"):
        problems.append("metadata.name is missing")
        return problems
    name = str(document["metadata"]["name"])
    namespace = document["metadata"].get("namespace")
    if document.get("kind") == "Namespace" and (len(name) > 63 or not re.match(DNS_LABEL, name)):
        problems.append(f"metadata.name: {name!r} is not a DNS label (lowercase letters, digits, '-'; at most 63)")
    if namespace is not None and (len(str(namespace)) > 63 or not re.match(DNS_LABEL, str(namespace))):
        problems.append(f"metadata.namespace: {namespace!r} is not a DNS label")
    return problems


def validate_document(document, kubernetes_version, schemas=None, strict=True):
    """Validate one manifest; returns ``{valid, schema, errors}``.

    ``schemas`` (``{"apiVersion/Kind": json_schema}``) take precedence over the built-in Kubernetes
    schemas; ``schema`` in the result says which was used (``custom`` or ``kubernetes-<minor>``),
    ``none`` when no schema exists for the kind.
    """
    problems = _check_identity(document)
    if problems:
        return {"valid": False, "schema": "none", "errors": problems}
    schemas = schemas or {}
    key = schema_key(document)
    if key in schemas:
        if not HAS_JSONSCHEMA:  # pragma: no cover
            raise ManifestError("jsonschema is required")
        validator = jsonschema.Draft202012Validator(schemas[key])
        errors = sorted((_error_text(e) for e in validator.iter_errors(document)), key=str)
        return {"valid": not errors, "schema": "custom", "errors": errors}
    if not HAS_KUBERNETES_VALIDATE:  # pragma: no cover
        raise ManifestError("kubernetes-validate is required")
    try:
        used = kubernetes_validate.validate(document, str(kubernetes_version), strict=strict)
    except kubernetes_validate.SchemaNotFoundError:
        return {"valid": False, "schema": "none", "errors": [f"no schema for {key}"]}
    except kubernetes_validate.ValidationError as exc:
        return {"valid": False, "schema": f"kubernetes-{exc.version}", "errors": [_error_text(exc)]}
    return {"valid": True, "schema": f"kubernetes-{used}", "errors": []}


def supported_kubernetes_versions():
    """Kubernetes minor versions kubernetes-validate has schemas for (``["1.25", ..., "1.37"]``)."""
    if not HAS_KUBERNETES_VALIDATE:  # pragma: no cover
        return []
    return sorted(
        {kv_utils.major_minor(v) for v in kv_utils.all_versions()}, key=lambda v: tuple(int(p) for p in v.split("."))
    )


def validate_manifests(sources, kubernetes_version, schemas=None, strict=True, allow_unknown_kinds=False):
    """Validate ``[(source, index, document), ...]``; returns ``(results, invalid_count)``.

    A kind without any schema is invalid unless ``allow_unknown_kinds`` (then reported, not counted).
    """
    results = []
    invalid = 0
    for source, index, document in sources:
        outcome = validate_document(document, kubernetes_version, schemas=schemas, strict=strict)
        if outcome["schema"] == "none" and allow_unknown_kinds and _check_identity(document) == []:
            outcome = {"valid": True, "schema": "none", "errors": [], "skipped": True}
        doc = document if isinstance(document, dict) else {}
        metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        results.append(
            {
                "source": source,
                "index": index,
                "api_version": str(doc.get("apiVersion", "")),
                "kind": str(doc.get("kind", "")),
                "name": str(metadata.get("name", "")),
                "namespace": str(metadata.get("namespace", "")),
                "valid": outcome["valid"],
                "schema": outcome["schema"],
                "skipped": outcome.get("skipped", False),
                "errors": outcome["errors"],
            }
        )
        if not outcome["valid"]:
            invalid += 1
    return results, invalid

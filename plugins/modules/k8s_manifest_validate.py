#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: k8s_manifest_validate
short_description: Validate Kubernetes manifests offline against the schemas of a Kubernetes version and of CRDs
version_added: 0.1.0
description:
  - Checks Kubernetes manifests without a cluster, the way C(kubectl apply --validate=strict) would
    against an API server of O(kubernetes_version), so that render mode (C(langsmith_k8s_apply=false)) and
    GitOps users get manifests that apply cleanly.
  - Built-in kinds are checked against the JSON schemas the C(kubernetes-validate) Python package ships for
    each Kubernetes minor version. Custom resources are checked against JSON schemas converted from their
    CRDs' C(openAPIV3Schema). Bundled are the External Secrets Operator C(external-secrets.io/v1)
    C(ExternalSecret) and C(ClusterSecretStore) (the AWS provider) that the C(platform) role writes; more come
    from O(crd_files) or O(schemas).
  - Reads files and directories (every C(.yaml), C(.yml) and C(.json) file, walked in sorted order, every YAML
    document in them) and inline O(documents). Never changes anything.
  - Fails when a manifest is invalid, or has a kind without a schema, unless told otherwise; the result
    lists every resource with the schema used and its errors (all errors for custom resources, the first one
    for built-in kinds).
  - Not an AWS module; it runs where the task runs (the controller in this collection's playbooks) and needs
    the C(kubernetes-validate), C(jsonschema) and C(PyYAML) Python packages there.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
requirements:
  - kubernetes-validate
  - jsonschema
  - PyYAML
options:
  path:
    description:
      - Files or directories of manifests. Directories are walked; files ending in C(.yaml), C(.yml) or C(.json)
        are read, each YAML document in them checked.
    type: list
    elements: path
    default: []
  documents:
    description: Manifests given inline (each a Kubernetes object as a mapping).
    type: list
    elements: dict
    default: []
  kubernetes_version:
    description:
      - Kubernetes version of the target cluster, V(1.34) or V(v1.34.2); the schemas of the newest supported
        version not newer than it are used.
    type: str
    required: true
  strict:
    description:
      - Reject fields the schema does not define (a typo such as C(replica:) or a field of a newer version), as
        C(kubectl apply --validate=strict) does.
    type: bool
    default: true
  crd_files:
    description:
      - CRD manifests (files or directories) whose served versions add schemas for their custom resources; they
        take precedence over the bundled ones.
    type: list
    elements: path
    default: []
  schemas:
    description:
      - Extra JSON schemas keyed by C(<apiVersion>/<kind>), e.g. C(example.com/v1/Widget); they take precedence
        over every other schema.
    type: dict
    default: {}
  allow_unknown_kinds:
    description:
      - Report a kind without a schema as skipped instead of invalid.
    type: bool
    default: false
  fail_on_error:
    description: Fail when any manifest is invalid. With V(false) the result still says which ones are.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
notes:
  - Offline validation checks structure, types, enums, patterns and required fields. It cannot check what only
    a cluster knows (admission webhooks, quotas, whether a referenced object exists).
"""

EXAMPLES = r"""
- name: Validate the rendered platform manifests for the cluster's Kubernetes version
  langchain.langsmith_aws.k8s_manifest_validate:
    path: ["{{ langsmith_artifacts_dir }}/platform/manifests"]
    kubernetes_version: "{{ eks_outputs.version }}"

- name: Validate objects before applying them (inline), with the CRDs of a chart
  langchain.langsmith_aws.k8s_manifest_validate:
    documents:
      - apiVersion: v1
        kind: Namespace
        metadata:
          name: langsmith
    crd_files: [/tmp/chart/crds]
    kubernetes_version: "1.34"

- name: Report, do not fail
  langchain.langsmith_aws.k8s_manifest_validate:
    path: [manifests/]
    kubernetes_version: "1.33"
    fail_on_error: false
  register: check
"""

RETURN = r"""
resources:
  description: Every manifest checked, in order.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: The file the manifest came from, or C(documents[<n>]) for inline ones.
      type: str
      sample: artifacts/demo/platform/manifests/20-external-secrets.yaml
    index:
      description: Position of the document in its source (0-based).
      type: int
      sample: 0
    api_version:
      description: The manifest's apiVersion.
      type: str
      sample: external-secrets.io/v1
    kind:
      description: The manifest's kind.
      type: str
      sample: ExternalSecret
    name:
      description: metadata.name.
      type: str
      sample: langsmith-config
    namespace:
      description: metadata.namespace (empty for cluster-scoped objects).
      type: str
      sample: langsmith
    valid:
      description: Whether the manifest matches its schema.
      type: bool
      sample: true
    schema:
      description: C(kubernetes-<minor>) (built-in kind), C(custom) (CRD, bundled or given) or C(none).
      type: str
      sample: kubernetes-1.34
    skipped:
      description: True when the kind has no schema and O(allow_unknown_kinds) is set.
      type: bool
      sample: false
    errors:
      description: "What is wrong, each as C(<field path>: <message>)."
      type: list
      elements: str
      sample: ["spec.target.creationPolicy: 'Always' is not one of ['Owner', 'Orphan', 'Merge', 'None']"]
invalid:
  description: Number of invalid manifests.
  returned: always
  type: int
  sample: 0
kubernetes_version:
  description: The Kubernetes minor version whose built-in schemas were used.
  returned: always
  type: str
  sample: "1.34"
custom_kinds:
  description: The C(<apiVersion>/<kind>) keys custom schemas were available for.
  returned: always
  type: list
  elements: str
  sample: [external-secrets.io/v1/ClusterSecretStore, external-secrets.io/v1/ExternalSecret]
"""

import re
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import k8s_validate
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.k8s_crd_schemas import SCHEMAS as BUNDLED_SCHEMAS

VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(\.\d+)?([-+].*)?$")


def _minor(version, supported):
    match = VERSION_RE.match(str(version).strip())
    if not match:
        return None, f"kubernetes_version={version!r} is not a Kubernetes version: give e.g. 1.34"
    wanted = (int(match.group(1)), int(match.group(2)))
    usable = [v for v in supported if tuple(int(p) for p in v.split(".")) <= wanted]
    if not usable:
        return (
            None,
            f"kubernetes_version={version} is older than every schema set kubernetes-validate ships ({supported[0]}+)",
        )
    newest = supported[-1]
    if wanted > tuple(int(p) for p in newest.split(".")):
        return None, (
            f"kubernetes_version={version} is newer than the schemas kubernetes-validate ships (up to {newest}): "
            "upgrade the kubernetes-validate package"
        )
    return usable[-1], None


def _custom_schemas(module, strict):
    schemas = dict(BUNDLED_SCHEMAS)
    try:
        for path in k8s_validate.expand_paths(module.params["crd_files"]):
            for crd in k8s_validate.load_documents(path):
                if isinstance(crd, dict) and crd.get("kind") == "CustomResourceDefinition":
                    schemas.update(k8s_validate.crd_schemas(crd, strict=strict))
    except k8s_validate.ManifestError as exc:
        module.fail_json(msg=f"Failed to read the CRD files: {exc}")
    schemas.update(module.params["schemas"] or {})
    return schemas


def _sources(module):
    sources = []
    try:
        for path in k8s_validate.expand_paths(module.params["path"]):
            for index, document in enumerate(k8s_validate.load_documents(path)):
                sources.append((path, index, document))
    except k8s_validate.ManifestError as exc:
        module.fail_json(msg=f"Failed to read the manifests: {exc}")
    for index, document in enumerate(module.params["documents"]):
        sources.append((f"documents[{index}]", 0, document))
    return sources


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="list", elements="path", default=[]),
            documents=dict(type="list", elements="dict", default=[]),
            kubernetes_version=dict(type="str", required=True),
            strict=dict(type="bool", default=True),
            crd_files=dict(type="list", elements="path", default=[]),
            schemas=dict(type="dict", default={}),
            allow_unknown_kinds=dict(type="bool", default=False),
            fail_on_error=dict(type="bool", default=True),
        ),
        required_one_of=[("path", "documents")],
        supports_check_mode=True,
    )
    for _name, present, package in (
        ("kubernetes_validate", k8s_validate.HAS_KUBERNETES_VALIDATE, "kubernetes-validate"),
        ("jsonschema", k8s_validate.HAS_JSONSCHEMA, "jsonschema"),
        ("yaml", k8s_validate.HAS_YAML, "PyYAML"),
    ):
        if not present:
            module.fail_json(msg=missing_required_lib(package), exception=traceback.format_exc())

    minor, problem = _minor(module.params["kubernetes_version"], k8s_validate.supported_kubernetes_versions())
    if problem:
        module.fail_json(msg=problem)
    strict = module.params["strict"]
    schemas = _custom_schemas(module, strict)
    sources = _sources(module)
    if not sources:
        module.fail_json(msg=f"No manifests found in {module.params['path']}: nothing to validate")

    results, invalid = k8s_validate.validate_manifests(
        sources, minor, schemas=schemas, strict=strict, allow_unknown_kinds=module.params["allow_unknown_kinds"]
    )
    outcome = dict(
        changed=False, resources=results, invalid=invalid, kubernetes_version=minor, custom_kinds=sorted(schemas)
    )
    if invalid and module.params["fail_on_error"]:
        lines = [
            f"{r['source']}#{r['index']} {r['kind']}/{r['name']}: {'; '.join(r['errors'])}"
            for r in results
            if not r["valid"]
        ]
        module.fail_json(
            msg=f"{invalid} of {len(results)} manifests are invalid for Kubernetes {minor}: " + " | ".join(lines),
            **outcome,
        )
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()

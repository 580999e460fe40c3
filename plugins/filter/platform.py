# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the platform role: ExternalSecrets from the chart's secret contract, Helm release
specs validation, EBS CSI volume tags and stable multi-document YAML (pure Python, no AWS calls)."""

from __future__ import annotations

import re

import yaml
from ansible.errors import AnsibleFilterError

PINNED_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
RELEASE_KEYS = ("name", "namespace", "chart_ref", "chart_repo_url", "chart_version", "values")


def platform_external_secrets(contract, secret_refs, store_name, namespace, refresh_interval, labels=None):  # noqa: PLR0917 (filter arguments)
    """One ExternalSecret per Kubernetes Secret of ``contract``, with exactly its keys.

    ``contract``: ``[{name, keys: [{key, entry}]}]``; ``secret_refs``: ``secrets_outputs.secrets``
    (``{entry: {name, arn}}``). Each key reads the JSON property of the same name of the entry's
    Secrets Manager secret, by name (stable across re-creation; the IRSA policy grants the ARNs).
    """
    secret_refs = secret_refs or {}
    out = []
    for secret in contract or []:
        data = []
        for item in secret["keys"]:
            ref = secret_refs.get(item["entry"])
            if not ref or not ref.get("name"):
                raise AnsibleFilterError(
                    f"platform_external_secrets: no Secrets Manager entry {item['entry']!r} for "
                    f"{secret['name']}/{item['key']} in secrets_outputs.secrets (run playbooks/secrets.yml)"
                )
            data.append({"secretKey": item["key"], "remoteRef": {"key": ref["name"], "property": item["key"]}})
        keys = [d["secretKey"] for d in data]
        if len(set(keys)) != len(keys):
            raise AnsibleFilterError(f"platform_external_secrets: duplicate keys in {secret['name']}: {keys}")
        out.append(
            {
                "apiVersion": "external-secrets.io/v1",
                "kind": "ExternalSecret",
                "metadata": {"name": secret["name"], "namespace": namespace, "labels": dict(labels or {})},
                "spec": {
                    "refreshInterval": refresh_interval,
                    "secretStoreRef": {"kind": "ClusterSecretStore", "name": store_name},
                    "target": {"name": secret["name"], "creationPolicy": "Owner", "deletionPolicy": "Retain"},
                    "data": data,
                },
            }
        )
    return out


def platform_contract_mismatches(contract, secret_refs, sources_by_secret):
    """``<secret>/<key>`` entries of ``contract`` whose Secrets Manager entry is not among the sources the
    secrets stage lists for that Kubernetes Secret (and so may not be readable by External Secrets)."""
    out = []
    for secret in contract or []:
        allowed = {s.get("name") for s in (sources_by_secret or {}).get(secret["name"], [])}
        for item in secret["keys"]:
            name = ((secret_refs or {}).get(item["entry"]) or {}).get("name")
            if name not in allowed:
                out.append(f"{secret['name']}/{item['key']} ({name or item['entry']})")
    return out


def platform_release_problems(releases):
    """Problems of a list of Helm release specs (empty when every spec is complete and pinned)."""
    problems = []
    names = []
    for index, release in enumerate(releases or []):
        label = release.get("name") or f"releases[{index}]"
        missing = [k for k in RELEASE_KEYS if release.get(k) in (None, "")]
        if missing:
            problems.append(f"{label}: missing {', '.join(missing)}")
        version = str(release.get("chart_version") or "")
        if version and not PINNED_VERSION.match(version):
            problems.append(
                f"{label}: chart_version {version!r} is not pinned: give an exact version such as 1.2.3 "
                "(platform_chart_versions), never a range or 'latest'"
            )
        if release.get("name") and not RELEASE_NAME.match(release["name"]):
            problems.append(f"{label}: release name must be lowercase letters, digits and '-'")
        url = str(release.get("chart_repo_url") or "")
        if url and not url.startswith("https://"):
            problems.append(f"{label}: chart_repo_url {url!r} must be an https:// URL")
        if not isinstance(release.get("values", {}), dict):
            problems.append(f"{label}: values must be a mapping")
        names.append((release.get("namespace"), release.get("name")))
    duplicates = sorted({f"{ns}/{n}" for ns, n in names if names.count((ns, n)) > 1})
    if duplicates:
        problems.append(f"duplicate releases: {', '.join(duplicates)}")
    return problems


def platform_release_index(releases, timeout_seconds):
    """The release specs without their values, each naming its values file (render mode's releases.yaml)."""
    out = []
    for release in releases or []:
        out.append(
            {
                "name": release["name"],
                "namespace": release["namespace"],
                "chart_ref": release["chart_ref"],
                "chart_repo_url": release["chart_repo_url"],
                "chart_version": str(release["chart_version"]),
                "values_file": f"{release['name']}.values.yaml",
                "wait": True,
                "atomic": True,
                "timeout": f"{int(timeout_seconds)}s",
            }
        )
    return out


DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def default_storage_classes(classes):
    """The StorageClass objects marked default by either annotation (GA or beta), in the given order."""
    out = []
    for item in classes or []:
        annotations = (item.get("metadata") or {}).get("annotations") or {}
        if any(str(annotations.get(a, "")).lower() == "true" for a in DEFAULT_CLASS_ANNOTATIONS):
            out.append(item)
    return out


def ebs_csi_tag_parameters(tags):
    """StorageClass parameters tagging every EBS volume (``tagSpecification_<n>: key=value``), sorted."""
    out = {}
    for index, key in enumerate(sorted(tags or {}), start=1):
        value = str(tags[key])
        if "=" in key or "," in value:
            raise AnsibleFilterError(
                f"ebs_csi_tag_parameters: tag {key}={value} cannot be passed to the EBS CSI driver"
            )
        out[f"tagSpecification_{index}"] = f"{key}={value}"
    return out


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as literals, no aliases: stable, readable output."""

    def ignore_aliases(self, data):
        return True


def _str_representer(dumper, data):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def _plain(value):
    """Ansible's tagged/unsafe strings and lazy containers as plain Python types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def k8s_manifests_yaml(documents, header=""):
    """A multi-document YAML file (``---`` between objects, keys sorted) with a comment header."""
    if isinstance(header, (list, tuple)):
        header = "\n".join(str(h) for h in header)
    lines = [f"# {line}".rstrip() for line in str(header or "").splitlines()]
    body = yaml.dump_all(
        [_plain(d) for d in documents or []],
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=True,
        explicit_start=True,
        width=120,
    )
    return ("\n".join(lines) + "\n" if lines else "") + body


def platform_manifest_files(manifests, directory, env, k8s_version):
    """The render mode's manifest files (``[{dest, mode, content}]``), one per ``{file, documents}``
    step, in apply order, for the ``files_to_write`` filter."""
    header = [
        f"Rendered by langchain.langsmith_aws.platform for {env} (Kubernetes {k8s_version}).",
        "Apply in file-name order; install the Helm releases of ../helm/releases.yaml after 00-namespaces.yaml.",
    ]
    return [
        {
            "dest": f"{directory}/manifests/{m['file']}",
            "mode": "0640",
            "content": k8s_manifests_yaml(m["documents"], header),
        }
        for m in manifests or []
    ]


def platform_values_files(releases, directory):
    """The render mode's Helm values files (``[{dest, mode, content}]``), one per release."""
    return [
        {
            "dest": f"{directory}/helm/{r['name']}.values.yaml",
            "mode": "0640",
            "content": k8s_manifests_yaml(
                [r["values"]],
                f"Helm values of {r['name']} ({r['chart_ref']} {r['chart_version']} from {r['chart_repo_url']})"
                f" in namespace {r['namespace']}.",
            ),
        }
        for r in releases or []
    ]


class FilterModule:
    def filters(self):
        return {
            "platform_manifest_files": platform_manifest_files,
            "platform_values_files": platform_values_files,
            "platform_external_secrets": platform_external_secrets,
            "platform_contract_mismatches": platform_contract_mismatches,
            "platform_release_problems": platform_release_problems,
            "platform_release_index": platform_release_index,
            "ebs_csi_tag_parameters": ebs_csi_tag_parameters,
            "default_storage_classes": default_storage_classes,
            "k8s_manifests_yaml": k8s_manifests_yaml,
        }

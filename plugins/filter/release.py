# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that build and check the LangSmith Helm chart values (pure Python, no AWS or cluster calls).

The values follow the chart's contract (shared reference: langsmith-chart.md) for the reference
architecture: ALB ingress with TLS and WAF, external PostgreSQL and Redis through existing
Kubernetes Secrets, ClickHouse in the cluster on a dedicated node group or external, S3 blob
storage through IRSA, and no secret value anywhere in the values.
"""

from __future__ import annotations

import copy
import re

from ansible.errors import AnsibleFilterError

# Chart keys of the LangSmith workloads this collection sizes, in a stable order.
COMPONENTS = ("frontend", "backend", "platformBackend", "queue", "ingestQueue", "playground", "aceBackend")
# Workloads that reach S3 (blob storage): their service accounts carry the IRSA role. The chart's
# migration and bootstrap Jobs run as the backend service account.
IRSA_COMPONENTS = ("backend", "platformBackend", "queue", "ingestQueue")
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
ALB = "alb.ingress.kubernetes.io/"
SCHEMES = ("internet-facing", "internal")
AUTH_MODES = ("basic", "oidc")
CLICKHOUSE_MODES = ("in_cluster", "external")

# Chart keys whose value is a secret: they must stay empty (the secrets live in Secrets Manager and
# reach the pods through the ExternalSecret-managed Kubernetes Secrets).
SECRET_KEYS = (
    "config.langsmithLicenseKey",
    "config.apiKeySalt",
    "config.basicAuth.initialOrgAdminPassword",
    "config.basicAuth.jwtSecret",
    "config.oauth.oauthClientSecret",
    "config.signingJwks",
    "config.agentBuilder.encryptionKey",
    "config.blobStorage.accessKey",
    "config.blobStorage.accessKeySecret",
    "config.blobStorage.azureStorageAccountKey",
    "config.blobStorage.azureStorageConnectionString",
    "postgres.external.password",
    "postgres.external.connectionUrl",
    "redis.external.connectionUrl",
    "clickhouse.external.password",
    "insights.encryptionKey",
    "polly.encryptionKey",
    "fleet.encryptionKey",
)

_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")


def deep_merge(base, override):
    """Recursive dict merge (``override`` wins; lists are replaced, not appended)."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _get(data, path):
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _resources(spec):
    return {
        "requests": {"cpu": str(spec["requests"]["cpu"]), "memory": str(spec["requests"]["memory"])},
        "limits": {"cpu": str(spec["limits"]["cpu"]), "memory": str(spec["limits"]["memory"])},
    }


def _min_replicas(spec):
    hpa = spec.get("hpa") or {}
    return int(hpa["min"]) if hpa.get("enabled") else int(spec["replicas"])


def component_values(spec):
    """Chart values of one workload: replicas, resources, HPA (new ``autoscaling.hpa`` form) and PDB.

    A PodDisruptionBudget (minAvailable 1) is on exactly when the workload never runs fewer than
    two pods: one pod with minAvailable 1 would block every node drain.
    """
    hpa = spec.get("hpa") or {"enabled": False}
    autoscaling = {"hpa": {"enabled": bool(hpa.get("enabled"))}}
    if hpa.get("enabled"):
        autoscaling["hpa"].update(
            {
                "minReplicas": int(hpa["min"]),
                "maxReplicas": int(hpa["max"]),
                "targetCPUUtilizationPercentage": int(hpa.get("cpu", 70)),
                "targetMemoryUtilizationPercentage": int(hpa.get("memory", 80)),
            }
        )
    replicas = int(hpa["min"]) if hpa.get("enabled") else int(spec["replicas"])
    pdb_on = _min_replicas(spec) >= 2
    return {
        "deployment": {"replicas": replicas, "resources": _resources(spec)},
        "autoscaling": autoscaling,
        "pdb": {"enabled": pdb_on, "minAvailable": 1} if pdb_on else {"enabled": False},
    }


def component_problems(components):
    """Input mistakes in ``release_components``, each naming the key and the fix (empty when valid)."""
    problems = []
    if not isinstance(components, dict):
        return [f"release_components must be a dict keyed by chart component ({', '.join(COMPONENTS)})."]
    unknown = sorted(set(components) - set(COMPONENTS))
    if unknown:
        problems.append(
            f"release_components has unknown components {unknown}: use the chart's keys {', '.join(COMPONENTS)}."
        )
    for name in COMPONENTS:
        spec = components.get(name)
        where = f"release_components.{name}"
        if not isinstance(spec, dict):
            problems.append(f"{where} is missing: every component needs replicas, requests, limits and hpa.")
            continue
        try:
            replicas = int(spec.get("replicas", -1))
        except (TypeError, ValueError):
            replicas = -1
        if replicas < 1:
            problems.append(f"{where}.replicas={spec.get('replicas')!r} must be an integer >= 1.")
        for part in ("requests", "limits"):
            block = spec.get(part) or {}
            for key in ("cpu", "memory"):
                value = str(block.get(key, ""))
                if not _QUANTITY.match(value):
                    problems.append(
                        f"{where}.{part}.{key}={block.get(key)!r} is not a Kubernetes quantity (e.g. 500m, 2, 2Gi)."
                    )
        hpa = spec.get("hpa") or {}
        if hpa.get("enabled"):
            try:
                low, high = int(hpa.get("min", 0)), int(hpa.get("max", 0))
            except (TypeError, ValueError):
                low, high = 0, 0
            if low < 1 or high < low:
                problems.append(
                    f"{where}.hpa: min={hpa.get('min')!r} max={hpa.get('max')!r}: need 1 <= min <= max "
                    "(the HorizontalPodAutoscaler bounds)."
                )
    return problems


def alb_annotations(alb):
    """AWS Load Balancer Controller annotations for the chart's Ingress."""
    scheme = alb["scheme"]
    if scheme not in SCHEMES:
        raise AnsibleFilterError(f"alb_annotations: scheme must be one of {SCHEMES}, got {scheme!r}")
    attributes = [f"idle_timeout.timeout_seconds={int(alb['idle_timeout'])}"]
    attributes.append("routing.http.drop_invalid_header_fields.enabled=true")
    annotations = {
        ALB + "scheme": scheme,
        ALB + "target-type": "ip",
        ALB + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
        ALB + "ssl-redirect": "443",
        ALB + "certificate-arn": alb["certificate_arn"],
        ALB + "ssl-policy": alb["ssl_policy"],
        ALB + "group.name": alb["group_name"],
        ALB + "healthcheck-path": alb["healthcheck_path"],
        ALB + "success-codes": "200",
        ALB + "load-balancer-attributes": ",".join(attributes),
    }
    if alb.get("web_acl_arn"):
        annotations[ALB + "wafv2-acl-arn"] = alb["web_acl_arn"]
    if alb.get("inbound_cidrs"):
        annotations[ALB + "inbound-cidrs"] = ",".join(alb["inbound_cidrs"])
    if alb.get("tags"):
        annotations[ALB + "tags"] = ",".join(f"{k}={v}" for k, v in sorted(alb["tags"].items()))
    return annotations


def _clickhouse_values(clickhouse, secret_name):
    mode = clickhouse["mode"]
    if mode not in CLICKHOUSE_MODES:
        raise AnsibleFilterError(f"langsmith_values: clickhouse.mode must be one of {CLICKHOUSE_MODES}, got {mode!r}")
    # clickhouse.enabled stays a real boolean true in both modes (the chart's validate.yaml requires a
    # bool, and false would remove ClickHouse as the ingestion and query backend). The chart reads the
    # connection (and, in the cluster, user/password/database) from this one Secret in both modes.
    values = {
        "enabled": True,
        "external": {"enabled": mode == "external", "existingSecretName": secret_name},
    }
    if mode == "external":
        if clickhouse.get("external_cluster"):
            values["external"]["cluster"] = clickhouse["external_cluster"]
        return values
    values["statefulSet"] = {
        "resources": _resources(clickhouse),
        "persistence": {
            "enabled": True,
            "size": str(clickhouse["storage_size"]),
            "storageClassName": clickhouse["storage_class"],
        },
        "nodeSelector": dict(clickhouse.get("node_selector") or {}),
        "tolerations": list(clickhouse.get("tolerations") or []),
    }
    return values


def langsmith_values(spec):
    """The chart values for this architecture, from the role's inputs (see roles/release/vars/main.yml)."""
    try:
        auth = spec["auth"]
        if auth not in AUTH_MODES:
            raise AnsibleFilterError(f"langsmith_values: auth must be one of {AUTH_MODES}, got {auth!r}")
        secrets = spec["secrets"]
        region = spec["region"]
        config = {
            "existingSecretName": secrets["app"],
            "hostname": f"https://{spec['hostname']}",
            # mixed: basic auth, or OIDC with a client secret (the secret comes from the app Secret).
            "authType": "mixed",
            "basicAuth": {"enabled": auth == "basic"},
            "oauth": {"enabled": auth == "oidc"},
            "blobStorage": {
                "enabled": True,
                "engine": "S3",
                "bucketName": spec["blob"]["bucket"],
                "apiURL": f"https://s3.{region}.amazonaws.com",
                "kmsEncryptionEnabled": bool(spec["blob"].get("kms_key_arn")),
            },
            "ttl": {
                "enabled": True,
                "ttl_period_seconds": {
                    "longlived": str(int(spec["ttl"]["long_days"]) * 86400),
                    "shortlived": str(int(spec["ttl"]["short_days"]) * 86400),
                },
            },
        }
        if auth == "basic":
            config["initialOrgAdminEmail"] = spec["initial_admin_email"]
        if spec["blob"].get("kms_key_arn"):
            config["blobStorage"]["kmsKeyArn"] = spec["blob"]["kms_key_arn"]

        values = {
            "config": config,
            "commonEnv": [
                {"name": "AWS_REGION", "value": region},
                {"name": "AWS_DEFAULT_REGION", "value": region},
            ],
            "ingress": {
                "enabled": True,
                "ingressClassName": spec["alb"].get("ingress_class", "alb"),
                "annotations": alb_annotations(spec["alb"]),
            },
            "postgres": {
                "external": {
                    "enabled": True,
                    "existingSecretName": secrets["postgres"],
                    "connectionUrlSecretKey": "connection_url",
                }
            },
            "redis": {
                "external": {
                    "enabled": True,
                    "existingSecretName": secrets["redis"],
                    "connectionUrlSecretKey": "connection_url",
                }
            },
            "clickhouse": _clickhouse_values(spec["clickhouse"], secrets["clickhouse"]),
            # Agent features are on by default in the chart; each then needs its own encryption key
            # and runs its own in-cluster PostgreSQL and Redis. Off unless asked for.
            "insights": {"enabled": bool(spec.get("insights", False))},
            "polly": {"enabled": bool(spec.get("polly", False))},
        }
        components = spec["components"]
        for name in COMPONENTS:
            values[name] = component_values(components[name])
        # The ALB sends traffic straight to the frontend pods (target-type ip): no second load balancer.
        values["frontend"]["service"] = {"type": "ClusterIP"}
        values["frontend"]["keepAliveTimeout"] = str(int(spec["frontend_keepalive_timeout"]))
        for name in IRSA_COMPONENTS:
            values[name]["serviceAccount"] = {"annotations": {IRSA_ANNOTATION: spec["irsa_role_arn"]}}
    except KeyError as exc:
        raise AnsibleFilterError(f"langsmith_values: missing input {exc}") from None
    return deep_merge(values, spec.get("extra") or {})


def key_paths(values, prefix=""):
    """Every key path of ``values`` down to its leaves (lists count as leaves)."""
    paths = []
    for key, value in (values or {}).items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            paths.extend(key_paths(value, path + "."))
        else:
            paths.append(path)
    return sorted(paths)


def parse_chart_keys(text):
    """Parse a pinned key list: ``{path: kind}``, kind '' (leaf), '{}' (free-form map) or '[]' (list)."""
    keys = {}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        path, _sep, kind = line.partition(" ")
        keys[path] = kind.strip()
    return keys


def chart_unknown_keys(values, keys_text):
    """Key paths of ``values`` that the chart does not have (per the pinned key list).

    A path is known when it is listed, or when one of its prefixes is a free-form map ('{}') such as
    ``ingress.annotations`` or ``clickhouse.statefulSet.nodeSelector``.
    """
    keys = parse_chart_keys(keys_text)
    maps = {path for path, kind in keys.items() if kind == "{}"}
    unknown = []
    for path in key_paths(values):
        if path in keys:
            continue
        parts = path.split(".")
        if any(".".join(parts[:i]) in maps for i in range(1, len(parts))):
            continue
        unknown.append(path)
    return unknown


def value_problems(values):
    """Values that would put a secret in the Helm values, or that the chart renames (fails rendering)."""
    problems = []
    for path in SECRET_KEYS:
        if _get(values, path) not in (None, ""):
            problems.append(
                f"{path} is set in the Helm values (release_extra_values?): secrets must stay out of values. "
                "Put the value in Secrets Manager (the secrets stage) so the ExternalSecret delivers it."
            )
    for name in COMPONENTS:
        autoscaling = _get(values, f"{name}.autoscaling")
        if isinstance(autoscaling, dict):
            for old in ("enabled", "createHpa", "type"):
                if old in autoscaling:
                    problems.append(
                        f"{name}.autoscaling.{old} is the old form the chart now rejects: "
                        f"use {name}.autoscaling.hpa.enabled (release_extra_values)."
                    )
    if not isinstance(_get(values, "clickhouse.enabled"), bool):
        problems.append("clickhouse.enabled must be a real boolean (do not quote true or false).")
    return problems


class FilterModule:
    def filters(self):
        return {
            "langsmith_values": langsmith_values,
            "langsmith_component_problems": component_problems,
            "langsmith_value_problems": value_problems,
            "langsmith_chart_unknown_keys": chart_unknown_keys,
            "helm_key_paths": key_paths,
        }

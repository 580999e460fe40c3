# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes evidence the official debugging script does not collect, and its analysis.

The official ``get_k8s_debugging_info.sh`` captures ``kubectl get all``, events, ``top``, pod
describe output, logs and Helm values. It does not capture Ingresses, PersistentVolumeClaims,
ExternalSecrets, TargetGroupBindings, nodes or StorageClasses; these collectors add them with
``kubectl get -o json`` (the same kubectl and kubeconfig the script uses), and read pods to turn
their states into findings. Secrets are never read.
"""

from __future__ import annotations

import json

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.diagnostics import (
    CollectorSkipped,
    finding,
)

CLICKHOUSE_DATA_PATH = "/var/lib/clickhouse"

# collector name -> (kubectl resource, namespaced, output file)
RESOURCES = {
    "k8s_ingresses": ("ingresses.networking.k8s.io", True, "kubernetes/ingresses.json"),
    "k8s_pvcs": ("persistentvolumeclaims", True, "kubernetes/persistentvolumeclaims.json"),
    "k8s_externalsecrets": ("externalsecrets.external-secrets.io", True, "kubernetes/externalsecrets.json"),
    "k8s_targetgroupbindings": ("targetgroupbindings.elbv2.k8s.aws", True, "kubernetes/targetgroupbindings.json"),
    "k8s_pods": ("pods", True, "kubernetes/pods.json"),
    "k8s_nodes": ("nodes", False, "kubernetes/nodes.json"),
    "k8s_storageclasses": ("storageclasses.storage.k8s.io", False, "kubernetes/storageclasses.json"),
}
CRD_MISSING_MARKERS = (
    "the server doesn't have a resource type",
    "no matches for kind",
    "could not find the requested resource",
)


class KubectlError(Exception):
    """kubectl failed; ``missing_type`` is True when the resource type (CRD) is not installed."""

    def __init__(self, message, missing_type=False):
        super().__init__(message)
        self.missing_type = missing_type


class Kubectl:
    """``kubectl get <resource> -o json`` through ``run_command`` (AnsibleModule.run_command)."""

    def __init__(self, run_command, kubectl: str, namespace: str, kubeconfig=None):
        self.run_command = run_command
        self.kubectl = kubectl
        self.namespace = namespace
        self.environ = {"KUBECONFIG": kubeconfig} if kubeconfig else {}

    def get(self, resource: str, namespaced: bool = True) -> list:
        args = [self.kubectl, "get", resource]
        args += ["--namespace", self.namespace] if namespaced else []
        args += ["--output", "json", "--request-timeout", "30s"]
        rc, out, err = self.run_command(args, environ_update=self.environ, check_rc=False)
        if rc != 0:
            message = (err or out or "").strip().splitlines()
            text = message[-1] if message else f"kubectl exited {rc}"
            missing = any(marker in (err or "") for marker in CRD_MISSING_MARKERS)
            raise KubectlError(f"kubectl get {resource}: {text}", missing_type=missing)
        try:
            return json.loads(out).get("items", [])
        except ValueError as exc:
            raise KubectlError(f"kubectl get {resource}: output is not JSON ({exc})") from exc


def _meta(obj: dict, *, annotations: bool = True) -> dict:
    meta = obj.get("metadata", {})
    out = {k: meta[k] for k in ("name", "namespace", "labels", "creationTimestamp") if k in meta}
    if annotations and meta.get("annotations"):
        out["annotations"] = {
            k: v for k, v in meta["annotations"].items() if k != "kubectl.kubernetes.io/last-applied-configuration"
        }
    return out


def _conditions(obj: dict) -> list:
    return [
        {k: c[k] for k in ("type", "status", "reason", "message", "lastTransitionTime") if k in c}
        for c in obj.get("status", {}).get("conditions", [])
    ]


def _is_clickhouse(name: str, labels: dict) -> bool:
    return "clickhouse" in name or "clickhouse" in (labels or {}).get("app.kubernetes.io/component", "")


# --------------------------------------------------------------------------- trimming
def trim_ingress(obj: dict) -> dict:
    spec = obj.get("spec", {})
    return {
        "metadata": _meta(obj),
        "spec": {k: spec[k] for k in ("ingressClassName", "rules", "tls", "defaultBackend") if k in spec},
        "status": obj.get("status", {}),
    }


def trim_pvc(obj: dict) -> dict:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    return {
        "metadata": _meta(obj),
        "storageClassName": spec.get("storageClassName"),
        "requested": spec.get("resources", {}).get("requests", {}).get("storage"),
        "accessModes": spec.get("accessModes"),
        "volumeName": spec.get("volumeName"),
        "phase": status.get("phase"),
        "capacity": status.get("capacity", {}).get("storage"),
        "conditions": _conditions(obj),
    }


def trim_externalsecret(obj: dict) -> dict:
    spec = obj.get("spec", {})
    return {
        "metadata": _meta(obj),
        "secretStoreRef": spec.get("secretStoreRef"),
        "refreshInterval": spec.get("refreshInterval"),
        "target": (spec.get("target") or {}).get("name"),
        "keys": [d.get("secretKey") for d in spec.get("data", [])],
        "dataFrom": len(spec.get("dataFrom", [])),
        "conditions": _conditions(obj),
        "refreshTime": obj.get("status", {}).get("refreshTime"),
    }


def trim_tgb(obj: dict) -> dict:
    spec = obj.get("spec", {})
    return {
        "metadata": _meta(obj),
        "serviceRef": spec.get("serviceRef"),
        "targetGroupARN": spec.get("targetGroupARN"),
        "targetType": spec.get("targetType"),
        "status": obj.get("status", {}),
    }


def _container_state(status: dict) -> dict:
    out = {k: status.get(k) for k in ("name", "ready", "restartCount", "image") if k in status}
    for key in ("state", "lastState"):
        for phase, detail in (status.get(key) or {}).items():
            out[key] = {"phase": phase}
            out[key].update(
                {k: detail[k] for k in ("reason", "message", "exitCode", "startedAt", "finishedAt") if k in detail}
            )
    return out


def _volume(volume: dict) -> dict:
    kinds = [k for k in volume if k != "name"]
    out = {"name": volume.get("name"), "type": kinds[0] if kinds else None}
    if "persistentVolumeClaim" in volume:
        out["claimName"] = volume["persistentVolumeClaim"].get("claimName")
    return out


def trim_pod(obj: dict) -> dict:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    mounts = {}
    for container in spec.get("containers", []):
        for mount in container.get("volumeMounts", []):
            mounts.setdefault(mount.get("name"), []).append(mount.get("mountPath"))
    return {
        "metadata": _meta(obj, annotations=False),
        "owner": [f"{o.get('kind')}/{o.get('name')}" for o in obj.get("metadata", {}).get("ownerReferences", [])],
        "nodeName": spec.get("nodeName"),
        "phase": status.get("phase"),
        "reason": status.get("reason"),
        "message": status.get("message"),
        "qosClass": status.get("qosClass"),
        "startTime": status.get("startTime"),
        "conditions": _conditions(obj),
        "containers": [
            {"name": c.get("name"), "image": c.get("image"), "resources": c.get("resources", {})}
            for c in spec.get("containers", [])
        ],
        "containerStatuses": [_container_state(s) for s in status.get("containerStatuses", [])],
        "initContainerStatuses": [_container_state(s) for s in status.get("initContainerStatuses", [])],
        "volumes": [dict(_volume(v), mountPaths=mounts.get(v.get("name"), [])) for v in spec.get("volumes", [])],
        "nodeSelector": spec.get("nodeSelector"),
        "tolerations": spec.get("tolerations"),
    }


def trim_node(obj: dict) -> dict:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    labels = obj.get("metadata", {}).get("labels", {})
    keep = (
        "node.kubernetes.io/instance-type",
        "topology.kubernetes.io/zone",
        "eks.amazonaws.com/nodegroup",
        "eks.amazonaws.com/capacityType",
    )
    return {
        "name": obj.get("metadata", {}).get("name"),
        "labels": {k: labels[k] for k in keep if k in labels},
        "taints": spec.get("taints", []),
        "unschedulable": spec.get("unschedulable", False),
        "capacity": status.get("capacity"),
        "allocatable": status.get("allocatable"),
        "conditions": _conditions(obj),
        "kubeletVersion": status.get("nodeInfo", {}).get("kubeletVersion"),
    }


def trim_storageclass(obj: dict) -> dict:
    annotations = obj.get("metadata", {}).get("annotations", {})
    return {
        "name": obj.get("metadata", {}).get("name"),
        "default": annotations.get("storageclass.kubernetes.io/is-default-class") == "true",
        "provisioner": obj.get("provisioner"),
        "parameters": obj.get("parameters"),
        "volumeBindingMode": obj.get("volumeBindingMode"),
        "allowVolumeExpansion": obj.get("allowVolumeExpansion"),
        "reclaimPolicy": obj.get("reclaimPolicy"),
    }


TRIM = {
    "k8s_ingresses": trim_ingress,
    "k8s_pvcs": trim_pvc,
    "k8s_externalsecrets": trim_externalsecret,
    "k8s_targetgroupbindings": trim_tgb,
    "k8s_pods": trim_pod,
    "k8s_nodes": trim_node,
    "k8s_storageclasses": trim_storageclass,
}


# --------------------------------------------------------------------------- analysis
def ingress_findings(items: list, namespace: str, hostname: str) -> list:
    out = []
    if not items:
        out.append(
            finding(
                "k8s-no-ingress",
                "warning",
                f"No Ingress in namespace {namespace}",
                "The chart creates one when ingress.enabled is true; without it no ALB is created.",
                "ui-not-reachable",
                namespace,
            )
        )
    for item in items:
        name = item["metadata"].get("name")
        addresses = [
            a.get("hostname") or a.get("ip") for a in item.get("status", {}).get("loadBalancer", {}).get("ingress", [])
        ]
        if not any(addresses):
            out.append(
                finding(
                    "k8s-ingress-no-address",
                    "critical",
                    f"Ingress {name} has no load balancer address",
                    "The AWS Load Balancer Controller has not provisioned an ALB for it: read the Ingress events "
                    "(kubectl describe ingress) and the controller logs.",
                    "ui-not-reachable",
                    name,
                )
            )
        cls = item.get("spec", {}).get("ingressClassName") or item["metadata"].get("annotations", {}).get(
            "kubernetes.io/ingress.class"
        )
        if cls and cls != "alb":
            out.append(
                finding(
                    "k8s-ingress-class",
                    "warning",
                    f"Ingress {name} uses class {cls}, not alb",
                    "The reference architecture exposes LangSmith through the AWS Load Balancer Controller "
                    "(class alb).",
                    "ui-not-reachable",
                    name,
                )
            )
        hosts = [r.get("host") for r in item.get("spec", {}).get("rules", []) if r.get("host")]
        if hostname and hosts and hostname not in hosts:
            out.append(
                finding(
                    "k8s-ingress-host-mismatch",
                    "warning",
                    f"Ingress {name} answers for {', '.join(hosts)}, not {hostname}",
                    "Requests for the configured hostname do not match a rule.",
                    "ui-not-reachable",
                    name,
                )
            )
    return out


def pod_findings(pods: list, namespace: str) -> list:
    out = []
    if not pods:
        out.append(
            finding(
                "k8s-no-pods",
                "warning",
                f"No pods in namespace {namespace}",
                "Is LangSmith installed in this namespace (diagnostics_namespace)?",
                "ui-not-reachable",
                namespace,
            )
        )
    for pod in pods:
        name = pod["metadata"].get("name", "?")
        clickhouse = _is_clickhouse(name, pod["metadata"].get("labels"))
        for status in pod.get("containerStatuses", []) + pod.get("initContainerStatuses", []):
            out += _container_findings(name, status, clickhouse)
        if pod.get("phase") == "Pending":
            scheduled = next((c for c in pod.get("conditions", []) if c.get("type") == "PodScheduled"), {})
            if scheduled.get("status") == "False":
                out.append(
                    finding(
                        "k8s-pod-unschedulable",
                        "critical",
                        f"Pod {name} cannot be scheduled",
                        scheduled.get("message", scheduled.get("reason", "")),
                        "pods-pending",
                        name,
                    )
                )
        if clickhouse and pod.get("owner") and any(o.startswith("StatefulSet/") for o in pod["owner"]):
            data = [
                v
                for v in pod.get("volumes", [])
                if any(p.startswith(CLICKHOUSE_DATA_PATH) for p in v.get("mountPaths", []))
            ]
            if not any(v.get("type") == "persistentVolumeClaim" for v in data):
                out.append(
                    finding(
                        "clickhouse-no-persistent-volume",
                        "critical",
                        f"ClickHouse pod {name} keeps {CLICKHOUSE_DATA_PATH} on "
                        + (", ".join(sorted({str(v.get("type")) for v in data})) or "the container filesystem"),
                        "Traces are lost when the pod restarts: enable clickhouse.statefulSet.persistence with a "
                        "gp3 StorageClass.",
                        "clickhouse-data-not-persistent",
                        name,
                    )
                )
    return out


def _container_findings(pod: str, status: dict, clickhouse: bool) -> list:
    out = []
    container = status.get("name")
    waiting = status.get("state", {}) if status.get("state", {}).get("phase") == "waiting" else {}
    reason = waiting.get("reason", "")
    last = status.get("lastState", {})
    if last.get("reason") == "OOMKilled":
        out.append(
            finding(
                "clickhouse-oomkilled" if clickhouse else "k8s-container-oomkilled",
                "critical",
                f"Container {pod}/{container} was OOMKilled ({status.get('restartCount', 0)} restarts)",
                "Its memory limit is too low for the load"
                + (" (ClickHouse: raise clickhouse.statefulSet.resources)." if clickhouse else "."),
                "clickhouse-oomkilled" if clickhouse else "pods-in-crashloopbackoff",
                pod,
            )
        )
    if reason == "CrashLoopBackOff":
        out.append(
            finding(
                "k8s-crashloopbackoff",
                "critical",
                f"Container {pod}/{container} is in CrashLoopBackOff ({status.get('restartCount', 0)} restarts)",
                f"Last exit: {last.get('reason', '?')} (code {last.get('exitCode', '?')}). Read its previous logs "
                "(logs/*_previous.log in the script bundle).",
                "pods-in-crashloopbackoff",
                pod,
            )
        )
    elif reason in ("CreateContainerConfigError", "CreateContainerError"):
        out.append(
            finding(
                "k8s-container-config-error",
                "critical",
                f"Container {pod}/{container}: {reason}",
                waiting.get("message", "")
                + " A referenced Secret or ConfigMap key is usually missing: check the ExternalSecrets.",
                "pods-in-crashloopbackoff",
                pod,
            )
        )
    elif reason in ("ImagePullBackOff", "ErrImagePull", "InvalidImageName"):
        out.append(
            finding(
                "k8s-image-pull",
                "critical",
                f"Container {pod}/{container} cannot pull its image ({reason})",
                waiting.get("message", "")
                + " Check egress (NAT) to the registry, or the image mirror and pull secret.",
                "pods-in-crashloopbackoff",
                pod,
            )
        )
    elif status.get("restartCount", 0) >= 5 and last.get("reason") != "OOMKilled":
        out.append(
            finding(
                "k8s-container-restarts",
                "warning",
                f"Container {pod}/{container} restarted {status['restartCount']} times",
                f"Last exit: {last.get('reason', '?')} (code {last.get('exitCode', '?')}).",
                "pods-in-crashloopbackoff",
                pod,
            )
        )
    return out


def pvc_findings(pvcs: list) -> list:
    out = []
    for pvc in pvcs:
        name = pvc["metadata"].get("name")
        if pvc.get("phase") != "Bound":
            clickhouse = "clickhouse" in (name or "")
            out.append(
                finding(
                    "k8s-pvc-not-bound",
                    "critical",
                    f"PersistentVolumeClaim {name} is {pvc.get('phase')}",
                    f"StorageClass {pvc.get('storageClassName') or '(cluster default)'}: check that it exists, that "
                    "the EBS CSI driver runs, and the PVC events.",
                    "clickhouse-data-not-persistent" if clickhouse else "pods-pending",
                    name,
                )
            )
    return out


def externalsecret_findings(items: list) -> list:
    out = []
    for item in items:
        name = item["metadata"].get("name")
        ready = next((c for c in item.get("conditions", []) if c.get("type") == "Ready"), None)
        if not ready or ready.get("status") != "True":
            out.append(
                finding(
                    "k8s-externalsecret-not-ready",
                    "critical",
                    f"ExternalSecret {name} is not Ready",
                    (ready or {}).get("message", "No Ready condition yet.")
                    + " Pods that mount its Secret fail with CreateContainerConfigError.",
                    "pods-in-crashloopbackoff",
                    name,
                )
            )
    return out


def node_findings(nodes: list) -> list:
    out = []
    for node in nodes:
        conditions = {c.get("type"): c for c in node.get("conditions", [])}
        if conditions.get("Ready", {}).get("status") != "True":
            out.append(
                finding(
                    "k8s-node-not-ready",
                    "critical",
                    f"Node {node['name']} is not Ready",
                    conditions.get("Ready", {}).get("message", ""),
                    "pods-pending",
                    node["name"],
                )
            )
        for pressure in ("MemoryPressure", "DiskPressure", "PIDPressure"):
            if conditions.get(pressure, {}).get("status") == "True":
                out.append(
                    finding(
                        "k8s-node-pressure",
                        "warning",
                        f"Node {node['name']} reports {pressure}",
                        conditions[pressure].get("message", ""),
                        "pods-pending",
                        node["name"],
                    )
                )
    return out


def storageclass_findings(classes: list) -> list:
    if classes and not any(c.get("default") for c in classes):
        return [
            finding(
                "k8s-no-default-storageclass",
                "warning",
                "No default StorageClass",
                "PVCs without a storageClassName stay Pending (EKS >= 1.30 no longer marks gp2 as default).",
                "pods-pending",
            )
        ]
    return []


def tgb_findings(tgbs: list, ingresses: list) -> list:
    if ingresses and not tgbs:
        return [
            finding(
                "k8s-no-targetgroupbinding",
                "warning",
                "Ingresses exist but no TargetGroupBinding",
                "The AWS Load Balancer Controller has not reconciled them: check that it runs and read its logs.",
                "alb-targets-unhealthy",
            )
        ]
    return []


# --------------------------------------------------------------------------- collectors
def make_collector(name: str):
    """The collector function for one entry of ``RESOURCES``."""
    resource, namespaced, _file = RESOURCES[name]

    def collect(ev, kubectl, params, facts):
        try:
            items = kubectl.get(resource, namespaced)
        except KubectlError as exc:
            if exc.missing_type:
                raise CollectorSkipped(f"resource type {resource} is not installed in the cluster") from exc
            raise
        trimmed = [TRIM[name](item) for item in items]
        ev.data = {"resource": resource, "namespace": kubectl.namespace if namespaced else None, "items": trimmed}
        facts.setdefault("k8s", {})[name] = trimmed
        _analyse(ev, name, trimmed, kubectl.namespace, params.get("hostname") or "", facts)

    collect.__name__ = f"collect_{name}"
    return collect


def _analyse(ev, name, items, namespace, hostname, facts) -> None:  # noqa: PLR0917
    if name == "k8s_ingresses":
        facts["ingress_hostnames"] = [
            a.get("hostname")
            for i in items
            for a in i.get("status", {}).get("loadBalancer", {}).get("ingress", [])
            if a.get("hostname")
        ]
        ev.findings += ingress_findings(items, namespace, hostname)
    elif name == "k8s_pods":
        ev.findings += pod_findings(items, namespace)
    elif name == "k8s_pvcs":
        ev.findings += pvc_findings(items)
    elif name == "k8s_externalsecrets":
        ev.findings += externalsecret_findings(items)
    elif name == "k8s_targetgroupbindings":
        facts["tgb_target_group_arns"] = [t["targetGroupARN"] for t in items if t.get("targetGroupARN")]
        ev.findings += tgb_findings(items, facts.get("k8s", {}).get("k8s_ingresses", []))
    elif name == "k8s_nodes":
        ev.findings += node_findings(items)
    elif name == "k8s_storageclasses":
        ev.findings += storageclass_findings(items)

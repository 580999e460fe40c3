# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ClickHouse sizing rules for LangSmith on EKS (the logic of the ``clickhouse_sizing`` module).

Pure functions: the module gathers the inputs (options, DescribeInstanceTypes entries, and the
optional live signals from Kubernetes and ClickHouse) and ``evaluate`` turns them into findings,
computed facts and a recommended configuration. The node and EBS math is ``sizing.py``, shared
with the eks role's node-group checks.

Reference (P0 reference architecture and its production checklist): a production ClickHouse node
is 8 vCPU / 32 GB with SSD storage of about 7000 IOPS and 1000 MiB/s; 4 vCPU / 16 GB is allowed
for dev only; scale to 16 vCPU / 64 GB as ingestion grows; a replicated ClickHouse runs 3-5
replicas; disk alert above 70 %; volume expansion allowed; EBS CSI and a default StorageClass.
"GB" is read as GiB, the unit EC2 sells instance memory in.
"""

from __future__ import annotations

import math
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import sizing

MODES = ("in_cluster_single", "in_cluster_replicated", "external")
TIER_CLASSES = ("dev", "production")
# What one ClickHouse replica may use (CPU limit / memory), per tier class.
BASELINE = {
    "production": {"cpu": 8.0, "memory_gib": 32.0, "iops": 7000, "throughput": 1000},
    "dev": {"cpu": 4.0, "memory_gib": 16.0, "iops": 3000, "throughput": 125},
}
SCALE_UP = {"cpu": 16.0, "memory_gib": 64.0}
MIN_REPLICATED, MAX_REPLICAS = 3, 5
# A replica should be guaranteed most of its CPU baseline, not just allowed to burst to it.
CPU_REQUEST_SHARE = 0.75
# The recommended memory request (= limit) leaves this share of the pod room as headroom.
MEMORY_HEADROOM = 0.15
MEMORY_STEP_GIB = 4
EBS_CSI = "ebs.csi.aws.com"
IN_TREE_EBS = "kubernetes.io/aws-ebs"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
DEFAULT_CANDIDATES = (
    "m6i.xlarge",
    "r6i.xlarge",
    "m6i.2xlarge",
    "r6i.2xlarge",
    "m6i.4xlarge",
    "r6i.4xlarge",
    "m6i.8xlarge",
    "r6i.8xlarge",
)
# ClickHouse caps its own memory at 90 % of the cgroup limit (max_server_memory_usage_to_ram_ratio).
CLICKHOUSE_MEMORY_RATIO = 0.9
MEMORY_WARN_RATIO = 0.8


class SizingInputError(ValueError):
    """An option value the rules cannot use; ``option`` names it."""

    def __init__(self, option: str, message: str):
        super().__init__(f"{option}: {message}")
        self.option = option


# --------------------------------------------------------------------------- small helpers
def _num(value: float) -> str:
    """7.0 -> "7", 7.41 -> "7.41"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _gib(mib: float) -> str:
    return f"{mib / sizing.MIB_PER_GIB:.1f} GiB"


def _cpu(cores: float) -> str:
    return f"{_num(cores)} vCPU"


def _parse_cpu(value, option):
    if value in (None, ""):
        return None
    try:
        return sizing.parse_cpu(value)
    except sizing.QuantityError as exc:
        raise SizingInputError(option, str(exc)) from exc


def _parse_memory(value, option):
    if value in (None, ""):
        return None
    try:
        return sizing.parse_memory_mib(value)
    except sizing.QuantityError as exc:
        raise SizingInputError(option, str(exc)) from exc


def _int_param(value, option):
    if value in (None, ""):
        return None
    try:
        return int(float(str(value)))
    except ValueError as exc:
        raise SizingInputError(option, f"{value!r} is not a number") from exc


def _resources(params: dict, key: str) -> dict:
    given = params.get(key) or {}
    return {
        "cpu": _parse_cpu(given.get("cpu"), f"{key}.cpu"),
        "memory_mib": _parse_memory(given.get("memory"), f"{key}.memory"),
    }


def is_default_class(storage_class: dict) -> bool:
    annotations = (storage_class.get("metadata") or {}).get("annotations") or {}
    return any(str(annotations.get(name, "")).lower() == "true" for name in DEFAULT_CLASS_ANNOTATIONS)


def _class_name(storage_class: dict) -> str:
    return (storage_class.get("metadata") or {}).get("name") or storage_class.get("name") or "(unnamed)"


# --------------------------------------------------------------------------- nodes
def _computed_node(entry: dict, params: dict) -> dict:
    node = sizing.node_allocatable(
        entry, vm_memory_overhead_percent=params["vm_memory_overhead_percent"], pods=params.get("max_pods") or None
    )
    node["source"] = "computed"
    node["name"] = node["instance_type"]
    return node


def _live_node(raw: dict, instance_data: dict, params: dict) -> dict:
    """A node as the kubelet reports it, with the instance's EBS figures when its type is known."""
    itype = raw.get("instance_type")
    capacity = raw.get("capacity") or {}
    computed = _computed_node(instance_data[itype], params) if itype in instance_data else {}
    cpu = sizing.parse_cpu(raw["allocatable"]["cpu"])
    memory = sizing.parse_memory_mib(raw["allocatable"]["memory"])
    node = dict(computed)
    node.update(
        {
            "name": raw["name"],
            "instance_type": itype or "unknown",
            "source": "kubernetes",
            "vcpus": computed.get("vcpus") or sizing.parse_cpu(capacity.get("cpu", raw["allocatable"]["cpu"])),
            "memory_mib": computed.get("memory_mib")
            or sizing.parse_memory_mib(capacity.get("memory", raw["allocatable"]["memory"])),
            "allocatable_cpu": round(cpu, 3),
            "allocatable_memory_mib": round(memory, 1),
            "allocatable_memory_gib": round(memory / sizing.MIB_PER_GIB, 2),
            "computed_allocatable_cpu": computed.get("allocatable_cpu"),
            "computed_allocatable_memory_mib": computed.get("allocatable_memory_mib"),
        }
    )
    return node


# --------------------------------------------------------------------------- storage
def volume_from_storage_class(storage_class: dict, size_gib: float) -> dict:
    """Volume type / IOPS / throughput a StorageClass provisions for a claim of ``size_gib``."""
    params = storage_class.get("parameters") or {}
    provisioner = storage_class.get("provisioner") or ""
    default_type = "gp2" if provisioner == IN_TREE_EBS else "gp3"
    vtype = str(params.get("type") or default_type).lower()
    iops = _int_param(params.get("iops"), "storage_class.parameters.iops")
    per_gb = params.get("iopsPerGB") or params.get("iopspergb")
    if iops is None and per_gb not in (None, ""):
        iops = int(float(str(per_gb)) * size_gib)
    throughput = _int_param(params.get("throughput"), "storage_class.parameters.throughput")
    return {"type": vtype, "size": size_gib, "iops": iops, "throughput": throughput}


def _live_storage(live_k8s: dict, params: dict):
    """(storage_class, size_gib, pvc findings) from the live cluster; Nones when nothing is known."""
    classes = {_class_name(sc): sc for sc in live_k8s.get("storage_classes", [])}
    defaults = [sc for sc in classes.values() if is_default_class(sc)]
    findings = []
    pvcs = live_k8s.get("pvcs", [])
    if not pvcs:
        findings.append(
            sizing.finding(
                "storage.pvc",
                "info",
                f"No ClickHouse PersistentVolumeClaim in namespace {live_k8s.get('namespace')} "
                f"(name matching {params.get('pvc_name_pattern')!r}): the volume checks use the planned values.",
                "Nothing to do before the first install; afterwards check the namespace and pvc_name_pattern.",
            )
        )
        return None, None, findings
    chosen = None
    for pvc in pvcs:
        class_name = pvc.get("storage_class") or (_class_name(defaults[0]) if defaults else None)
        if pvc.get("phase") != "Bound":
            findings.append(
                sizing.finding(
                    "storage.pvc",
                    "error",
                    f"PVC {pvc['name']} is {pvc.get('phase') or 'not bound'} (StorageClass "
                    f"{class_name or 'none: no default class'}): ClickHouse cannot start.",
                    "kubectl describe pvc: usually no default StorageClass, no EBS CSI driver, or volume "
                    "parameters EBS rejects; fix the StorageClass, then delete the pending PVC.",
                )
            )
        if class_name and class_name not in classes:
            findings.append(
                sizing.finding(
                    "storage.pvc",
                    "error",
                    f"PVC {pvc['name']} asks for StorageClass {class_name}, which does not exist.",
                    f"Create StorageClass {class_name} (the platform stage does) or set "
                    "clickhouse.statefulSet.persistence.storageClassName to an existing class.",
                )
            )
        size = pvc.get("capacity") or pvc.get("request")
        if class_name in classes and size:
            size_gib = sizing.parse_size_gib(size)
            if chosen is None or size_gib < chosen[1]:
                chosen = (classes[class_name], size_gib)
    if chosen is None:
        return None, None, findings
    return chosen[0], chosen[1], findings


# --------------------------------------------------------------------------- the evaluation
class _Evaluation:
    def __init__(self, params: dict, instance_data: dict, live: dict | None):
        self.params = params
        self.instance_data = instance_data or {}
        self.live = live or {}
        self.tier = params["tier_class"]
        self.mode = params["mode"]
        if self.tier not in TIER_CLASSES:
            raise SizingInputError("tier_class", f"use one of {', '.join(TIER_CLASSES)}")
        self.production = self.tier == "production"
        self.baseline = BASELINE[self.tier]
        self.findings = []
        self.facts = {"tier_class": self.tier, "mode": self.mode, "baseline": dict(self.baseline)}
        self.in_cluster = self.mode != "external"

    def add(self, finding_id, severity, message, fix="", **facts):
        self.findings.append(sizing.finding(finding_id, severity, message, fix, **facts))

    def sev(self, production: str, dev: str) -> str:
        return production if self.production else dev

    # ------------------------------------------------------------------ inputs
    def parse(self):
        p = self.params
        if self.mode not in MODES:
            raise SizingInputError("mode", f"use one of {', '.join(MODES)}")
        self.replicas = int(p.get("replicas") or 1)
        if self.replicas < 1:
            raise SizingInputError("replicas", "must be at least 1")
        self.requests = _resources(p, "requests")
        self.limits = _resources(p, "limits")
        overhead = p.get("daemonset_overhead") or {}
        self.ds_cpu = _parse_cpu(overhead.get("cpu"), "daemonset_overhead.cpu")
        self.ds_mem = _parse_memory(overhead.get("memory"), "daemonset_overhead.memory")
        self.ds_cpu = sizing.DEFAULT_DAEMONSET_CPU if self.ds_cpu is None else self.ds_cpu
        self.ds_mem = sizing.DEFAULT_DAEMONSET_MEMORY_MIB if self.ds_mem is None else self.ds_mem
        self.facts["daemonset_overhead"] = {"cpu": self.ds_cpu, "memory_mib": self.ds_mem}
        self.facts["vm_memory_overhead_percent"] = p["vm_memory_overhead_percent"]
        if self.in_cluster:
            for kind in ("cpu", "memory_mib"):
                if self.requests[kind] is None:
                    option = "requests." + kind.split("_", maxsplit=1)[0]
                    raise SizingInputError(option, f"required in mode {self.mode} (a Kubernetes quantity)")
        live_k8s = self.live.get("kubernetes") or {}
        if live_k8s.get("error"):
            self.add(
                "live.kubernetes",
                "error",
                f"Could not read the cluster: {live_k8s['error']}",
                "Check kubeconfig / context and that this identity may list nodes, PVCs, StorageClasses and "
                "CSIDrivers.",
            )
            self.live = dict(self.live, kubernetes=None)
            live_k8s = {}
        if self.in_cluster and not p.get("instance_types") and not live_k8s:
            raise SizingInputError("instance_types", f"required in mode {self.mode} without a kubeconfig")
        unknown = [t for t in p.get("instance_types") or [] if t not in self.instance_data]
        if unknown and self.in_cluster:
            raise SizingInputError("instance_types", f"no DescribeInstanceTypes data for {', '.join(unknown)}")

    # ------------------------------------------------------------------ nodes
    def nodes(self):
        live_k8s = self.live.get("kubernetes") or {}
        live_nodes = [_live_node(n, self.instance_data, self.params) for n in live_k8s.get("nodes", [])]
        planned = [_computed_node(self.instance_data[t], self.params) for t in self.params.get("instance_types") or []]
        self.facts["nodes"] = live_nodes or planned
        if live_k8s and not live_nodes:
            selector = self.params.get("node_selector") or {}
            wanted = selector or "the instance types " + ", ".join(self.params.get("instance_types") or [])
            self.add(
                "live.nodes",
                "warning",
                f"No node matches {wanted}: "
                + ("the node checks use the planned instance types." if planned else "the node checks were skipped."),
                "Set node_selector to the labels of the ClickHouse node group (or scale it up from zero).",
            )
        for node in live_nodes:
            computed = node.get("computed_allocatable_memory_mib")
            if computed and node["allocatable_memory_mib"] < computed * 0.98:
                self.add(
                    "live.allocatable",
                    "info",
                    f"Node {node['name']} ({node['instance_type']}) reports {_gib(node['allocatable_memory_mib'])} "
                    f"allocatable, below the {_gib(computed)} the EKS formula gives: the checks use the live figure.",
                    "Nothing to change; raise vm_memory_overhead_percent if plans should match this node.",
                )
        nodes = live_nodes or planned
        self.cpu_node = min(nodes, key=lambda n: n["allocatable_cpu"]) if nodes else None
        self.mem_node = min(nodes, key=lambda n: n["allocatable_memory_mib"]) if nodes else None
        self.vcpu_node = min(nodes, key=lambda n: n["vcpus"]) if nodes else None
        known = [n for n in nodes if sizing.instance_ebs(n)["known"]]
        # EBS: the node whose instance carries the least (a pod can land on any node of the group)
        self.ebs_node = min(known, key=lambda n: n["ebs_baseline_throughput_mibps"]) if known else self.mem_node

    def room(self, node):
        return sizing.pod_capacity(node, self.ds_cpu, self.ds_mem)

    # ------------------------------------------------------------------ candidates
    def candidates(self):
        names = list(self.params.get("candidate_instance_types") or DEFAULT_CANDIDATES)
        nodes = [_computed_node(self.instance_data[n], self.params) for n in names if n in self.instance_data]
        return sorted(nodes, key=lambda n: (n["vcpus"], n["memory_mib"]))

    def smallest_fit(self, cpu: float, memory_mib: float):
        for node in self.candidates():
            room = self.room(node)
            if room["cpu"] >= cpu - 1e-9 and room["memory_mib"] >= memory_mib - 1e-9:
                return node
        return None

    def meets_baseline(self, node) -> bool:
        """The node can give one replica the baseline CPU and memory, and its EBS can at least burst to
        the baseline IOPS and throughput."""
        b = self.baseline
        ebs = sizing.instance_ebs(node)
        return (
            node["vcpus"] >= b["cpu"]
            and self.room(node)["memory_mib"] >= b["memory_gib"] * sizing.MIB_PER_GIB
            and (not ebs["known"] or ebs["maximum_throughput_mibps"] + 1e-9 >= b["throughput"])
            and (not ebs["known"] or ebs["maximum_iops"] >= b["iops"])
        )

    def baseline_fix(self, key: str, needed: str) -> str:
        if not self.in_cluster:
            return f"Choose an external service size with at least {needed} per replica (and declare it in limits)."
        node = self.smallest_baseline_node()
        if key == "cpu":
            where = f" (e.g. {node['instance_type']}, {_cpu(node['vcpus'])})" if node else ""
            return f"Use a node type with at least {needed}{where} and set limits.cpu to at least {needed}."
        where = (
            f" (e.g. {node['instance_type']}: {_gib(self.room(node)['memory_mib'])} after DaemonSets)" if node else ""
        )
        return f"Use a node type with room for {needed}{where} and set requests.memory = limits.memory >= {needed}."

    def smallest_baseline_node(self):
        return next((node for node in self.candidates() if self.meets_baseline(node)), None)

    def configured_types(self) -> list:
        live_nodes = (self.live.get("kubernetes") or {}).get("nodes", [])
        names = list(self.params.get("instance_types") or []) + [n.get("instance_type") for n in live_nodes]
        return sorted({n for n in names if n in self.instance_data})

    # ------------------------------------------------------------------ rules
    def topology(self):
        r, mode = self.replicas, self.mode
        fix_repl = (
            "Run a replicated ClickHouse with 3-5 replicas (in_cluster_replicated with the ClickHouse "
            "operator, or external, e.g. ClickHouse Cloud), or accept a single node for P0."
        )
        if mode == "in_cluster_single" and r != 1:
            self.add(
                "topology.replicas",
                "error",
                f"Mode in_cluster_single runs the chart's one-node ClickHouse StatefulSet, but replicas is {r}.",
                "Set replicas: 1, or use mode in_cluster_replicated / external for more replicas.",
            )
        elif mode == "in_cluster_replicated" and r < 2:
            self.add(
                "topology.replicas",
                "error",
                f"Mode in_cluster_replicated with {r} replica is not replicated.",
                "Set replicas to 3-5, or use mode in_cluster_single.",
            )
        if r > MAX_REPLICAS:
            self.add(
                "topology.replicas",
                self.sev("error", "warning"),
                f"{r} replicas: the production checklist allows at most {MAX_REPLICAS}; every replica "
                "repeats every insert and merge.",
                f"Use {MIN_REPLICATED}-{MAX_REPLICAS} larger replicas (scale up to 16 vCPU / 64 GiB) instead.",
            )
        elif self.production and r == 1:
            self.add(
                "topology.replicas",
                "warning",
                "One ClickHouse replica: P0 supports a single node, but the production checklist asks for a "
                f"replicated ClickHouse of {MIN_REPLICATED}-{MAX_REPLICAS} replicas; a node or volume loss "
                "stops trace ingestion and queries until it is restored.",
                fix_repl,
            )
        elif self.production and r < MIN_REPLICATED:
            self.add(
                "topology.replicas",
                "error",
                f"{r} replicas: a replicated production ClickHouse needs {MIN_REPLICATED}-{MAX_REPLICAS}.",
                f"Set replicas to {MIN_REPLICATED}.",
            )

    def resources(self):
        req, lim = self.requests, self.limits
        for kind, label, fmt in (("cpu", "cpu", _cpu), ("memory_mib", "memory", _gib)):
            if lim[kind] is not None and req[kind] is not None and lim[kind] < req[kind]:
                self.add(
                    "resources.limits_below_requests",
                    "error",
                    f"limits.{label} {fmt(lim[kind])} is below requests.{label} {fmt(req[kind])}: the API server "
                    "rejects the pod.",
                    f"Raise limits.{label} to at least {fmt(req[kind])}, or lower requests.{label}.",
                )
        if lim["memory_mib"] is None:
            self.add(
                "resources.memory_limit",
                self.sev("error", "warning"),
                "No memory limit: ClickHouse sizes its caches from the node's RAM and competes with the kubelet "
                "and DaemonSets; the node, not ClickHouse, runs out of memory.",
                "Set limits.memory equal to requests.memory.",
            )
        elif req["memory_mib"] is not None and req["memory_mib"] < lim["memory_mib"]:
            self.add(
                "resources.memory_request_below_limit",
                "warning",
                f"requests.memory {_gib(req['memory_mib'])} < limits.memory {_gib(lim['memory_mib'])}: ClickHouse "
                f"plans for {CLICKHOUSE_MEMORY_RATIO:.0%} of the limit, and above its request it is first in line "
                "for eviction when the node runs short of memory.",
                f"Set requests.memory = limits.memory (e.g. both {_gib(lim['memory_mib'])}) on the dedicated "
                "ClickHouse nodes.",
            )
        if self.mem_node is None:
            return
        cpu_room = self.room(self.cpu_node)
        mem_room = self.room(self.mem_node)
        short = []
        if req["cpu"] > cpu_room["cpu"] + 1e-9:
            short.append("CPU")
        if req["memory_mib"] > mem_room["memory_mib"] + 1e-9:
            short.append("memory")
        if short:
            node = self.cpu_node if "CPU" in short else self.mem_node
            room = self.room(node)
            better = self.smallest_fit(req["cpu"], req["memory_mib"])
            most = f"{_cpu(math.floor(room['cpu'] * 100) / 100)} / {_gib(room['memory_mib'])}"
            self.add(
                "schedule.requests",
                "error",
                f"{node['instance_type']} gives {_cpu(node['allocatable_cpu'])} / "
                f"{_gib(node['allocatable_memory_mib'])} allocatable ({_cpu(room['cpu'])} / "
                f"{_gib(room['memory_mib'])} after DaemonSets); requests of {_cpu(req['cpu'])} / "
                f"{_gib(req['memory_mib'])} cannot schedule ({' and '.join(short)} short).",
                (f"Use {better['instance_type']} or lower" if better else "Lower")
                + f" the requests to at most {most}.",
                instance_type=node["instance_type"],
                source=node["source"],
                allocatable_cpu=node["allocatable_cpu"],
                allocatable_memory_mib=node["allocatable_memory_mib"],
                available_cpu=room["cpu"],
                available_memory_mib=room["memory_mib"],
            )
        if lim["memory_mib"] is not None and lim["memory_mib"] > mem_room["memory_mib"] + 1e-9:
            better = self.smallest_fit(req["cpu"], lim["memory_mib"])
            self.add(
                "resources.memory_limit_over_allocatable",
                self.sev("error", "warning"),
                f"limits.memory {_gib(lim['memory_mib'])} exceeds the {_gib(mem_room['memory_mib'])} that "
                f"{self.mem_node['instance_type']} leaves for pods after DaemonSets: ClickHouse plans for memory the "
                "node does not have, so the node hits memory pressure (evictions, OOM kills) before ClickHouse "
                "reaches its own limit.",
                f"Lower limits.memory to at most {_gib(mem_room['memory_mib'])}"
                + (f", or use {better['instance_type']}." if better else "."),
            )

    def baseline_rules(self):
        b = self.baseline
        lim = self.limits
        if self.in_cluster and self.vcpu_node is not None:
            node = self.vcpu_node
            usable_cpu = min(lim["cpu"] or node["vcpus"], node["vcpus"])
            room = self.room(self.mem_node)["memory_mib"]
            usable_mem = min(lim["memory_mib"] or room, room)
            where = f" on {node['instance_type']}"
        elif not self.in_cluster and lim["cpu"] is not None and lim["memory_mib"] is not None:
            usable_cpu, usable_mem, where = lim["cpu"], lim["memory_mib"], " per external replica"
        elif self.in_cluster:
            self.add(
                "baseline.unknown",
                "info",
                "No node to size against (no instance_types and no matching live node): the baseline, "
                "scheduling and EBS checks were skipped.",
                "Set instance_types to the ClickHouse node group's instance types.",
            )
            return
        else:
            self.add(
                "baseline.unknown",
                "info",
                "The per-replica vCPU / memory of the external ClickHouse is not declared, so it is not "
                f"compared with the {_cpu(b['cpu'])} / {b['memory_gib']:g} GiB baseline.",
                "Set limits.cpu / limits.memory to the per-replica size of the external service.",
            )
            return
        self.facts["usable"] = {"cpu": usable_cpu, "memory_mib": round(usable_mem, 1)}
        prod = BASELINE["production"]
        for key, usable, fmt in (
            ("cpu", usable_cpu, _cpu),
            ("memory_gib", usable_mem / sizing.MIB_PER_GIB, lambda v: f"{v:.1f} GiB"),
        ):
            fid = "baseline." + key.split("_", maxsplit=1)[0]
            if usable + 1e-9 < b[key]:
                self.add(
                    fid,
                    "error",
                    f"ClickHouse can use {fmt(usable)}{where}; the {self.tier} baseline is {fmt(b[key])} per node "
                    "(P0 reference architecture).",
                    self.baseline_fix(key, fmt(b[key])),
                )
            elif not self.production and usable + 1e-9 < prod[key]:
                self.add(
                    fid,
                    "warning",
                    f"ClickHouse can use {fmt(usable)}{where}: the 4 vCPU / 16 GiB profile is allowed for dev "
                    f"and proofs of concept only; production needs {fmt(prod[key])}.",
                    "Fine for dev; use a production tier before real traffic.",
                )
        if self.in_cluster and self.requests["cpu"] is not None:
            floor = CPU_REQUEST_SHARE * b["cpu"]
            if self.requests["cpu"] + 1e-9 < floor:
                self.add(
                    "baseline.cpu_request",
                    "warning",
                    f"requests.cpu {_cpu(self.requests['cpu'])}: ClickHouse is guaranteed only that much under "
                    f"contention; the baseline is {_cpu(b['cpu'])}.",
                    f"Raise requests.cpu to at least {_cpu(floor)}.",
                )
        if self.production and (
            usable_cpu + 1e-9 < SCALE_UP["cpu"] or usable_mem / sizing.MIB_PER_GIB + 1e-9 < SCALE_UP["memory_gib"]
        ):
            self.add(
                "baseline.scale_up",
                "info",
                f"Sized at {fmt_pair(usable_cpu, usable_mem)}: scale to 16 vCPU / 64 GiB per node when trace "
                "ingestion grows, query latency increases or memory pressure appears.",
                "Watch live.memory and query latency; move to the production_large tier when they climb.",
            )

    def storage(self):
        p = self.params
        volume = dict(p.get("volume") or {})
        storage_class = p.get("storage_class") or None
        live_k8s = self.live.get("kubernetes") or {}
        size = volume.get("size")
        size_gib = sizing.parse_size_gib(size) if size not in (None, "") else None
        source = "plan"
        if live_k8s:
            live_class, live_size, pvc_findings = _live_storage(live_k8s, p)
            self.findings.extend(pvc_findings)
            if live_class is not None:
                storage_class, size_gib, source = live_class, live_size, "pvc"
            elif storage_class is None:
                defaults = [sc for sc in live_k8s.get("storage_classes", []) if is_default_class(sc)]
                if defaults:
                    storage_class, source = defaults[0], "default storage class"
            self.live_classes(live_k8s, storage_class)
        if size_gib is None:
            raise SizingInputError("volume.size", f"required in mode {self.mode} (e.g. 500Gi)")
        if storage_class:
            volume = volume_from_storage_class(storage_class, size_gib)
            self.class_rules(storage_class)
        else:
            self.add(
                "storage_class.unknown",
                "info",
                "No StorageClass given: expansion, binding mode and provisioner are checked in live mode "
                "(kubeconfig) or when storage_class is set.",
                "Pass the StorageClass the ClickHouse PVC uses as storage_class.",
            )
        vtype = str(volume.get("type") or "gp3").lower()
        if vtype not in sizing.EBS_VOLUME_TYPES:
            raise SizingInputError("volume.type", f"unknown EBS volume type {vtype!r}")
        perf = sizing.volume_performance(vtype, size_gib, volume.get("iops"), volume.get("throughput"))
        self.facts["volume"] = dict(perf, source=source)
        self.volume_rules(perf)
        if self.mem_node is not None:
            self.ebs_rules(perf)

    def class_rules(self, sc):
        name = _class_name(sc)
        provisioner = sc.get("provisioner") or ""
        if provisioner == IN_TREE_EBS:
            self.add(
                "storage_class.provisioner",
                "warning",
                f"StorageClass {name} uses the in-tree {IN_TREE_EBS} provisioner: it only works through CSI "
                "migration, defaults to gp2 and does not pass gp3 IOPS / throughput.",
                f"Use a StorageClass with provisioner {EBS_CSI}, type gp3, iops and throughput.",
            )
        elif provisioner != EBS_CSI:
            self.add(
                "storage_class.provisioner",
                self.sev("error", "warning"),
                f"StorageClass {name} uses provisioner {provisioner or '(none)'}, not EBS: ClickHouse needs a "
                "low-latency block volume.",
                f"Use a StorageClass with provisioner {EBS_CSI} (type gp3).",
            )
        if sc.get("allowVolumeExpansion") is not True:
            self.add(
                "storage_class.expansion",
                self.sev("error", "warning"),
                f"StorageClass {name} does not allow volume expansion: a full ClickHouse disk can only be "
                "fixed by migrating data to a new volume.",
                "Set allowVolumeExpansion: true (an existing StorageClass can be patched).",
            )
        if (sc.get("volumeBindingMode") or "Immediate") != "WaitForFirstConsumer":
            self.add(
                "storage_class.binding_mode",
                "warning",
                f"StorageClass {name} binds volumes Immediately: the EBS volume may be created in an AZ where the "
                "ClickHouse node group has no node, and the pod stays Pending.",
                "Set volumeBindingMode: WaitForFirstConsumer.",
            )

    def live_classes(self, live_k8s, chosen):
        classes = live_k8s.get("storage_classes", [])
        defaults = [_class_name(sc) for sc in classes if is_default_class(sc)]
        if not defaults:
            self.add(
                "storage_class.default",
                self.sev("error", "warning"),
                "No default StorageClass: PVCs without a class stay Pending (EKS 1.30+ no longer marks gp2 default).",
                'Mark the gp3 class default (storageclass.kubernetes.io/is-default-class: "true"); the platform '
                "stage does.",
            )
        elif len(defaults) > 1:
            self.add(
                "storage_class.default",
                "warning",
                f"{len(defaults)} default StorageClasses ({', '.join(sorted(defaults))}): which one a PVC gets is "
                "not obvious.",
                "Keep exactly one default class.",
            )
        drivers = live_k8s.get("csi_drivers", [])
        needs_csi = chosen is None or (chosen.get("provisioner") in (EBS_CSI, IN_TREE_EBS))
        if needs_csi and EBS_CSI not in drivers:
            self.add(
                "storage_class.csi_driver",
                "error",
                f"The EBS CSI driver ({EBS_CSI}) is not installed: no EBS volume can be provisioned or attached.",
                "Install the aws-ebs-csi-driver add-on with its IRSA role (the cluster stage does).",
            )

    def volume_rules(self, perf):
        b = self.baseline
        if perf["problems"]:
            self.add(
                "storage.volume_limits",
                "error",
                f"EBS rejects this {perf['type']} volume: " + "; ".join(perf["problems"]) + ".",
                "Change size / IOPS / throughput to values within the limits (see docs/SIZING.md).",
            )
        if not perf["ssd"]:
            self.add(
                "storage.type",
                self.sev("error", "warning"),
                f"{perf['type']} is an HDD volume type; ClickHouse needs SSD-backed storage.",
                "Use gp3 (or io2).",
            )
        elif perf["type"] == "gp2":
            self.add(
                "storage.gp2",
                "warning",
                f"gp2 ties performance to size: {perf['size_gib']:g} GiB gives {perf['iops']:g} IOPS / "
                f"{perf['throughput_mibps']:g} MiB/s sustained.",
                f"Use gp3 with {b['iops']} IOPS and {b['throughput']} MiB/s: cheaper and independent of size.",
            )
        if self.production and perf["iops"] + 1e-9 < b["iops"]:
            self.add(
                "storage.iops",
                "error",
                f"The volume delivers {perf['iops']:g} IOPS; the production baseline is about {b['iops']}.",
                f"Provision {b['iops']} IOPS (gp3: needs at least {math.ceil(b['iops'] / 500)} GiB).",
            )
        if self.production and perf["throughput_mibps"] + 1e-9 < b["throughput"]:
            self.add(
                "storage.throughput",
                "error",
                f"The volume delivers {perf['throughput_mibps']:g} MiB/s; the production baseline is about "
                f"{b['throughput']} MiB/s.",
                f"Provision {b['throughput']} MiB/s (gp3: needs at least {b['throughput'] * 4} IOPS).",
            )

    def ebs_rules(self, perf):
        node = self.ebs_node
        eff = sizing.effective_disk(perf, node)
        self.facts["disk"] = eff
        name = node["instance_type"]
        if not eff["instance_known"]:
            self.add(
                "ebs.instance_unknown",
                "info",
                f"No EBS bandwidth figures for {name}: the volume's throughput is not compared with the instance's.",
                "Check the instance's EBS-optimized baseline in the EC2 documentation.",
            )
            return
        b = self.baseline
        for kind, label, unit, vol_key, base_key, max_key in (
            (
                "throughput",
                "throughput",
                "MiB/s",
                "throughput_mibps",
                "instance_baseline_throughput_mibps",
                "instance_maximum_throughput_mibps",
            ),
            ("iops", "IOPS", "IOPS", "iops", "instance_baseline_iops", "instance_maximum_iops"),
        ):
            volume, base, top = perf[vol_key], eff[base_key], eff[max_key]
            if volume > top + 1e-9:
                reaches_reference = top + 1e-9 >= b[kind]
                self.add(
                    f"ebs.{kind}_capped",
                    "warning" if reaches_reference or not self.production else "error",
                    f"{name} allows at most {top:g} {unit} of EBS {label} (baseline {base:g} {unit}); the volume's "
                    f"{volume:g} {unit} can never be reached"
                    + ("." if reaches_reference or not self.production else f", nor the {b[kind]} {unit} baseline."),
                    f"Use an instance type with more EBS bandwidth, or provision at most {top:g} {unit}.",
                )
            elif volume > base + 1e-9:
                faster = self.baseline_ebs_instance(kind, volume)
                self.add(
                    f"ebs.{kind}_burst_only",
                    "warning",
                    f"{name} sustains {base:g} {unit} of EBS {label} and bursts to {top:g} {unit} for about 30 min a "
                    f"day: the volume's {volume:g} {unit} is reached only while bursting (sustained: {base:g} {unit}).",
                    f"Accept it (merges and backfills are bursty), or use an instance whose EBS baseline is at "
                    f"least {volume:g} {unit}" + (f" ({faster})" if faster else "") + ".",
                )

    def baseline_ebs_instance(self, kind, needed):
        key = "ebs_baseline_throughput_mibps" if kind == "throughput" else "ebs_baseline_iops"
        for node in self.candidates():
            if (node.get(key) or 0) + 1e-9 >= needed:
                return node["instance_type"]
        return ""

    def clickhouse_live(self):
        live = self.live.get("clickhouse")
        if not live:
            return
        if live.get("error"):
            self.add(
                "live.clickhouse",
                "error",
                f"Could not read ClickHouse live signals: {live['error']}",
                "Check clickhouse_url, the credentials and that the HTTP port (8123/8443) is reachable.",
            )
            return
        self.facts["clickhouse"] = {k: v for k, v in live.items() if k != "error"}
        alert = float(self.params.get("disk_alert_percent") or 70)
        critical = float(self.params.get("disk_critical_percent") or 85)
        for disk in live.get("disks", []):
            total = float(disk.get("total_space") or 0)
            if total <= 0:
                continue
            used = 100.0 * (1 - float(disk.get("free_space") or 0) / total)
            disk["used_percent"] = round(used, 1)
            if used >= alert:
                severity = self.sev("error", "warning") if used >= critical else "warning"
                self.add(
                    "live.disk_usage",
                    severity,
                    f"ClickHouse disk {disk.get('name')} is {used:.1f} % full ({total / 2**30:.1f} GiB total); "
                    f"alert above {alert:g} %, merges need free space.",
                    "Expand the PVC (allowVolumeExpansion), shorten trace TTLs, or move payloads to S3 blob storage.",
                )
        parts = live.get("parts") or []
        delay = int((live.get("merge_tree_settings") or {}).get("parts_to_delay_insert") or 1000)
        if parts:
            worst = max(parts, key=lambda r: int(r["parts"]))
            count = int(worst["parts"])
            where = f"{worst['database']}.{worst['table']} partition {worst['partition_id']}"
            if count >= delay:
                self.add(
                    "live.parts",
                    "error",
                    f"{where} has {count} active parts, at parts_to_delay_insert={delay}: ClickHouse is delaying "
                    "inserts (it rejects them at parts_to_throw_insert).",
                    "Give merges CPU and disk throughput (scale up, raise IOPS/throughput), and batch inserts.",
                )
            elif count >= delay / 2:
                self.add(
                    "live.parts",
                    "warning",
                    f"{where} has {count} active parts, half of parts_to_delay_insert={delay}: merges are falling "
                    "behind inserts.",
                    "Check merge throughput (system.merges) and disk throughput; scale up if it persists.",
                )
        tracked = (live.get("metrics") or {}).get("MemoryTracking")
        limit = self.limits["memory_mib"]
        if tracked is not None and limit:
            ratio = float(tracked) / (limit * sizing.BYTES_PER_MIB)
            if ratio >= MEMORY_WARN_RATIO:
                self.add(
                    "live.memory",
                    "error" if ratio >= CLICKHOUSE_MEMORY_RATIO else "warning",
                    f"ClickHouse tracks {float(tracked) / 2**30:.1f} GiB, {ratio:.0%} of its "
                    f"{_gib(limit)} limit; at {CLICKHOUSE_MEMORY_RATIO:.0%} queries and merges fail with "
                    "MEMORY_LIMIT_EXCEEDED.",
                    "Scale up memory (16 vCPU / 64 GiB guidance) or find the heavy queries in system.query_log.",
                )

    # ------------------------------------------------------------------ recommendation
    def recommend(self):
        b = self.baseline
        rec = {"tier_class": self.tier, "mode": self.mode}
        if self.production:
            replicas = 1 if self.mode == "in_cluster_single" else min(max(self.replicas, MIN_REPLICATED), MAX_REPLICAS)
        else:
            replicas = 1 if self.mode == "in_cluster_single" else min(max(self.replicas, 2), MAX_REPLICAS)
        rec["replicas"] = replicas
        if not self.in_cluster:
            rec["per_replica"] = {
                "cpu": _num(max(self.limits["cpu"] or 0, b["cpu"])),
                "memory": _quantity_gib(max((self.limits["memory_mib"] or 0) / sizing.MIB_PER_GIB, b["memory_gib"])),
            }
            return rec
        configured = [_computed_node(self.instance_data[t], self.params) for t in self.configured_types()]
        good = [n for n in configured if self.meets_baseline(n)]
        if configured and len(good) == len(configured):
            node = min(good, key=lambda n: (n["vcpus"], n["memory_mib"]))
        else:
            node = self.smallest_baseline_node()
        if node is not None:
            room = self.room(node)
            mem_gib = (1 - MEMORY_HEADROOM) * room["memory_mib"] / sizing.MIB_PER_GIB
            mem_gib = max(math.floor(mem_gib / MEMORY_STEP_GIB) * MEMORY_STEP_GIB, b["memory_gib"])
            rec["instance_type"] = node["instance_type"]
            rec["requests"] = {"cpu": _num(max(math.floor(room["cpu"]), 1)), "memory": _quantity_gib(mem_gib)}
            rec["limits"] = {"cpu": _num(node["vcpus"]), "memory": _quantity_gib(mem_gib)}
        volume = self.facts.get("volume") or {}
        gp3 = sizing.EBS_VOLUME_TYPES["gp3"]
        iops = min(max(volume.get("iops") or 0, b["iops"]), gp3["max_iops"])
        throughput = min(max(volume.get("throughput_mibps") or 0, b["throughput"]), gp3["max_throughput"])
        iops = max(iops, math.ceil(throughput / gp3["throughput_per_iops"]))
        size = min(max(volume.get("size_gib") or 0, math.ceil(iops / gp3["iops_per_gib"])), gp3["max_size"])
        rec["storage"] = {"type": "gp3", "size": _quantity_gib(size), "iops": int(iops), "throughput": int(throughput)}
        rec["storage_class"] = {
            "provisioner": EBS_CSI,
            "parameters": {
                "type": "gp3",
                "iops": str(int(iops)),
                "throughput": str(int(throughput)),
                "encrypted": "true",
            },
            "allowVolumeExpansion": True,
            "volumeBindingMode": "WaitForFirstConsumer",
        }
        return rec

    # ------------------------------------------------------------------ run
    def run(self) -> dict:
        self.parse()
        self.topology()
        if self.in_cluster:
            self.nodes()
            self.resources()
        else:
            self.cpu_node = self.mem_node = self.vcpu_node = self.ebs_node = None
        self.baseline_rules()
        if self.in_cluster:
            self.storage()
        self.clickhouse_live()
        findings = sizing.sort_findings(self.findings)
        counts = {s: sum(1 for f in findings if f["severity"] == s) for s in sizing.SEVERITIES}
        return {
            "passed": counts["error"] == 0,
            "tier_class": self.tier,
            "mode": self.mode,
            "findings": findings,
            "counts": counts,
            "facts": self.facts,
            "recommended": self.recommend(),
            "table": sizing.findings_table(findings),
        }


def fmt_pair(cpu: float, memory_mib: float) -> str:
    return f"{_cpu(cpu)} / {_gib(memory_mib)}"


def _quantity_gib(value: float) -> str:
    return f"{_num(value)}Gi"


def evaluate(params: dict, instance_data: dict, live: dict | None = None) -> dict:
    """Findings, facts and a recommendation for one ClickHouse configuration.

    ``params``: the module options (see the module's DOCUMENTATION); ``instance_data``:
    ``{instance type: DescribeInstanceTypes entry}`` for ``instance_types``, the live nodes'
    types and the candidates; ``live``: ``{"kubernetes": {...}, "clickhouse": {...}}`` as the
    module's collectors return them (either may be missing).
    Raises ``SizingInputError`` for unusable options.
    """
    params = dict(params)
    params.setdefault("vm_memory_overhead_percent", sizing.DEFAULT_VM_MEMORY_OVERHEAD_PERCENT)
    return _Evaluation(params, instance_data, live).run()


def instance_types_needed(params: dict, live_nodes: list | None = None) -> tuple:
    """(instance types the user gave or the live nodes run, candidate types) to describe."""
    wanted = set(params.get("instance_types") or [])
    wanted.update(n["instance_type"] for n in live_nodes or [] if n.get("instance_type"))
    candidates = set(params.get("candidate_instance_types") or DEFAULT_CANDIDATES) - wanted
    return sorted(wanted), sorted(candidates)


_INVALID_TYPES = re.compile(r"\[([^\]]*)\]")


def invalid_instance_types(message: str) -> list:
    """Instance type names from EC2's InvalidInstanceType message ("... do not exist: [a, b]")."""
    match = _INVALID_TYPES.search(message or "")
    if not match:
        return []
    return [name.strip() for name in match.group(1).split(",") if name.strip()]


def argument_spec() -> dict:
    """The options of the clickhouse_sizing module (also what ``plan`` normalizes its input with)."""
    quantity = {"type": "raw"}
    return {
        "tier_class": {"type": "str", "required": True, "choices": list(TIER_CLASSES)},
        "mode": {"type": "str", "default": "in_cluster_single", "choices": list(MODES)},
        "replicas": {"type": "int", "default": 1},
        "requests": {"type": "dict", "options": {"cpu": quantity, "memory": quantity}},
        "limits": {"type": "dict", "options": {"cpu": quantity, "memory": quantity}},
        "instance_types": {"type": "list", "elements": "str", "default": []},
        "candidate_instance_types": {"type": "list", "elements": "str", "default": list(DEFAULT_CANDIDATES)},
        "volume": {
            "type": "dict",
            "default": {},
            "options": {
                "type": {"type": "str", "default": "gp3", "choices": list(sizing.EBS_VOLUME_TYPES)},
                "size": quantity,
                "iops": {"type": "int"},
                "throughput": {"type": "int"},
            },
        },
        "storage_class": {"type": "dict"},
        "daemonset_overhead": {
            "type": "dict",
            "default": {},
            "options": {"cpu": {"type": "raw", "default": "500m"}, "memory": {"type": "raw", "default": "512Mi"}},
        },
        "vm_memory_overhead_percent": {"type": "float", "default": sizing.DEFAULT_VM_MEMORY_OVERHEAD_PERCENT},
        "max_pods": {"type": "int"},
        "kubeconfig": {"type": "path"},
        "context": {"type": "str"},
        "namespace": {"type": "str", "default": "langsmith"},
        "node_selector": {"type": "dict", "default": {}},
        "pvc_name_pattern": {"type": "str", "default": "clickhouse"},
        "clickhouse_url": {"type": "str"},
        "clickhouse_user": {"type": "str", "default": "default"},
        "clickhouse_password": {"type": "str", "no_log": True},
        "clickhouse_validate_certs": {"type": "bool", "default": True},
        "clickhouse_ca_path": {"type": "path"},
        "timeout": {"type": "int", "default": 15},
        "disk_alert_percent": {"type": "float", "default": 70},
        "disk_critical_percent": {"type": "float", "default": 85},
    }


def describe_instance_data(client, wanted, candidates):
    """DescribeInstanceTypes entries for ``wanted`` (each must exist) and ``candidates`` (dropped when
    the region lacks them). Raises ``SizingInputError`` naming an unknown wanted type."""
    if not wanted and not candidates:
        return {}
    names = sorted(set(wanted) | set(candidates))
    for _attempt in range(2):
        try:
            return sizing.describe_instance_types(client, names)
        except Exception as e:
            code = ((getattr(e, "response", None) or {}).get("Error") or {}).get("Code")
            if code != "InvalidInstanceType":
                raise
            invalid = set(invalid_instance_types(str(e)))
            bad_wanted = sorted(invalid & set(wanted))
            if bad_wanted or not invalid:
                raise SizingInputError(
                    "instance_types",
                    f"{', '.join(bad_wanted) or ', '.join(names)} not offered by EC2; fix the instance type names",
                ) from e
            names = [n for n in names if n not in invalid]
    raise SizingInputError("candidate_instance_types", "EC2 rejected the candidate list twice")


def plan(options: dict, instance_data: dict) -> dict:
    """The module's plan-mode result for ``options`` (the module's options, defaults applied the way
    the module applies them) and ``instance_data`` already read (e.g. by langsmith_preflight_info)."""
    result = ArgumentSpecValidator(argument_spec()).validate(dict(options))
    if result.error_messages:
        raise SizingInputError("options", "; ".join(result.error_messages))
    params = result.validated_parameters
    if params.get("kubeconfig") or params.get("clickhouse_url"):
        raise SizingInputError("kubeconfig", "plan mode reads no live inputs: drop kubeconfig and clickhouse_url")
    if params["mode"] != "external":
        wanted, candidates = instance_types_needed(params)
        missing = [name for name in wanted if name not in instance_data]
        if missing:
            raise SizingInputError(
                "instance_types", f"{', '.join(missing)} not offered by EC2; fix the instance type names"
            )
        instance_data = {k: v for k, v in instance_data.items() if k in set(wanted) | set(candidates)}
    return evaluate(params, instance_data, None)

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS node allocatable math, shared by the eks role's node-group checks and clickhouse_sizing.

One implementation of the formulas in the EKS-optimized AMI bootstrap (AL2 and AL2023):

* allocatable = capacity - kube-reserved - hard eviction threshold
* CPU kube-reserved: 6 % of the first core, 1 % of the second, 0.5 % of cores 3-4,
  0.25 % of every further core
* memory kube-reserved: 255 MiB + 11 MiB x maxPods; hard eviction ``memory.available<100Mi``
* maxPods (no prefix delegation): ENIs x (IPv4 addresses per ENI - 1) + 2
* the kubelet's memory capacity is below the nominal instance memory; modelled as a VM
  memory overhead percentage (Karpenter's default is 7.5 %), configurable

Inputs are EC2 ``DescribeInstanceTypes`` entries, either the boto3 shape (CamelCase keys) or
the snake_case shape ``amazon.aws.ec2_instance_type_info`` returns.

Also here, for every caller that sizes workloads on EKS nodes:

* what a pod can request after DaemonSets (``pod_capacity``, ``fits``);
* EBS volume limits per type (gp3, gp2, io1, io2, st1, sc1, standard) and the performance a
  volume of a given size / IOPS / throughput delivers (``volume_performance``);
* the instance's EBS bandwidth: sustained baseline vs burst maximum (``instance_ebs``) and the
  throughput and IOPS a volume really gets on an instance (``effective_disk``);
* findings (``finding``) and a plain-text table of them (``findings_table``).

Units: CPU in cores, memory in MiB, volume sizes in GiB, volume throughput in MiB/s (what EBS
provisions). EC2 reports instance EBS throughput in MB/s (10^6 bytes/s); ``instance_ebs``
converts it to MiB/s so the two can be compared.
"""

from __future__ import annotations

import re

DEFAULT_VM_MEMORY_OVERHEAD_PERCENT = 7.5
EVICTION_HARD_MIB = 100
MIB_PER_GIB = 1024
BYTES_PER_MB = 10**6
BYTES_PER_MIB = 2**20
# DaemonSets of an EKS node with the add-ons this collection installs (vpc-cni, kube-proxy,
# ebs-csi node, eks-pod-identity-agent, CloudWatch agent + Fluent Bit): their requests add up to
# roughly 0.4 vCPU / 0.4 GiB; the default leaves a little room on top.
DEFAULT_DAEMONSET_CPU = 0.5
DEFAULT_DAEMONSET_MEMORY_MIB = 512.0
SEVERITIES = ("error", "warning", "info")

_CPU_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(m?)\s*$")
_MEM_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([KMGTPE]i?|k|m)?\s*$")
_MEM_FACTORS_BYTES = {
    None: 1,
    "m": 1e-3,
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}


class QuantityError(ValueError):
    """A Kubernetes quantity string that cannot be parsed."""


def parse_cpu(quantity) -> float:
    """Kubernetes CPU quantity ("8", "7500m", "0.5", 2) -> cores."""
    if isinstance(quantity, (int, float)) and not isinstance(quantity, bool):
        return float(quantity)
    match = _CPU_RE.match(str(quantity))
    if not match:
        raise QuantityError(f"{quantity!r} is not a Kubernetes CPU quantity (e.g. 8, 7500m)")
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "m" else value


def parse_memory_mib(quantity) -> float:
    """Kubernetes memory quantity ("32Gi", "30G", "512Mi", bytes) -> MiB."""
    if isinstance(quantity, (int, float)) and not isinstance(quantity, bool):
        return float(quantity) / 2**20
    match = _MEM_RE.match(str(quantity))
    if not match:
        raise QuantityError(f"{quantity!r} is not a Kubernetes memory quantity (e.g. 32Gi, 512Mi)")
    return float(match.group(1)) * _MEM_FACTORS_BYTES[match.group(2)] / 2**20


def kube_reserved_cpu_millicores(vcpus: int) -> float:
    """CPU the kubelet reserves on an EKS-optimized AMI, in millicores."""
    reserved = 0.0
    for core in range(1, vcpus + 1):
        if core == 1:
            reserved += 60
        elif core == 2:
            reserved += 10
        elif core <= 4:
            reserved += 5
        else:
            reserved += 2.5
    return reserved


def _pick(data: dict, *path: str):
    """``data[path]`` where each step is ``"CamelKey|snake_key"`` (either shape of DescribeInstanceTypes)."""
    for step in path:
        if data is None:
            return None
        camel, snake = step.split("|")
        data = data.get(camel, data.get(snake))
    return data


def max_pods(instance_type: dict) -> int:
    """maxPods without prefix delegation: ENIs x (IPv4 per ENI - 1) + 2."""
    enis = _pick(instance_type, "NetworkInfo|network_info", "MaximumNetworkInterfaces|maximum_network_interfaces")
    ips = _pick(instance_type, "NetworkInfo|network_info", "Ipv4AddressesPerInterface|ipv4_addresses_per_interface")
    return enis * (ips - 1) + 2


def kube_reserved_memory_mib(pods: int) -> float:
    return 255 + 11 * pods


def node_allocatable(
    instance_type: dict,
    vm_memory_overhead_percent: float = DEFAULT_VM_MEMORY_OVERHEAD_PERCENT,
    pods: int | None = None,
) -> dict:
    """Allocatable CPU and memory of one node of ``instance_type`` (a DescribeInstanceTypes entry).

    Returns a dict with the instance facts and the allocatable figures, CPU in cores and memory
    in MiB and GiB (two decimals), plus the EBS limits of the instance. ``pods`` overrides the
    ENI-based maxPods (e.g. a node group that sets maxPods itself, or prefix delegation); the
    ENI formula is the default and the conservative choice when it is larger.
    """
    vcpus = _pick(instance_type, "VCpuInfo|v_cpu_info", "DefaultVCpus|default_v_cpus")
    memory_mib = _pick(instance_type, "MemoryInfo|memory_info", "SizeInMiB|size_in_mi_b")
    pods = max_pods(instance_type) if not pods else int(pods)
    cpu_reserved_m = kube_reserved_cpu_millicores(vcpus)
    capacity_mib = memory_mib * (1 - vm_memory_overhead_percent / 100)
    memory_reserved_mib = kube_reserved_memory_mib(pods) + EVICTION_HARD_MIB
    allocatable_mib = capacity_mib - memory_reserved_mib
    ebs = _pick(instance_type, "EbsInfo|ebs_info", "EbsOptimizedInfo|ebs_optimized_info") or {}
    return {
        "instance_type": _pick(instance_type, "InstanceType|instance_type"),
        "vcpus": vcpus,
        "memory_mib": memory_mib,
        "max_pods": pods,
        "vm_memory_overhead_percent": vm_memory_overhead_percent,
        "kube_reserved_cpu_m": cpu_reserved_m,
        "kube_reserved_memory_mib": kube_reserved_memory_mib(pods),
        "eviction_hard_mib": EVICTION_HARD_MIB,
        "allocatable_cpu": round(vcpus - cpu_reserved_m / 1000, 3),
        "allocatable_memory_mib": round(allocatable_mib, 1),
        "allocatable_memory_gib": round(allocatable_mib / MIB_PER_GIB, 2),
        "ebs_baseline_throughput_mbps": _pick(ebs, "BaselineThroughputInMBps|baseline_throughput_in_m_bps"),
        "ebs_maximum_throughput_mbps": _pick(ebs, "MaximumThroughputInMBps|maximum_throughput_in_m_bps"),
        "ebs_baseline_iops": _pick(ebs, "BaselineIops|baseline_iops"),
        "ebs_maximum_iops": _pick(ebs, "MaximumIops|maximum_iops"),
        "ebs_baseline_throughput_mibps": _mb_to_mib(
            _pick(ebs, "BaselineThroughputInMBps|baseline_throughput_in_m_bps")
        ),
        "ebs_maximum_throughput_mibps": _mb_to_mib(_pick(ebs, "MaximumThroughputInMBps|maximum_throughput_in_m_bps")),
    }


def describe_instance_types(client, instance_types) -> dict:
    """``{name: DescribeInstanceTypes entry}`` for ``instance_types`` (boto3 EC2 client)."""
    wanted = sorted(set(instance_types))
    found = {}
    paginator = client.get_paginator("describe_instance_types")
    for page in paginator.paginate(InstanceTypes=wanted):
        for entry in page["InstanceTypes"]:
            found[entry["InstanceType"]] = entry
    return found


# --------------------------------------------------------------------------- units
def _mb_to_mib(value):
    """MB/s (10^6 bytes, as EC2 reports instance EBS throughput) -> MiB/s, or None."""
    if value is None:
        return None
    return round(float(value) * BYTES_PER_MB / BYTES_PER_MIB, 1)


def parse_size_gib(quantity) -> float:
    """Volume size: an int/float is GiB (EBS's unit); a string is a Kubernetes quantity ("500Gi")."""
    if isinstance(quantity, (int, float)) and not isinstance(quantity, bool):
        return float(quantity)
    return parse_memory_mib(quantity) / MIB_PER_GIB


def gib(mib: float) -> float:
    """MiB -> GiB, one decimal (for messages)."""
    return round(mib / MIB_PER_GIB, 1)


# --------------------------------------------------------------------------- pods on a node
def pod_capacity(
    node: dict, daemonset_cpu: float = DEFAULT_DAEMONSET_CPU, daemonset_memory_mib: float = DEFAULT_DAEMONSET_MEMORY_MIB
) -> dict:
    """What one pod can request on ``node`` (a ``node_allocatable`` result) after DaemonSets."""
    cpu = round(node["allocatable_cpu"] - daemonset_cpu, 3)
    memory_mib = round(node["allocatable_memory_mib"] - daemonset_memory_mib, 1)
    return {"cpu": cpu, "memory_mib": memory_mib, "memory_gib": round(memory_mib / MIB_PER_GIB, 2)}


def fits(
    node: dict,
    requests_cpu: float,
    requests_memory_mib: float,
    daemonset_cpu: float = DEFAULT_DAEMONSET_CPU,
    daemonset_memory_mib: float = DEFAULT_DAEMONSET_MEMORY_MIB,
) -> dict:
    """Whether a pod with these requests schedules on ``node`` next to the DaemonSets."""
    room = pod_capacity(node, daemonset_cpu, daemonset_memory_mib)
    return {
        "cpu": requests_cpu <= room["cpu"] + 1e-9,
        "memory": requests_memory_mib <= room["memory_mib"] + 1e-9,
        "available_cpu": room["cpu"],
        "available_memory_mib": room["memory_mib"],
    }


# --------------------------------------------------------------------------- EBS
# Per-volume limits (AWS EBS user guide, volume types). Throughput in MiB/s, sizes in GiB.
# io1/io2 have no throughput parameter: it follows from IOPS (256 KiB I/O -> 0.25 MiB/s per IOPS).
EBS_VOLUME_TYPES = {
    "gp3": {
        "ssd": True,
        "min_size": 1,
        "max_size": 16384,
        "min_iops": 3000,
        "max_iops": 16000,
        "iops_per_gib": 500,
        "min_throughput": 125,
        "max_throughput": 1000,
        "throughput_per_iops": 0.25,
        "provisioned_throughput": True,
    },
    "io2": {
        "ssd": True,
        "min_size": 4,
        "max_size": 65536,
        "min_iops": 100,
        "max_iops": 256000,
        "iops_per_gib": 1000,
        "max_throughput": 4000,
        "throughput_per_iops": 0.25,
        "provisioned_throughput": False,
    },
    "io1": {
        "ssd": True,
        "min_size": 4,
        "max_size": 16384,
        "min_iops": 100,
        "max_iops": 64000,
        "iops_per_gib": 50,
        "max_throughput": 1000,
        "throughput_per_iops": 0.25,
        "provisioned_throughput": False,
    },
    "gp2": {"ssd": True, "min_size": 1, "max_size": 16384, "provisioned_throughput": False},
    "st1": {"ssd": False, "min_size": 125, "max_size": 16384, "provisioned_throughput": False},
    "sc1": {"ssd": False, "min_size": 125, "max_size": 16384, "provisioned_throughput": False},
    "standard": {"ssd": False, "min_size": 1, "max_size": 1024, "provisioned_throughput": False},
}
GP3_BASELINE_IOPS = 3000
GP3_BASELINE_THROUGHPUT = 125


def _gp2(size: float) -> dict:
    iops = min(max(3 * size, 100), 16000)
    burst_iops = max(iops, 3000) if size < 1000 else iops
    throughput = 250 if size >= 334 else 128
    burst_throughput = 250 if size > 170 else 128
    return {"iops": iops, "iops_burst": burst_iops, "throughput": throughput, "throughput_burst": burst_throughput}


def _hdd(volume_type: str, size: float) -> dict:
    # st1: 40 MiB/s per TiB baseline, bursts 250 per TiB, max 500; sc1: 12 / 80 per TiB, max 250.
    base, burst, cap, iops = {"st1": (40, 250, 500, 500), "sc1": (12, 80, 250, 250)}.get(volume_type, (40, 90, 90, 200))
    tib = size / 1024
    return {
        "iops": iops,
        "iops_burst": iops,
        "throughput": round(min(base * tib, cap), 1),
        "throughput_burst": round(min(max(burst * tib, base * tib), cap), 1),
    }


def volume_performance(volume_type: str, size_gib: float, iops=None, throughput=None) -> dict:
    """What an EBS volume of this type and size delivers, and what AWS would reject.

    ``iops`` / ``throughput`` are the provisioned values (gp3: defaults 3000 / 125; io1/io2:
    IOPS required, throughput derived). Returns ``iops``/``throughput_mibps`` (sustained),
    ``iops_burst``/``throughput_burst_mibps``, ``ssd`` and ``problems``: one sentence per limit
    the request breaks (CreateVolume would fail, so a PVC would stay Pending).
    """
    vtype = (volume_type or "gp3").lower()
    limits = EBS_VOLUME_TYPES.get(vtype)
    if limits is None:
        raise ValueError(f"unknown EBS volume type {volume_type!r}: use one of {', '.join(EBS_VOLUME_TYPES)}")
    size = float(size_gib)
    problems = []
    if size < limits["min_size"] or size > limits["max_size"]:
        problems.append(f"{vtype} volumes are {limits['min_size']}-{limits['max_size']} GiB; {size:g} GiB was asked")
    if vtype == "gp2":
        perf = _gp2(size)
    elif vtype in ("st1", "sc1", "standard"):
        perf = _hdd(vtype, size)
    else:
        if iops in (None, "", 0):
            if vtype != "gp3":
                problems.append(f"{vtype} needs provisioned IOPS")
            iops = GP3_BASELINE_IOPS if vtype == "gp3" else limits["min_iops"]
        iops = float(iops)
        if iops < limits["min_iops"] or iops > limits["max_iops"]:
            problems.append(f"{vtype} IOPS must be {limits['min_iops']}-{limits['max_iops']}; {iops:g} was asked")
        # gp3's 3000 baseline IOPS come with any size; the per-GiB ratio caps provisioned IOPS above it.
        if iops > max(limits["iops_per_gib"] * size, GP3_BASELINE_IOPS if vtype == "gp3" else 0):
            problems.append(
                f"{vtype} allows at most {limits['iops_per_gib']} IOPS per GiB: {iops:g} IOPS needs at least "
                f"{-(-iops // limits['iops_per_gib']):g} GiB, the volume has {size:g} GiB"
            )
        if limits["provisioned_throughput"]:
            throughput = float(throughput) if throughput not in (None, "", 0) else float(GP3_BASELINE_THROUGHPUT)
            if throughput < limits["min_throughput"] or throughput > limits["max_throughput"]:
                problems.append(
                    f"{vtype} throughput must be {limits['min_throughput']}-{limits['max_throughput']} MiB/s; "
                    f"{throughput:g} was asked"
                )
            if throughput > limits["throughput_per_iops"] * iops + 1e-9:
                problems.append(
                    f"{vtype} allows at most {limits['throughput_per_iops']} MiB/s per provisioned IOPS: "
                    f"{throughput:g} MiB/s needs at least {-(-throughput // limits['throughput_per_iops']):g} IOPS, "
                    f"{iops:g} are provisioned"
                )
        else:
            throughput = min(limits["throughput_per_iops"] * iops, limits["max_throughput"])
        perf = {"iops": iops, "iops_burst": iops, "throughput": throughput, "throughput_burst": throughput}
    return {
        "type": vtype,
        "ssd": limits["ssd"],
        "size_gib": size,
        "iops": perf["iops"],
        "iops_burst": perf["iops_burst"],
        "throughput_mibps": perf["throughput"],
        "throughput_burst_mibps": perf["throughput_burst"],
        "problems": problems,
    }


def instance_ebs(node: dict) -> dict:
    """The instance's EBS limits from a ``node_allocatable`` result: sustained baseline and burst maximum.

    Many instance sizes reach their maximum only in bursts (about 30 minutes per 24 hours); the
    baseline is what they sustain. ``known`` is False when DescribeInstanceTypes gave no figures.
    """
    baseline = node.get("ebs_baseline_throughput_mibps")
    maximum = node.get("ebs_maximum_throughput_mibps")
    return {
        "known": baseline is not None and node.get("ebs_baseline_iops") is not None,
        "baseline_throughput_mibps": baseline,
        "maximum_throughput_mibps": maximum if maximum is not None else baseline,
        "baseline_iops": node.get("ebs_baseline_iops"),
        "maximum_iops": node.get("ebs_maximum_iops") or node.get("ebs_baseline_iops"),
        "bursts": baseline is not None and maximum is not None and maximum > baseline,
    }


def _cap(value, limit):
    return value if limit is None else min(value, limit)


def effective_disk(volume: dict, node: dict) -> dict:
    """Throughput and IOPS a volume (``volume_performance``) really gets on ``node``'s instance.

    Sustained = min(volume sustained, instance baseline); burst = min(volume burst, instance maximum).
    Other volumes on the instance (the root volume) share the same instance limits.
    """
    ebs = instance_ebs(node)
    return {
        "instance_known": ebs["known"],
        "throughput_sustained_mibps": _cap(volume["throughput_mibps"], ebs["baseline_throughput_mibps"]),
        "throughput_burst_mibps": _cap(volume["throughput_burst_mibps"], ebs["maximum_throughput_mibps"]),
        "iops_sustained": _cap(volume["iops"], ebs["baseline_iops"]),
        "iops_burst": _cap(volume["iops_burst"], ebs["maximum_iops"]),
        "instance_baseline_throughput_mibps": ebs["baseline_throughput_mibps"],
        "instance_maximum_throughput_mibps": ebs["maximum_throughput_mibps"],
        "instance_baseline_iops": ebs["baseline_iops"],
        "instance_maximum_iops": ebs["maximum_iops"],
    }


# --------------------------------------------------------------------------- findings
def finding(finding_id: str, severity: str, message: str, fix: str = "", **facts) -> dict:
    """One finding: ``id`` (stable, dotted), ``severity`` (error/warning/info), ``message`` with
    numbers, ``fix`` (what to change), and optional ``facts`` the numbers came from."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
    result = {"id": finding_id, "severity": severity, "message": message, "fix": fix}
    if facts:
        result["facts"] = facts
    return result


def sort_findings(findings: list) -> list:
    """Errors first, then warnings, then info; stable within a severity."""
    return sorted(findings, key=lambda f: SEVERITIES.index(f["severity"]))


def findings_table(findings: list) -> list:
    """Plain-text table lines (severity, id, message; the fix on the next line)."""
    if not findings:
        return ["no findings"]
    width = max(len("ID"), *(len(f["id"]) for f in findings))
    lines = [f"{'SEVERITY':<8}  {'ID':<{width}}  MESSAGE"]
    for item in sort_findings(findings):
        lines.append(f"{item['severity']:<8}  {item['id']:<{width}}  {item['message']}")
        if item.get("fix"):
            lines.append(f"{'':<8}  {'':<{width}}  fix: {item['fix']}")
    return lines

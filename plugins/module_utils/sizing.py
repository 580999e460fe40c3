# Copyright: (c) 2026, LangSmith AWS collection maintainers
# Apache License 2.0 (see LICENSE)
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
"""

from __future__ import annotations

import re

DEFAULT_VM_MEMORY_OVERHEAD_PERCENT = 7.5
EVICTION_HARD_MIB = 100
MIB_PER_GIB = 1024

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
    instance_type: dict, vm_memory_overhead_percent: float = DEFAULT_VM_MEMORY_OVERHEAD_PERCENT
) -> dict:
    """Allocatable CPU and memory of one node of ``instance_type`` (a DescribeInstanceTypes entry).

    Returns a dict with the instance facts and the allocatable figures, CPU in cores and memory
    in MiB and GiB (two decimals), plus the EBS limits of the instance.
    """
    vcpus = _pick(instance_type, "VCpuInfo|v_cpu_info", "DefaultVCpus|default_v_cpus")
    memory_mib = _pick(instance_type, "MemoryInfo|memory_info", "SizeInMiB|size_in_mi_b")
    pods = max_pods(instance_type)
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

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the eks role: node group sizing checks and IRSA trust policies (no AWS calls).

The allocatable math is ``module_utils/sizing.py`` (one implementation, shared with
clickhouse_sizing); these filters only apply it to the role's inputs and word the findings.
"""

from __future__ import annotations

import ipaddress
import math

from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import irsa
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.sizing import (
    DEFAULT_VM_MEMORY_OVERHEAD_PERCENT,
    MIB_PER_GIB,
    QuantityError,
    node_allocatable,
    parse_cpu,
    parse_memory_mib,
    pod_capacity,
)


def _by_name(instance_types_info):
    found = {}
    for entry in instance_types_info or []:
        name = entry.get("InstanceType", entry.get("instance_type"))
        if name:
            found[name] = entry
    return found


def _gib(mib):
    return round(mib / MIB_PER_GIB, 1)


def _quantity(value, parse, name, problems):
    try:
        return parse(value)
    except (QuantityError, TypeError, ValueError):
        problems.append(f"{name}={value!r} is not a Kubernetes quantity (e.g. cpu: 8 or 7500m, memory: 32Gi).")
        return None


def eks_node_sizing(
    instance_types_info,
    general,
    clickhouse=None,
    *,
    minimum=None,
    reserve=None,
    overhead=DEFAULT_VM_MEMORY_OVERHEAD_PERCENT,
):
    """Check the node groups against allocatable capacity; return ``{'problems': [...], 'general', 'clickhouse'}``.

    * ``instance_types_info``: DescribeInstanceTypes entries (``ec2_instance_type_info`` or boto3 shape)
    * ``general``: ``{'instance_types': [...], 'min_size': n}``; the smallest type counts (worst case)
    * ``clickhouse``: ``{'enabled': bool, 'instance_type': t, 'replicas': n, 'requests': {cpu, memory}}``
    * ``minimum``: ``{'cpu': 16, 'memory': '64Gi'}`` for the general group at its minimum size
    * ``reserve``: per-node DaemonSet requests kept free on ClickHouse nodes
    * ``overhead``: VM memory overhead in percent (the kubelet never sees it)

    Every problem names the variable to change and how.
    """
    problems = []
    known = _by_name(instance_types_info)
    minimum = minimum or {"cpu": 16, "memory": "64Gi"}
    reserve = reserve or {"cpu": 0, "memory": 0}
    try:
        overhead = float(overhead)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"eks_node_sizing: overhead must be a number, got {overhead!r}") from None
    result = {"problems": problems, "general": {}, "clickhouse": {}}

    min_cpu = _quantity(minimum.get("cpu"), parse_cpu, "eks_minimum_allocatable.cpu", problems)
    min_mib = _quantity(minimum.get("memory"), parse_memory_mib, "eks_minimum_allocatable.memory", problems)
    reserve_cpu = _quantity(reserve.get("cpu", 0), parse_cpu, "eks_daemonset_reserve.cpu", problems)
    reserve_mib = _quantity(reserve.get("memory", 0), parse_memory_mib, "eks_daemonset_reserve.memory", problems)

    # ------------------------------------------------------------ general group
    types = list(general.get("instance_types") or [])
    try:
        min_size = int(general.get("min_size"))
    except (TypeError, ValueError):
        problems.append(f"eks_general_min_size={general.get('min_size')!r} is not a number.")
        min_size = 0
    unknown = [t for t in types if t not in known]
    if not types:
        problems.append("eks_general_instance_types is empty: give at least one instance type (e.g. [m6i.4xlarge]).")
    elif unknown:
        problems.append(
            f"eks_general_instance_types: {', '.join(unknown)} is not an EC2 instance type offered in this region "
            "(DescribeInstanceTypes does not know it): check the spelling, e.g. m6i.4xlarge."
        )
    else:
        nodes = [node_allocatable(known[t], overhead) for t in types]
        cpu = min(n["allocatable_cpu"] for n in nodes)
        mib = min(n["allocatable_memory_mib"] for n in nodes)
        total_cpu, total_mib = round(cpu * min_size, 2), round(mib * min_size, 1)
        result["general"] = {
            "instance_types": types,
            "nodes": min_size,
            "node_allocatable_cpu": cpu,
            "node_allocatable_memory_gib": _gib(mib),
            "total_allocatable_cpu": total_cpu,
            "total_allocatable_memory_gib": _gib(total_mib),
        }
        if None not in (min_cpu, min_mib) and (total_cpu < min_cpu or total_mib < min_mib):
            needed = max(math.ceil(min_cpu / cpu), math.ceil(min_mib / mib)) if cpu > 0 and mib > 0 else 0
            problems.append(
                f"The general node group at eks_general_min_size={min_size} x {'/'.join(types)} has "
                f"{total_cpu} vCPU / {_gib(total_mib)} GiB allocatable (per node {cpu} vCPU / {_gib(mib)} GiB after "
                f"the kubelet reservation and {overhead} % VM memory overhead), below the required "
                f"{min_cpu:g} vCPU / {_gib(min_mib)} GiB (eks_minimum_allocatable): set eks_general_min_size to "
                f"at least {needed} (and eks_general_desired_size/eks_general_max_size accordingly) or choose a "
                "larger type in eks_general_instance_types."
            )

    # ------------------------------------------------------------ ClickHouse group
    clickhouse = clickhouse or {}
    if clickhouse.get("enabled"):
        itype = clickhouse.get("instance_type")
        requests = clickhouse.get("requests") or {}
        req_cpu = _quantity(requests.get("cpu"), parse_cpu, "eks_clickhouse_requests.cpu", problems)
        req_mib = _quantity(requests.get("memory"), parse_memory_mib, "eks_clickhouse_requests.memory", problems)
        try:
            replicas = int(clickhouse.get("replicas"))
        except (TypeError, ValueError):
            replicas = 0
        if replicas < 1:
            problems.append(
                f"eks_clickhouse_replicas={clickhouse.get('replicas')!r}: the ClickHouse node group needs one node "
                "per replica, so at least 1."
            )
        if itype not in known:
            problems.append(
                f"eks_clickhouse_instance_type={itype} is not an EC2 instance type offered in this region "
                "(DescribeInstanceTypes does not know it): check the spelling, e.g. r6i.2xlarge."
            )
        elif None not in (req_cpu, req_mib, reserve_cpu, reserve_mib):
            node = node_allocatable(known[itype], overhead)
            room = pod_capacity(node, reserve_cpu, reserve_mib)
            free_cpu, free_mib = room["cpu"], room["memory_mib"]
            fits = req_cpu <= free_cpu and req_mib <= free_mib
            result["clickhouse"] = {
                "instance_type": itype,
                "nodes": max(replicas, 0),
                "node_vcpus": node["vcpus"],
                "node_memory_gib": _gib(node["memory_mib"]),
                "node_allocatable_cpu": node["allocatable_cpu"],
                "node_allocatable_memory_gib": node["allocatable_memory_gib"],
                "free_cpu": free_cpu,
                "free_memory_gib": _gib(free_mib),
                "requests_cpu": req_cpu,
                "requests_memory_gib": _gib(req_mib),
                "fits": fits,
            }
            if not fits:
                short = []
                if req_cpu > free_cpu:
                    short.append(f"CPU {req_cpu:g} > {free_cpu:g}")
                if req_mib > free_mib:
                    short.append(f"memory {_gib(req_mib)} GiB > {_gib(free_mib)} GiB")
                problems.append(
                    " ".join(
                        [
                            f"eks_clickhouse_instance_type={itype} ({node['vcpus']} vCPU /",
                            f"{_gib(node['memory_mib'])} GiB nominal) cannot hold the ClickHouse requests",
                            f"(eks_clickhouse_requests: {requests.get('cpu')} CPU / {requests.get('memory')}):",
                            f"a node has {node['allocatable_cpu']} vCPU / {node['allocatable_memory_gib']} GiB",
                            f"allocatable (kubelet reservation, {overhead} % VM memory overhead,",
                            f"max {node['max_pods']} pods), {free_cpu:g} vCPU / {_gib(free_mib)} GiB after the",
                            f"DaemonSets (eks_daemonset_reserve), so {' and '.join(short)}.",
                            "Choose a larger instance type (next size up, or the memory-optimized r6i family)",
                            "or lower the requests so they fit *allocatable*, not nominal, capacity.",
                        ]
                    )
                )
    return result


def eks_irsa_trust_policy(provider_arn, issuer, namespace, service_accounts, audience="sts.amazonaws.com"):
    """Trust policy letting exactly ``namespace/service_accounts`` assume a role (module_utils/irsa.py)."""
    try:
        return irsa.trust_policy(provider_arn, issuer, irsa.subjects(namespace, service_accounts), audience)
    except irsa.IrsaError as e:
        raise AnsibleFilterError(f"eks_irsa_trust_policy: {e} (eks_outputs)") from e


# Sources that can never reach a public endpoint (RFC 1918, loopback, link-local, CGNAT).
_NOT_ON_THE_INTERNET = [
    ipaddress.ip_network(c)
    for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10")
]


def eks_public_access_problems(cidrs, enabled, production=False, allow_anywhere=False):
    """Problems with the public API endpoint inputs (each naming the variable and the fix)."""
    if not enabled:
        return []
    problems = []
    cidrs = list(cidrs or [])
    if not cidrs:
        problems.append(
            "eks_public_access_cidrs is empty while the public API endpoint is on (langsmith_exposure=internet): "
            "list the CIDRs that may reach the Kubernetes API (your VPN or office egress, e.g. [203.0.113.0/24]), "
            "or set eks_endpoint_public_access: false and reach the API from inside the VPC."
        )
    anywhere = []
    for cidr in cidrs:
        try:
            net = ipaddress.ip_network(str(cidr), strict=True)
        except ValueError as exc:
            problems.append(f"eks_public_access_cidrs: {cidr!r} is not a CIDR block ({exc}); use e.g. 203.0.113.0/24.")
            continue
        if net.version != 4:
            problems.append(f"eks_public_access_cidrs: {cidr} is IPv6; the EKS public endpoint takes IPv4 CIDRs only.")
        elif net.prefixlen == 0:
            anywhere.append(str(cidr))
        elif any(net.subnet_of(block) for block in _NOT_ON_THE_INTERNET if block.prefixlen <= net.prefixlen):
            problems.append(
                f"eks_public_access_cidrs: {cidr} is a private range and can never reach the public endpoint; "
                "the private endpoint already serves the VPC. List public egress CIDRs."
            )
    if anywhere and production and not allow_anywhere:
        problems.append(
            "eks_public_access_cidrs contains 0.0.0.0/0 on a production tier: the Kubernetes API would be open to "
            "the whole internet. List your VPN/office egress CIDRs instead, set eks_endpoint_public_access: false, "
            "or, if you really mean it, set eks_allow_public_endpoint_from_anywhere: true."
        )
    return problems


def eks_access_entries(principal_arns, policy="AmazonEKSClusterAdminPolicy"):
    """eks_cluster ``access_entries`` giving each principal ``policy`` on the whole cluster."""
    return [
        {"principal_arn": arn, "policies": [{"policy_arn": policy, "access_scope": "cluster"}]}
        for arn in principal_arns or []
    ]


class FilterModule:
    def filters(self):
        return {
            "eks_node_sizing": eks_node_sizing,
            "eks_access_entries": eks_access_entries,
            "eks_irsa_trust_policy": eks_irsa_trust_policy,
            "eks_public_access_problems": eks_public_access_problems,
        }

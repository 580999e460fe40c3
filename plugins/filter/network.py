# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that plan and validate the VPC address layout (pure Python, no AWS calls)."""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError

# Private subnets take the first /19 blocks of the /16 (8190 IPs each: pods take VPC IPs with the
# VPC CNI); public subnets (ALB only) take /22 blocks from the last quarter of the VPC.
PRIVATE_PREFIX = 19
PUBLIC_PREFIX = 22
PUBLIC_QUARTER = 3
MAX_AZS = 6
MIN_AZS = 2


def _network(value, name):
    try:
        return ipaddress.ip_network(str(value), strict=True)
    except ValueError as exc:
        raise ValueError(f"{name}={value} is not a valid IPv4 CIDR block ({exc}): use e.g. 10.0.0.0/16") from exc


def default_layout(vpc_cidr, az_count):
    """Private and public subnet CIDRs for ``az_count`` AZs inside a /16."""
    vpc = ipaddress.ip_network(str(vpc_cidr))
    private = [str(n) for n in list(vpc.subnets(new_prefix=PRIVATE_PREFIX))[:az_count]]
    quarter = list(vpc.subnets(new_prefix=vpc.prefixlen + 2))[PUBLIC_QUARTER]
    public = [str(n) for n in list(quarter.subnets(new_prefix=PUBLIC_PREFIX))[:az_count]]
    return private, public


def network_plan(vpc_cidr, az_count, private_cidrs=None, public_cidrs=None):
    """Return ``{'private': [...], 'public': [...], 'problems': [...]}``.

    ``problems`` lists every input mistake, each naming the variable and the fix; the
    role asserts it is empty before any AWS call.
    """
    problems = []
    private_cidrs = list(private_cidrs or [])
    public_cidrs = list(public_cidrs or [])
    try:
        az_count = int(az_count)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"network_plan: az_count must be an integer, got {az_count!r}") from None

    if az_count < MIN_AZS:
        problems.append(
            f"network_az_count={az_count} (or network_availability_zones) gives fewer than {MIN_AZS} AZs: "
            f"EKS and the ALB need subnets in at least {MIN_AZS} AZs; set network_az_count: 3."
        )
    if az_count > MAX_AZS:
        problems.append(f"network_az_count={az_count} is more than {MAX_AZS}: set network_az_count to 2-{MAX_AZS}.")

    try:
        vpc = _network(vpc_cidr, "network_vpc_cidr")
    except ValueError as exc:
        return {"private": [], "public": [], "problems": [*problems, str(exc)]}
    if vpc.version != 4:
        problems.append(f"network_vpc_cidr={vpc_cidr} is not IPv4: use an IPv4 /16 such as 10.0.0.0/16.")
    elif vpc.prefixlen > 16:
        problems.append(
            f"network_vpc_cidr={vpc_cidr} is smaller than /16: EKS pods take VPC addresses, so the VPC "
            "must be a /16 (e.g. 10.0.0.0/16)."
        )
    elif vpc.prefixlen < 16:
        problems.append(
            f"network_vpc_cidr={vpc_cidr} is larger than /16, which AWS does not allow for a VPC CIDR "
            "block: use a /16 (e.g. 10.0.0.0/16)."
        )
    elif not vpc.is_private:
        problems.append(
            f"network_vpc_cidr={vpc_cidr} is not in a private (RFC 1918) range: use e.g. 10.0.0.0/16, "
            "172.16.0.0/16 or 192.168.0.0/16."
        )
    if problems:
        return {"private": [], "public": [], "problems": problems}

    default_private, default_public = default_layout(vpc, min(az_count, MAX_AZS))
    plan = {
        "private": private_cidrs or default_private,
        "public": public_cidrs or default_public,
        "problems": problems,
    }

    parsed = []
    for var, cidrs in (
        ("network_private_subnet_cidrs", plan["private"]),
        ("network_public_subnet_cidrs", plan["public"]),
    ):
        if len(cidrs) != az_count:
            problems.append(f"{var} has {len(cidrs)} entries for {az_count} AZs: give exactly one CIDR per AZ.")
        for cidr in cidrs:
            try:
                net = _network(cidr, var)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if not net.subnet_of(vpc):
                problems.append(f"{var}: {cidr} is outside network_vpc_cidr={vpc}: pick a block inside the VPC.")
            elif net.prefixlen > 27:
                problems.append(f"{var}: {cidr} is smaller than /27: ALBs and EKS need at least /27 per subnet.")
            parsed.append((var, net))

    for i, (var_a, net_a) in enumerate(parsed):
        for var_b, net_b in parsed[i + 1 :]:
            if net_a.overlaps(net_b):
                problems.append(
                    f"{var_a}: {net_a} overlaps {var_b}: {net_b}: subnet CIDRs must not overlap; "
                    "pick disjoint blocks or leave both lists empty to use the default layout."
                )
    return plan


def network_subnets(plan, azs, name_prefix, cluster_name):
    """Subnet specs (cidr, az, kind, tags) for ``plan`` over ``azs``, private first.

    Public subnets carry ``kubernetes.io/role/elb`` (internet-facing ALBs), private subnets
    ``kubernetes.io/role/internal-elb`` (internal ALBs); both carry the cluster tag so the AWS
    Load Balancer Controller discovers them.
    """
    specs = []
    for kind, role_tag in (("private", "kubernetes.io/role/internal-elb"), ("public", "kubernetes.io/role/elb")):
        cidrs = plan[kind]
        if len(cidrs) != len(azs):
            raise AnsibleFilterError(f"network_subnets: {len(cidrs)} {kind} CIDRs for {len(azs)} AZs")
        for az, cidr in zip(azs, cidrs, strict=True):
            specs.append(
                {
                    "cidr": cidr,
                    "az": az,
                    "kind": kind,
                    "tags": {
                        "Name": f"{name_prefix}-{kind}-{az}",
                        "langsmith:subnet": kind,
                        f"kubernetes.io/cluster/{cluster_name}": "shared",
                        role_tag: "1",
                    },
                }
            )
    return specs


def _default_target(route_table):
    for route in route_table.get("routes", []):
        if route.get("destination_cidr_block") == "0.0.0.0/0" and route.get("state", "active") == "active":
            for key in (
                "nat_gateway_id",
                "transit_gateway_id",
                "gateway_id",
                "network_interface_id",
                "vpc_peering_connection_id",
            ):
                if route.get(key):
                    return route[key]
    return ""


def default_route_by_subnet(route_tables, subnet_ids):
    """Map each subnet id to the target of its 0.0.0.0/0 route ('' when it has none).

    ``route_tables`` is ``amazon.aws.ec2_vpc_route_table_info``'s ``route_tables``; a subnet
    without an explicit association uses the VPC's main route table, as on AWS.
    """
    main_target = ""
    by_subnet = {}
    for table in route_tables:
        target = _default_target(table)
        for assoc in table.get("associations", []):
            if assoc.get("main"):
                main_target = target
            elif assoc.get("subnet_id"):
                by_subnet[assoc["subnet_id"]] = target
    return {subnet_id: by_subnet.get(subnet_id, main_target) for subnet_id in subnet_ids}


def subnet_summary(subnets):
    """``[{id, az, cidr}]`` from ``ec2_vpc_subnet_info`` subnets, ordered by AZ."""
    return [
        {"id": s["id"], "az": s["availability_zone"], "cidr": s["cidr_block"]}
        for s in sorted(subnets, key=lambda s: (s["availability_zone"], s["cidr_block"]))
    ]


def without_tag(resources, key, value=None):
    """Resources (dicts with a ``tags`` dict) lacking tag ``key`` (or not set to ``value``).

    Tag keys such as ``kubernetes.io/role/elb`` contain dots, which Jinja's attribute paths
    would split; this filter looks the key up as one string.
    """
    return [r for r in resources if key not in (r.get("tags") or {}) or (value is not None and r["tags"][key] != value)]


class FilterModule:
    def filters(self):
        return {
            "network_plan": network_plan,
            "network_subnets": network_subnets,
            "default_route_by_subnet": default_route_by_subnet,
            "subnet_summary": subnet_summary,
            "without_tag": without_tag,
        }

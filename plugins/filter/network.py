# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that plan and validate the VPC address layout (pure Python, no AWS calls)."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import network as net

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


# --------------------------------------------------------------------------- the stage's plan
# ``settings`` is the role's ``_network_settings`` (its inputs in one dict); ``state`` is what
# langchain.langsmith_aws.langsmith_network_info returned. The plan says, for each resource, what
# the amazon.aws module would change (module_utils/network.py); the role calls a module only for a
# resource with changes, so a converged network costs one read.


def network_input_problems(settings):
    """Every input mistake of the network stage (no AWS call), each naming the variable and the fix."""
    problems = []
    region = settings["region"]
    azs = list(settings.get("availability_zones") or [])
    if settings.get("vpc_id"):
        if (
            not re.match(r"^vpc-[0-9a-f]+$", settings["vpc_id"])
            or len(settings.get("private_subnet_ids") or []) < 2
            or len(settings.get("public_subnet_ids") or []) < 2
            or set(settings.get("private_subnet_ids") or []) & set(settings.get("public_subnet_ids") or [])
        ):
            problems.append(
                "Bring-your-own VPC needs network_vpc_id (vpc-...), at least two network_private_subnet_ids and "
                "at least two network_public_subnet_ids (distinct lists, one subnet per AZ); or leave "
                "network_vpc_id empty to create the VPC."
            )
    else:
        count = len(azs) if azs else settings["az_count"]
        problems += network_plan(
            settings["vpc_cidr"], count, settings["private_subnet_cidrs"], settings["public_subnet_cidrs"]
        )["problems"]
    if azs and (len(set(azs)) != len(azs) or any(not re.match(f"^{re.escape(region)}[a-z]$", az) for az in azs)):
        problems.append(
            f"network_availability_zones={azs} must name distinct AZs of langsmith_region={region} "
            f"(e.g. {region}a, {region}b)."
        )
    return problems


def network_zones(state, settings):
    """``{'azs': [...], 'problems': [...]}``: the AZs the network uses, from the region's available zones."""
    offered = [z["zone_name"] for z in state.get("availability_zones") or []]
    usable = sorted(
        z["zone_name"]
        for z in state.get("availability_zones") or []
        if z.get("zone_id") not in settings["excluded_az_ids"]
    )
    azs = list(settings.get("availability_zones") or []) or usable[: int(settings["az_count"])]
    problems = []
    if len(azs) < 2 or set(azs) - set(offered):
        problems.append(
            f"{settings['region']} offers {offered} (EKS-unsupported AZ ids {settings['excluded_az_ids']} "
            "excluded); the network needs at least two of them and "
            f"network_availability_zones={settings.get('availability_zones') or []} "
            "must be among them."
        )
    return {"azs": azs, "problems": problems}


def _by(items, key):
    return {item.get(key): item for item in items or []}


def _tags(settings, name, **more):
    return {**settings["tags"], "Name": name, **more}


def network_subnet_specs(settings, azs):
    """The wanted subnets (cidr, az, kind, tags), private first (``network_subnets`` with the stage's tags)."""
    plan = network_plan(
        settings["vpc_cidr"], len(azs), settings["private_subnet_cidrs"], settings["public_subnet_cidrs"]
    )
    specs = network_subnets(plan, azs, settings["name_prefix"], settings["cluster_name"])
    for spec in specs:
        spec["tags"] = {**settings["tags"], **spec["tags"]}
    return specs


def _security_groups(settings, groups):
    """Wanted tags and rules of the nodes and data groups (data admits the nodes group's id)."""
    prefix = settings["name_prefix"]
    nodes_id = (groups.get(f"{prefix}-nodes") or {}).get("group_id", "")
    ports = sorted(int(p) for p in settings["data_ports"].values())
    return {
        "nodes": {
            "name": f"{prefix}-nodes",
            "tags": _tags(settings, f"{prefix}-nodes"),
            "ingress": [("-1", None, None, "group", nodes_id, "node to node")],
            "egress": None,
        },
        "data": {
            "name": f"{prefix}-data",
            "tags": _tags(settings, f"{prefix}-data"),
            "ingress": [("tcp", p, p, "group", nodes_id, "from LangSmith nodes") for p in ports],
            "egress": [],
        },
    }


def _byo_groups(state, settings):
    groups = _by(state.get("security_groups"), "group_name")
    security_groups = {}
    for key, want in _security_groups(settings, groups).items():
        record = groups.get(want["name"], {})
        security_groups[key] = {
            **want,
            "record": record,
            "changes": net.security_group_changes(record, want["tags"], want["ingress"], want["egress"]),
        }
    return {"security_groups": security_groups}


def network_changes(state, settings):
    """What the network stage has to create or correct, resource by resource.

    Returns ``vpc``, ``subnets`` (each wanted subnet with its ``record`` and ``changes``),
    ``internet_gateway``, ``security_groups``, ``nat`` (the public subnets' AZs that still need a
    NAT gateway and the unassociated EIPs of ours to reuse), ``problems`` (what no module can fix:
    duplicates, a changed VPC CIDR) and ``todo`` (the names of the parts with changes).
    """
    zones = network_zones(state, settings)
    if settings.get("vpc_id"):
        problems = network_byo_problems(state, settings)
        azs = sorted(
            {s["availability_zone"] for s in state.get("subnets") or [] if s["id"] in settings["private_subnet_ids"]}
        )
        groups = _byo_groups(state, settings)["security_groups"]
        todo = [f"security group {g['name']}" for g in groups.values() if g["changes"]]
        return {
            "byo": True,
            "azs": azs,
            "vpc_id": settings["vpc_id"],
            "problems": problems,
            "todo": todo,
            "security_groups": groups,
        }
    azs = zones["azs"]
    prefix = settings["name_prefix"]
    vpcs = state.get("vpcs") or []
    problems = list(zones["problems"])
    duplicates = state.get("duplicate_vpcs") or []
    in_use = [d for d in duplicates if d.get("subnet_count")]
    if len(vpcs) > 1 or in_use or (duplicates and not vpcs):
        every = [*vpcs, *duplicates]
        listed = ", ".join(f"{v['id']} ({v.get('subnet_count', '?')} subnets)" for v in every)
        problems.append(
            f"{len(every)} VPCs are named {prefix}-vpc in {settings['region']}: {listed}. LangSmith uses one: "
            "empty the others (their subnets, gateways and endpoints), then delete each with "
            + "; ".join(f"aws ec2 delete-vpc --region {settings['region']} --vpc-id {v['id']}" for v in every[1:])
            + " (or keep another one and delete the rest)."
        )
    vpc = vpcs[0] if len(vpcs) == 1 else {}
    # An empty duplicate of ours (a lost CreateVpc response that botocore retried) is removed;
    # AWS itself refuses to delete a VPC that still holds anything (DependencyViolation).
    owned = {"Name": f"{prefix}-vpc", "langsmith:env": settings["env"], "langsmith:managed-by": "ansible"}
    empty_duplicates = [
        {"id": d["id"], "reason": f"empty duplicate of {vpc.get('id')} (a lost CreateVpc response, retried)"}
        for d in duplicates
        if vpc and not d.get("subnet_count") and all((d.get("tags") or {}).get(k) == v for k, v in owned.items())
    ]
    if vpc and vpc.get("cidr_block") != settings["vpc_cidr"]:
        problems.append(
            f"VPC {vpc['id']} ({prefix}-vpc) has CIDR {vpc.get('cidr_block')}, "
            f"but network_vpc_cidr={settings['vpc_cidr']}: "
            "a VPC's CIDR cannot change; set network_vpc_cidr back, or tear the environment down first."
        )
    subnets_by_cidr = _by(state.get("subnets"), "cidr_block")
    subnets = []
    for spec in network_subnet_specs(settings, azs):
        record = subnets_by_cidr.get(spec["cidr"], {})
        if record and record.get("availability_zone") != spec["az"]:
            problems.append(
                f"subnet {record['id']} {spec['cidr']} is in {record.get('availability_zone')}, not {spec['az']}: "
                "subnets cannot move; keep network_availability_zones as they were."
            )
        subnets.append({**spec, "record": record, "changes": net.subnet_changes(record, spec["tags"])})
    igw = (state.get("internet_gateways") or [{}])[0]
    igw_tags = _tags(settings, f"{prefix}-igw")
    security_groups = _byo_groups(state, settings)["security_groups"]
    public = [s for s in subnets if s["kind"] == "public"]
    nat_azs = [s["az"] for s in (public if settings["nat_gateways"] == "per_az" else public[:1])]
    nat_subnets = {s["az"]: s["record"].get("id") for s in public}
    with_nat = {n.get("subnet_id") for n in state.get("nat_gateways") or []}
    # Our EIPs that no NAT gateway holds (pending ones included): one per missing NAT gateway is
    # reused; the rest are surplus (a lost AllocateAddress response, retried) and released.
    held = {
        a.get("allocation_id") for n in state.get("nat_gateways") or [] for a in n.get("nat_gateway_addresses") or []
    }
    free = sorted(
        (a for a in state.get("addresses") or [] if not a.get("association_id") and a["allocation_id"] not in held),
        key=lambda a: a["allocation_id"],
    )
    missing = [az for az in nat_azs if not nat_subnets.get(az) or nat_subnets[az] not in with_nat]
    free_eips = {}
    for address in free:
        name = address["tags"].get("Name")
        if name in {f"{prefix}-nat-{az}" for az in missing} and name not in free_eips:
            free_eips[name] = address["allocation_id"]
    surplus_eips = [
        {"public_ip": a.get("public_ip"), "allocation_id": a["allocation_id"], "name": a["tags"].get("Name")}
        for a in free
        if a["allocation_id"] not in free_eips.values()
    ]
    igw_owned = {"Name": f"{prefix}-igw", "langsmith:env": settings["env"], "langsmith:managed-by": "ansible"}
    detached_igws = [g["id"] for g in state.get("detached_internet_gateways") or [] if net.owned(g, igw_owned)]
    result = {
        "byo": False,
        "azs": azs,
        "vpc_id": vpc.get("id", ""),
        "vpc": {"record": vpc, "changes": net.vpc_changes(vpc, settings["vpc_cidr"], _tags(settings, f"{prefix}-vpc"))},
        "empty_duplicate_vpcs": empty_duplicates,
        "subnets": subnets,
        "internet_gateway": {"record": igw, "tags": igw_tags, "changes": net.igw_changes(igw, igw_tags)},
        "security_groups": security_groups,
        "nat": {
            "azs": nat_azs,
            "missing": missing,
            "free_eips": free_eips,
            "surplus_eips": surplus_eips,
        },
        "detached_internet_gateways": detached_igws,
        "problems": problems,
    }
    result["todo"] = _todo(result)
    return result


def _todo(result):
    todo = []
    if result["vpc"]["changes"]:
        todo.append("vpc")
    todo += [f"remove VPC {d['id']}: {d['reason']}" for d in result["empty_duplicate_vpcs"]]
    todo += [f"subnet {s['cidr']}" for s in result["subnets"] if s["changes"]]
    if result["internet_gateway"]["changes"]:
        todo.append("internet gateway")
    todo += [f"NAT gateway {az}" for az in result["nat"]["missing"]]
    todo += [f"release unused EIP {e['public_ip']} ({e['name']})" for e in result["nat"]["surplus_eips"]]
    todo += [
        f"delete detached internet gateway {g} (ours, a lost create response)"
        for g in result["detached_internet_gateways"]
    ]
    todo += [f"security group {g['name']}" for g in result["security_groups"].values() if g["changes"]]
    return todo


def network_route_changes(state, settings, subnets, igw_id, nat_by_subnet):
    """Route tables and the S3 endpoint, once the subnets and gateways are known.

    ``subnets`` are the wanted subnets with their ids (``[{cidr, az, kind, id}]``),
    ``nat_by_subnet`` maps public subnet ids to NAT gateway ids. Returns ``route_tables`` (each with
    ``tags``, ``subnet_ids``, ``routes`` for the module, ``record`` and ``changes``) and
    ``s3_endpoint`` (``record``, ``tags``, ``changes``).
    """
    prefix = settings["name_prefix"]
    tables = state.get("route_tables") or []
    public = [s for s in subnets if s["kind"] == "public"]
    nat_subnets = public if settings["nat_gateways"] == "per_az" else public[:1]
    wanted = [
        {
            "key": "public",
            "tags": _tags(settings, f"{prefix}-public", **{"langsmith:subnet": "public"}),
            "subnet_ids": [s["id"] for s in public if s.get("id")],
            "routes": [{"destination_cidr_block": "0.0.0.0/0", "gateway_id": igw_id}] if igw_id else [],
            "module_routes": [{"dest": "0.0.0.0/0", "gateway_id": igw_id or "igw"}],
        }
    ]
    for subnet in (s for s in subnets if s["kind"] == "private"):
        nat_subnet = ([n for n in nat_subnets if n["az"] == subnet["az"]] + nat_subnets + [{}])[0]
        nat = nat_by_subnet.get(nat_subnet.get("id"), "")
        wanted.append(
            {
                "key": f"private-{subnet['az']}",
                "az": subnet["az"],
                "tags": _tags(settings, f"{prefix}-private-{subnet['az']}", **{"langsmith:subnet": "private"}),
                "subnet_ids": [subnet["id"]] if subnet.get("id") else [],
                "routes": [{"destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": nat}] if nat else [],
                "module_routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": nat}] if nat else [],
            }
        )
    problems = []
    surplus_tables = []
    for table in wanted:
        found = net.route_tables_tagged(tables, table["tags"])
        # Twins (a lost CreateRouteTable response, retried): keep the associated one, delete the rest.
        kept, surplus, ambiguous = net.split_duplicates(found, lambda t: bool(t.get("associations")))
        if ambiguous:
            problems.append(
                f"{len(found)} route tables carry the tags of {table['tags']['Name']} and have subnets "
                f"({', '.join(t['id'] for t in found)}): keep one, move its subnets, then delete the others with "
                + "; ".join(f"aws ec2 delete-route-table --route-table-id {t['id']}" for t in found[1:])
                + "."
            )
        surplus_tables += [{"id": t["id"], "name": table["tags"]["Name"]} for t in surplus]
        table["record"] = kept
        table["changes"] = net.route_table_changes(table["record"], table["tags"], table["subnet_ids"], table["routes"])
    endpoint_tags = _tags(settings, f"{prefix}-s3")
    ours = [e for e in state.get("vpc_endpoints") or [] if net.owned(e, {"Name": endpoint_tags["Name"]})]
    others = [e for e in state.get("vpc_endpoints") or [] if e not in ours]
    kept_endpoint, surplus_endpoints, _ambiguous = net.split_duplicates(ours, lambda e: False)
    endpoint = kept_endpoint or (others[:1] or [{}])[0]
    result = {
        "route_tables": wanted,
        "s3_endpoint": {
            "record": endpoint,
            "tags": endpoint_tags,
            "changes": net.endpoint_changes(endpoint, endpoint_tags) if settings["s3_endpoint"] else [],
        },
        "surplus_route_tables": surplus_tables,
        "surplus_s3_endpoints": [e["id"] for e in surplus_endpoints],
        "problems": problems,
    }
    result["todo"] = [f"route table {t['tags']['Name']}" for t in wanted if t["changes"]]
    result["todo"] += [f"delete duplicate route table {t['id']} ({t['name']})" for t in surplus_tables]
    result["todo"] += [f"delete duplicate S3 endpoint {e}" for e in result["surplus_s3_endpoints"]]
    if result["s3_endpoint"]["changes"]:
        result["todo"].append("S3 endpoint")
    return result


def network_resolved_subnets(subnets, results):
    """The wanted subnets ``[{cidr, az, kind, id}]``, ids from this run's ec2_vpc_subnet results or the read."""
    made = {r["item"]["cidr"]: (r.get("subnet") or {}).get("id", "") for r in results or [] if "item" in r}
    return [
        {
            "cidr": s["cidr"],
            "az": s["az"],
            "kind": s["kind"],
            "id": made.get(s["cidr"]) or (s.get("record") or {}).get("id", ""),
        }
        for s in subnets
    ]


def network_nat_subnet_ids(subnets, nat_mode):
    """Ids of the public subnets that hold a NAT gateway (all for per_az, the first for single)."""
    public = [s["id"] for s in subnets if s["kind"] == "public" and s.get("id")]
    return public if nat_mode == "per_az" else public[:1]


def network_route_table_ids(routes, results, kind="private"):
    """Ids of the ``kind`` route tables (``private``/``public``), from this run's results or the read."""
    made = {r["item"]["key"]: (r.get("route_table") or {}).get("id", "") for r in results or [] if "item" in r}
    return [
        made.get(t["key"]) or (t.get("record") or {}).get("id", "")
        for t in routes["route_tables"]
        if t["key"].startswith(kind) and (made.get(t["key"]) or (t.get("record") or {}).get("id"))
    ]


def network_outputs(state, settings):
    """``network_outputs``: what later stages need (ids, CIDRs, AZs), from a network read."""
    vpc = (state.get("vpcs") or [{}])[0] if len(state.get("vpcs") or []) == 1 else {}
    subnets = sorted(state.get("subnets") or [], key=lambda s: s["availability_zone"])
    byo = bool(settings.get("vpc_id"))
    if byo:
        private = [s for s in subnets if s["id"] in settings["private_subnet_ids"]]
        public = [s for s in subnets if s["id"] in settings["public_subnet_ids"]]
    else:
        private = [s for s in subnets if (s.get("tags") or {}).get("langsmith:subnet") == "private"]
        public = [s for s in subnets if (s.get("tags") or {}).get("langsmith:subnet") == "public"]
    groups = _by(state.get("security_groups"), "group_name")
    prefix = settings["name_prefix"]
    endpoint = (state.get("vpc_endpoints") or [{}])[0]
    return {
        "vpc_id": vpc.get("id", ""),
        "vpc_cidr": vpc.get("cidr_block", ""),
        "byo": byo,
        "availability_zones": sorted({s["availability_zone"] for s in private}),
        "private_subnet_ids": [s["id"] for s in private],
        "public_subnet_ids": [s["id"] for s in public],
        "private_subnets": subnet_summary(private),
        "public_subnets": subnet_summary(public),
        "nat_gateway_ids": sorted(n["nat_gateway_id"] for n in state.get("nat_gateways") or []),
        "nodes_security_group_id": (groups.get(f"{prefix}-nodes") or {}).get("group_id", ""),
        "data_security_group_id": (groups.get(f"{prefix}-data") or {}).get("group_id", ""),
        "s3_endpoint_id": endpoint.get("vpc_endpoint_id", ""),
    }


def network_summary(outputs, nat_mode):
    """The stage's lines of the run summary."""
    if not outputs["vpc_id"]:
        return ["network: no VPC yet (check mode on an empty account)"]
    return [
        f"network: VPC {outputs['vpc_id']} {outputs['vpc_cidr']}{' (bring your own)' if outputs['byo'] else ''} in "
        + ", ".join(outputs["availability_zones"]),
        "network: subnets per AZ: " + ", ".join(f"{az}: 1 public + 1 private" for az in outputs["availability_zones"]),
        f"network: NAT gateways: {len(outputs['nat_gateway_ids'])} ({nat_mode})",
        f"network: security groups: nodes {outputs['nodes_security_group_id']}, "
        f"data {outputs['data_security_group_id']}",
    ]


def _without(resources, key, value=None):
    return [r["id"] for r in without_tag(resources, key, value)]


def network_byo_problems(state, settings):
    """A bring-your-own VPC: it exists, holds the subnets over >= 2 AZs, tagged for the ALB controller, routed right."""
    vpc_id = settings["vpc_id"]
    private_ids, public_ids = settings["private_subnet_ids"], settings["public_subnet_ids"]
    subnets = state.get("subnets") or []
    private = [s for s in subnets if s["id"] in private_ids]
    public = [s for s in subnets if s["id"] in public_ids]
    private_azs = sorted({s["availability_zone"] for s in private})
    public_azs = sorted({s["availability_zone"] for s in public})
    if (
        len(state.get("vpcs") or []) != 1
        or {s["vpc_id"] for s in subnets} != {vpc_id}
        or len(private_azs) < 2
        or len(public_azs) < 2
    ):
        return [
            f"network_vpc_id={vpc_id} must exist and every subnet in network_private_subnet_ids / "
            "network_public_subnet_ids must belong to it, each list spreading over at least two AZs "
            f"(private AZs: {private_azs}, public AZs: {public_azs})."
        ]
    problems = []
    untagged_public = _without(public, "kubernetes.io/role/elb")
    untagged_private = _without(private, "kubernetes.io/role/internal-elb")
    if untagged_public or untagged_private:
        problems.append(
            "The AWS Load Balancer Controller finds subnets by tag. Add kubernetes.io/role/elb=1 to public subnets "
            f"{untagged_public} and kubernetes.io/role/internal-elb=1 to private subnets {untagged_private}."
        )
    routes = default_route_by_subnet(state.get("route_tables") or [], private_ids + public_ids)
    if any(not routes[i].startswith("igw-") for i in public_ids) or any(
        not routes[i].startswith(("nat-", "tgw-")) for i in private_ids
    ):
        problems.append(
            f"Default routes found: {routes}. Public subnets need 0.0.0.0/0 via an internet gateway (igw-...); private "
            "subnets need 0.0.0.0/0 via a NAT gateway (nat-...) or transit gateway (tgw-...) and must never "
            "route to an internet gateway. Fix the route tables or the subnet lists."
        )
    return problems


def network_verify_problems(state, settings, azs):
    """Properties of the converged network (AWS read back), each failure with what was found."""
    outputs = network_outputs(state, settings)
    byo = outputs["byo"]
    problems = []
    found_azs = outputs["availability_zones"]
    public_azs = {s["az"] for s in outputs["public_subnets"]}
    if (
        (not byo and outputs["vpc_cidr"] != settings["vpc_cidr"])
        or len(outputs["private_subnet_ids"]) != len(found_azs)
        or len(outputs["public_subnet_ids"]) != len(public_azs)
        or len(found_azs) < 2
        or (not byo and found_azs != sorted(azs))
    ):
        problems.append(
            f"Expected {settings['vpc_cidr']} with one public and one private subnet in each of {azs}; found "
            f"{outputs['vpc_cidr']}, private {outputs['private_subnets']}, public {outputs['public_subnets']}."
        )
    ids = outputs["private_subnet_ids"] + outputs["public_subnet_ids"]
    routes = default_route_by_subnet(state.get("route_tables") or [], ids)
    if (
        any(not routes[i].startswith("igw-") for i in outputs["public_subnet_ids"])
        or any(routes[i].startswith("igw-") for i in outputs["private_subnet_ids"])
        or (not byo and any(not routes[i].startswith("nat-") for i in outputs["private_subnet_ids"]))
    ):
        problems.append(f"Default route per subnet: {routes}")
    subnets = [s for s in state.get("subnets") or [] if s["id"] in ids]
    private = [s for s in subnets if s["id"] in outputs["private_subnet_ids"]]
    public = [s for s in subnets if s["id"] in outputs["public_subnet_ids"]]
    if (
        _without(public, "kubernetes.io/role/elb")
        or _without(private, "kubernetes.io/role/internal-elb")
        or (not byo and _without(subnets, f"kubernetes.io/cluster/{settings['cluster_name']}"))
        or (not byo and _without(subnets, "langsmith:env", settings["env"]))
        or [s for s in private if s.get("map_public_ip_on_launch")]
    ):
        tags_by_subnet = {s["id"]: s.get("tags") for s in subnets}
        problems.append(f"Subnet tags: {tags_by_subnet}")
    nats = state.get("nat_gateways") or []
    if not byo:
        wanted = len(found_azs) if settings["nat_gateways"] == "per_az" else 1
        nat_subnets = [n.get("subnet_id") for n in nats]
        if (
            len(nats) != wanted
            or set(nat_subnets) - set(outputs["public_subnet_ids"])
            or len(set(nat_subnets)) != len(nats)
        ):
            problems.append(f"network_nat_gateways={settings['nat_gateways']}; found {nat_subnets}")
        eips = state.get("addresses") or []
        if len(eips) != len(nats) or len([a for a in eips if a.get("association_id")]) != len(nats):
            problems.append(f"NAT gateways: {len(nats)}; tagged EIPs: {[a.get('public_ip') for a in eips]}")
    data = _by(state.get("security_groups"), "group_name").get(f"{settings['name_prefix']}-data") or {}
    ingress = data.get("ip_permissions") or []
    pairs = {p.get("group_id") for perm in ingress for p in perm.get("user_id_group_pairs") or []}
    if (
        any(perm.get("ip_ranges") or perm.get("ipv6_ranges") or perm.get("prefix_list_ids") for perm in ingress)
        or pairs != {outputs["nodes_security_group_id"]}
        or sorted(perm.get("from_port") for perm in ingress) != sorted(int(p) for p in settings["data_ports"].values())
        or data.get("ip_permissions_egress")
    ):
        problems.append(f"Data security group rules: {ingress}")
    if settings["s3_endpoint"] and not byo:
        private_rts = sorted(
            t["id"]
            for t in state.get("route_tables") or []
            if (t.get("tags") or {}).get("langsmith:subnet") == "private"
        )
        endpoint = (state.get("vpc_endpoints") or [{}])[0]
        if not outputs["s3_endpoint_id"] or sorted(endpoint.get("route_table_ids") or []) != private_rts:
            problems.append(
                f"S3 endpoint {outputs['s3_endpoint_id']} route tables vs private route tables {private_rts}"
            )
    return problems


class FilterModule:
    def filters(self):
        return {
            "network_plan": network_plan,
            "network_subnets": network_subnets,
            "default_route_by_subnet": default_route_by_subnet,
            "subnet_summary": subnet_summary,
            "without_tag": without_tag,
            "network_input_problems": network_input_problems,
            "network_zones": network_zones,
            "network_changes": network_changes,
            "network_route_changes": network_route_changes,
            "network_outputs": network_outputs,
            "network_summary": network_summary,
            "network_byo_problems": network_byo_problems,
            "network_verify_problems": network_verify_problems,
            "network_resolved_subnets": network_resolved_subnets,
            "network_nat_subnet_ids": network_nat_subnet_ids,
            "network_route_table_ids": network_route_table_ids,
        }

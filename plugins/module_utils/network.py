# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the network stage's resources in one pass (langsmith_network_info).

Records have the shape amazon.aws's ``*_info`` modules return (snake_case, ``tags`` as a dict,
``id`` next to the resource's own id key), so the network filters work on either.
"""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.common import paginate, retry, tag_dict

LIVE_NAT_STATES = ["pending", "available"]
LIVE_ENDPOINT_STATES = ["pending", "available"]


def _record(resource, id_key=None):
    record = camel_dict_to_snake_dict(resource, ignore_list=["Tags"])
    record["tags"] = tag_dict(resource.get("Tags"))
    if id_key:
        record["id"] = record[id_key]
    return record


def _filters(named):
    """``{'vpc-id': 'vpc-1', 'state': ['a', 'b']}`` -> EC2 ``Filters``."""
    return [
        {"Name": name, "Values": values if isinstance(values, list) else [values]} for name, values in named.items()
    ]


def availability_zones(client):
    zones = client.describe_availability_zones(
        aws_retry=True, Filters=_filters({"state": "available", "zone-type": "availability-zone"})
    )["AvailabilityZones"]
    return sorted((_record(z) for z in zones), key=lambda z: z["zone_name"])


def vpcs(client, vpc_id="", name="", env=""):
    """The VPC ``vpc_id``, or every VPC tagged ``Name=name`` and ``langsmith:env=env``, with their DNS attributes."""
    if vpc_id:
        try:
            found = paginate(client, "describe_vpcs", VpcIds=[vpc_id])["Vpcs"]
        except is_boto3_error_code("InvalidVpcID.NotFound"):
            found = []
    else:
        found = paginate(client, "describe_vpcs", Filters=_filters({"tag:Name": name, "tag:langsmith:env": env}))[
            "Vpcs"
        ]
    records = []
    for vpc in sorted(found, key=lambda v: v["VpcId"]):
        record = _record(vpc, "vpc_id")
        for attribute, key in (
            ("enableDnsHostnames", "enable_dns_hostnames"),
            ("enableDnsSupport", "enable_dns_support"),
        ):
            answer = client.describe_vpc_attribute(aws_retry=True, VpcId=vpc["VpcId"], Attribute=attribute)
            record[key] = answer[attribute[0].upper() + attribute[1:]]["Value"]
        records.append(record)
    return records


def adopt_vpc(client, found):
    """Several VPCs carry our name (a lost CreateVpc response that botocore retried): pick one.

    Returns ``([adopted], others)``. Each record gets ``subnet_count``. The adopted VPC is the one
    with subnets when exactly one has any, else (none has) the lowest id; when several have
    subnets nothing is adopted (``([], found)``) and the plan reports them all.
    """
    ids = [v["id"] for v in found]
    counts = {}
    for subnet in paginate(client, "describe_subnets", Filters=_filters({"vpc-id": ids}))["Subnets"]:
        counts[subnet["VpcId"]] = counts.get(subnet["VpcId"], 0) + 1
    records = [{**v, "subnet_count": counts.get(v["id"], 0)} for v in found]
    used = [v for v in records if v["subnet_count"]]
    if len(used) > 1:
        return [], records
    adopted = used[0] if used else records[0]  # records are sorted by id
    return [adopted], [v for v in records if v["id"] != adopted["id"]]


def read(client, *, name_prefix, env, region, vpc_id="", subnet_ids=None, security_group_names=None):
    """Everything the network stage owns or uses, as one dict (see langsmith_network_info RETURN)."""
    wanted_vpc = vpc_id
    state = {
        "availability_zones": availability_zones(client),
        "vpcs": vpcs(client, vpc_id=wanted_vpc, name=f"{name_prefix}-vpc", env=env),
        "duplicate_vpcs": [],
        "detached_internet_gateways": [],
        "subnets": [],
        "internet_gateways": [],
        "route_tables": [],
        "nat_gateways": [],
        "addresses": [],
        "security_groups": [],
        "vpc_endpoints": [],
    }
    if len(state["vpcs"]) > 1 and not wanted_vpc:
        state["vpcs"], state["duplicate_vpcs"] = adopt_vpc(client, state["vpcs"])
    state["addresses"] = [
        _record(a)
        for a in client.describe_addresses(
            aws_retry=True, Filters=_filters({"tag:langsmith:env": env, "tag:langsmith:stage": "network"})
        )["Addresses"]
    ]
    state["detached_internet_gateways"] = [
        _record(g, "internet_gateway_id")
        for g in paginate(
            client,
            "describe_internet_gateways",
            Filters=_filters({"tag:Name": f"{name_prefix}-igw", "tag:langsmith:env": env}),
        )["InternetGateways"]
        if not g.get("Attachments")
    ]
    if len(state["vpcs"]) != 1:
        return state
    vpc = state["vpcs"][0]["id"]
    in_vpc = _filters({"vpc-id": vpc})
    if subnet_ids:
        try:
            subnets = paginate(client, "describe_subnets", SubnetIds=list(subnet_ids))["Subnets"]
        except is_boto3_error_code("InvalidSubnetID.NotFound"):
            subnets = []
    else:
        subnets = paginate(client, "describe_subnets", Filters=in_vpc)["Subnets"]
    state["subnets"] = sorted(
        (_record(s, "subnet_id") for s in subnets), key=lambda s: (s["availability_zone"], s["cidr_block"])
    )
    state["internet_gateways"] = [
        _record(g, "internet_gateway_id")
        for g in paginate(client, "describe_internet_gateways", Filters=_filters({"attachment.vpc-id": vpc}))[
            "InternetGateways"
        ]
    ]
    state["route_tables"] = [
        _record(t, "route_table_id") for t in paginate(client, "describe_route_tables", Filters=in_vpc)["RouteTables"]
    ]
    state["nat_gateways"] = [
        _record(n, "nat_gateway_id")
        for n in paginate(client, "describe_nat_gateways", Filter=[*in_vpc, *_filters({"state": LIVE_NAT_STATES})])[
            "NatGateways"
        ]
    ]
    names = list(security_group_names or [f"{name_prefix}-nodes", f"{name_prefix}-data"])
    state["security_groups"] = [
        _record(g, "group_id")
        for g in paginate(client, "describe_security_groups", Filters=[*in_vpc, *_filters({"group-name": names})])[
            "SecurityGroups"
        ]
    ]
    state["vpc_endpoints"] = [
        _record(e, "vpc_endpoint_id")
        for e in paginate(
            client,
            "describe_vpc_endpoints",
            Filters=[
                *in_vpc,
                *_filters({"service-name": f"com.amazonaws.{region}.s3", "vpc-endpoint-state": LIVE_ENDPOINT_STATES}),
            ],
        )["VpcEndpoints"]
    ]
    return state


def client(module):
    return module.client("ec2", retry_decorator=retry())


# --------------------------------------------------------------------------- what differs
# Each ``*_changes`` function answers "would the amazon.aws module change this resource, given these
# options?" with the reasons (empty: in sync, so the role skips the module). They mirror the modules'
# own comparisons for the options the network role passes (named in each docstring); a resource
# that cannot be matched is "missing", which makes the module run and decide.


def tag_changes(current, desired, purge=True):
    """Reasons from amazon.aws ``compare_aws_tags`` (what ``ensure_ec2_tags`` would set and unset)."""
    to_set, to_unset = compare_aws_tags(current or {}, desired or {}, purge_tags=purge)
    reasons = [f"tag {key} -> {to_set[key]}" for key in sorted(to_set)]
    return reasons + [f"tag {key} removed" for key in sorted(to_unset)]


def vpc_changes(vpc, cidr, tags):
    """amazon.aws.ec2_vpc_net with name, cidr_block, dns_hostnames, dns_support (true) and tags (purged)."""
    if not vpc:
        return ["missing"]
    reasons = []
    if vpc.get("cidr_block") != cidr:
        reasons.append(f"CIDR {vpc.get('cidr_block')} is not {cidr}")
    for key in ("enable_dns_hostnames", "enable_dns_support"):
        if vpc.get(key) is not True:
            reasons.append(f"{key} off")
    return reasons + tag_changes(vpc.get("tags"), tags)


def _ipv6_associated(subnet):
    return any(
        (item.get("ipv6_cidr_block_state") or {}).get("state") in ("associated", "associating")
        for item in subnet.get("ipv6_cidr_block_association_set") or []
    )


def subnet_changes(subnet, tags):
    """amazon.aws.ec2_vpc_subnet with cidr, az, map_public=false, the ipv6 defaults and tags (purged)."""
    if not subnet:
        return ["missing"]
    reasons = []
    if subnet.get("map_public_ip_on_launch") is not False:
        reasons.append("maps public IPs on launch")
    if subnet.get("assign_ipv6_address_on_creation") is not False:
        reasons.append("assigns IPv6 addresses")
    if _ipv6_associated(subnet):
        reasons.append("has an IPv6 CIDR")
    return reasons + tag_changes(subnet.get("tags"), tags)


def igw_changes(gateway, tags):
    """amazon.aws.ec2_vpc_igw with vpc_id and tags (purged)."""
    if not gateway:
        return ["missing"]
    return tag_changes(gateway.get("tags"), tags)


def owned(record, tags):
    """``record`` carries every one of ``tags`` (our Name, langsmith:env, langsmith:managed-by, ...)."""
    return all((record.get("tags") or {}).get(k) == v for k, v in tags.items())


def split_duplicates(records, in_use):
    """A lost create response that botocore retried leaves twins: ``(kept, surplus, problem)``.

    ``in_use(record)`` says whether a twin holds anything. Kept: the one in use (none is: the
    lowest id); surplus: the twins not in use, safe to delete. ``problem`` is True when more than
    one is in use (nothing is deleted then; the caller reports every id).
    """
    ordered = sorted(records, key=lambda r: r["id"])
    used = [r for r in ordered if in_use(r)]
    if len(used) > 1:
        return {}, [], True
    kept = used[0] if used else (ordered[0] if ordered else {})
    return kept, [r for r in ordered if r["id"] != kept.get("id")], False


def route_tables_tagged(route_tables, tags):
    """The tables whose tags include every one of ``tags`` (ec2_vpc_route_table's lookup=tag)."""
    return [t for t in route_tables if all((t.get("tags") or {}).get(k) == v for k, v in tags.items())]


def route_table_changes(table, tags, subnet_ids, routes):
    """amazon.aws.ec2_vpc_route_table (lookup=tag) with tags, subnets and routes, purging all three.

    ``routes`` are ``{'destination_cidr_block': ..., '<target key>': id}``; a route matches when
    every key of the spec has that value (the module's subset match).
    """
    if not table:
        return ["missing"]
    reasons = []
    associated = sorted(
        a["subnet_id"] for a in table.get("associations") or [] if not a.get("main") and a.get("subnet_id")
    )
    if associated != sorted(subnet_ids):
        reasons.append(f"associated with {associated}, not {sorted(subnet_ids)}")
    current = list(table.get("routes") or [])
    for spec in routes:
        match = [r for r in current if all(r.get(k) == v for k, v in spec.items())]
        if match:
            current.remove(match[0])
        else:
            reasons.append(f"route {spec} missing")
    extra = [r for r in current if r.get("destination_cidr_block") and r.get("origin") == "CreateRoute"]
    reasons += [f"extra route {r.get('destination_cidr_block')}" for r in extra]
    return reasons + tag_changes(table.get("tags"), tags)


def endpoint_changes(endpoint, tags):
    """amazon.aws.ec2_vpc_endpoint with vpc_endpoint_id and tags (purged): only the tags are corrected."""
    if not endpoint:
        return ["missing"]
    return tag_changes(endpoint.get("tags"), tags)


def _permission_rules(permissions):
    """IpPermissions (snake_cased) -> {(protocol, from, to, kind, target, description)}."""
    rules = set()
    for perm in permissions or []:
        protocol = str(perm.get("ip_protocol"))
        ports = (None, None) if protocol == "-1" else (perm.get("from_port"), perm.get("to_port"))
        for kind, key, target_key in (
            ("ipv4", "ip_ranges", "cidr_ip"),
            ("ipv6", "ipv6_ranges", "cidr_ipv6"),
            ("prefix", "prefix_list_ids", "prefix_list_id"),
            ("group", "user_id_group_pairs", "group_id"),
        ):
            for target in perm.get(key) or []:
                rules.add((protocol, *ports, kind, target.get(target_key), target.get("description")))
    return rules


def security_group_changes(group, tags, ingress, egress=None):
    """amazon.aws.ec2_security_group with tags (purged) and purged rules.

    ``ingress``/``egress`` are ``(protocol, from_port, to_port, kind, target, description)`` tuples
    (protocol ``-1`` with ports ``None`` for all traffic). ``egress=None`` leaves egress alone (the
    module keeps AWS's default allow-all rule when ``rules_egress`` is not given).
    """
    if not group:
        return ["missing"]
    reasons = []
    current_in = _permission_rules(group.get("ip_permissions"))
    if current_in != set(ingress):
        reasons.append(f"ingress {sorted(current_in, key=str)} is not {sorted(ingress, key=str)}")
    if egress is not None:
        current_out = _permission_rules(group.get("ip_permissions_egress"))
        if current_out != set(egress):
            reasons.append(f"egress {sorted(current_out, key=str)} is not {sorted(egress, key=str)}")
    return reasons + tag_changes(group.get("tags"), tags)

"""What would the amazon.aws network modules change? (module_utils/network.py)

Each rule answers for the options the network role passes; a resource in sync gives no reason, and
every property the module corrects gives one.
"""

from __future__ import annotations

import pytest

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import network as net

TAGS = {"Name": "demo-langsmith-vpc", "langsmith:env": "demo"}


def test_tags_follow_compare_aws_tags_including_purge_and_aws_prefixed_keys():
    assert net.tag_changes(TAGS, TAGS) == []
    assert net.tag_changes({**TAGS, "aws:cloudformation:stack-name": "x"}, TAGS) == []
    assert net.tag_changes({**TAGS, "extra": "1"}, TAGS) == ["tag extra removed"]
    assert net.tag_changes({"Name": "other"}, TAGS) == ["tag Name -> demo-langsmith-vpc", "tag langsmith:env -> demo"]
    assert net.tag_changes({**TAGS, "extra": "1"}, TAGS, purge=False) == []


VPC = {
    "id": "vpc-1",
    "cidr_block": "10.0.0.0/16",
    "enable_dns_hostnames": True,
    "enable_dns_support": True,
    "tags": TAGS,
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"enable_dns_hostnames": False}, "enable_dns_hostnames off"),
        ({"enable_dns_support": False}, "enable_dns_support off"),
        ({"cidr_block": "10.1.0.0/16"}, "CIDR 10.1.0.0/16 is not 10.0.0.0/16"),
        ({"tags": {"Name": "demo-langsmith-vpc"}}, "tag langsmith:env -> demo"),
    ],
)
def test_vpc(change, reason):
    assert net.vpc_changes(VPC, "10.0.0.0/16", TAGS) == []
    assert reason in net.vpc_changes({**VPC, **change}, "10.0.0.0/16", TAGS)
    assert net.vpc_changes({}, "10.0.0.0/16", TAGS) == ["missing"]


SUBNET = {
    "id": "subnet-1",
    "map_public_ip_on_launch": False,
    "assign_ipv6_address_on_creation": False,
    "ipv6_cidr_block_association_set": [],
    "tags": TAGS,
}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"map_public_ip_on_launch": True}, "maps public IPs on launch"),
        ({"assign_ipv6_address_on_creation": True}, "assigns IPv6 addresses"),
        # A field AWS always returns but a reply lacks: the module would set it, so it differs.
        ({"assign_ipv6_address_on_creation": None}, "assigns IPv6 addresses"),
        (
            {"ipv6_cidr_block_association_set": [{"ipv6_cidr_block_state": {"state": "associated"}}]},
            "has an IPv6 CIDR",
        ),
        ({"tags": {**TAGS, "kubernetes.io/role/elb": "1"}}, "tag kubernetes.io/role/elb removed"),
    ],
)
def test_subnet(change, reason):
    assert net.subnet_changes(SUBNET, TAGS) == []
    assert reason in net.subnet_changes({**SUBNET, **change}, TAGS)
    assert net.subnet_changes({}, TAGS) == ["missing"]
    disassociated = {"ipv6_cidr_block_association_set": [{"ipv6_cidr_block_state": {"state": "disassociated"}}]}
    assert net.subnet_changes({**SUBNET, **disassociated}, TAGS) == []


TABLE = {
    "id": "rtb-1",
    "tags": {"Name": "demo-langsmith-public", "langsmith:subnet": "public"},
    "associations": [{"main": False, "subnet_id": "subnet-b"}, {"main": False, "subnet_id": "subnet-a"}],
    "routes": [
        {"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local", "origin": "CreateRouteTable"},
        {"destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1", "origin": "CreateRoute", "state": "active"},
    ],
}
ROUTES = [{"destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}]


def test_route_table_in_sync_whatever_the_association_order():
    assert net.route_table_changes(TABLE, TABLE["tags"], ["subnet-a", "subnet-b"], ROUTES) == []


@pytest.mark.parametrize(
    ("table", "subnets", "routes", "reason"),
    [
        (TABLE, ["subnet-a"], ROUTES, "associated with ['subnet-a', 'subnet-b'], not ['subnet-a']"),
        (TABLE, ["subnet-a", "subnet-b", "subnet-c"], ROUTES, "not ['subnet-a', 'subnet-b', 'subnet-c']"),
        (
            TABLE,
            ["subnet-a", "subnet-b"],
            [{"destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-1"}],
            "route",
        ),
        (
            {
                **TABLE,
                "routes": [*TABLE["routes"], {"destination_cidr_block": "192.0.2.0/24", "origin": "CreateRoute"}],
            },
            ["subnet-a", "subnet-b"],
            ROUTES,
            "extra route 192.0.2.0/24",
        ),
        (
            {**TABLE, "tags": {"Name": "demo-langsmith-public"}},
            ["subnet-a", "subnet-b"],
            ROUTES,
            "tag langsmith:subnet",
        ),
    ],
)
def test_route_table_differences(table, subnets, routes, reason):
    assert any(reason in r for r in net.route_table_changes(table, TABLE["tags"], subnets, routes))


def test_route_tables_are_found_by_a_subset_of_their_tags_like_lookup_tag():
    tables = [TABLE, {"id": "rtb-2", "tags": {"Name": "other"}}]
    assert net.route_tables_tagged(tables, {"Name": "demo-langsmith-public"}) == [TABLE]
    assert net.route_tables_tagged(tables, {"Name": "demo-langsmith-public", "x": "y"}) == []


def _group(ingress, egress):
    return {"id": "sg-data", "tags": TAGS, "ip_permissions": ingress, "ip_permissions_egress": egress}


FROM_NODES = [
    {
        "ip_protocol": "tcp",
        "from_port": 5432,
        "to_port": 5432,
        "user_id_group_pairs": [{"group_id": "sg-n", "description": "d"}],
    }
]
WANT = [("tcp", 5432, 5432, "group", "sg-n", "d")]
ALL_OUT = [{"ip_protocol": "-1", "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}]


def test_security_group_rules_and_egress():
    assert net.security_group_changes(_group(FROM_NODES, []), TAGS, WANT, []) == []
    # egress=None leaves the default allow-all rule alone (rules_egress not given).
    assert net.security_group_changes(_group(FROM_NODES, ALL_OUT), TAGS, WANT, None) == []
    assert net.security_group_changes(_group(FROM_NODES, ALL_OUT), TAGS, WANT, [])[0].startswith("egress")
    wider = [{**FROM_NODES[0], "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}]
    assert net.security_group_changes(_group(wider, []), TAGS, WANT, [])[0].startswith("ingress")
    renamed = [{**FROM_NODES[0], "user_id_group_pairs": [{"group_id": "sg-n", "description": "other"}]}]
    assert net.security_group_changes(_group(renamed, []), TAGS, WANT, [])[0].startswith("ingress")
    assert net.security_group_changes({}, TAGS, WANT, []) == ["missing"]


def test_all_traffic_rules_ignore_ports():
    group = _group(
        [{"ip_protocol": "-1", "from_port": 0, "to_port": 65535, "user_id_group_pairs": [{"group_id": "sg-n"}]}], []
    )
    assert net.security_group_changes(group, TAGS, [("-1", None, None, "group", "sg-n", None)], None) == []


def test_internet_gateway_and_endpoint_tags_only():
    assert net.igw_changes({"id": "igw-1", "tags": TAGS}, TAGS) == []
    assert net.igw_changes({}, TAGS) == ["missing"]
    assert net.endpoint_changes({"id": "vpce-1", "tags": {}}, TAGS) == [
        "tag Name -> demo-langsmith-vpc",
        "tag langsmith:env -> demo",
    ]


# --------------------------------------------------------------------------- adopt_vpc (read side of duplicates)
def _ec2_stubbed(subnets):
    import boto3
    from botocore.stub import ANY, Stubber

    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response("describe_subnets", {"Subnets": subnets}, {"Filters": ANY})
    stub.activate()
    return client, stub


@pytest.mark.parametrize(
    ("subnet_vpcs", "adopted", "others"),
    [
        (["vpc-b", "vpc-b"], ["vpc-b"], ["vpc-a"]),  # the one with subnets, whatever its id
        ([], ["vpc-a"], ["vpc-b"]),  # none used: the lowest id
        (["vpc-a", "vpc-b"], [], ["vpc-a", "vpc-b"]),  # both used: adopt nothing, the plan reports them
    ],
)
def test_adopt_vpc_keeps_the_used_one(subnet_vpcs, adopted, others):
    from ansible_collections.langchain.langsmith_aws.plugins.module_utils.network import adopt_vpc

    client, stub = _ec2_stubbed([{"SubnetId": f"subnet-{i}", "VpcId": v} for i, v in enumerate(subnet_vpcs)])
    chosen, rest = adopt_vpc(client, [{"id": "vpc-a", "tags": {}}, {"id": "vpc-b", "tags": {}}])
    stub.assert_no_pending_responses()
    assert [v["id"] for v in chosen] == adopted
    assert [v["id"] for v in rest] == others
    assert all("subnet_count" in v for v in chosen + rest)

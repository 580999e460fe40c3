"""Unit tests for the network planning filters."""

from __future__ import annotations

import pytest

from ansible_collections.langchain.langsmith_aws.plugins.filter.network import (
    default_route_by_subnet,
    network_plan,
    network_subnets,
    subnet_summary,
    without_tag,
)


def test_default_layout_three_azs():
    plan = network_plan("10.0.0.0/16", 3)
    assert plan["problems"] == []
    assert plan["private"] == ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"]
    assert plan["public"] == ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"]


def test_default_layout_other_vpc_has_no_overlap():
    plan = network_plan("172.20.0.0/16", 6)
    assert plan["problems"] == []
    assert plan["private"][-1] == "172.20.160.0/19"
    assert plan["public"][0] == "172.20.192.0/22"


@pytest.mark.parametrize(
    ("vpc", "azs", "private", "public", "needle"),
    [
        ("10.0.0.0/33", 3, [], [], "network_vpc_cidr=10.0.0.0/33 is not a valid IPv4 CIDR"),
        ("not-a-cidr", 3, [], [], "network_vpc_cidr=not-a-cidr is not a valid IPv4 CIDR"),
        ("10.0.0.1/16", 3, [], [], "network_vpc_cidr=10.0.0.1/16 is not a valid IPv4 CIDR"),
        ("10.0.0.0/20", 3, [], [], "network_vpc_cidr=10.0.0.0/20 is smaller than /16"),
        ("10.0.0.0/15", 3, [], [], "larger than /16"),
        ("8.8.0.0/16", 3, [], [], "not in a private (RFC 1918) range"),
        ("10.0.0.0/16", 1, [], [], "network_az_count=1"),
        ("10.0.0.0/16", 7, [], [], "more than 6"),
        ("10.0.0.0/16", 2, ["10.0.0.0/19", "10.0.16.0/20"], [], "overlaps"),
        ("10.0.0.0/16", 2, ["10.0.0.0/19", "10.0.32.0/19"], ["10.0.32.0/22", "10.0.200.0/22"], "overlaps"),
        ("10.0.0.0/16", 2, ["10.1.0.0/19", "10.0.32.0/19"], [], "outside network_vpc_cidr"),
        ("10.0.0.0/16", 2, ["10.0.0.0/19"], [], "network_private_subnet_cidrs has 1 entries for 2 AZs"),
        ("10.0.0.0/16", 2, ["10.0.0.0/28", "10.0.32.0/19"], [], "smaller than /27"),
    ],
)
def test_bad_inputs_name_the_variable_and_fix(vpc, azs, private, public, needle):
    problems = network_plan(vpc, azs, private, public)["problems"]
    assert any(needle in p for p in problems), problems


def test_explicit_cidrs_are_kept():
    plan = network_plan("10.0.0.0/16", 2, ["10.0.0.0/20", "10.0.16.0/20"], ["10.0.255.0/24", "10.0.254.0/24"])
    assert plan["problems"] == []
    assert plan["private"] == ["10.0.0.0/20", "10.0.16.0/20"]


def test_network_subnets_tags():
    specs = network_subnets(
        network_plan("10.0.0.0/16", 2), ["us-east-1a", "us-east-1b"], "dev-langsmith", "dev-langsmith"
    )
    assert [(s["kind"], s["az"]) for s in specs] == [
        ("private", "us-east-1a"),
        ("private", "us-east-1b"),
        ("public", "us-east-1a"),
        ("public", "us-east-1b"),
    ]
    public = specs[2]["tags"]
    assert public["kubernetes.io/role/elb"] == "1"
    assert "kubernetes.io/role/internal-elb" not in public
    assert public["kubernetes.io/cluster/dev-langsmith"] == "shared"
    assert specs[0]["tags"]["kubernetes.io/role/internal-elb"] == "1"
    assert specs[0]["tags"]["Name"] == "dev-langsmith-private-us-east-1a"


def test_default_route_by_subnet_uses_main_table_for_unassociated():
    tables = [
        {
            "associations": [{"main": True}],
            "routes": [{"destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-main"}],
        },
        {
            "associations": [{"main": False, "subnet_id": "subnet-a"}],
            "routes": [
                {"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local"},
                {"destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-1", "gateway_id": None},
            ],
        },
        {"associations": [{"main": False, "subnet_id": "subnet-c"}], "routes": []},
    ]
    assert default_route_by_subnet(tables, ["subnet-a", "subnet-b", "subnet-c"]) == {
        "subnet-a": "nat-1",
        "subnet-b": "igw-main",
        "subnet-c": "",
    }


def test_without_tag_handles_dotted_keys():
    resources = [
        {"id": "a", "tags": {"kubernetes.io/role/elb": "1"}},
        {"id": "b", "tags": {}},
        {"id": "c", "tags": {"kubernetes.io/role/elb": "0"}},
    ]
    assert [r["id"] for r in without_tag(resources, "kubernetes.io/role/elb")] == ["b"]
    assert [r["id"] for r in without_tag(resources, "kubernetes.io/role/elb", "1")] == ["b", "c"]


def test_subnet_summary_sorted_by_az():
    subnets = [
        {"id": "s2", "availability_zone": "b", "cidr_block": "10.0.1.0/24"},
        {"id": "s1", "availability_zone": "a", "cidr_block": "10.0.0.0/24"},
    ]
    assert subnet_summary(subnets) == [
        {"id": "s1", "az": "a", "cidr": "10.0.0.0/24"},
        {"id": "s2", "az": "b", "cidr": "10.0.1.0/24"},
    ]


# --------------------------------------------------------------------------- duplicate VPCs (issue: lost CreateVpc)
def _settings(**more):
    return {
        "env": "dev",
        "region": "us-east-1",
        "name_prefix": "langsmith-dev",
        "cluster_name": "langsmith-dev",
        "tags": {"langsmith:env": "dev", "langsmith:managed-by": "ansible", "langsmith:stage": "network"},
        "vpc_cidr": "10.0.0.0/16",
        "az_count": 2,
        "availability_zones": [],
        "excluded_az_ids": [],
        "private_subnet_cidrs": [],
        "public_subnet_cidrs": [],
        "nat_gateways": "single",
        "s3_endpoint": True,
        "data_ports": {"postgres": 5432},
        "vpc_id": "",
        "private_subnet_ids": [],
        "public_subnet_ids": [],
        **more,
    }


def _vpc(vpc_id, subnets=None, **tags):
    record = {
        "id": vpc_id,
        "cidr_block": "10.0.0.0/16",
        "enable_dns_hostnames": True,
        "enable_dns_support": True,
        "tags": {"Name": "langsmith-dev-vpc", "langsmith:env": "dev", "langsmith:managed-by": "ansible", **tags},
    }
    if subnets is not None:
        record["subnet_count"] = subnets
    return record


ZONES = [
    {"zone_name": "us-east-1a", "zone_id": "use1-az1", "state": "available"},
    {"zone_name": "us-east-1b", "zone_id": "use1-az2", "state": "available"},
]


def test_an_empty_duplicate_of_our_vpc_is_planned_for_removal_and_the_used_one_kept():
    from ansible_collections.langchain.langsmith_aws.plugins.filter.network import network_changes

    state = {"availability_zones": ZONES, "vpcs": [_vpc("vpc-b", 4)], "duplicate_vpcs": [_vpc("vpc-a", 0)]}
    plan = network_changes(state, _settings())
    assert plan["problems"] == []
    assert plan["vpc_id"] == "vpc-b"
    assert [d["id"] for d in plan["empty_duplicate_vpcs"]] == ["vpc-a"]
    assert "remove VPC vpc-a: empty duplicate of vpc-b (a lost CreateVpc response, retried)" in plan["todo"]


@pytest.mark.parametrize(
    ("duplicate", "why"),
    [
        (_vpc("vpc-a", 0, **{"langsmith:managed-by": "terraform"}), "not managed by us"),
        (_vpc("vpc-a", 0, **{"langsmith:env": "prod"}), "another environment's"),
    ],
)
def test_a_duplicate_that_is_not_provably_ours_is_never_removed(duplicate, why):
    from ansible_collections.langchain.langsmith_aws.plugins.filter.network import network_changes

    state = {"availability_zones": ZONES, "vpcs": [_vpc("vpc-b", 4)], "duplicate_vpcs": [duplicate]}
    assert network_changes(state, _settings())["empty_duplicate_vpcs"] == [], why


def test_two_used_vpcs_stop_the_run_with_both_ids_and_the_exact_commands():
    from ansible_collections.langchain.langsmith_aws.plugins.filter.network import network_changes

    state = {"availability_zones": ZONES, "vpcs": [], "duplicate_vpcs": [_vpc("vpc-a", 2), _vpc("vpc-b", 4)]}
    plan = network_changes(state, _settings())
    assert plan["empty_duplicate_vpcs"] == []
    (problem,) = [p for p in plan["problems"] if "VPCs are named" in p]
    assert "vpc-a (2 subnets), vpc-b (4 subnets)" in problem
    assert "aws ec2 delete-vpc --region us-east-1 --vpc-id vpc-b" in problem
    # nothing is adopted, so nothing would be created next to them either: the assert on problems stops first
    assert plan["vpc_id"] == ""


# --------------------------------------------------------------------------- twins of other kinds
def _owned_tags(name):
    return {"Name": name, "langsmith:env": "dev", "langsmith:managed-by": "ansible", "langsmith:stage": "network"}


def test_an_eip_no_nat_gateway_holds_is_released_and_one_per_missing_nat_is_reused():
    from ansible_collections.langchain.langsmith_aws.plugins.filter.network import network_changes

    subnets = [
        {"id": "subnet-pub-a", "cidr_block": "10.0.192.0/22", "availability_zone": "us-east-1a", "tags": {}},
    ]
    addresses = [
        {"allocation_id": "eipalloc-1", "public_ip": "1.1.1.1", "tags": _owned_tags("langsmith-dev-nat-us-east-1a")},
        {"allocation_id": "eipalloc-2", "public_ip": "2.2.2.2", "tags": _owned_tags("langsmith-dev-nat-us-east-1a")},
        {"allocation_id": "eipalloc-3", "public_ip": "3.3.3.3", "tags": _owned_tags("langsmith-dev-nat-us-east-1a")},
    ]
    # NAT pending in 1a holding eipalloc-3 (not associated yet): nothing missing, 1 and 2 are surplus
    nat = {"subnet_id": "subnet-pub-a", "nat_gateway_addresses": [{"allocation_id": "eipalloc-3"}]}
    state = {"availability_zones": ZONES, "vpcs": [_vpc("vpc-b")], "subnets": subnets, "addresses": addresses}
    plan = network_changes({**state, "nat_gateways": [nat]}, _settings())
    assert plan["nat"]["missing"] == []
    assert [e["allocation_id"] for e in plan["nat"]["surplus_eips"]] == ["eipalloc-1", "eipalloc-2"]
    # no NAT yet: the first free EIP of the right name is reused, the others released
    plan = network_changes({**state, "nat_gateways": []}, _settings())
    assert plan["nat"]["missing"] == ["us-east-1a"]
    assert plan["nat"]["free_eips"] == {"langsmith-dev-nat-us-east-1a": "eipalloc-1"}
    assert [e["allocation_id"] for e in plan["nat"]["surplus_eips"]] == ["eipalloc-2", "eipalloc-3"]


def test_only_our_detached_internet_gateways_are_deleted():
    from ansible_collections.langchain.langsmith_aws.plugins.filter.network import network_changes

    detached = [
        {"id": "igw-ours", "tags": _owned_tags("langsmith-dev-igw")},
        {"id": "igw-theirs", "tags": {**_owned_tags("langsmith-dev-igw"), "langsmith:managed-by": "someone"}},
    ]
    state = {"availability_zones": ZONES, "vpcs": [_vpc("vpc-b")], "detached_internet_gateways": detached}
    assert network_changes(state, _settings())["detached_internet_gateways"] == ["igw-ours"]


def _route_state(tables, endpoints=()):
    return {"route_tables": tables, "vpc_endpoints": list(endpoints)}


def test_a_route_table_twin_without_subnets_is_deleted_and_the_associated_one_kept():
    from ansible_collections.langchain.langsmith_aws.plugins.filter.network import network_route_changes

    tags = {**_owned_tags("langsmith-dev-public"), "langsmith:subnet": "public"}
    tables = [
        {"id": "rtb-a", "tags": tags, "associations": [], "routes": []},
        {"id": "rtb-b", "tags": tags, "associations": [{"subnet_id": "subnet-1"}], "routes": []},
    ]
    subnets = [{"cidr": "10.0.192.0/22", "az": "us-east-1a", "kind": "public", "id": "subnet-1"}]
    plan = network_route_changes(_route_state(tables), _settings(), subnets, "igw-1", {})
    assert plan["problems"] == []
    assert plan["surplus_route_tables"] == [{"id": "rtb-a", "name": "langsmith-dev-public"}]
    assert plan["route_tables"][0]["record"]["id"] == "rtb-b"
    # both hold subnets: nothing is deleted, the run stops with both ids
    tables[0]["associations"] = [{"subnet_id": "subnet-2"}]
    plan = network_route_changes(_route_state(tables), _settings(), subnets, "igw-1", {})
    assert plan["surplus_route_tables"] == []
    assert "rtb-a, rtb-b" in plan["problems"][0]
    assert "aws ec2 delete-route-table --route-table-id rtb-b" in plan["problems"][0]


def test_a_duplicate_s3_endpoint_of_ours_is_deleted():
    from ansible_collections.langchain.langsmith_aws.plugins.filter.network import network_route_changes

    endpoints = [
        {"id": "vpce-2", "tags": _owned_tags("langsmith-dev-s3")},
        {"id": "vpce-1", "tags": _owned_tags("langsmith-dev-s3")},
    ]
    plan = network_route_changes(_route_state([], endpoints), _settings(), [], "", {})
    assert plan["surplus_s3_endpoints"] == ["vpce-2"]
    assert plan["s3_endpoint"]["record"]["id"] == "vpce-1"

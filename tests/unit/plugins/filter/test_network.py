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

"""The network stage against the emulator: converge, idempotence, properties, check mode, bad input.

Every assertion here comes from our own boto3 queries of the emulator, not from the role's word.
"""

from __future__ import annotations

import pytest
from conftest import run_playbook

ENV = "demo"  # inventories/local
PREFIX = f"{ENV}-langsmith"


# --------------------------------------------------------------------------- helpers
def _tagged(ec2, describe, key, **kwargs):
    filters = [{"Name": "tag:langsmith:env", "Values": [ENV]}]
    return getattr(ec2, describe)(Filters=filters, **kwargs)[key]


def _state(aws):
    """Everything the network stage owns, read back from the emulator."""
    ec2 = aws.client("ec2")
    vpcs = _tagged(ec2, "describe_vpcs", "Vpcs")
    vpc_ids = [v["VpcId"] for v in vpcs]
    vpc_filter = [{"Name": "vpc-id", "Values": vpc_ids}] if vpc_ids else [{"Name": "vpc-id", "Values": ["none"]}]
    subnets = ec2.describe_subnets(Filters=vpc_filter)["Subnets"]
    route_tables = ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"]
    nats = [
        n for n in ec2.describe_nat_gateways(Filter=vpc_filter)["NatGateways"] if n["State"] in ("pending", "available")
    ]
    eips = _tagged(ec2, "describe_addresses", "Addresses")
    sgs = {
        g["GroupName"]: g
        for g in ec2.describe_security_groups(Filters=vpc_filter)["SecurityGroups"]
        if g["GroupName"] != "default"
    }
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": vpc_ids or ["none"]}])[
        "InternetGateways"
    ]
    endpoints = ec2.describe_vpc_endpoints(Filters=vpc_filter)["VpcEndpoints"]
    return {
        "vpcs": vpcs,
        "subnets": subnets,
        "route_tables": route_tables,
        "nats": nats,
        "eips": eips,
        "sgs": sgs,
        "igws": igws,
        "endpoints": endpoints,
    }


def _tags(resource):
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}


def _kind(subnet):
    return _tags(subnet).get("langsmith:subnet")


def _default_route(route_tables, subnet_id):
    main = None
    for table in route_tables:
        default = next((r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"), None)
        target = (default or {}).get("NatGatewayId") or (default or {}).get("GatewayId") or ""
        for assoc in table.get("Associations", []):
            if assoc.get("SubnetId") == subnet_id:
                return target
            if assoc.get("Main"):
                main = target
    return main


def _converge(aws, tmp_path_factory, **extra_vars):
    aws.reset()
    return run_playbook(
        "network.yml",
        endpoint=aws.endpoint,
        extra_vars=extra_vars or None,
        tmp_path=tmp_path_factory.mktemp("vars"),
    )


# --------------------------------------------------------------------------- dev tier (inventories/local)
@pytest.fixture(scope="module")
def dev(emulator_server, tmp_path_factory):
    run = _converge(emulator_server, tmp_path_factory).assert_ok()
    return {"run": run, "state": _state(emulator_server), "aws": emulator_server, "tmp": tmp_path_factory}


def test_converge_prints_the_summary(dev):
    out = dev["run"].output
    vpc_id = dev["state"]["vpcs"][0]["VpcId"]
    assert f"network: VPC {vpc_id} 10.0.0.0/16 in us-east-1a, us-east-1b, us-east-1c" in out
    assert "network: NAT gateways: 1 (single)" in out


def test_one_vpc_with_the_configured_cidr_and_dns(dev):
    ec2 = dev["aws"].client("ec2")
    (vpc,) = dev["state"]["vpcs"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert _tags(vpc)["Name"] == f"{PREFIX}-vpc"
    for attribute, key in (("enableDnsHostnames", "EnableDnsHostnames"), ("enableDnsSupport", "EnableDnsSupport")):
        assert ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=attribute)[key]["Value"] is True


def test_one_public_and_one_private_subnet_in_each_of_three_azs(dev):
    subnets = dev["state"]["subnets"]
    private = sorted(s["AvailabilityZone"] for s in subnets if _kind(s) == "private")
    public = sorted(s["AvailabilityZone"] for s in subnets if _kind(s) == "public")
    assert private == public == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert len(subnets) == 6
    assert {s["CidrBlock"] for s in subnets if _kind(s) == "private"} == {"10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"}
    assert all(not s["MapPublicIpOnLaunch"] for s in subnets)


def test_subnets_carry_the_discovery_and_ownership_tags(dev):
    for subnet in dev["state"]["subnets"]:
        tags = _tags(subnet)
        assert tags["langsmith:env"] == ENV
        assert tags[f"kubernetes.io/cluster/{PREFIX}"] == "shared"
        if _kind(subnet) == "public":
            assert tags["kubernetes.io/role/elb"] == "1"
            assert "kubernetes.io/role/internal-elb" not in tags
        else:
            assert tags["kubernetes.io/role/internal-elb"] == "1"
            assert "kubernetes.io/role/elb" not in tags


def test_public_subnets_route_to_the_igw_and_private_ones_to_a_nat_never_the_igw(dev):
    state = dev["state"]
    (igw,) = state["igws"]
    nat_ids = {n["NatGatewayId"] for n in state["nats"]}
    for subnet in state["subnets"]:
        target = _default_route(state["route_tables"], subnet["SubnetId"])
        if _kind(subnet) == "public":
            assert target == igw["InternetGatewayId"]
        else:
            assert target in nat_ids
            assert not target.startswith("igw-")


def test_dev_has_one_nat_in_a_public_subnet_and_one_tagged_eip(dev):
    state = dev["state"]
    (nat,) = state["nats"]
    public_ids = {s["SubnetId"] for s in state["subnets"] if _kind(s) == "public"}
    assert nat["SubnetId"] in public_ids
    (eip,) = state["eips"]
    assert eip["AllocationId"] == nat["NatGatewayAddresses"][0]["AllocationId"]
    assert _tags(eip)["Name"].startswith(f"{PREFIX}-nat-")


def test_data_security_group_admits_only_the_nodes_group_on_the_data_ports(dev):
    sgs = dev["state"]["sgs"]
    nodes = sgs[f"{PREFIX}-nodes"]
    data = sgs[f"{PREFIX}-data"]
    ports = sorted(p["FromPort"] for p in data["IpPermissions"])
    assert ports == [5432, 6379, 8123, 8443, 9000, 9440]
    for permission in data["IpPermissions"]:
        assert permission["IpProtocol"] == "tcp"
        assert permission["FromPort"] == permission["ToPort"]
        assert permission.get("IpRanges", []) == []
        assert permission.get("Ipv6Ranges", []) == []
        assert [g["GroupId"] for g in permission["UserIdGroupPairs"]] == [nodes["GroupId"]]
    assert data["IpPermissionsEgress"] == []


def test_s3_gateway_endpoint_serves_the_private_route_tables(dev):
    state = dev["state"]
    (endpoint,) = state["endpoints"]
    assert endpoint["ServiceName"] == "com.amazonaws.us-east-1.s3"
    assert endpoint["VpcEndpointType"] == "Gateway"
    private_tables = {t["RouteTableId"] for t in state["route_tables"] if _tags(t).get("langsmith:subnet") == "private"}
    assert len(private_tables) == 3
    assert set(endpoint["RouteTableIds"]) == private_tables


def test_second_converge_changes_nothing_and_creates_no_duplicates(dev):
    aws = dev["aws"]
    run_playbook("network.yml", endpoint=aws.endpoint).assert_idempotent()
    after = _state(aws)
    assert len(after["vpcs"]) == 1
    assert len(after["subnets"]) == 6
    assert len(after["nats"]) == 1
    assert len(after["eips"]) == 1
    assert len(after["endpoints"]) == 1
    assert sorted(after["sgs"]) == [f"{PREFIX}-data", f"{PREFIX}-nodes"]


def test_check_mode_on_an_existing_stack_reports_no_change(dev):
    run = run_playbook("network.yml", endpoint=dev["aws"].endpoint, check=True)
    run.assert_idempotent()


# --------------------------------------------------------------------------- production tier: NAT per AZ
def test_production_tier_has_one_nat_per_az_and_stays_that_way(emulator_server, tmp_path_factory):
    run = _converge(emulator_server, tmp_path_factory, langsmith_tier="production").assert_ok()
    assert "network: NAT gateways: 3 (per_az)" in run.output
    state = _state(emulator_server)
    public_by_id = {s["SubnetId"]: s["AvailabilityZone"] for s in state["subnets"] if _kind(s) == "public"}
    assert sorted(public_by_id[n["SubnetId"]] for n in state["nats"]) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    # Each private subnet uses the NAT gateway of its own AZ.
    nat_az = {n["NatGatewayId"]: public_by_id[n["SubnetId"]] for n in state["nats"]}
    for subnet in (s for s in state["subnets"] if _kind(s) == "private"):
        assert nat_az[_default_route(state["route_tables"], subnet["SubnetId"])] == subnet["AvailabilityZone"]
    assert len(state["eips"]) == 3

    run_playbook(
        "network.yml",
        endpoint=emulator_server.endpoint,
        extra_vars={"langsmith_tier": "production"},
        tmp_path=tmp_path_factory.mktemp("vars"),
    ).assert_idempotent()
    again = _state(emulator_server)
    assert len(again["vpcs"]) == 1
    assert len(again["nats"]) == 3
    assert len(again["eips"]) == 3


# --------------------------------------------------------------------------- check mode on an empty account
def test_check_mode_on_an_empty_account_reports_changes_and_creates_nothing(aws):
    run = run_playbook("network.yml", endpoint=aws.endpoint, check=True).assert_ok()
    assert run.changed > 0
    assert "network: no VPC yet (check mode on an empty account)" in run.output
    ec2 = aws.client("ec2")
    assert _state(aws)["vpcs"] == []
    assert [v for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]] == []
    assert ec2.describe_addresses()["Addresses"] == []


# --------------------------------------------------------------------------- bad input: fail before any AWS call
@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        ({"network_vpc_cidr": "10.0.0.0/33"}, "network_vpc_cidr=10.0.0.0/33 is not a valid IPv4 CIDR"),
        ({"network_vpc_cidr": "10.0.0.0/20"}, "network_vpc_cidr=10.0.0.0/20 is smaller than /16"),
        ({"network_az_count": 1}, "network_az_count=1"),
        ({"network_availability_zones": ["us-east-1a"]}, "gives fewer than 2 AZs"),
        (
            {"network_private_subnet_cidrs": ["10.0.0.0/19", "10.0.16.0/20", "10.0.64.0/19"]},
            "overlaps network_private_subnet_cidrs: 10.0.16.0/20",
        ),
        ({"langsmith_tier": "huge"}, "langsmith_tier"),
        ({"langsmith_env": "Prod_1"}, "langsmith_env=Prod_1"),
        ({"network_nat_gateways": "two"}, "network_nat_gateways"),
    ],
    ids=[
        "invalid-cidr",
        "cidr-too-small",
        "one-az",
        "one-explicit-az",
        "overlap",
        "unknown-tier",
        "bad-env",
        "bad-nat",
    ],
)
def test_bad_input_fails_before_any_aws_call(aws, tmp_path, extra_vars, message):
    run = run_playbook("network.yml", endpoint=aws.endpoint, extra_vars=extra_vars, tmp_path=tmp_path)
    assert run.rc != 0
    assert message in " ".join(run.output.split()), run.output[-3000:]
    assert aws.client("ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["false"]}])["Vpcs"] == []


# --------------------------------------------------------------------------- the AWS target guard
def test_emulator_mode_refuses_a_non_loopback_endpoint(aws, tmp_path):
    run = run_playbook(
        "network.yml",
        endpoint=aws.endpoint,
        extra_vars={"langsmith_aws_endpoint_url": "https://ec2.us-east-1.amazonaws.com"},
        tmp_path=tmp_path,
    )
    assert run.rc != 0
    assert "is not a loopback URL" in run.output
    assert "Create or correct the VPC" not in run.output


def test_real_aws_inventory_refuses_a_leftover_endpoint_override(aws):
    run = run_playbook("network.yml", endpoint=aws.endpoint, inventory="inventories/example")
    assert run.rc != 0
    assert "endpoint override is set" in run.output
    assert "Create or correct the VPC" not in run.output


# --------------------------------------------------------------------------- bring your own VPC
def _byo_vpc(ec2, private_route_to_igw=False):
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ids = {"private": [], "public": []}
    for i, az in enumerate(["us-east-1a", "us-east-1b"]):
        for kind, base, tag in (
            ("private", 0, "kubernetes.io/role/internal-elb"),
            ("public", 100, "kubernetes.io/role/elb"),
        ):
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{base + i}.0/24", AvailabilityZone=az)["Subnet"]
            ec2.create_tags(Resources=[subnet["SubnetId"]], Tags=[{"Key": tag, "Value": "1"}])
            ids[kind].append(subnet["SubnetId"])
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=ids["public"][0], AllocationId=eip)["NatGateway"]["NatGatewayId"]
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    if private_route_to_igw:
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    else:
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    for subnet in ids["public"]:
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=subnet)
    for subnet in ids["private"]:
        ec2.associate_route_table(RouteTableId=private_rt, SubnetId=subnet)
    return {
        "network_vpc_id": vpc,
        "network_private_subnet_ids": ids["private"],
        "network_public_subnet_ids": ids["public"],
    }


def test_bring_your_own_vpc_is_validated_not_recreated(aws, tmp_path):
    ec2 = aws.client("ec2")
    byo = _byo_vpc(ec2)
    vpcs_before = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    run = run_playbook("network.yml", endpoint=aws.endpoint, extra_vars=byo, tmp_path=tmp_path).assert_ok()
    assert f"network: VPC {byo['network_vpc_id']} 10.50.0.0/16 (bring your own)" in run.output
    assert {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]} == vpcs_before
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [byo["network_vpc_id"]]}])
    assert {g["GroupName"] for g in groups["SecurityGroups"]} == {"default", f"{PREFIX}-nodes", f"{PREFIX}-data"}
    run_playbook("network.yml", endpoint=aws.endpoint, extra_vars=byo, tmp_path=tmp_path).assert_idempotent()


def test_bring_your_own_vpc_with_a_private_subnet_routed_to_the_igw_is_refused(aws, tmp_path):
    byo = _byo_vpc(aws.client("ec2"), private_route_to_igw=True)
    run = run_playbook("network.yml", endpoint=aws.endpoint, extra_vars=byo, tmp_path=tmp_path)
    assert run.rc != 0
    assert "must never route to an internet gateway" in run.output
    groups = aws.client("ec2").describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [byo["network_vpc_id"]]}])
    assert {g["GroupName"] for g in groups["SecurityGroups"]} == {"default"}

"""service_quota_info: quota values (Service Quotas, fallbacks) and usage counters.

Usage counters and the VPC quotas run against the emulator; the quota sources the emulator
lacks (EC2, RDS and EKS quotas, defaults, access denied) are tested with botocore's Stubber.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import quotas as sq


def stubbed(service):
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def clients_of(**named):
    return lambda name: named[name]


def quota_payload(code="L-1216C47A", value=640.0, service="ec2"):
    return {
        "Quota": {
            "ServiceCode": service,
            "QuotaCode": code,
            "QuotaName": "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
            "Value": value,
            "Adjustable": True,
        }
    }


# ----------------------------------------------------------------------------- values (Stubber)
def test_applied_value_wins():
    client, stub = stubbed("service-quotas")
    stub.add_response("get_service_quota", quota_payload(), {"ServiceCode": "ec2", "QuotaCode": "L-1216C47A"})
    with stub:
        result = sq.quota_value(clients_of(**{"service-quotas": client}), "ec2", "L-1216C47A")
    assert result == {
        "value": 640.0,
        "source": "applied",
        "quota_name": "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
        "adjustable": True,
        "error": None,
    }
    stub.assert_no_pending_responses()


def test_default_value_when_nothing_is_applied():
    client, stub = stubbed("service-quotas")
    stub.add_client_error("get_service_quota", "NoSuchResourceException", "no applied value")
    stub.add_response("get_aws_default_service_quota", quota_payload(value=5.0))
    with stub:
        result = sq.quota_value(clients_of(**{"service-quotas": client}), "ec2", "L-1216C47A")
    assert (result["value"], result["source"]) == (5.0, "aws-default")


def test_rds_account_attributes_when_service_quotas_is_denied():
    sqc, sq_stub = stubbed("service-quotas")
    sq_stub.add_client_error("get_service_quota", "AccessDeniedException", "denied", http_status_code=400)
    sq_stub.add_client_error("get_aws_default_service_quota", "AccessDeniedException", "denied", http_status_code=400)
    rds, rds_stub = stubbed("rds")
    rds_stub.add_response(
        "describe_account_attributes",
        {
            "AccountQuotas": [
                {"AccountQuotaName": "AllocatedStorage", "Used": 10, "Max": 100000},
                {"AccountQuotaName": "DBInstances", "Used": 3, "Max": 40},
            ]
        },
    )
    with sq_stub, rds_stub:
        result = sq.quota_value(clients_of(**{"service-quotas": sqc, "rds": rds}), "rds", "L-7B6409FD")
    assert (result["value"], result["source"]) == (40.0, "rds:DescribeAccountAttributes")


def test_every_source_failing_reports_each_error():
    sqc, sq_stub = stubbed("service-quotas")
    sq_stub.add_client_error("get_service_quota", "AccessDeniedException", "no quota read", http_status_code=400)
    sq_stub.add_client_error(
        "get_aws_default_service_quota", "AccessDeniedException", "no default", http_status_code=400
    )
    ec2, ec2_stub = stubbed("ec2")
    ec2_stub.add_client_error("describe_account_attributes", "UnauthorizedOperation", "no attrs", http_status_code=403)
    with sq_stub, ec2_stub:
        result = sq.quota_value(clients_of(**{"service-quotas": sqc, "ec2": ec2}), "ec2", "L-0263D0A3")
    assert result["value"] is None
    assert "GetServiceQuota: AccessDeniedException: no quota read" in result["error"]
    assert "GetAWSDefaultServiceQuota: AccessDeniedException: no default" in result["error"]
    assert "ec2:DescribeAccountAttributes: UnauthorizedOperation: no attrs" in result["error"]


def test_quota_without_fallback_reports_error():
    sqc, sq_stub = stubbed("service-quotas")
    sq_stub.add_client_error("get_service_quota", "NoSuchResourceException", "none")
    sq_stub.add_client_error("get_aws_default_service_quota", "NoSuchResourceException", "none")
    with sq_stub:
        result = sq.quota_value(clients_of(**{"service-quotas": sqc}), "eks", "L-1194D53C")
    assert result["value"] is None
    assert result["error"].count("NoSuchResourceException") == 2


def test_denied_usage_is_reported_per_quota():
    sqc, sq_stub = stubbed("service-quotas")
    sq_stub.add_response("get_service_quota", quota_payload("L-1194D53C", 100.0, "eks"))
    eks, eks_stub = stubbed("eks")
    eks_stub.add_client_error("list_clusters", "AccessDeniedException", "eks:ListClusters denied", http_status_code=403)
    with sq_stub, eks_stub:
        (result,) = sq.read_quotas(
            clients_of(**{"service-quotas": sqc, "eks": eks}),
            [{"service_code": "eks", "quota_code": "L-1194D53C", "usage": "eks_clusters"}],
        )
    assert result["value"] == 100.0
    assert result["usage"] is None
    assert result["usage_error"] == "AccessDeniedException: eks:ListClusters denied"


def test_spot_and_on_demand_vcpus_are_counted_apart():
    ec2, stub = stubbed("ec2")
    reservations = {
        "Reservations": [
            {
                "Instances": [
                    {
                        "InstanceId": "i-1",
                        "InstanceType": "m6i.2xlarge",
                        "Tags": [{"Key": "eks:cluster-name", "Value": "c"}],
                    },
                    {"InstanceId": "i-2", "InstanceType": "m6i.2xlarge", "InstanceLifecycle": "spot"},
                    {"InstanceId": "i-3", "InstanceType": "p4d.24xlarge"},
                ]
            }
        ]
    }
    types = {
        "InstanceTypes": [{"InstanceType": "m6i.2xlarge", "VCpuInfo": {"DefaultVCpus": 8}}],
    }
    stub.add_response("describe_instances", reservations)
    stub.add_response("describe_instance_types", types)
    stub.add_response("describe_instances", reservations)
    with stub:
        counter = sq.UsageCounter(clients_of(ec2=ec2), {}, "c")
        assert counter.count("on_demand_standard_vcpus") == {"usage": 8, "usage_owned": 8}
        assert counter.count("spot_standard_vcpus") == {"usage": 8, "usage_owned": 0}


# ----------------------------------------------------------------------------- emulator
@pytest.fixture
def emu(aws):
    cache = {}

    def clients(name):
        if name not in cache:
            cache[name] = aws.client(name)
        return cache[name]

    return aws, clients


def test_vpc_quota_and_usage_against_the_emulator(emu):
    aws, clients = emu
    ec2 = aws.client("ec2")
    ours = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[ours], Tags=[{"Key": "langsmith:env", "Value": "demo"}])
    ec2.create_vpc(CidrBlock="10.1.0.0/16")
    total = len(ec2.describe_vpcs()["Vpcs"])
    (result,) = sq.read_quotas(
        clients, [{"service_code": "vpc", "quota_code": "L-F678F1CE", "usage": "vpcs"}], {"langsmith:env": "demo"}
    )
    assert result["value"] == 5.0
    assert result["source"] == "applied"
    assert result["quota_name"] == "VPCs per Region"
    assert (result["usage"], result["usage_owned"]) == (total, 1)


def test_nat_gateways_are_counted_per_az_and_owned_by_vpc(emu):
    aws, clients = emu
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "langsmith:env", "Value": "demo"}])
    other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    for vpc_id, cidr, az in (
        (vpc, "10.0.0.0/24", "us-east-1a"),
        (other, "10.1.0.0/24", "us-east-1a"),
        (other, "10.1.1.0/24", "us-east-1b"),
    ):
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)
    (result,) = sq.read_quotas(
        clients,
        [{"service_code": "vpc", "quota_code": "L-FE5A380F", "usage": "nat_gateways_per_az"}],
        {"langsmith:env": "demo"},
    )
    assert result["usage_by_az"] == {"us-east-1a": 2, "us-east-1b": 1}
    assert result["owned_by_az"] == {"us-east-1a": 1}
    assert (result["usage"], result["usage_owned"]) == (2, 1)


def test_eip_quota_falls_back_to_ec2_account_attributes(emu):
    aws, clients = emu
    ec2 = aws.client("ec2")
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_tags(Resources=[alloc], Tags=[{"Key": "langsmith:env", "Value": "demo"}])
    ec2.allocate_address(Domain="vpc")
    (result,) = sq.read_quotas(
        clients,
        [{"service_code": "ec2", "quota_code": "L-0263D0A3", "usage": "elastic_ips"}],
        {"langsmith:env": "demo"},
    )
    assert result["source"] == "ec2:DescribeAccountAttributes"
    assert result["value"] == 5.0
    assert (result["usage"], result["usage_owned"]) == (2, 1)


def test_instance_vcpus_rds_and_eks_usage_against_the_emulator(emu):
    aws, clients = emu
    ec2 = aws.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.run_instances(
        ImageId=image,
        MinCount=2,
        MaxCount=2,
        InstanceType="m6i.2xlarge",
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "eks:cluster-name", "Value": "demo-langsmith"}]}
        ],
    )
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="r6i.xlarge")
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="g5.xlarge")  # not a standard family
    aws.client("rds").create_db_instance(
        DBInstanceIdentifier="demo-langsmith-postgres",
        DBInstanceClass="db.t4g.large",
        Engine="postgres",
        MasterUsername="admin_user",
        MasterUserPassword="not-a-secret-1",
        AllocatedStorage=20,
        Tags=[{"Key": "langsmith:env", "Value": "demo"}],
    )
    results = sq.read_quotas(
        clients,
        [
            {"service_code": "ec2", "quota_code": "L-1216C47A", "usage": "on_demand_standard_vcpus"},
            {"service_code": "rds", "quota_code": "L-7B6409FD", "usage": "rds_instances"},
            {"service_code": "eks", "quota_code": "L-1194D53C", "usage": "eks_clusters"},
        ],
        {"langsmith:env": "demo"},
        "demo-langsmith",
    )
    vcpus, rds, eks = results
    assert (vcpus["usage"], vcpus["usage_owned"]) == (2 * 8 + 4, 16)
    assert (rds["usage"], rds["usage_owned"]) == (1, 1)
    assert (eks["usage"], eks["usage_owned"]) == (0, 0)
    # The emulator has no Service Quotas data for ec2/rds/eks: value unknown, error kept.
    assert vcpus["value"] is None
    assert vcpus["error"]


def test_instance_type_facts_use_the_shared_allocatable_math(emu):
    clients = emu[1]
    facts = sq.instance_type_facts(clients, ["m6i.2xlarge", "nope.large"], 7.5)
    assert facts["m6i.2xlarge"]["vcpus"] == 8
    assert facts["m6i.2xlarge"]["allocatable_cpu"] == 7.91
    assert "not an EC2 instance type" in facts["nope.large"]["error"]

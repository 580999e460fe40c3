"""wafv2_web_acl_association_info: against the emulator (associated or not), Stubber for the errors."""

from __future__ import annotations

import aws_module_runner as runner
import pytest

from ansible_collections.langchain.langsmith_aws.plugins.modules import wafv2_web_acl_association_info as module

# pytest fixtures shared by the edge module tests
run_module = runner.run_module
stubbed = runner.stubbed
emulator_env = runner.emulator_env
ModuleFail = runner.ModuleFail

VISIBILITY = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "m"}


def _alb(aws, name):
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        for i, az in enumerate(["us-east-1a", "us-east-1b"])
    ]
    return elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]


def test_reports_the_web_acl_of_each_resource_in_order(run_module, emulator_env):
    waf = emulator_env.client("wafv2")
    acl = waf.create_web_acl(
        Name="demo-langsmith-waf", Scope="REGIONAL", DefaultAction={"Allow": {}}, Rules=[], VisibilityConfig=VISIBILITY
    )["Summary"]
    protected, bare = _alb(emulator_env, "protected"), _alb(emulator_env, "bare")
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=protected)

    result = run_module(module.main, {"resource_arns": [bare, protected]}, check_mode=True)

    assert result["changed"] is False
    assert result["associations"] == [
        {"resource_arn": bare, "web_acl_arn": "", "web_acl_name": "", "web_acl_id": "", "resource_exists": True},
        {
            "resource_arn": protected,
            "web_acl_arn": acl["ARN"],
            "web_acl_name": "demo-langsmith-waf",
            "web_acl_id": acl["Id"],
            "resource_exists": True,
        },
    ]


ALB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/gone/0123456789abcdef"


def test_a_missing_resource_is_a_value_not_an_error(run_module, stubbed):
    waf, stub = stubbed("wafv2")
    stub.add_client_error("get_web_acl_for_resource", "WAFNonexistentItemException", "no such resource")

    result = run_module(module.main, {"resource_arns": [ALB]}, clients={"wafv2": waf})

    assert result["associations"] == [
        {"resource_arn": ALB, "web_acl_arn": "", "web_acl_name": "", "web_acl_id": "", "resource_exists": False}
    ]


def test_other_errors_fail_with_the_resource_named(run_module, stubbed):
    waf, stub = stubbed("wafv2")
    stub.add_client_error(
        "get_web_acl_for_resource", "AccessDeniedException", "denied", expected_params={"ResourceArn": ALB}
    )

    with pytest.raises(ModuleFail) as failure:
        run_module(module.main, {"resource_arns": [ALB]}, clients={"wafv2": waf})

    assert failure.value.result["msg"].startswith(f"Failed to get the web ACL of {ALB}")

"""langsmith_preflight_info against the emulator: one read, each part shaped like its own module."""

from __future__ import annotations

from aws_module_runner import emulator_env, module_fail, no_poll_delay, run_module, stubbed  # noqa: F401  pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import clickhouse_sizing
from ansible_collections.langchain.langsmith_aws.plugins.modules import langsmith_preflight_info

ZONE = "preflight.example.com"


def test_one_read_gives_identity_region_zones_certificates_quotas_and_sizing_data(run_module, emulator_env):
    aws = emulator_env
    aws.client("route53").create_hosted_zone(Name=ZONE, CallerReference="test")
    arn = aws.client("acm").request_certificate(DomainName=f"langsmith.{ZONE}", ValidationMethod="DNS")[
        "CertificateArn"
    ]
    result = run_module(
        langsmith_preflight_info.main,
        {
            "zone_name": ZONE,
            "certificate_arn": arn,
            "instance_types": ["m6i.2xlarge"],
            "sizing_instance_types": ["r6i.xlarge"],
            "quotas": [{"service_code": "vpc", "quota_code": "L-F678F1CE", "usage": "vpcs"}],
            "owned_tags": {"langsmith:env": "demo"},
            "statements": [
                {
                    "stage": "network",
                    "sid": "Vpc",
                    "actions": ["ec2:CreateVpc"],
                    "resources": ["arn:aws:ec2:*:{account}:vpc/*"],
                }
            ],
            "probes": {"ec2": {"operation": "DescribeVpcs"}},
        },
    )
    assert result["changed"] is False
    assert result["caller"]["account"] == "123456789012"
    assert [r["region_name"] for r in result["region"]["regions"]] == ["us-east-1"]
    assert result["region"]["regions"][0]["opt_in_status"] == "opt-in-not-required"
    assert {z["zone_name"] for z in result["availability_zones"]["availability_zones"]} >= {"us-east-1a", "us-east-1b"}
    assert [z["name"] for z in result["zones"]["hosted_zones"] if z["name"] == f"{ZONE}."] == [f"{ZONE}."]
    assert result["zones"]["hosted_zones"][0]["config"]["private_zone"] is False
    assert [c["certificate_arn"] for c in result["certificates"]["certificates"]] == [arn]
    assert result["quotas"]["quotas"][0]["quota_code"] == "L-F678F1CE"
    assert result["quotas"]["instance_types"]["m6i.2xlarge"]["vcpus"] == 8
    assert "r6i.xlarge" in result["sizing_instance_data"]
    assert set(result["sizing_instance_data"]) - {"r6i.xlarge"} <= set(clickhouse_sizing.DEFAULT_CANDIDATES)
    assert result["access"]["account"] == "123456789012"
    assert result["access"]["method"] in ("simulation", "probes")


def test_an_unknown_sizing_type_is_a_failed_part_not_a_failed_read(run_module, emulator_env):
    result = run_module(langsmith_preflight_info.main, {"sizing_instance_types": ["r6i.2xlarg"], "certificates": False})
    assert result["sizing_instance_data"]["failed"] is True
    assert "r6i.2xlarg" in result["sizing_instance_data"]["msg"]
    assert result["caller"]["account"] == "123456789012"


def test_without_credentials_only_the_identity_fails_and_the_rest_is_skipped(run_module, stubbed):
    from botocore.stub import Stubber  # noqa: F401 - stubbed builds them

    sts, sts_stub = stubbed("sts")
    sts_stub.add_client_error("get_caller_identity", "InvalidClientTokenId", "The security token is invalid")
    result = run_module(langsmith_preflight_info.main, {"zone_name": ZONE}, clients={"sts": sts})
    assert result["caller"]["failed"] is True
    assert "InvalidClientTokenId" in result["caller"]["msg"]
    for part in ("region", "availability_zones", "access", "quotas", "zones", "certificates", "sizing_instance_data"):
        assert result[part] == {"skipped": True}


def test_probes_must_be_read_only(run_module, emulator_env, module_fail):
    import pytest

    with pytest.raises(module_fail, match="only Describe"):
        run_module(langsmith_preflight_info.main, {"probes": {"ec2": {"operation": "DeleteVpc"}}})

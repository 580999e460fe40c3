"""secretsmanager_secret_info and elasticache_replication_group_info: read-only lookups."""

from __future__ import annotations

import json

import pytest
from aws_module_runner import ModuleFail, emulator_env, run_module, stubbed  # noqa: F401  # pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import elasticache_replication_group_info as rg_info
from ansible_collections.langchain.langsmith_aws.plugins.modules import secretsmanager_secret_info as sm_info


def dumped(result) -> str:
    """The result as Ansible would print it (for leak checks)."""
    return json.dumps(result, default=str)


VALUE = "s3cr3t-value-that-must-never-appear-in-a-result"


def test_secret_info_returns_metadata_never_values(run_module, emulator_env):
    sm = emulator_env.client("secretsmanager")
    kms = emulator_env.client("kms")
    key = kms.create_key(Description="unit")["KeyMetadata"]["Arn"]
    created = sm.create_secret(
        Name="unit/app/generated",
        SecretString=json.dumps({"api_key_salt": VALUE}),
        KmsKeyId=key,
        Tags=[{"Key": "langsmith:env", "Value": "unit"}],
    )
    result = run_module(sm_info.main, {"names": ["unit/app/generated", "unit/missing"]})
    assert result["changed"] is False
    assert result["missing"] == ["unit/missing"]
    (found,) = result["secrets"]
    assert found["arn"] == created["ARN"]
    assert found["kms_key_id"] == key
    assert found["current_version_id"] == created["VersionId"]
    assert found["version_ids_to_stages"] == {created["VersionId"]: ["AWSCURRENT"]}
    assert found["tags"] == {"langsmith:env": "unit"}
    assert VALUE not in dumped(result)


def test_secret_info_reports_a_denied_describe(run_module, stubbed):
    client, stubber = stubbed("secretsmanager")
    stubber.add_client_error("describe_secret", service_error_code="AccessDeniedException", http_status_code=400)
    with pytest.raises(ModuleFail) as failed:
        run_module(sm_info.main, {"names": ["x"]}, clients={"secretsmanager": client})
    assert "Failed to describe secret x" in failed.value.result["msg"]


def test_replication_group_info_finds_nothing_then_the_group(run_module, emulator_env):
    assert run_module(rg_info.main, {"replication_group_id": "unit-redis"})["replication_groups"] == []
    emulator_env.client("elasticache").create_replication_group(
        ReplicationGroupId="unit-redis",
        ReplicationGroupDescription="unit",
        CacheNodeType="cache.t4g.micro",
        TransitEncryptionEnabled=True,
        AuthToken="A" * 32,
        Tags=[{"Key": "langsmith:env", "Value": "unit"}],
    )
    (found,) = run_module(rg_info.main, {"replication_group_id": "unit-redis"})["replication_groups"]
    assert found["transit_encryption_enabled"] is True
    assert found["auth_token_enabled"] is True
    assert found["primary_endpoint"]["port"] == 6379
    assert found["tags"] == {"langsmith:env": "unit"}
    assert found["engine_version"] == ""  # the emulator has no member cache clusters


def test_replication_group_info_reads_the_member_on_aws(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    arn = "arn:aws:elasticache:us-east-1:123456789012:replicationgroup:g"
    stubber.add_response(
        "describe_replication_groups",
        {
            "ReplicationGroups": [
                {"ReplicationGroupId": "g", "MemberClusters": ["g-001"], "ARN": arn, "Status": "available"}
            ]
        },
        {"ReplicationGroupId": "g"},
    )
    stubber.add_response(
        "describe_cache_clusters",
        {
            "CacheClusters": [
                {
                    "CacheClusterId": "g-001",
                    "EngineVersion": "7.1.0",
                    "CacheSubnetGroupName": "sub",
                    "SecurityGroups": [{"SecurityGroupId": "sg-2", "Status": "active"}, {"SecurityGroupId": "sg-1"}],
                }
            ]
        },
        {"CacheClusterId": "g-001"},
    )
    stubber.add_response("list_tags_for_resource", {"TagList": []}, {"ResourceName": arn})
    (found,) = run_module(rg_info.main, {"replication_group_id": "g"}, clients={"elasticache": client})[
        "replication_groups"
    ]
    assert found["engine_version"] == "7.1.0"
    assert found["cache_subnet_group_name"] == "sub"
    assert found["security_group_ids"] == ["sg-1", "sg-2"]

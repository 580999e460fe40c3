"""elasticache_replication_group: every call the emulator lacks or models wrongly, with Stubber.

The emulator has no member cache clusters, no IncreaseReplicaCount/DecreaseReplicaCount and builds one
node whatever NumCacheClusters says; those paths, waits, failures and check mode are covered here.
The create/no-op cycle against the emulator is at the end.
"""

from __future__ import annotations

import datetime
import json

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from aws_module_runner import ModuleExit, ModuleFail, emulator_env, run_module, stubbed  # noqa: F401  # pylint: disable=unused-import
from botocore.stub import ANY

from ansible_collections.langchain.langsmith_aws.plugins.modules import elasticache_replication_group as mod


def dumped(result) -> str:
    """The result as Ansible would print it (for leak checks)."""
    return json.dumps(result, default=str)


GROUP_ID = "prod-langsmith-redis"
ARN = f"arn:aws:elasticache:us-east-1:123456789012:replicationgroup:{GROUP_ID}"
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
TOKEN = "A" * 40
SG = "sg-0123456789abcdef0"
TAGS = {"langsmith:env": "prod", "Name": GROUP_ID}


@pytest.fixture(autouse=True)
def no_poll_delay(monkeypatch):
    monkeypatch.setattr(mod, "POLL_SECONDS", 0)


def args(**overrides):
    base = {
        "replication_group_id": GROUP_ID,
        "description": "LangSmith cache and queues",
        "engine_version": "7.1",
        "cache_node_type": "cache.r6g.large",
        "num_cache_clusters": 2,
        "automatic_failover": True,
        "multi_az": True,
        "cache_subnet_group_name": GROUP_ID,
        "security_group_ids": [SG],
        "kms_key_id": KEY,
        "auth_token": TOKEN,
        "snapshot_retention_limit": 7,
        "wait": False,
        "tags": TAGS,
    }
    base.update(overrides)
    return base


def group(status="available", nodes=2, failover="enabled", multi_az="enabled", node_type="cache.r6g.large", **extra):
    members = [f"{GROUP_ID}-{i:03d}" for i in range(1, nodes + 1)]
    described = {
        "ReplicationGroupId": GROUP_ID,
        "Description": "LangSmith cache and queues",
        "Status": status,
        "MemberClusters": members,
        "NodeGroups": [
            {
                "NodeGroupId": "0001",
                "Status": status,
                "PrimaryEndpoint": {"Address": f"master.{GROUP_ID}.abc123.use1.cache.amazonaws.com", "Port": 6379},
                "ReaderEndpoint": {"Address": f"replica.{GROUP_ID}.abc123.use1.cache.amazonaws.com", "Port": 6379},
            }
        ],
        "AutomaticFailover": failover,
        "MultiAZ": multi_az,
        "SnapshotRetentionLimit": 7,
        "SnapshotWindow": "04:00-05:00",
        "ClusterEnabled": False,
        "CacheNodeType": node_type,
        "AuthTokenEnabled": True,
        "TransitEncryptionEnabled": True,
        "AtRestEncryptionEnabled": True,
        "KmsKeyId": KEY,
        "ARN": ARN,
        "Engine": "redis",
    }
    described.update(extra)
    return {"ReplicationGroups": [described]}


def one(**kwargs):
    """The single-group shape of Create/Modify/Delete answers."""
    return {"ReplicationGroup": group(**kwargs)["ReplicationGroups"][0]}


def member(engine_version="7.1.0", security_groups=(SG,), subnet_group=GROUP_ID):
    return {
        "CacheClusters": [
            {
                "CacheClusterId": f"{GROUP_ID}-001",
                "EngineVersion": engine_version,
                "CacheSubnetGroupName": subnet_group,
                "SecurityGroups": [{"SecurityGroupId": sg, "Status": "active"} for sg in security_groups],
                "CacheParameterGroup": {"CacheParameterGroupName": "default.redis7"},
                "PreferredMaintenanceWindow": "sun:06:00-sun:07:00",
            }
        ]
    }


def not_found(stubber, method="describe_replication_groups"):
    stubber.add_client_error(method, service_error_code="ReplicationGroupNotFoundFault", http_status_code=404)


def expect_describe(stubber, response=None, with_member=True, member_response=None):
    stubber.add_response("describe_replication_groups", response or group(), {"ReplicationGroupId": GROUP_ID})
    if with_member:
        stubber.add_response(
            "describe_cache_clusters", member_response or member(), {"CacheClusterId": f"{GROUP_ID}-001"}
        )


def expect_tags(stubber, tags=None):
    stubber.add_response(
        "list_tags_for_resource",
        {"TagList": [{"Key": k, "Value": v} for k, v in (TAGS if tags is None else tags).items()]},
        {"ResourceName": ARN},
    )


# --------------------------------------------------------------------------- validation (no AWS call)
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"num_cache_clusters": 1}, "automatic_failover needs num_cache_clusters >= 2"),
        ({"multi_az": True, "automatic_failover": False, "num_cache_clusters": 1}, "multi_az needs automatic_failover"),
        ({"transit_encryption": False}, "auth_token needs transit_encryption"),
        ({"auth_token": "short"}, "16-128 printable characters"),
        ({"auth_token": "has@an-at-sign-in-it-0123456789"}, "16-128 printable characters"),
        ({"num_cache_clusters": 7}, "1 to 6 nodes"),
        ({"replication_group_id": "Bad_Name"}, "replication_group_id='Bad_Name'"),
        ({"at_rest_encryption": False}, "kms_key_id needs at_rest_encryption"),
    ],
)
def test_invalid_requests_fail_before_any_call(run_module, stubbed, overrides, message):
    client, _stubber = stubbed("elasticache")  # no responses queued: any call would fail the test
    with pytest.raises(ModuleFail) as failed:
        run_module(mod.main, args(**overrides), clients={"elasticache": client})
    assert message in failed.value.result["msg"]


def test_the_auth_token_is_a_no_log_value(run_module, stubbed, monkeypatch):
    masked = set()

    def _exit(self, **kwargs):
        masked.update(self.no_log_values)  # what Ansible masks in every output of the task
        raise ModuleExit(kwargs)

    monkeypatch.setattr(AnsibleAWSModule, "exit_json", _exit)
    client, stubber = stubbed("elasticache")
    not_found(stubber)
    result = run_module(mod.main, args(), clients={"elasticache": client}, check_mode=True)
    assert TOKEN in masked
    assert TOKEN not in dumped(result)


# --------------------------------------------------------------------------- create
def test_check_mode_reports_the_creation_and_calls_nothing_else(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    not_found(stubber)
    result = run_module(mod.main, args(), clients={"elasticache": client}, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["actions"] == ["create_replication_group"]
    assert result["diff"]["after"] == {"replication_group_id": GROUP_ID}


def test_create_sends_tls_auth_kms_failover_and_tags_and_does_not_wait(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    not_found(stubber)
    stubber.add_response(
        "create_replication_group",
        one(status="creating"),
        {
            "ReplicationGroupId": GROUP_ID,
            "ReplicationGroupDescription": "LangSmith cache and queues",
            "Engine": "redis",
            "EngineVersion": "7.1",
            "CacheNodeType": "cache.r6g.large",
            "NumCacheClusters": 2,
            "AutomaticFailoverEnabled": True,
            "MultiAZEnabled": True,
            "Port": 6379,
            "CacheSubnetGroupName": GROUP_ID,
            "SecurityGroupIds": [SG],
            "TransitEncryptionEnabled": True,
            "AtRestEncryptionEnabled": True,
            "KmsKeyId": KEY,
            "AuthToken": TOKEN,
            "SnapshotRetentionLimit": 7,
            "Tags": ANY,
        },
    )
    expect_describe(stubber, group(status="creating"))
    expect_tags(stubber)
    result = run_module(mod.main, args(), clients={"elasticache": client})
    assert result["changed"] is True
    rg = result["replication_group"]
    assert rg["status"] == "creating"  # wait=false: returned while RDS-style creation goes on
    assert rg["primary_endpoint"]["address"].startswith("master.")
    assert rg["transit_encryption_enabled"] is True
    assert rg["auth_token_enabled"] is True
    assert rg["engine_version"] == "7.1.0"
    assert rg["security_group_ids"] == [SG]
    assert rg["tags"] == TAGS


def test_create_waits_until_available_when_asked(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    not_found(stubber)
    stubber.add_response("create_replication_group", one(status="creating"), None)
    stubber.add_response("describe_replication_groups", group(status="creating"), {"ReplicationGroupId": GROUP_ID})
    stubber.add_response("describe_replication_groups", group(status="creating"), {"ReplicationGroupId": GROUP_ID})
    stubber.add_response("describe_replication_groups", group(status="available"), {"ReplicationGroupId": GROUP_ID})
    stubber.add_response("describe_cache_clusters", member(), None)
    expect_tags(stubber)
    result = run_module(mod.main, args(wait=True), clients={"elasticache": client})
    assert result["replication_group"]["status"] == "available"


def test_wait_times_out_with_the_last_status(run_module, stubbed, monkeypatch):
    client, stubber = stubbed("elasticache")
    not_found(stubber)
    stubber.add_response("create_replication_group", one(status="creating"), None)
    for _poll in range(3):  # after the create, then two polls
        stubber.add_response("describe_replication_groups", group(status="creating"), None)
    clock = iter([0.0, 0.0, 10_000.0])
    monkeypatch.setattr(mod.time, "time", lambda: next(clock))
    with pytest.raises(ModuleFail) as failed:
        run_module(mod.main, args(wait=True, wait_timeout=60), clients={"elasticache": client})
    assert "Timed out waiting" in failed.value.result["msg"]
    assert "creating" in failed.value.result["msg"]


def test_an_aws_error_on_create_fails_with_the_action(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    not_found(stubber)
    stubber.add_client_error(
        "create_replication_group", service_error_code="InsufficientCacheClusterCapacity", http_status_code=400
    )
    with pytest.raises(ModuleFail) as failed:
        run_module(mod.main, args(), clients={"elasticache": client})
    assert f"Failed to create replication group {GROUP_ID}" in failed.value.result["msg"]


def test_other_describe_errors_are_not_mistaken_for_not_found(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    stubber.add_client_error("describe_replication_groups", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(ModuleFail) as failed:
        run_module(mod.main, args(), clients={"elasticache": client})
    assert "Failed to describe replication group" in failed.value.result["msg"]


# --------------------------------------------------------------------------- existing group
def test_matching_group_is_left_alone(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber)
    expect_tags(stubber)  # tag comparison
    expect_tags(stubber)  # result
    result = run_module(mod.main, args(), clients={"elasticache": client})
    assert result["changed"] is False
    assert result["actions"] == []


def test_a_prefix_version_matches_the_running_patch_version(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber, member_response=member(engine_version="7.1.0"))
    expect_tags(stubber)
    expect_tags(stubber)
    assert run_module(mod.main, args(engine_version="7.1"), clients={"elasticache": client})["changed"] is False


def test_node_type_retention_and_version_changes_are_one_modify_call(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber, member_response=member(engine_version="7.0.7"))
    stubber.add_response(
        "modify_replication_group",
        one(status="modifying"),
        {
            "ReplicationGroupId": GROUP_ID,
            "ApplyImmediately": True,
            "CacheNodeType": "cache.r6g.xlarge",
            "SnapshotRetentionLimit": 14,
            "EngineVersion": "7.1",
        },
    )
    expect_tags(stubber)
    expect_describe(stubber, group(status="modifying"))
    expect_tags(stubber)
    result = run_module(
        mod.main,
        args(cache_node_type="cache.r6g.xlarge", snapshot_retention_limit=14, apply_immediately=True),
        clients={"elasticache": client},
        diff=True,
    )
    assert result["changed"] is True
    assert result["diff"]["before"]["cache_node_type"] == "cache.r6g.large"
    assert result["diff"]["after"] == {
        "cache_node_type": "cache.r6g.xlarge",
        "snapshot_retention_limit": 14,
        "engine_version": "7.1",
    }


def test_check_mode_on_a_change_calls_no_mutating_api(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber)
    expect_tags(stubber, tags={"langsmith:env": "prod"})  # Name tag missing
    expect_tags(stubber, tags={"langsmith:env": "prod"})
    result = run_module(
        mod.main, args(cache_node_type="cache.r6g.xlarge"), clients={"elasticache": client}, check_mode=True
    )
    assert result["changed"] is True
    assert result["actions"] == ["modify_replication_group", "add_tags_to_resource"]


def test_adding_a_replica_and_failover_increases_first_then_modifies(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber, group(nodes=1, failover="disabled", multi_az="disabled"))
    stubber.add_response(
        "increase_replica_count",
        one(status="modifying"),
        {"ReplicationGroupId": GROUP_ID, "NewReplicaCount": 1, "ApplyImmediately": True},
    )
    stubber.add_response("describe_replication_groups", group(status="modifying"), None)  # wait between steps
    stubber.add_response("describe_replication_groups", group(status="available"), None)
    stubber.add_response(
        "modify_replication_group",
        one(status="modifying"),
        {
            "ReplicationGroupId": GROUP_ID,
            "ApplyImmediately": False,
            "AutomaticFailoverEnabled": True,
            "MultiAZEnabled": True,
        },
    )
    expect_tags(stubber)
    expect_describe(stubber, group(status="modifying"))
    expect_tags(stubber)
    result = run_module(mod.main, args(), clients={"elasticache": client})
    assert result["actions"] == ["increase_replica_count", "modify_replication_group"]


def test_removing_a_replica_turns_failover_off_first_then_decreases(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber)
    stubber.add_response(
        "modify_replication_group",
        one(status="modifying"),
        {
            "ReplicationGroupId": GROUP_ID,
            "ApplyImmediately": False,
            "AutomaticFailoverEnabled": False,
            "MultiAZEnabled": False,
        },
    )
    stubber.add_response("describe_replication_groups", group(status="available"), None)  # wait between steps
    stubber.add_response(
        "decrease_replica_count",
        one(status="modifying"),
        {"ReplicationGroupId": GROUP_ID, "NewReplicaCount": 0, "ApplyImmediately": True},
    )
    expect_tags(stubber)
    expect_describe(stubber, group(status="modifying", nodes=1))
    expect_tags(stubber)
    result = run_module(
        mod.main,
        args(num_cache_clusters=1, automatic_failover=False, multi_az=False),
        clients={"elasticache": client},
    )
    assert result["actions"] == ["modify_replication_group", "decrease_replica_count"]


def test_omitted_node_count_leaves_the_replicas_alone(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber, group(nodes=3))
    expect_tags(stubber)
    expect_tags(stubber)
    result = run_module(mod.main, args(num_cache_clusters=None), clients={"elasticache": client})
    assert result["changed"] is False


def test_changes_wait_for_a_group_that_is_still_creating(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber, group(status="creating"))
    stubber.add_response("describe_replication_groups", group(status="available"), None)
    stubber.add_response("describe_cache_clusters", member(), None)
    stubber.add_response("modify_replication_group", one(status="modifying"), None)
    expect_tags(stubber)
    expect_describe(stubber, group(status="modifying"))
    expect_tags(stubber)
    result = run_module(mod.main, args(snapshot_retention_limit=3), clients={"elasticache": client})
    assert result["actions"] == ["modify_replication_group"]


def test_security_groups_are_replaced_to_match(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber, member_response=member(security_groups=("sg-0aaaaaaaaaaaaaaaa", SG)))
    stubber.add_response(
        "modify_replication_group",
        one(),
        {"ReplicationGroupId": GROUP_ID, "ApplyImmediately": False, "SecurityGroupIds": [SG]},
    )
    expect_tags(stubber)
    expect_describe(stubber)
    expect_tags(stubber)
    assert run_module(mod.main, args(), clients={"elasticache": client})["changed"] is True


def test_member_settings_are_not_compared_when_the_member_cannot_be_read(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    stubber.add_response("describe_replication_groups", group(), None)
    stubber.add_client_error("describe_cache_clusters", service_error_code="CacheClusterNotFound", http_status_code=404)
    expect_tags(stubber)
    stubber.add_client_error("describe_cache_clusters", service_error_code="CacheClusterNotFound", http_status_code=404)
    expect_tags(stubber)
    result = run_module(mod.main, args(engine_version="7.2"), clients={"elasticache": client})
    assert result["changed"] is False
    assert result["replication_group"]["engine_version"] == ""


@pytest.mark.parametrize(
    ("described", "overrides", "message"),
    [
        ({"TransitEncryptionEnabled": False, "AuthTokenEnabled": False}, {}, "transit_encryption is False"),
        ({"AtRestEncryptionEnabled": False}, {}, "at_rest_encryption is False"),
        ({"KmsKeyId": KEY.replace("1111", "9999")}, {}, "kms_key_id is"),
        ({"AuthTokenEnabled": False}, {}, "has no AUTH token"),
        ({}, {"port": 6380}, "port is 6379, wanted 6380"),
    ],
)
def test_differences_that_need_a_new_group_fail_instead_of_being_ignored(
    run_module, stubbed, described, overrides, message
):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber, group(**described))
    with pytest.raises(ModuleFail) as failed:
        run_module(mod.main, args(**overrides), clients={"elasticache": client})
    assert message in failed.value.result["msg"]
    assert "cannot change in place" in failed.value.result["msg"]


def test_another_subnet_group_needs_a_new_group(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber, member_response=member(subnet_group="elsewhere"))
    with pytest.raises(ModuleFail) as failed:
        run_module(mod.main, args(), clients={"elasticache": client})
    assert "cache_subnet_group_name is elsewhere" in failed.value.result["msg"]


def test_rotating_the_auth_token_uses_the_rotate_strategy_and_hides_it(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber)
    stubber.add_response(
        "modify_replication_group",
        one(),
        {
            "ReplicationGroupId": GROUP_ID,
            "ApplyImmediately": False,
            "AuthToken": TOKEN,
            "AuthTokenUpdateStrategy": "ROTATE",
        },
    )
    expect_tags(stubber)
    expect_describe(stubber)
    expect_tags(stubber)
    result = run_module(mod.main, args(rotate_auth_token=True), clients={"elasticache": client}, diff=True)
    assert result["diff"]["after"] == {"auth_token_rotated": True}
    assert TOKEN not in dumped(result)


def test_tags_are_added_and_purged(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    expect_describe(stubber)
    expect_tags(stubber, tags={"langsmith:env": "prod", "stale": "x"})
    stubber.add_response("remove_tags_from_resource", {"TagList": []}, {"ResourceName": ARN, "TagKeys": ["stale"]})
    stubber.add_response(
        "add_tags_to_resource", {"TagList": []}, {"ResourceName": ARN, "Tags": [{"Key": "Name", "Value": GROUP_ID}]}
    )
    expect_describe(stubber)
    expect_tags(stubber)
    result = run_module(mod.main, args(), clients={"elasticache": client})
    assert result["actions"] == ["remove_tags_from_resource", "add_tags_to_resource"]


# --------------------------------------------------------------------------- delete
def test_delete_takes_a_final_snapshot_and_waits_until_gone(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    stubber.add_response("describe_replication_groups", group(), None)
    stubber.add_response(
        "delete_replication_group",
        one(status="deleting"),
        {"ReplicationGroupId": GROUP_ID, "FinalSnapshotIdentifier": f"{GROUP_ID}-final"},
    )
    stubber.add_response("describe_replication_groups", group(status="deleting"), None)
    not_found(stubber)
    result = run_module(
        mod.main,
        {"replication_group_id": GROUP_ID, "state": "absent", "final_snapshot_identifier": f"{GROUP_ID}-final"},
        clients={"elasticache": client},
    )
    assert result["changed"] is True
    assert result["actions"] == ["delete_replication_group"]


def test_delete_of_a_missing_group_changes_nothing(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    not_found(stubber)
    result = run_module(
        mod.main, {"replication_group_id": GROUP_ID, "state": "absent"}, clients={"elasticache": client}
    )
    assert result["changed"] is False


def test_delete_in_check_mode_calls_nothing(run_module, stubbed):
    client, stubber = stubbed("elasticache")
    stubber.add_response("describe_replication_groups", group(), None)
    result = run_module(
        mod.main,
        {"replication_group_id": GROUP_ID, "state": "absent"},
        clients={"elasticache": client},
        check_mode=True,
    )
    assert result["changed"] is True


# --------------------------------------------------------------------------- against the emulator
def test_create_then_no_change_against_the_emulator(run_module, emulator_env):
    ec2 = emulator_env.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("ab")
    ]
    emulator_env.client("elasticache").create_cache_subnet_group(
        CacheSubnetGroupName="unit-redis", CacheSubnetGroupDescription="unit", SubnetIds=subnets
    )
    request = {
        "replication_group_id": "unit-redis",
        "description": "unit test",
        "engine_version": "7.1",
        "cache_node_type": "cache.t4g.medium",
        "num_cache_clusters": 1,
        "cache_subnet_group_name": "unit-redis",
        "auth_token": TOKEN,
        "snapshot_retention_limit": 0,
        "wait": True,
        "tags": {"langsmith:env": "unit"},
    }
    first = run_module(mod.main, request)
    second = run_module(mod.main, request)
    assert first["changed"] is True
    assert second["changed"] is False
    described = emulator_env.client("elasticache").describe_replication_groups(ReplicationGroupId="unit-redis")
    (rg,) = described["ReplicationGroups"]
    assert rg["TransitEncryptionEnabled"] is True
    assert rg["AtRestEncryptionEnabled"] is True
    assert rg["AuthTokenEnabled"] is True
    assert isinstance(rg["ReplicationGroupCreateTime"], datetime.datetime)

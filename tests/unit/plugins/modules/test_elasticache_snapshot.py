"""elasticache_snapshot and elasticache_snapshot_info: against the emulator (create, tags, list by
tags, idempotence, delete, check mode) and with Stubber for what the emulator cannot show (a snapshot
that is still creating, a failed one, a deletion that takes time)."""

from __future__ import annotations

import datetime

import pytest
from aws_module_runner import ModuleFail, emulator_env, run_module, stubbed  # noqa: F401  # pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import elasticache_snapshot as snap
from ansible_collections.langchain.langsmith_aws.plugins.modules import elasticache_snapshot_info as snap_info

GROUP = "unit-langsmith-redis"
OURS = {"langsmith:env": "unit", "langsmith:stage": "backup", "langsmith:managed-by": "ansible"}


@pytest.fixture(autouse=True)
def no_wait(monkeypatch):
    monkeypatch.setattr(snap, "POLL_DELAY", 0)


@pytest.fixture
def redis(emulator_env):
    emulator_env.client("elasticache").create_replication_group(
        ReplicationGroupId=GROUP,
        ReplicationGroupDescription="unit",
        CacheNodeType="cache.t4g.micro",
        NumCacheClusters=1,
    )
    return emulator_env


def test_create_tags_and_find_again_by_tags(run_module, redis):
    result = run_module(snap.main, {"name": f"{GROUP}-1", "replication_group_id": GROUP, "tags": OURS})
    assert result["changed"] is True
    assert result["snapshot"]["snapshot_status"] == "available"
    assert result["snapshot"]["tags"] == OURS

    # Ours and a snapshot someone else made (no tags): the lookup by tags returns only ours.
    redis.client("elasticache").create_snapshot(SnapshotName="someone-elses", ReplicationGroupId=GROUP)
    found = run_module(snap_info.main, {"tags": {"langsmith:env": "unit", "langsmith:stage": "backup"}})
    assert [s["snapshot_name"] for s in found["snapshots"]] == [f"{GROUP}-1"]
    assert found["snapshots"][0]["replication_group_id"] == GROUP
    everything = run_module(snap_info.main, {"replication_group_id": GROUP, "source": "manual"})
    assert sorted(s["snapshot_name"] for s in everything["snapshots"]) == sorted([f"{GROUP}-1", "someone-elses"])


def test_second_run_changes_nothing_and_corrects_tags(run_module, redis):
    args = {"name": f"{GROUP}-2", "replication_group_id": GROUP, "tags": OURS}
    run_module(snap.main, args)
    assert run_module(snap.main, args)["changed"] is False

    retagged = run_module(snap.main, {**args, "tags": {**OURS, "langsmith:backup-kind": "pre-upgrade"}})
    assert retagged["changed"] is True
    tags = redis.client("elasticache").list_tags_for_resource(ResourceName=retagged["snapshot"]["arn"])["TagList"]
    assert {t["Key"]: t["Value"] for t in tags}["langsmith:backup-kind"] == "pre-upgrade"


def test_check_mode_creates_and_deletes_nothing(run_module, redis):
    planned = run_module(
        snap.main, {"name": f"{GROUP}-3", "replication_group_id": GROUP, "tags": OURS}, check_mode=True
    )
    assert planned["changed"] is True
    assert planned["snapshot"] == {}
    assert run_module(snap_info.main, {"name": f"{GROUP}-3"})["snapshots"] == []

    run_module(snap.main, {"name": f"{GROUP}-3", "replication_group_id": GROUP, "tags": OURS})
    assert run_module(snap.main, {"name": f"{GROUP}-3", "state": "absent"}, check_mode=True)["changed"] is True
    assert len(run_module(snap_info.main, {"name": f"{GROUP}-3"})["snapshots"]) == 1


def test_delete_then_delete_again(run_module, redis):
    run_module(snap.main, {"name": f"{GROUP}-4", "replication_group_id": GROUP})
    assert run_module(snap.main, {"name": f"{GROUP}-4", "state": "absent"})["changed"] is True
    assert run_module(snap_info.main, {"name": f"{GROUP}-4"})["snapshots"] == []
    assert run_module(snap.main, {"name": f"{GROUP}-4", "state": "absent"})["changed"] is False


def test_creating_needs_the_group(run_module, emulator_env):
    with pytest.raises(ModuleFail) as failed:
        run_module(snap.main, {"name": "orphan-snapshot"})
    assert "creating it needs replication_group_id" in failed.value.result["msg"]


# ------------------------------------------------------------------ Stubber
ARN = f"arn:aws:elasticache:us-east-1:123456789012:snapshot:{GROUP}-5"
CREATED = datetime.datetime(2026, 9, 1, 12, 0, 7, tzinfo=datetime.timezone.utc)


def described(status):
    return {
        "Snapshots": [
            {
                "SnapshotName": f"{GROUP}-5",
                "ReplicationGroupId": GROUP,
                "SnapshotStatus": status,
                "SnapshotSource": "manual",
                "ARN": ARN,
                "NodeSnapshots": [{"CacheClusterId": f"{GROUP}-001", "SnapshotCreateTime": CREATED}],
            }
        ]
    }


def test_waits_until_the_new_snapshot_is_available(run_module, stubbed):
    client, stub = stubbed("elasticache")
    stub.add_client_error("describe_snapshots", "SnapshotNotFoundFault", http_status_code=404)
    stub.add_response(
        "create_snapshot",
        {"Snapshot": described("creating")["Snapshots"][0]},
        {
            "SnapshotName": f"{GROUP}-5",
            "ReplicationGroupId": GROUP,
            "Tags": [{"Key": "langsmith:env", "Value": "unit"}],
        },
    )
    stub.add_response("describe_snapshots", described("creating"), {"SnapshotName": f"{GROUP}-5"})
    stub.add_response("describe_snapshots", described("available"), {"SnapshotName": f"{GROUP}-5"})
    stub.add_response("list_tags_for_resource", {"TagList": [{"Key": "langsmith:env", "Value": "unit"}]}, None)

    result = run_module(
        snap.main,
        {"name": f"{GROUP}-5", "replication_group_id": GROUP, "tags": {"langsmith:env": "unit"}},
        clients={"elasticache": client},
    )

    assert result["snapshot"]["snapshot_status"] == "available"
    assert result["snapshot"]["create_time"] == "2026-09-01T12:00:07+00:00"


def test_a_failed_snapshot_fails_the_task(run_module, stubbed):
    client, stub = stubbed("elasticache")
    stub.add_client_error("describe_snapshots", "SnapshotNotFoundFault", http_status_code=404)
    stub.add_response("create_snapshot", {"Snapshot": described("creating")["Snapshots"][0]}, None)
    stub.add_response("describe_snapshots", described("failed"), None)

    with pytest.raises(ModuleFail) as failed:
        run_module(snap.main, {"name": f"{GROUP}-5", "replication_group_id": GROUP}, clients={"elasticache": client})
    assert f"ElastiCache snapshot {GROUP}-5 is failed" in failed.value.result["msg"]


def test_deletion_is_waited_for(run_module, stubbed):
    client, stub = stubbed("elasticache")
    stub.add_response("describe_snapshots", described("available"), None)
    stub.add_response("list_tags_for_resource", {"TagList": []}, None)
    stub.add_response("delete_snapshot", {"Snapshot": described("deleting")["Snapshots"][0]}, None)
    stub.add_response("describe_snapshots", described("deleting"), None)
    stub.add_client_error("describe_snapshots", "SnapshotNotFoundFault", http_status_code=404)

    result = run_module(snap.main, {"name": f"{GROUP}-5", "state": "absent"}, clients={"elasticache": client})
    assert result["changed"] is True


def test_denied_create_is_reported(run_module, stubbed):
    client, stub = stubbed("elasticache")
    stub.add_client_error("describe_snapshots", "SnapshotNotFoundFault", http_status_code=404)
    stub.add_client_error("create_snapshot", "InvalidReplicationGroupState", http_status_code=400)

    with pytest.raises(ModuleFail) as failed:
        run_module(snap.main, {"name": f"{GROUP}-5", "replication_group_id": GROUP}, clients={"elasticache": client})
    assert f"Failed to snapshot replication group {GROUP}" in failed.value.result["msg"]

"""What would the datastores modules change? (module_utils/datastores.py)

Each rule answers for the options the datastores role passes; a resource in sync gives no reason,
and every property the module corrects gives one.
"""

from __future__ import annotations

import pytest

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import datastores as ds

TAGS = {"Name": "demo-langsmith-postgres", "langsmith:env": "demo"}
DB_SUBNET_GROUP = {
    "db_subnet_group_name": "demo-langsmith-postgres",
    "db_subnet_group_description": "LangSmith demo PostgreSQL (private subnets)",
    "subnet_ids": ["subnet-a", "subnet-b"],
    "tags": TAGS,
}
DB_SUBNET_WANTED = {
    "description": "LangSmith demo PostgreSQL (private subnets)",
    "subnet_ids": ["subnet-b", "subnet-a"],
    "tags": TAGS,
}


def test_db_subnet_group_in_sync_needs_nothing():
    assert ds.db_subnet_group_changes(DB_SUBNET_GROUP, DB_SUBNET_WANTED) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"db_subnet_group_description": "old"}, "description"),
        ({"subnet_ids": ["subnet-a"]}, "subnets"),
        ({"subnet_ids": ["subnet-a", "subnet-b", "subnet-c"]}, "subnets"),
        ({"tags": {**TAGS, "extra": "1"}}, "tags"),  # purge_tags: an extra tag is removed
        ({"tags": {"Name": "demo-langsmith-postgres"}}, "tags"),
    ],
)
def test_db_subnet_group_each_property_is_a_reason(change, reason):
    (found,) = ds.db_subnet_group_changes({**DB_SUBNET_GROUP, **change}, DB_SUBNET_WANTED)
    assert found.startswith(reason)


def test_a_missing_subnet_group_or_key_is_created():
    assert ds.db_subnet_group_changes({}, DB_SUBNET_WANTED) == ["missing"]
    assert ds.cache_subnet_group_changes(None, CACHE_WANTED) == ["missing"]
    assert ds.kms_key_changes({}, KMS_WANTED) == ["missing"]


CACHE_SUBNET_GROUP = {
    "cache_subnet_group_name": "demo-langsmith-redis",
    "cache_subnet_group_description": "LangSmith demo Redis (private subnets)",
    "subnet_ids": ["subnet-a", "subnet-b"],
}
CACHE_WANTED = {"description": "LangSmith demo Redis (private subnets)", "subnet_ids": ["subnet-b", "subnet-a"]}


def test_cache_subnet_group_in_sync_needs_nothing():
    assert ds.cache_subnet_group_changes(CACHE_SUBNET_GROUP, CACHE_WANTED) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"cache_subnet_group_description": "old"}, "description"),
        ({"subnet_ids": ["subnet-a"]}, "subnets"),
        ({"subnet_ids": ["subnet-a", "subnet-b", "subnet-c"]}, "subnets"),
    ],
)
def test_cache_subnet_group_each_property_is_a_reason(change, reason):
    (found,) = ds.cache_subnet_group_changes({**CACHE_SUBNET_GROUP, **change}, CACHE_WANTED)
    assert found.startswith(reason)


KMS_TAGS = {"Name": "demo-langsmith-data", "langsmith:env": "demo"}
KMS_KEY = {
    "key_arn": "arn:aws:kms:us-east-1:123456789012:key/k",
    "key_state": "Enabled",
    "enabled": True,
    "description": "LangSmith demo: data",
    "enable_key_rotation": True,
    "tags": KMS_TAGS,
}
KMS_WANTED = {"description": "LangSmith demo: data", "enable_key_rotation": True, "tags": KMS_TAGS}


def test_kms_key_in_sync_needs_nothing():
    assert ds.kms_key_changes(KMS_KEY, KMS_WANTED) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"key_state": "Disabled", "enabled": False}, "state"),
        ({"key_state": "PendingDeletion"}, "state"),
        ({"description": "old"}, "description"),
        ({"enable_key_rotation": False}, "rotation"),
        ({"tags": {**KMS_TAGS, "extra": "1"}}, "tags"),
        ({"tags": {}}, "tags"),
    ],
)
def test_kms_key_each_property_is_a_reason(change, reason):
    (found,) = ds.kms_key_changes({**KMS_KEY, **change}, KMS_WANTED)
    assert found.startswith(reason)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"instances": [], "replication_groups": []}, {"postgres": True, "redis": True}),
        (
            {"instances": [{"db_instance_status": "creating"}], "replication_groups": [{"status": "available"}]},
            {"postgres": False, "redis": True},
        ),
        (
            {"instances": [{"db_instance_status": "available"}], "replication_groups": [{"status": "modifying"}]},
            {"postgres": True, "redis": False},
        ),
        (
            {"instances": [{"db_instance_status": "available"}], "replication_groups": [{"status": "available"}]},
            {"postgres": True, "redis": True},
        ),
    ],
)
def test_available_reads_both_stores(state, expected):
    assert ds.available(state) == expected

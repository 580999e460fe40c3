"""Filters of the datastores role: versions, bucket names, the bucket policy and the TTL lifecycle."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.filter.datastores import (
    blob_bucket_policy,
    blob_lifecycle_rules,
    bucket_name_problems,
    datastores_available,
    datastores_changes,
    engine_version_problems,
    major_version,
)

BUCKET = "arn:aws:s3:::demo-langsmith-123456789012-us-east-1"
ROLE = "arn:aws:iam::123456789012:role/demo-langsmith-s3"


@pytest.mark.parametrize(("version", "major"), [("16", 16), ("16.4", 16), (14, 14), ("7.1", 7), ("6.2.6", 6)])
def test_major_version(version, major):
    assert major_version(version, "x") == major


@pytest.mark.parametrize("version", ["", "latest", "16.x", "v16", "16..1"])
def test_major_version_rejects_non_versions(version):
    with pytest.raises(AnsibleFilterError, match="is not a version number"):
        major_version(version, "datastores_postgres_engine_version")


@pytest.mark.parametrize(
    ("version", "minimum", "problems"),
    [("16", 14, 0), ("14", 14, 1 - 1), ("13", 14, 1), ("13.9", 14, 1), ("7.1", 5, 0), ("4.0.10", 5, 1), ("x", 5, 1)],
)
def test_engine_version_problems(version, minimum, problems):
    found = engine_version_problems(version, "datastores_postgres_engine_version", minimum, "16")
    assert len(found) == problems
    if problems:
        assert found[0].startswith("datastores_postgres_engine_version=")


def test_engine_version_problems_say_how_to_fix():
    (problem,) = engine_version_problems("13", "datastores_postgres_engine_version", 14, "16")
    assert "below the supported minimum 14" in problem
    assert "set datastores_postgres_engine_version: 16" in problem


@pytest.mark.parametrize(
    "name",
    ["demo-langsmith-123456789012-us-east-1", "abc", "a" * 63, "prod-blobs-1"],
)
def test_good_bucket_names(name):
    assert bucket_name_problems(name) == []


@pytest.mark.parametrize(
    "name",
    [
        "Invalid_Bucket",
        "ab",
        "a" * 64,
        "-leading",
        "trailing-",
        "has.dots",
        "xn--punycode",
        "name-s3alias",
        "192.168.1.1",
        "double--hyphen",
        "UPPER",
    ],
)
def test_bad_bucket_names(name):
    problems = bucket_name_problems(name)
    assert problems
    assert all(p.startswith(f"datastores_s3_bucket_name={name!r}") for p in problems)


def test_bucket_policy_denies_plaintext_and_everyone_but_the_role():
    policy = blob_bucket_policy(BUCKET, ROLE)
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {"DenyInsecureTransport", "DenyObjectAccessToAnyoneButLangSmith"}
    tls = statements["DenyInsecureTransport"]
    assert tls["Effect"] == "Deny"
    assert tls["Principal"] == "*"
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert tls["Resource"] == [BUCKET, f"{BUCKET}/*"]
    others = statements["DenyObjectAccessToAnyoneButLangSmith"]
    assert others["Effect"] == "Deny"
    assert others["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": ROLE}}
    assert "s3:GetObject" in others["Action"]
    assert "s3:PutObject" in others["Action"]
    assert not [s for s in policy["Statement"] if s["Effect"] == "Allow"]


def test_bucket_policy_pins_the_role_to_the_vpc_endpoint():
    policy = blob_bucket_policy(BUCKET, ROLE, "vpce-0123")
    (pinned,) = [s for s in policy["Statement"] if s["Sid"] == "DenyLangSmithOutsideTheVpcEndpoint"]
    assert pinned["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": ROLE},
        "StringNotEquals": {"aws:SourceVpce": "vpce-0123"},
    }


def test_bucket_policy_needs_both_arns():
    with pytest.raises(AnsibleFilterError):
        blob_bucket_policy(BUCKET, "")


def test_lifecycle_rules_match_the_chart_ttl_prefixes():
    rules = {r["rule_id"]: r for r in blob_lifecycle_rules(14, 400, 30, 7)}
    assert rules["langsmith-ttl-short"] == {"rule_id": "langsmith-ttl-short", "prefix": "ttl_s/", "expiration_days": 14}
    assert rules["langsmith-ttl-long"] == {"rule_id": "langsmith-ttl-long", "prefix": "ttl_l/", "expiration_days": 400}
    cleanup = rules["langsmith-noncurrent-versions"]
    assert cleanup["prefix"] == ""
    assert cleanup["noncurrent_version_expiration_days"] == 30
    assert cleanup["abort_incomplete_multipart_upload_days"] == 7
    assert cleanup["expire_object_delete_marker"] is True


def test_lifecycle_rules_refuse_zero_days():
    with pytest.raises(AnsibleFilterError, match="datastores_s3_ttl_short_days=0"):
        blob_lifecycle_rules(0, 400, 30, 7)


# --------------------------------------------------------------------------- plan (datastores_changes)
PLAN_TAGS = {"langsmith:env": "demo"}
WANTED = {
    "kms": {"description": "data", "enable_key_rotation": True, "tags": PLAN_TAGS},
    "db_subnet_group": {"description": "pg", "subnet_ids": ["subnet-a", "subnet-b"], "tags": PLAN_TAGS},
    "cache_subnet_group": {"description": "redis", "subnet_ids": ["subnet-a", "subnet-b"]},
}
IN_SYNC = {
    "kms_keys": [
        {
            "key_arn": "arn:k",
            "key_state": "Enabled",
            "enabled": True,
            "description": "data",
            "enable_key_rotation": True,
            "tags": PLAN_TAGS,
        }
    ],
    "db_subnet_groups": [
        {"db_subnet_group_description": "pg", "subnet_ids": ["subnet-a", "subnet-b"], "tags": PLAN_TAGS}
    ],
    "cache_subnet_groups": [{"cache_subnet_group_description": "redis", "subnet_ids": ["subnet-b", "subnet-a"]}],
    "instances": [{"db_instance_identifier": "pg", "db_instance_status": "available"}],
    "replication_groups": [{"replication_group_id": "rg", "status": "available"}],
    "buckets": [{"name": "b"}],
}


def test_plan_of_a_converged_stage_has_nothing_to_do():
    plan = datastores_changes(IN_SYNC, WANTED)
    assert plan["todo"] == []
    assert plan["kms"]["record"]["key_arn"] == "arn:k"
    assert plan["postgres"]["record"]["db_instance_identifier"] == "pg"
    assert plan["redis"]["record"]["replication_group_id"] == "rg"
    assert plan["bucket"]["record"] == {"name": "b"}


def test_plan_of_an_empty_account_creates_every_planned_part():
    plan = datastores_changes({}, WANTED)
    assert [p.split()[0] for p in plan["todo"]] == ["kms", "db_subnet_group", "cache_subnet_group"]
    assert plan["postgres"]["record"] == {}
    assert plan["bucket"]["record"] == {}


def test_plan_names_each_drifted_part():
    drifted = {**IN_SYNC, "cache_subnet_groups": [{"cache_subnet_group_description": "old", "subnet_ids": []}]}
    plan = datastores_changes(drifted, WANTED)
    assert plan["todo"] == ["cache_subnet_group (description 'old' -> 'redis', subnets [] -> ['subnet-a', 'subnet-b'])"]
    assert plan["kms"]["changes"] == []
    assert plan["db_subnet_group"]["changes"] == []


def test_available_filter_wraps_the_rule():
    assert datastores_available(IN_SYNC) == {"postgres": True, "redis": True}
    assert datastores_available({"instances": [{"db_instance_status": "creating"}]}) == {
        "postgres": False,
        "redis": True,
    }

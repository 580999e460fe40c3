# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the datastores stage's resources in one pass (langsmith_datastores_info), and the rules
"would this module change this resource?" the datastores role plans with.

Records have the shape the amazon.aws / our ``*_info`` modules return (``rds_instance_info``
``instances``, ``elasticache_replication_group_info`` ``replication_groups``, ``s3_bucket_info``
``buckets`` with ``bucket_facts``, ``kms_key_info`` ``kms_keys``), so the role's assertions and
outputs work on either.
"""

from __future__ import annotations

import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.common import paginate, tag_dict
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.elasticache import format_replication_group

PARTS = ("kms", "postgres", "redis", "s3")

# s3_bucket_info bucket_facts key -> (S3 call, key of the answer, or None for the whole answer).
BUCKET_FACTS = {
    "bucket_encryption": ("get_bucket_encryption", "ServerSideEncryptionConfiguration"),
    "bucket_lifecycle_configuration": ("get_bucket_lifecycle_configuration", None),
    "bucket_ownership_controls": ("get_bucket_ownership_controls", "OwnershipControls"),
    "bucket_policy": ("get_bucket_policy", "Policy"),
    "bucket_tagging": ("get_bucket_tagging", "TagSet"),
    "bucket_versioning": ("get_bucket_versioning", None),
    "public_access_block": ("get_public_access_block", "PublicAccessBlockConfiguration"),
}
# What S3 answers for a setting that is not configured (s3_bucket_info then returns {}).
BUCKET_NOT_CONFIGURED = [
    "NoSuchLifecycleConfiguration",
    "NoSuchBucketPolicy",
    "NoSuchTagSet",
    "ServerSideEncryptionConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
]


def kms_keys(client, alias):
    """The key behind ``alias`` (with or without ``alias/``) as kms_key_info records it (a subset), or ``[]``."""
    alias = alias.removeprefix("alias/")
    try:
        meta = client.describe_key(aws_retry=True, KeyId=f"alias/{alias}")["KeyMetadata"]
    except is_boto3_error_code("NotFoundException"):
        return []
    key_id = meta["KeyId"]
    rotation = client.get_key_rotation_status(aws_retry=True, KeyId=key_id).get("KeyRotationEnabled", False)
    tags = paginate(client, "list_resource_tags", KeyId=key_id).get("Tags", [])
    return [
        {
            "key_id": key_id,
            "key_arn": meta["Arn"],
            "key_state": meta.get("KeyState", ""),
            "enabled": meta.get("Enabled", False),
            "description": meta.get("Description", ""),
            "enable_key_rotation": rotation,
            "aliases": [alias],
            "tags": boto3_tag_list_to_ansible_dict(tags, "TagKey", "TagValue"),
        }
    ]


def db_instances(client, identifier):
    """rds_instance_info ``instances`` for ``identifier`` (``tags`` a dict)."""
    try:
        found = client.describe_db_instances(aws_retry=True, DBInstanceIdentifier=identifier)["DBInstances"]
    except is_boto3_error_code("DBInstanceNotFound"):
        return []
    records = []
    for instance in found:
        record = {k: v for k, v in instance.items() if k != "TagList"}
        record["Tags"] = tag_dict(instance.get("TagList"))
        records.append(camel_dict_to_snake_dict(record, ignore_list=["Tags"]))
    return records


def db_subnet_groups(client, name):
    try:
        found = client.describe_db_subnet_groups(aws_retry=True, DBSubnetGroupName=name)["DBSubnetGroups"]
    except is_boto3_error_code("DBSubnetGroupNotFoundFault"):
        return []
    records = []
    for group in found:
        record = camel_dict_to_snake_dict(group)
        record["subnet_ids"] = sorted(s["SubnetIdentifier"] for s in group.get("Subnets", []))
        arn = group.get("DBSubnetGroupArn")
        record["tags"] = (
            tag_dict(client.list_tags_for_resource(aws_retry=True, ResourceName=arn).get("TagList")) if arn else {}
        )
        records.append(record)
    return records


def cache_subnet_groups(client, name):
    try:
        found = client.describe_cache_subnet_groups(aws_retry=True, CacheSubnetGroupName=name)["CacheSubnetGroups"]
    except is_boto3_error_code("CacheSubnetGroupNotFoundFault"):
        return []
    records = []
    for group in found:
        record = camel_dict_to_snake_dict(group)
        record["subnet_ids"] = sorted(s["SubnetIdentifier"] for s in group.get("Subnets", []))
        records.append(record)
    return records


def replication_groups(client, group_id):
    """elasticache_replication_group_info ``replication_groups`` for ``group_id``."""
    try:
        found = client.describe_replication_groups(aws_retry=True, ReplicationGroupId=group_id)["ReplicationGroups"]
    except is_boto3_error_code("ReplicationGroupNotFoundFault"):
        return []
    records = []
    for group in found:
        member = None
        members = group.get("MemberClusters") or []
        if members:
            try:
                clusters = client.describe_cache_clusters(aws_retry=True, CacheClusterId=members[0])["CacheClusters"]
                member = clusters[0] if clusters else None
            except is_boto3_error_code("CacheClusterNotFound"):
                member = None
        tags = {}
        if group.get("ARN"):
            tags = tag_dict(client.list_tags_for_resource(aws_retry=True, ResourceName=group["ARN"]).get("TagList"))
        records.append(format_replication_group(group, member, tags))
    return records


def buckets(client, name):
    """s3_bucket_info ``buckets`` for ``name`` with the bucket_facts the role reads, or ``[]``."""
    try:
        client.head_bucket(aws_retry=True, Bucket=name)
    except is_boto3_error_code(["404", "NoSuchBucket", "NotFound"]):
        return []
    record = {"name": name}
    for fact, (call, key) in BUCKET_FACTS.items():
        try:
            answer = getattr(client, call)(aws_retry=True, Bucket=name)
        except is_boto3_error_code(BUCKET_NOT_CONFIGURED):
            record[fact] = {}
            continue
        answer.pop("ResponseMetadata", None)
        value = answer.get(key) if key else answer
        if fact == "bucket_policy":
            value = json.loads(value) if value else {}
        elif fact == "bucket_tagging":
            value = tag_dict(value)
        record[fact] = value if value is not None else {}
    return [record]


def read(clients, *, parts, kms_alias, postgres_id, redis_id, bucket):
    """Everything the datastores stage owns, as one dict (see langsmith_datastores_info RETURN).

    ``clients`` maps a service (kms, rds, elasticache, s3) to a retrying client; ``parts`` picks what
    to read (the wait reads only postgres and redis).
    """
    state = {}
    if "kms" in parts:
        state["kms_keys"] = kms_keys(clients["kms"], kms_alias)
    if "postgres" in parts:
        state["instances"] = db_instances(clients["rds"], postgres_id)
        state["db_subnet_groups"] = db_subnet_groups(clients["rds"], postgres_id)
    if "redis" in parts:
        state["replication_groups"] = replication_groups(clients["elasticache"], redis_id)
        state["cache_subnet_groups"] = cache_subnet_groups(clients["elasticache"], redis_id)
    if "s3" in parts:
        state["buckets"] = buckets(clients["s3"], bucket)
    return state


# --------------------------------------------------------------------------- rules
def db_subnet_group_changes(record, wanted):
    """What amazon.aws.rds_subnet_group (state=present, purge_tags default true) would change.

    ``wanted``: ``name``, ``description``, ``subnet_ids``, ``tags``. The module compares the
    description and the sorted subnet ids, and sets the tags to exactly ``tags``.
    """
    if not record:
        return ["missing"]
    reasons = []
    if record.get("db_subnet_group_description") != wanted["description"]:
        reasons.append(f"description {record.get('db_subnet_group_description')!r} -> {wanted['description']!r}")
    if sorted(record.get("subnet_ids") or []) != sorted(wanted["subnet_ids"]):
        reasons.append(f"subnets {sorted(record.get('subnet_ids') or [])} -> {sorted(wanted['subnet_ids'])}")
    if (record.get("tags") or {}) != (wanted.get("tags") or {}):
        reasons.append("tags")
    return reasons


def cache_subnet_group_changes(record, wanted):
    """What community.aws.elasticache_subnet_group (state=present) would change.

    ``wanted``: ``description``, ``subnet_ids``. The module compares the description and the set
    of subnet ids (it manages no tags).
    """
    if not record:
        return ["missing"]
    reasons = []
    if record.get("cache_subnet_group_description") != wanted["description"]:
        reasons.append(f"description {record.get('cache_subnet_group_description')!r} -> {wanted['description']!r}")
    if set(record.get("subnet_ids") or []) != set(wanted["subnet_ids"]):
        reasons.append(f"subnets {sorted(record.get('subnet_ids') or [])} -> {sorted(wanted['subnet_ids'])}")
    return reasons


def kms_key_changes(record, wanted):
    """What amazon.aws.kms_key (alias, description, enable_key_rotation, tags; state present,
    enabled and purge_tags by default) would change. Doubt means a change: a key that is not
    plainly Enabled is left to the module.
    """
    if not record:
        return ["missing"]
    reasons = []
    if record.get("key_state") != "Enabled" or not record.get("enabled"):
        reasons.append(f"state {record.get('key_state')}")
    if record.get("description") != wanted["description"]:
        reasons.append(f"description {record.get('description')!r} -> {wanted['description']!r}")
    if bool(record.get("enable_key_rotation")) != bool(wanted["enable_key_rotation"]):
        reasons.append(f"rotation {record.get('enable_key_rotation')} -> {wanted['enable_key_rotation']}")
    if (record.get("tags") or {}) != (wanted.get("tags") or {}):
        reasons.append("tags")
    return reasons


def available(state):
    """``{'postgres': bool, 'redis': bool}``: is each store available (or absent, nothing to wait for)?"""
    pg = (state.get("instances") or [{}])[0]
    rg = (state.get("replication_groups") or [{}])[0]
    return {
        "postgres": pg.get("db_instance_status", "available") == "available",
        "redis": rg.get("status", "available") == "available",
    }

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ElastiCache snapshot lookups shared by elasticache_snapshot and elasticache_snapshot_info.

Snapshots are read with DescribeSnapshots (not-found is a value, ``None``) and returned snake_cased,
with their tags as a dict and ``create_time`` taken from the earliest node snapshot (the API keeps the
time on each node snapshot, not on the snapshot itself).
"""

from __future__ import annotations

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:  # AnsibleAWSModule reports a missing botocore before any call
    BOTO_ERRORS = ()

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

NOT_FOUND = ("SnapshotNotFoundFault", "SnapshotNotFound")


def describe_snapshot(client, module, name):
    """The snapshot named ``name`` as DescribeSnapshots returns it, or ``None``."""
    try:
        found = client.describe_snapshots(aws_retry=True, SnapshotName=name)
    except is_boto3_error_code(NOT_FOUND):
        return None
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe ElastiCache snapshot {name}")
    snapshots = found.get("Snapshots") or []
    return snapshots[0] if snapshots else None


def list_snapshots(client, module, source=None):
    """Every snapshot of the region (optionally only ``manual`` or ``system`` ones)."""
    params = {"SnapshotSource": source} if source else {}
    snapshots = []
    try:
        for page in client.get_paginator("describe_snapshots").paginate(**params):
            snapshots.extend(page.get("Snapshots") or [])
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg="Failed to list ElastiCache snapshots")
    return snapshots


def snapshot_tags(client, module, snapshot):
    arn = snapshot.get("ARN")
    if not arn:
        return {}
    try:
        tags = client.list_tags_for_resource(aws_retry=True, ResourceName=arn).get("TagList", [])
    except is_boto3_error_code(NOT_FOUND):
        return {}
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to list the tags of {arn}")
    return boto3_tag_list_to_ansible_dict(tags)


def format_snapshot(snapshot, tags):
    """snake_case result with ``tags`` as a dict and ``create_time`` (ISO 8601, '' when unknown)."""
    if not snapshot:
        return {}
    out = camel_dict_to_snake_dict(snapshot)
    times = [n.get("SnapshotCreateTime") for n in snapshot.get("NodeSnapshots") or [] if n.get("SnapshotCreateTime")]
    created = min(times) if times else None
    out["create_time"] = created.isoformat() if hasattr(created, "isoformat") else str(created or "")
    out["tags"] = tags or {}
    return out


def tags_match(tags, wanted):
    """True when every key of ``wanted`` is in ``tags`` with the same value."""
    return all(tags.get(key) == str(value) for key, value in (wanted or {}).items())

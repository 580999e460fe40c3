#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_snapshot
version_added: 0.1.0
short_description: Tagged manual snapshot of an ElastiCache (Redis OSS or Valkey) replication group
description:
  - Creates a manual snapshot of a replication group with tags, waits until it is C(available), or
    deletes a snapshot. Idempotent by snapshot name; tags of an existing snapshot are brought to
    O(tags).
  - Fills the gaps of C(community.aws.elasticache_snapshot), which can neither tag a snapshot (so it
    cannot be found again by tags, or told apart from snapshots someone else made), nor wait for it,
    nor run in check mode.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  name:
    description:
      - Snapshot name (unique in the region).
    type: str
    required: true
  state:
    description:
      - V(present) creates the snapshot (an existing one is kept and only its tags are corrected);
        V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  replication_group_id:
    description:
      - Replication group to snapshot. Required to create.
    type: str
  kms_key_id:
    description:
      - KMS key (ARN or id) that encrypts the snapshot; omitted uses the group's at-rest key.
    type: str
  tags:
    description:
      - Tags of the snapshot.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags not listed in O(tags). Has no effect when O(tags) is omitted.
    type: bool
    default: true
  wait:
    description:
      - Wait until a new snapshot is C(available), or a deleted one is gone.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether the snapshot would be created, retagged or deleted, without doing it.
  diff_mode:
    support: full
    description: Shows the snapshot's existence and tags before and after.
notes:
  - A replication group must be C(available) to be snapshotted, and a snapshot costs S3 storage
    until it is deleted.
"""

EXAMPLES = r"""
- name: On-demand backup of the Redis replication group, tagged so it can be found and pruned
  langchain.langsmith_aws.elasticache_snapshot:
    name: prod-langsmith-redis-20260901-120000
    replication_group_id: prod-langsmith-redis
    tags:
      langsmith:env: prod
      langsmith:stage: backup
    wait: true

- name: Delete an old snapshot
  langchain.langsmith_aws.elasticache_snapshot:
    name: prod-langsmith-redis-20260801-120000
    state: absent
"""

RETURN = r"""
snapshot:
  description: The snapshot after the run (snake_cased DescribeSnapshots output); empty when absent or only planned.
  returned: always
  type: dict
  contains:
    snapshot_name:
      description: Name.
      type: str
      sample: prod-langsmith-redis-20260901-120000
    snapshot_status:
      description: creating, available, restoring, copying or deleting.
      type: str
      sample: available
    replication_group_id:
      description: The replication group it was taken from.
      type: str
      sample: prod-langsmith-redis
    arn:
      description: Snapshot ARN.
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:snapshot:prod-langsmith-redis-20260901-120000
    create_time:
      description: When the snapshot was taken (ISO 8601; '' while unknown).
      type: str
      sample: "2026-09-01T12:00:07+00:00"
    tags:
      description: Tags.
      type: dict
      sample: {langsmith:env: prod, langsmith:stage: backup}
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list, compare_aws_tags

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.elasticache_snapshot import (
    BOTO_ERRORS,
    NOT_FOUND,
    describe_snapshot,
    format_snapshot,
    snapshot_tags,
)

# Seconds between two polls while waiting (unit tests patch it).
POLL_DELAY = 15
FAILED_STATES = ("failed",)


def wait_for(module, client, name, gone, timeout):
    """Poll until the snapshot is available (``gone=False``) or no longer exists (``gone=True``)."""
    deadline = time.time() + timeout
    while True:
        snapshot = describe_snapshot(client, module, name)
        if gone and snapshot is None:
            return None
        if not gone:
            if snapshot is None:
                module.fail_json(msg=f"ElastiCache snapshot {name} disappeared while waiting for it")
            status = snapshot.get("SnapshotStatus")
            if status == "available":
                return snapshot
            if status in FAILED_STATES:
                module.fail_json(msg=f"ElastiCache snapshot {name} is {status}")
        if time.time() >= deadline:
            what = "deleted" if gone else "available"
            module.fail_json(msg=f"Timed out after {timeout}s waiting for ElastiCache snapshot {name} to be {what}")
        time.sleep(POLL_DELAY)


def create(module, client):
    p = module.params
    if not p["replication_group_id"]:
        module.fail_json(msg=f"ElastiCache snapshot {p['name']} does not exist; creating it needs replication_group_id")
    if module.check_mode:
        return None
    params = {"SnapshotName": p["name"], "ReplicationGroupId": p["replication_group_id"]}
    if p["kms_key_id"]:
        params["KmsKeyId"] = p["kms_key_id"]
    if p["tags"]:
        params["Tags"] = ansible_dict_to_boto3_tag_list(p["tags"])
    try:
        snapshot = client.create_snapshot(aws_retry=True, **params)["Snapshot"]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to snapshot replication group {p['replication_group_id']}")
    if p["wait"]:
        snapshot = wait_for(module, client, p["name"], False, p["wait_timeout"])
    return snapshot


def update_tags(module, client, snapshot, current):
    p = module.params
    if p["tags"] is None:
        return False
    to_add, to_remove = compare_aws_tags(current, p["tags"], purge_tags=p["purge_tags"])
    if not (to_add or to_remove):
        return False
    if module.check_mode:
        return True
    arn = snapshot["ARN"]
    try:
        if to_remove:
            client.remove_tags_from_resource(aws_retry=True, ResourceName=arn, TagKeys=to_remove)
        if to_add:
            client.add_tags_to_resource(aws_retry=True, ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(to_add))
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to update the tags of ElastiCache snapshot {p['name']}")
    return True


def delete(module, client, snapshot):
    p = module.params
    if module.check_mode:
        return
    if snapshot.get("SnapshotStatus") != "deleting":
        try:
            client.delete_snapshot(aws_retry=True, SnapshotName=p["name"])
        except is_boto3_error_code(NOT_FOUND):
            return
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to delete ElastiCache snapshot {p['name']}")
    if p["wait"]:
        wait_for(module, client, p["name"], True, p["wait_timeout"])


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "replication_group_id": {"type": "str"},
            "kms_key_id": {"type": "str", "no_log": False},
            "tags": {"type": "dict", "aliases": ["resource_tags"]},
            "purge_tags": {"type": "bool", "default": True},
            "wait": {"type": "bool", "default": True},
            "wait_timeout": {"type": "int", "default": 1800},
        },
        supports_check_mode=True,
    )
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    p = module.params
    existing = describe_snapshot(client, module, p["name"])
    before_tags = snapshot_tags(client, module, existing) if existing else {}
    before = {"exists": True, "tags": before_tags} if existing else {"exists": False}
    changed = False

    if p["state"] == "absent":
        if existing is not None:
            delete(module, client, existing)
            changed = True
        result, after = None, {"exists": False}
    elif existing is None:
        result = create(module, client)
        changed = True
        after = {"exists": True, "tags": p["tags"] or {}}
        tags = (p["tags"] or {}) if result is None else snapshot_tags(client, module, result)
        result = format_snapshot(result, tags) if result else {}
    else:
        changed = update_tags(module, client, existing, before_tags)
        tags = snapshot_tags(client, module, existing) if changed and not module.check_mode else before_tags
        if changed and module.check_mode:
            tags = p["tags"] if p["purge_tags"] else {**before_tags, **p["tags"]}
        result = format_snapshot(existing, tags)
        after = {"exists": True, "tags": tags}

    output = {"changed": changed, "snapshot": result or {}}
    if module._diff:
        output["diff"] = {"before": before, "after": after}
    module.exit_json(**output)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_snapshot_info
version_added: 0.1.0
short_description: List ElastiCache snapshots with their tags, filtered by name, group, source and tags
description:
  - Read-only. Returns the ElastiCache snapshots of the region with their tags, so that snapshots can
    be found by tags (for example all the backups of one environment), including those of a
    replication group that no longer exists.
  - No bundled module lists ElastiCache snapshots; C(community.aws.elasticache_info) starts from cache
    clusters.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  name:
    description:
      - Only the snapshot of this name (an empty list when it does not exist).
    type: str
  replication_group_id:
    description:
      - Only snapshots taken from this replication group (the group need not exist any more).
    type: str
  source:
    description:
      - Only V(manual) snapshots (taken on request) or V(system) ones (automatic); omitted lists both.
    type: str
    choices: [manual, system]
  tags:
    description:
      - Only snapshots carrying every one of these tags with the same value.
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Read-only; there is nothing to compare.
"""

EXAMPLES = r"""
- name: Every backup of one environment
  langchain.langsmith_aws.elasticache_snapshot_info:
    source: manual
    tags:
      langsmith:env: prod
      langsmith:stage: backup
  register: found

- name: Their names, oldest first
  ansible.builtin.debug:
    msg: "{{ found.snapshots | sort(attribute='create_time') | map(attribute='snapshot_name') | list }}"
"""

RETURN = r"""
snapshots:
  description: The snapshots found, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    snapshot_name:
      description: Name.
      type: str
      sample: prod-langsmith-redis-20260901-120000
    snapshot_status:
      description: creating, available, restoring, copying or deleting.
      type: str
      sample: available
    snapshot_source:
      description: manual or system.
      type: str
      sample: manual
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

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.elasticache_snapshot import (
    describe_snapshot,
    format_snapshot,
    list_snapshots,
    snapshot_tags,
    tags_match,
)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str"},
            "replication_group_id": {"type": "str"},
            "source": {"type": "str", "choices": ["manual", "system"]},
            "tags": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    p = module.params
    if p["name"]:
        found = describe_snapshot(client, module, p["name"])
        candidates = [found] if found else []
    else:
        candidates = list_snapshots(client, module, p["source"])
    snapshots = []
    for snapshot in candidates:
        if p["replication_group_id"] and snapshot.get("ReplicationGroupId") != p["replication_group_id"]:
            continue
        if p["source"] and snapshot.get("SnapshotSource") != p["source"]:
            continue
        tags = snapshot_tags(client, module, snapshot)
        if not tags_match(tags, p["tags"]):
            continue
        snapshots.append(format_snapshot(snapshot, tags))
    snapshots.sort(key=lambda s: (s["create_time"], s["snapshot_name"]))
    module.exit_json(changed=False, snapshots=snapshots)


if __name__ == "__main__":
    main()

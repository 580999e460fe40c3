#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_replication_group_info
version_added: 0.1.0
short_description: Describe ElastiCache replication groups (endpoints, encryption, AUTH, failover, tags)
description:
  - Read-only. Returns the replication group named O(replication_group_id) (an empty list when it
    does not exist), with its primary and reader endpoints, encryption and AUTH flags, tags and the
    settings kept on its first member cache cluster (engine version, security groups, subnet group).
  - C(community.aws.elasticache_info) starts from cache clusters and does not return the encryption
    and AUTH settings of a replication group.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  replication_group_id:
    description:
      - Identifier of the replication group.
    type: str
    required: true
    aliases: [id]
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
- name: Find the Redis replication group
  langchain.langsmith_aws.elasticache_replication_group_info:
    replication_group_id: prod-langsmith-redis
  register: found

- name: Its primary endpoint, or '' when it does not exist
  ansible.builtin.set_fact:
    redis_primary: "{{ (found.replication_groups | first).primary_endpoint.address | default('') }}"
"""

RETURN = r"""
replication_groups:
  description:
    - The group found (zero or one element), shaped like the result of
      M(langchain.langsmith_aws.elasticache_replication_group).
  returned: always
  type: list
  elements: dict
  contains:
    replication_group_id:
      description: Identifier.
      type: str
      sample: prod-langsmith-redis
    status:
      description: Status.
      type: str
      sample: available
    primary_endpoint:
      description: Address and port of the primary endpoint.
      type: dict
      sample: {address: master.prod-langsmith-redis.abc123.use1.cache.amazonaws.com, port: 6379}
    transit_encryption_enabled:
      description: TLS for client connections.
      type: bool
      sample: true
    at_rest_encryption_enabled:
      description: Encryption at rest.
      type: bool
      sample: true
    auth_token_enabled:
      description: An AUTH token is required.
      type: bool
      sample: true
    automatic_failover:
      description: enabled, disabled, enabling or disabling.
      type: str
      sample: enabled
    member_clusters:
      description: Member cache cluster ids.
      type: list
      elements: str
      sample: [prod-langsmith-redis-001, prod-langsmith-redis-002]
    engine_version:
      description: Engine version of the first member ('' when it cannot be read).
      type: str
      sample: 7.1.0
    security_group_ids:
      description: Security groups of the first member ([] when they cannot be read).
      type: list
      elements: str
      sample: [sg-0123456789abcdef0]
    tags:
      description: Tags.
      type: dict
      sample: {langsmith:env: prod}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.elasticache import (
    describe_first_member,
    describe_replication_group,
    format_replication_group,
    get_tags,
)


def main():
    module = AnsibleAWSModule(
        argument_spec={"replication_group_id": {"type": "str", "required": True, "aliases": ["id"]}},
        supports_check_mode=True,
    )
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    group = describe_replication_group(client, module, module.params["replication_group_id"])
    if group is None:
        module.exit_json(changed=False, replication_groups=[])
    member = describe_first_member(client, module, group)
    tags = get_tags(client, module, group["ARN"]) if group.get("ARN") else {}
    module.exit_json(changed=False, replication_groups=[format_replication_group(group, member, tags)])


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: langsmith_datastores_info
version_added: 0.2.0
short_description: Read the data stores of a LangSmith environment in one pass
description:
  - Read-only. Returns the data KMS key (by alias), the RDS PostgreSQL instance and its DB subnet
    group, the ElastiCache Redis replication group and its cache subnet group, and the S3 bucket with
    its encryption, lifecycle, ownership, policy, tags, versioning and public access block.
  - One call instead of one C(*_info) task per resource kind; the datastores role plans from this
    result, waits on it (O(parts=[postgres, redis])) and publishes C(datastores_outputs) from it.
  - Records have the shapes of M(amazon.aws.kms_key_info) (a subset), M(amazon.aws.rds_instance_info),
    M(langchain.langsmith_aws.elasticache_replication_group_info) and M(amazon.aws.s3_bucket_info) with
    C(bucket_facts).
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  kms_alias:
    description: Alias of the data key, with or without the C(alias/) prefix.
    type: str
    required: true
  postgres_id:
    description: DB instance identifier, also the DB subnet group name.
    type: str
    required: true
  redis_id:
    description: Replication group id, also the cache subnet group name.
    type: str
    required: true
  bucket:
    description: The blob storage bucket name.
    type: str
    required: true
  parts:
    description: What to read.
    type: list
    elements: str
    choices: [kms, postgres, redis, s3]
    default: [kms, postgres, redis, s3]
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
- name: Read the data stores of the prod environment
  langchain.langsmith_aws.langsmith_datastores_info:
    kms_alias: prod-langsmith-data
    postgres_id: prod-langsmith-postgres
    redis_id: prod-langsmith-redis
    bucket: prod-langsmith-123456789012-us-east-1
  register: datastores_state

- name: Wait until PostgreSQL and Redis are available
  langchain.langsmith_aws.langsmith_datastores_info:
    kms_alias: prod-langsmith-data
    postgres_id: prod-langsmith-postgres
    redis_id: prod-langsmith-redis
    bucket: prod-langsmith-123456789012-us-east-1
    parts: [postgres, redis]
  register: datastores_wait
  until: >-
    (datastores_wait.instances | map(attribute='db_instance_status') | list) in [[], ['available']]
    and (datastores_wait.replication_groups | map(attribute='status') | list) in [[], ['available']]
  retries: 180
  delay: 15
"""

RETURN = r"""
kms_keys:
  description: The key behind the alias (none or one).
  returned: when O(parts) has C(kms)
  type: list
  elements: dict
  sample:
    - key_id: 1234abcd-12ab-34cd-56ef-1234567890ab
      key_arn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
      key_state: Enabled
      enabled: true
      description: "LangSmith prod: RDS PostgreSQL, ElastiCache Redis and S3 blob storage"
      enable_key_rotation: true
      aliases: [prod-langsmith-data]
      tags: {langsmith:env: prod}
instances:
  description: The DB instance (none or one), as M(amazon.aws.rds_instance_info) returns it.
  returned: when O(parts) has C(postgres)
  type: list
  elements: dict
  sample: [{db_instance_identifier: prod-langsmith-postgres, db_instance_status: available, tags: {}}]
db_subnet_groups:
  description: The DB subnet group (none or one), with C(subnet_ids) (sorted) and C(tags).
  returned: when O(parts) has C(postgres)
  type: list
  elements: dict
  sample: [{db_subnet_group_name: prod-langsmith-postgres, subnet_ids: [subnet-0a, subnet-0b], tags: {}}]
replication_groups:
  description:
    - The replication group (none or one), as M(langchain.langsmith_aws.elasticache_replication_group_info)
      returns it.
  returned: when O(parts) has C(redis)
  type: list
  elements: dict
  sample: [{replication_group_id: prod-langsmith-redis, status: available, tags: {}}]
cache_subnet_groups:
  description: The cache subnet group (none or one), with C(subnet_ids) (sorted).
  returned: when O(parts) has C(redis)
  type: list
  elements: dict
  sample: [{cache_subnet_group_name: prod-langsmith-redis, subnet_ids: [subnet-0a, subnet-0b]}]
buckets:
  description: The bucket (none or one) with the settings M(amazon.aws.s3_bucket_info) returns as C(bucket_facts).
  returned: when O(parts) has C(s3)
  type: list
  elements: dict
  sample:
    - name: prod-langsmith-123456789012-us-east-1
      bucket_versioning: {Status: Enabled}
      bucket_tagging: {langsmith:env: prod}
      public_access_block: {BlockPublicAcls: true}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import datastores
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.common import BOTO_ERRORS, retry

SERVICES = {"kms": "kms", "postgres": "rds", "redis": "elasticache", "s3": "s3"}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            kms_alias=dict(type="str", required=True),
            postgres_id=dict(type="str", required=True),
            redis_id=dict(type="str", required=True),
            bucket=dict(type="str", required=True),
            parts=dict(type="list", elements="str", choices=list(datastores.PARTS), default=list(datastores.PARTS)),
        ),
        supports_check_mode=True,
    )
    params = module.params
    parts = params["parts"]
    clients = {SERVICES[p]: module.client(SERVICES[p], retry_decorator=retry()) for p in parts}
    try:
        state = datastores.read(
            clients,
            parts=parts,
            kms_alias=params["kms_alias"],
            postgres_id=params["postgres_id"],
            redis_id=params["redis_id"],
            bucket=params["bucket"],
        )
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg="Failed to read the data stores")
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()

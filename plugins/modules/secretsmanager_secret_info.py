#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_secret_info
version_added: 0.1.0
short_description: Describe AWS Secrets Manager secrets by name (ARN, KMS key, versions, tags), never their values
description:
  - Read-only. Returns the metadata of the named secrets (DescribeSecret); secrets that do not exist
    are left out of the result and listed in RV(missing).
  - Never calls GetSecretValue, so it needs only C(secretsmanager:DescribeSecret) and its output
    contains no secret material.
  - The bundled collections offer a lookup that returns secret B(values), but no way to find a
    secret's ARN, KMS key or version ids.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  names:
    description:
      - Names (or ARNs) of the secrets to describe.
    type: list
    elements: str
    required: true
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
- name: ARNs of our secrets, for an IAM policy
  langchain.langsmith_aws.secretsmanager_secret_info:
    names:
      - prod-langsmith/app/license
      - prod-langsmith/app/generated
  register: found

- name: Map name -> ARN
  ansible.builtin.set_fact:
    secret_arns: "{{ found.secrets | items2dict(key_name='name', value_name='arn') }}"
"""

RETURN = r"""
secrets:
  description: The secrets found, in the order asked for.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Secret name.
      type: str
      sample: prod-langsmith/app/license
    arn:
      description: Secret ARN (with the random suffix Secrets Manager adds).
      type: str
      sample: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod-langsmith/app/license-AbCdEf
    kms_key_id:
      description: KMS key that encrypts the secret ('' for the AWS managed key).
      type: str
      sample: arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555
    description:
      description: Description.
      type: str
      sample: "LangSmith prod: license key"
    current_version_id:
      description: Id of the version labelled AWSCURRENT.
      type: str
      sample: 6e6b1d1c-0000-4000-8000-000000000000
    version_ids_to_stages:
      description: Every version id with its staging labels.
      type: dict
      sample: {6e6b1d1c-0000-4000-8000-000000000000: [AWSCURRENT]}
    rotation_enabled:
      description: Whether rotation is configured.
      type: bool
      sample: false
    deleted_date:
      description: When the secret was scheduled for deletion ('' when it is not).
      type: str
      sample: ""
    last_changed_date:
      description: When the secret was last changed.
      type: str
      sample: "2026-01-01T00:00:00+00:00"
    tags:
      description: Tags.
      type: dict
      sample: {langsmith:env: prod}
missing:
  description: Names asked for that do not exist.
  returned: always
  type: list
  elements: str
  sample: [prod-langsmith/clickhouse]
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:  # AnsibleAWSModule reports a missing botocore
    BOTO_ERRORS = ()

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


def format_secret(described):
    """The metadata of a DescribeSecret answer (there is no value in it to leak)."""
    stages = described.get("VersionIdsToStages") or {}
    current = [version for version, labels in stages.items() if "AWSCURRENT" in labels]
    return {
        "name": described.get("Name", ""),
        "arn": described.get("ARN", ""),
        "kms_key_id": described.get("KmsKeyId") or "",
        "description": described.get("Description") or "",
        "current_version_id": current[0] if current else "",
        "version_ids_to_stages": {version: list(labels) for version, labels in stages.items()},
        "rotation_enabled": bool(described.get("RotationEnabled")),
        "deleted_date": str(described.get("DeletedDate") or ""),
        "last_changed_date": str(described.get("LastChangedDate") or ""),
        "tags": boto3_tag_list_to_ansible_dict(described.get("Tags") or []),
    }


def describe_secret(client, module, name):
    try:
        return client.describe_secret(aws_retry=True, SecretId=name)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe secret {name}")


def main():
    module = AnsibleAWSModule(
        argument_spec={"names": {"type": "list", "elements": "str", "required": True}},
        supports_check_mode=True,
    )
    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    secrets, missing = [], []
    for name in module.params["names"]:
        described = describe_secret(client, module, name)
        if described is None:
            missing.append(name)
        else:
            secrets.append(format_secret(described))
    module.exit_json(changed=False, secrets=secrets, missing=missing)


if __name__ == "__main__":
    main()

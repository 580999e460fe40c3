#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_irsa_role
version_added: 0.1.0
short_description: An IAM role for Kubernetes service accounts (IRSA), trusted by exactly those service accounts
description:
  - Creates or corrects one IAM role that the cluster's OIDC provider lets exactly the named service
    accounts assume (C(StringEquals) on C(<issuer>:sub) and C(<issuer>:aud); wildcards and malformed
    subjects are refused), with its managed and inline policies.
  - The trust policy is built here, by the collection's one IRSA builder (module_utils/irsa.py), from
    O(oidc_provider_arn), O(oidc_issuer), O(namespace) and O(service_accounts).
  - Inline policies not named in O(inline_policies) and managed policies not in O(managed_policies) are
    removed; tags are purged to O(tags).
  - The bundled amazon.aws.iam_role and amazon.aws.iam_policy need two tasks per role and accept any trust
    policy; this module keeps the IRSA rules in one place.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  name:
    description: Role name.
    type: str
    required: true
  oidc_provider_arn:
    description: ARN of the cluster's IAM OIDC provider.
    type: str
    required: true
  oidc_issuer:
    description: The cluster's OIDC issuer URL (with or without C(https://)).
    type: str
    required: true
  namespace:
    description: Kubernetes namespace of the service accounts.
    type: str
    required: true
  service_accounts:
    description: Names of the service accounts that may assume the role.
    type: list
    elements: str
    required: true
  audience:
    description: The token audience (C(aud) condition).
    type: str
    default: sts.amazonaws.com
  description:
    description: Role description.
    type: str
    default: ""
  managed_policies:
    description: ARNs of the managed policies to attach (others are detached).
    type: list
    elements: str
    default: []
  inline_policies:
    description: Inline policies, name -> policy document (others are deleted).
    type: dict
    default: {}
  max_session_duration:
    description: Maximum session duration in seconds.
    type: int
    default: 3600
  permissions_boundary:
    description: ARN of a managed policy to set as the role's permissions boundary (empty for none).
    type: str
    default: ""
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change without changing anything.
  diff_mode:
    support: full
    description: The role before and after.
notes:
  - O(purge_tags) is always true for these roles; O(tags) are the role's complete tag set.
"""

EXAMPLES = r"""
- name: Role of the External Secrets Operator
  langchain.langsmith_aws.iam_irsa_role:
    name: prod-langsmith-eso
    oidc_provider_arn: arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC
    oidc_issuer: https://oidc.eks.us-east-1.amazonaws.com/id/ABC
    namespace: external-secrets
    service_accounts: [external-secrets]
    inline_policies:
      read-langsmith-secrets:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: secretsmanager:GetSecretValue
            Resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod-langsmith/app/license-AbCdEf
    tags:
      langsmith:env: prod
"""

RETURN = r"""
role:
  description: The role after the change (before it in check mode when it exists).
  returned: always
  type: dict
  contains:
    name:
      description: Role name.
      type: str
      sample: prod-langsmith-eso
    arn:
      description: Role ARN (empty in check mode before it exists).
      type: str
      sample: arn:aws:iam::123456789012:role/prod-langsmith-eso
    trust_policy:
      description: The trust policy.
      type: dict
      sample: {Version: "2012-10-17", Statement: []}
    managed_policies:
      description: Attached managed policy ARNs.
      type: list
      sample: []
    inline_policies:
      description: Inline policies, name -> document.
      type: dict
      sample: {}
    tags:
      description: Role tags.
      type: dict
      sample: {langsmith:env: prod}
changes:
  description: What differed (empty when the role was already right).
  returned: always
  type: list
  elements: str
  sample: [missing]
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    compare_aws_tags,
)

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import irsa
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.common import BOTO_ERRORS, retry


def wanted(params):
    return {
        "trust_policy": irsa.trust_policy(
            params["oidc_provider_arn"],
            params["oidc_issuer"],
            irsa.subjects(params["namespace"], params["service_accounts"]),
            params["audience"],
        ),
        "managed_policies": sorted(params["managed_policies"]),
        "inline_policies": params["inline_policies"],
        "description": params["description"],
        "max_session_duration": params["max_session_duration"],
        "permissions_boundary": params["permissions_boundary"],
        "tags": params["tags"] or {},
    }


def create(client, name, want):
    params = dict(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(want["trust_policy"]),
        Description=want["description"],
        MaxSessionDuration=want["max_session_duration"],
        Tags=ansible_dict_to_boto3_tag_list(want["tags"]),
    )
    if want["permissions_boundary"]:
        params["PermissionsBoundary"] = want["permissions_boundary"]
    client.create_role(aws_retry=True, **params)
    return {
        "trust_policy": {},
        "managed_policies": [],
        "inline_policies": {},
        "description": want["description"],
        "max_session_duration": want["max_session_duration"],
        "permissions_boundary": want["permissions_boundary"],
        "tags": want["tags"],
    }


def update(client, name, role, want):
    if compare_policies(role["trust_policy"], want["trust_policy"]):
        client.update_assume_role_policy(aws_retry=True, RoleName=name, PolicyDocument=json.dumps(want["trust_policy"]))
    if role["description"] != want["description"] or role["max_session_duration"] != want["max_session_duration"]:
        client.update_role(
            aws_retry=True,
            RoleName=name,
            Description=want["description"],
            MaxSessionDuration=want["max_session_duration"],
        )
    if role["permissions_boundary"] != want["permissions_boundary"]:
        if want["permissions_boundary"]:
            client.put_role_permissions_boundary(
                aws_retry=True, RoleName=name, PermissionsBoundary=want["permissions_boundary"]
            )
        else:
            client.delete_role_permissions_boundary(aws_retry=True, RoleName=name)
    for arn in sorted(set(role["managed_policies"]) - set(want["managed_policies"])):
        client.detach_role_policy(aws_retry=True, RoleName=name, PolicyArn=arn)
    for arn in sorted(set(want["managed_policies"]) - set(role["managed_policies"])):
        client.attach_role_policy(aws_retry=True, RoleName=name, PolicyArn=arn)
    for policy_name in sorted(set(role["inline_policies"]) - set(want["inline_policies"])):
        client.delete_role_policy(aws_retry=True, RoleName=name, PolicyName=policy_name)
    for policy_name, document in sorted(want["inline_policies"].items()):
        current = role["inline_policies"].get(policy_name)
        if current is None or compare_policies(current, document):
            client.put_role_policy(
                aws_retry=True, RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
            )
    to_set, to_unset = compare_aws_tags(role["tags"], want["tags"], purge_tags=True)
    if to_unset:
        client.untag_role(aws_retry=True, RoleName=name, TagKeys=to_unset)
    if to_set:
        client.tag_role(aws_retry=True, RoleName=name, Tags=ansible_dict_to_boto3_tag_list(to_set))


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            oidc_provider_arn=dict(type="str", required=True),
            oidc_issuer=dict(type="str", required=True),
            namespace=dict(type="str", required=True),
            service_accounts=dict(type="list", elements="str", required=True),
            audience=dict(type="str", default=irsa.STS_AUDIENCE),
            description=dict(type="str", default=""),
            managed_policies=dict(type="list", elements="str", default=[]),
            inline_policies=dict(type="dict", default={}),
            max_session_duration=dict(type="int", default=3600),
            permissions_boundary=dict(type="str", default=""),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    name = module.params["name"]
    try:
        want = wanted(module.params)
    except irsa.IrsaError as e:
        module.fail_json(msg=f"IRSA role {name}: {e}")
    client = module.client("iam", retry_decorator=retry())
    # IAM is eventually consistent: right after CreateRole the role may not be found yet.
    writer = module.client("iam", retry_decorator=retry(catch_extra_error_codes=["NoSuchEntity"]))
    try:
        before = irsa.read_role(client, name)
        changes = irsa.role_changes(before, want)
        if changes and not module.check_mode:
            current = before or create(client, name, want)
            update(writer, name, current, want)
        after = irsa.read_role(client, name) if changes and not module.check_mode else before
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to create or correct IAM role {name}")
    result = {"changed": bool(changes), "changes": changes, "role": after or {"name": name, "arn": "", **want}}
    if module._diff:
        result["diff"] = {"before": before or {}, "after": {**(before or {}), **want}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: wafv2_web_acl_association_info
version_added: 0.1.0
short_description: Which WAFv2 web ACL protects each given resource (read-only)
description:
  - For each ARN in O(resource_arns) (Application Load Balancers, API Gateway stages, AppSync APIs,
    Cognito user pools, App Runner services, Verified Access instances), returns the regional WAFv2 web
    ACL associated with it, if any (C(wafv2:GetWebACLForResource)).
  - M(community.aws.wafv2_resources_info) answers the opposite question (the resources of one web ACL);
    this module answers "is this load balancer protected, and by which web ACL", e.g. after the AWS Load
    Balancer Controller created an ALB from an ingress annotated with C(alb.ingress.kubernetes.io/wafv2-acl-arn).
  - Never changes anything.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  resource_arns:
    description: ARNs of the resources to look at.
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
    description: Changes nothing, so there is no diff.
"""

EXAMPLES = r"""
- name: Which web ACL protects the ALB
  langchain.langsmith_aws.wafv2_web_acl_association_info:
    resource_arns:
      - arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-prod/0123456789abcdef
  register: waf

- name: Require our web ACL on it
  ansible.builtin.assert:
    that: waf.associations[0].web_acl_arn == web_acl_arn
"""

RETURN = r"""
associations:
  description: One entry per given resource, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    resource_arn:
      description: The resource ARN as given.
      type: str
      sample: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-prod/0123456789abcdef
    web_acl_arn:
      description: ARN of the associated web ACL; empty when none is associated.
      type: str
      sample: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/prod-langsmith-waf/0f4d5d4e-1b8a
    web_acl_name:
      description: Name of the associated web ACL; empty when none is associated.
      type: str
      sample: prod-langsmith-waf
    web_acl_id:
      description: Id of the associated web ACL; empty when none is associated.
      type: str
      sample: 0f4d5d4e-1b8a-4a5e-9c1e-0123456789ab
    resource_exists:
      description: False when WAF reports that the resource does not exist.
      type: bool
      sample: true
  sample:
    - resource_arn: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-prod/0123456789abcdef
      web_acl_arn: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/prod-langsmith-waf/0f4d5d4e-1b8a
      web_acl_name: prod-langsmith-waf
      web_acl_id: 0f4d5d4e-1b8a-4a5e-9c1e-0123456789ab
      resource_exists: true
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    BotoCoreError = ClientError = None

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def association(client, module, resource_arn):
    entry = {
        "resource_arn": resource_arn,
        "web_acl_arn": "",
        "web_acl_name": "",
        "web_acl_id": "",
        "resource_exists": True,
    }
    try:
        web_acl = client.get_web_acl_for_resource(aws_retry=True, ResourceArn=resource_arn).get("WebACL") or {}
    except is_boto3_error_code("WAFNonexistentItemException"):
        return {**entry, "resource_exists": False}
    except (BotoCoreError, ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to get the web ACL of {resource_arn}")
    return {
        **entry,
        "web_acl_arn": web_acl.get("ARN", ""),
        "web_acl_name": web_acl.get("Name", ""),
        "web_acl_id": web_acl.get("Id", ""),
    }


def main():
    module = AnsibleAWSModule(
        argument_spec={"resource_arns": {"type": "list", "elements": "str", "required": True}},
        supports_check_mode=True,
    )
    client = module.client("wafv2", retry_decorator=AWSRetry.jittered_backoff())
    module.exit_json(
        changed=False,
        associations=[association(client, module, arn) for arn in module.params["resource_arns"]],
    )


if __name__ == "__main__":
    main()

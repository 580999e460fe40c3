#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_oidc_provider_info
version_added: 0.1.0
short_description: Find IAM OpenID Connect identity providers (e.g. an EKS cluster's IRSA provider)
description:
  - Read-only. Lists the IAM OIDC identity providers of the account, or only the one whose
    issuer URL is O(url) (with or without the C(https://) scheme, trailing slash ignored).
  - The bundled collections have no module for IAM OIDC providers.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  url:
    description:
      - Issuer URL to look for, e.g. the C(identity.oidc.issuer) of an EKS cluster.
      - Omitted lists every OIDC provider of the account.
    type: str
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
- name: Find the IRSA provider of the cluster
  langchain.langsmith_aws.iam_oidc_provider_info:
    url: "{{ cluster.identity.oidc.issuer }}"
  register: found

- name: Its ARN, or '' when it is not registered
  ansible.builtin.set_fact:
    oidc_provider_arn: "{{ (found.oidc_providers | first).arn | default('') }}"
"""

RETURN = r"""
oidc_providers:
  description: The providers found; empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: Provider ARN.
      type: str
      sample: arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF
    url:
      description: Issuer URL without scheme, as IAM stores it.
      type: str
      sample: oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF
    client_id_list:
      description: Audiences (client ids).
      type: list
      elements: str
      sample: [sts.amazonaws.com]
    thumbprint_list:
      description: Server certificate thumbprints.
      type: list
      elements: str
      sample: [9e99a48a9960b14926bb7f3b02e22da2b0ab7280]
    tags:
      description: Provider tags.
      type: dict
      sample: {langsmith:env: prod}
    create_date:
      description: Creation time.
      type: str
      sample: "2026-01-01T00:00:00+00:00"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.iam_oidc import (
    describe_provider,
    find_provider_arn,
    list_provider_arns,
)


def main():
    module = AnsibleAWSModule(argument_spec=dict(url=dict(type="str")), supports_check_mode=True)
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())

    if module.params["url"]:
        arn = find_provider_arn(client, module, module.params["url"])
        arns = [arn] if arn else []
    else:
        arns = list_provider_arns(client, module)
    providers = [p for p in (describe_provider(client, module, arn) for arn in arns) if p is not None]
    module.exit_json(changed=False, oidc_providers=providers)


if __name__ == "__main__":
    main()

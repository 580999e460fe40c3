#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_oidc_provider
version_added: 0.1.0
short_description: Manage an IAM OpenID Connect identity provider (e.g. an EKS cluster's IRSA provider)
description:
  - Creates the IAM OIDC identity provider for an issuer URL, or brings an existing one (found again
    by its URL, whoever created it) to the requested audiences, thumbprints and tags; or deletes it.
  - The bundled collections have no module for IAM OIDC providers.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  url:
    description: Issuer URL (for EKS, the cluster's C(identity.oidc.issuer)); the scheme is optional.
    type: str
    required: true
  state:
    description: V(present) creates or corrects the provider; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  client_ids:
    description: Audiences (client ids) the provider accepts; V(sts.amazonaws.com) for IRSA.
    type: list
    elements: str
    default: [sts.amazonaws.com]
  thumbprints:
    description:
      - SHA-1 thumbprints of the issuer's certificate chain. Empty lets IAM obtain and trust the
        issuer's certificate itself (what AWS does for EKS issuers) and leaves existing thumbprints alone.
    type: list
    elements: str
    default: []
  tags:
    description: Provider tags.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports the change it would make without making it.
  diff_mode:
    support: full
    description: Shows audiences, thumbprints and tags before and after.
"""

EXAMPLES = r"""
- name: IRSA provider of the cluster
  langchain.langsmith_aws.iam_oidc_provider:
    url: "{{ cluster.identity.oidc.issuer }}"
    client_ids: [sts.amazonaws.com]
    tags:
      langsmith:env: prod
  register: oidc

- name: Remove it
  langchain.langsmith_aws.iam_oidc_provider:
    url: "{{ cluster.identity.oidc.issuer }}"
    state: absent
"""

RETURN = r"""
arn:
  description: Provider ARN ('' when absent or only planned in check mode).
  returned: always
  type: str
  sample: arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF
oidc_provider:
  description: The provider after the run (see M(langchain.langsmith_aws.iam_oidc_provider_info)); empty when absent.
  returned: always
  type: dict
  sample:
    arn: arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF
    url: oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF
    client_id_list: [sts.amazonaws.com]
    thumbprint_list: []
    tags: {}
updates:
  description: What changed (or would change in check mode).
  returned: always
  type: list
  elements: str
  sample: ["client ids: +sts.amazonaws.com"]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list, compare_aws_tags

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.iam_oidc import (
    BOTO_ERRORS,
    describe_provider,
    find_provider_arn,
    normalize_url,
)


def diff_view(provider):
    if not provider:
        return {}
    return {k: provider[k] for k in ("url", "client_id_list", "thumbprint_list", "tags")}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            client_ids=dict(type="list", elements="str", default=["sts.amazonaws.com"]),
            thumbprints=dict(type="list", elements="str", default=[]),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    p = module.params
    url = normalize_url(p["url"])
    if not url:
        module.fail_json(msg="url is empty: give the issuer URL, e.g. https://oidc.eks.<region>.amazonaws.com/id/<id>")
    updates = []

    def call(description, method, **kwargs):
        updates.append(description)
        if module.check_mode:
            return None
        try:
            return getattr(client, method)(aws_retry=True, **kwargs)
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to {description} (IAM OIDC provider {url})")

    arn = find_provider_arn(client, module, url)
    before = describe_provider(client, module, arn) if arn else None

    if p["state"] == "absent":
        if arn:
            call("delete", "delete_open_id_connect_provider", OpenIDConnectProviderArn=arn)
        module.exit_json(
            changed=bool(updates),
            updates=updates,
            arn="",
            oidc_provider={},
            **({"diff": {"before": diff_view(before), "after": {}}} if module._diff else {}),
        )

    wanted_ids = sorted(set(p["client_ids"]))
    wanted_thumbprints = sorted({t.lower() for t in p["thumbprints"]})
    if arn is None:
        params = {"Url": f"https://{url}", "ClientIDList": wanted_ids}
        if wanted_thumbprints:
            params["ThumbprintList"] = wanted_thumbprints
        if p["tags"]:
            params["Tags"] = ansible_dict_to_boto3_tag_list(p["tags"])
        response = call("create", "create_open_id_connect_provider", **params)
        arn = response["OpenIDConnectProviderArn"] if response else ""
    else:
        for client_id in sorted(set(wanted_ids) - set(before["client_id_list"])):
            call(
                f"client ids: +{client_id}",
                "add_client_id_to_open_id_connect_provider",
                OpenIDConnectProviderArn=arn,
                ClientID=client_id,
            )
        for client_id in sorted(set(before["client_id_list"]) - set(wanted_ids)):
            call(
                f"client ids: -{client_id}",
                "remove_client_id_from_open_id_connect_provider",
                OpenIDConnectProviderArn=arn,
                ClientID=client_id,
            )
        if wanted_thumbprints and wanted_thumbprints != sorted(t.lower() for t in before["thumbprint_list"]):
            call(
                "thumbprints",
                "update_open_id_connect_provider_thumbprint",
                OpenIDConnectProviderArn=arn,
                ThumbprintList=wanted_thumbprints,
            )
        if p["tags"] is not None:
            to_add, to_remove = compare_aws_tags(before["tags"], p["tags"], purge_tags=p["purge_tags"])
            if to_remove:
                call("tags: remove", "untag_open_id_connect_provider", OpenIDConnectProviderArn=arn, TagKeys=to_remove)
            if to_add:
                call(
                    "tags: set",
                    "tag_open_id_connect_provider",
                    OpenIDConnectProviderArn=arn,
                    Tags=ansible_dict_to_boto3_tag_list(to_add),
                )

    after = describe_provider(client, module, arn) if arn and not module.check_mode else None
    planned = after or {
        "arn": arn or "",
        "url": url,
        "client_id_list": wanted_ids,
        "thumbprint_list": wanted_thumbprints or (before or {}).get("thumbprint_list", []),
        "tags": p["tags"] if p["tags"] is not None else (before or {}).get("tags", {}),
    }
    result = dict(changed=bool(updates), updates=updates, arn=arn or "", oidc_provider=after or {})
    if module._diff:
        result["diff"] = {"before": diff_view(before), "after": diff_view(planned)}
    module.exit_json(**result)


if __name__ == "__main__":
    main()

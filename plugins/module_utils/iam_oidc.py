# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM OpenID Connect provider lookups shared by iam_oidc_provider and iam_oidc_provider_info.

IAM stores a provider's URL without scheme; an EKS issuer has one. Providers are found by URL
(the ARN ends with it), so a provider created by any tool is found again.
"""

from __future__ import annotations

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:  # AnsibleAWSModule reports a missing botocore before any call
    BOTO_ERRORS = ()

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


def normalize_url(url):
    """``https://host/path/`` -> ``host/path`` (how IAM stores it)."""
    url = (url or "").strip()
    for scheme in ("https://", "http://"):
        if url.lower().startswith(scheme):
            url = url[len(scheme) :]
    return url.rstrip("/")


def list_provider_arns(client, module):
    try:
        found = client.list_open_id_connect_providers(aws_retry=True)["OpenIDConnectProviderList"]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg="Failed to list IAM OIDC providers")
    return sorted(p["Arn"] for p in found)


def find_provider_arn(client, module, url):
    """ARN of the provider for issuer ``url``, or ``None``."""
    wanted = normalize_url(url)
    for arn in list_provider_arns(client, module):
        if arn.split(":oidc-provider/", 1)[-1] == wanted:
            return arn
    return None


def describe_provider(client, module, arn):
    """Snake-case description of provider ``arn`` (tags as a dict), or ``None`` when gone."""
    try:
        raw = client.get_open_id_connect_provider(aws_retry=True, OpenIDConnectProviderArn=arn)
    except is_boto3_error_code("NoSuchEntity"):
        return None
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to get IAM OIDC provider {arn}")
    create_date = raw.get("CreateDate")
    return {
        "arn": arn,
        "url": normalize_url(raw.get("Url", "")),
        "client_id_list": sorted(raw.get("ClientIDList", [])),
        "thumbprint_list": sorted(raw.get("ThumbprintList", [])),
        "tags": boto3_tag_list_to_ansible_dict(raw.get("Tags", [])),
        "create_date": create_date.isoformat() if hasattr(create_date, "isoformat") else create_date,
    }

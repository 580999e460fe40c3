# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every AWS-facing module of this collection shares: boto errors, retries, paginated reads, tags.

One home for these rules; modules, module_utils and filters import them from here.
"""

from __future__ import annotations

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:  # AnsibleAWSModule reports a missing botocore before any call
    BOTO_ERRORS = ()

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

# Every throttling error code the services we call answer with. amazon.aws AWSRetry knows
# Throttling and RequestLimitExceeded; the JSON-protocol services (KMS, Secrets Manager, WAFv2,
# ACM, CloudWatch Logs, EKS) say ThrottlingException, S3 says SlowDown.
THROTTLING_CODES = (
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
)


def retry(**kwargs):
    """Retry decorator for ``module.client(..., retry_decorator=retry())``: jittered, bounded, all throttling codes."""
    extra = list(THROTTLING_CODES) + list(kwargs.pop("catch_extra_error_codes", []) or [])
    kwargs.setdefault("retries", 10)
    return AWSRetry.jittered_backoff(catch_extra_error_codes=extra, **kwargs)


def paginate(client, operation, **params):
    """Every page of ``operation`` merged into one response (botocore paginator), retried on throttling."""

    @retry()
    def _all():
        return client.get_paginator(operation).paginate(**params).build_full_result()

    return _all()


def tag_dict(tags):
    """``[{'Key': k, 'Value': v}]`` (or ``None``) -> ``{k: v}``."""
    return boto3_tag_list_to_ansible_dict(tags or [])

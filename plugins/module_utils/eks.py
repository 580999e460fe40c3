# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the EKS modules of this collection (cluster, node groups, add-ons).

Lookups return ``None`` when the resource does not exist (not-found is a value, not an error);
waits poll the describe call and fail with the status and the reasons AWS gives.
"""

from __future__ import annotations

import time

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:  # AnsibleAWSModule reports a missing botocore before any call
    BOTO_ERRORS = ()

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# Seconds between two polls of a describe call while waiting (unit tests patch time.sleep).
POLL_DELAY = 15

UPDATE_FAILED_STATES = ("Failed", "Cancelled")


def describe_cluster(client, module, name):
    """The DescribeCluster ``cluster`` dict, or ``None`` when it does not exist."""
    try:
        return client.describe_cluster(aws_retry=True, name=name)["cluster"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe EKS cluster {name}")


def describe_nodegroup(client, module, cluster_name, name):
    """The DescribeNodegroup ``nodegroup`` dict, or ``None`` when it does not exist."""
    try:
        return client.describe_nodegroup(aws_retry=True, clusterName=cluster_name, nodegroupName=name)["nodegroup"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe node group {name} of EKS cluster {cluster_name}")


def list_nodegroups(client, module, cluster_name):
    """Names of the node groups of ``cluster_name`` (sorted)."""
    names = []
    try:
        for page in client.get_paginator("list_nodegroups").paginate(clusterName=cluster_name):
            names.extend(page.get("nodegroups", []))
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to list node groups of EKS cluster {cluster_name}")
    return sorted(names)


def health_issues(resource):
    """``["code: message", ...]`` from a node group's or add-on's ``health.issues``."""
    issues = (resource.get("health") or {}).get("issues") or []
    return [f"{issue.get('code', '?')}: {issue.get('message', '')}".rstrip(": ") for issue in issues]


def wait_for(module, describe, *, ready, failed, what, timeout):
    """Poll ``describe()`` until ``ready(resource)``; fail on ``failed(resource)`` or on timeout.

    ``describe`` returns the resource dict, or ``None`` when it does not exist (a failure here).
    """
    deadline = time.time() + timeout
    while True:
        resource = describe()
        if resource is None:
            module.fail_json(msg=f"{what} does not exist (any more) while waiting for it")
        if ready(resource):
            return resource
        if failed(resource):
            issues = health_issues(resource)
            detail = (": " + "; ".join(issues)) if issues else ""
            status = resource.get("status")
            module.fail_json(msg=f"{what} is {status}{detail}", status=status, issues=issues)
        if time.time() >= deadline:
            status = resource.get("status")
            module.fail_json(msg=f"Timed out after {timeout}s waiting for {what} (last status {status})")
        time.sleep(POLL_DELAY)


def wait_for_cluster_active(client, module, name, timeout):
    return wait_for(
        module,
        lambda: describe_cluster(client, module, name),
        ready=lambda c: c.get("status") == "ACTIVE",
        failed=lambda c: c.get("status") in ("FAILED", "DELETING"),
        what=f"EKS cluster {name}",
        timeout=timeout,
    )


def wait_for_absent(module, describe, *, what, timeout):
    """Poll ``describe()`` until it returns ``None``."""
    deadline = time.time() + timeout
    while describe() is not None:
        if time.time() >= deadline:
            module.fail_json(msg=f"Timed out after {timeout}s waiting for {what} to be deleted")
        time.sleep(POLL_DELAY)


def wait_for_update(client, module, cluster_name, update, timeout, **scope):
    """Wait for an EKS update (UpdateClusterConfig, UpdateNodegroupConfig, UpdateAddon, ...).

    ``update`` is the ``update`` dict an update call returned; ``scope`` is ``nodegroupName=...``
    or ``addonName=...`` for updates of those resources. Returns the final update dict.
    An update without an id (nothing to track) returns at once.
    """
    update_id = (update or {}).get("id")
    if not update_id or update.get("status") == "Successful":
        return update
    deadline = time.time() + timeout
    while True:
        try:
            current = client.describe_update(aws_retry=True, name=cluster_name, updateId=update_id, **scope)["update"]
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to describe update {update_id} of EKS cluster {cluster_name}")
        if current.get("status") == "Successful":
            return current
        if current.get("status") in UPDATE_FAILED_STATES:
            errors = [f"{e.get('errorCode')}: {e.get('errorMessage')}" for e in current.get("errors") or []]
            module.fail_json(
                msg=(
                    f"EKS update {update_id} ({current.get('type')}) of {cluster_name} ended "
                    f"{current.get('status')}: {'; '.join(errors) or 'no details'}"
                ),
                update=current,
            )
        if time.time() >= deadline:
            module.fail_json(msg=f"Timed out after {timeout}s waiting for EKS update {update_id} of {cluster_name}")
        time.sleep(POLL_DELAY)


def ensure_tags(client, module, arn, *, current, desired, purge):
    """Bring the tags of ``arn`` to ``desired`` (``None``: leave them). True when they change."""
    if desired is None:
        return False
    to_add, to_remove = compare_aws_tags(current or {}, desired, purge_tags=purge)
    if not (to_add or to_remove):
        return False
    if module.check_mode:
        return True
    try:
        if to_remove:
            client.untag_resource(aws_retry=True, resourceArn=arn, tagKeys=to_remove)
        if to_add:
            client.tag_resource(aws_retry=True, resourceArn=arn, tags=to_add)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to update the tags of {arn}")
    return True


def partition_of(arn):
    """``aws`` for ``arn:aws:...`` (``aws-cn``, ``aws-us-gov`` likewise); ``aws`` when unknown."""
    parts = (arn or "").split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"

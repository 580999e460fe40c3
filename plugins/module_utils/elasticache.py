# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ElastiCache replication group lookups shared by elasticache_replication_group and its _info module.

A cluster-mode-disabled replication group keeps some settings on the group (encryption, AUTH,
failover, node type) and others on its member cache clusters (engine version, security groups,
subnet group, parameter group). The member is read when it can be described; a backend that does
not model member clusters simply yields ``None`` for it.
"""

from __future__ import annotations

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:  # AnsibleAWSModule reports a missing botocore before any call
    BOTO_ERRORS = ()

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


def describe_replication_group(client, module, group_id):
    """The group as DescribeReplicationGroups returns it, or ``None`` when it does not exist."""
    try:
        found = client.describe_replication_groups(aws_retry=True, ReplicationGroupId=group_id)
    except is_boto3_error_code("ReplicationGroupNotFoundFault"):
        return None
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe replication group {group_id}")
    groups = found.get("ReplicationGroups") or []
    return groups[0] if groups else None


def describe_first_member(client, module, group):
    """The first member cache cluster of ``group``, or ``None`` when it cannot be described."""
    members = (group or {}).get("MemberClusters") or []
    if not members:
        return None
    try:
        found = client.describe_cache_clusters(aws_retry=True, CacheClusterId=members[0])
    except is_boto3_error_code("CacheClusterNotFound"):
        return None
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe cache cluster {members[0]}")
    clusters = found.get("CacheClusters") or []
    return clusters[0] if clusters else None


def get_tags(client, module, arn):
    try:
        tags = client.list_tags_for_resource(aws_retry=True, ResourceName=arn).get("TagList", [])
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to list the tags of {arn}")
    return boto3_tag_list_to_ansible_dict(tags)


def format_replication_group(group, member, tags):
    """snake_case result with the primary/reader endpoints and the member's settings flattened in."""
    if not group:
        return {}
    out = camel_dict_to_snake_dict(group)
    node_group = (group.get("NodeGroups") or [{}])[0]
    member = member or {}
    out["primary_endpoint"] = camel_dict_to_snake_dict(node_group.get("PrimaryEndpoint") or {})
    out["reader_endpoint"] = camel_dict_to_snake_dict(node_group.get("ReaderEndpoint") or {})
    out["engine_version"] = member.get("EngineVersion", "")
    out["cache_subnet_group_name"] = member.get("CacheSubnetGroupName", "")
    out["security_group_ids"] = sorted(sg["SecurityGroupId"] for sg in member.get("SecurityGroups", []))
    out["tags"] = tags or {}
    return out

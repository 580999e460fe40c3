#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_replication_group
version_added: 0.1.0
short_description: Manage an ElastiCache (Redis OSS or Valkey) replication group with TLS and AUTH
description:
  - Creates, updates and deletes a cluster-mode-disabled ElastiCache replication group (one primary
    plus read replicas) with in-transit encryption (TLS), an AUTH token, encryption at rest with a
    KMS key, automatic failover, Multi-AZ, snapshot retention and tags.
  - The bundled C(community.aws.elasticache) module manages single cache clusters and can set
    neither TLS nor AUTH; this module fills that gap.
  - Properties ElastiCache cannot change in place (encryption in transit and at rest, the KMS key,
    the subnet group, the port, the engine) are compared and reported as an error instead of being
    silently ignored.
  - The security groups, subnet group and engine version live on the member cache clusters; they are
    read from the first member and compared only when that member can be described.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  replication_group_id:
    description:
      - The replication group identifier (1-40 lowercase letters, digits and hyphens, starting with a letter).
    type: str
    required: true
    aliases: [id]
  state:
    description:
      - V(present) creates or updates the group, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - Description of the replication group. Required to create it.
    type: str
  engine:
    description:
      - Cache engine.
    type: str
    choices: [redis, valkey]
    default: redis
  engine_version:
    description:
      - Engine version, e.g. V(7.1). A version that is a prefix of the running one (V(7.1) for V(7.1.0))
        counts as equal; a different version is applied with ModifyReplicationGroup (upgrade).
    type: str
  cache_node_type:
    description:
      - Node type, e.g. V(cache.r6g.large). Required to create the group.
    type: str
  num_cache_clusters:
    description:
      - Number of nodes (primary plus replicas, 1-6). Changes after creation add or remove replicas.
      - Omitted on an existing group, the node count is left as it is.
    type: int
  automatic_failover:
    description:
      - Promote a replica when the primary fails. Needs O(num_cache_clusters) >= 2.
    type: bool
    default: false
  multi_az:
    description:
      - Place replicas in other AZs than the primary and fail over across AZs. Needs O(automatic_failover).
    type: bool
    default: false
  port:
    description:
      - Port the nodes accept connections on.
    type: int
    default: 6379
  cache_subnet_group_name:
    description:
      - Cache subnet group (private subnets). Required to create the group.
    type: str
  security_group_ids:
    description:
      - VPC security groups of the nodes.
    type: list
    elements: str
  cache_parameter_group_name:
    description:
      - Cache parameter group; omitted uses the engine default.
    type: str
  transit_encryption:
    description:
      - TLS for client connections (C(rediss://)). Required for O(auth_token).
    type: bool
    default: true
  at_rest_encryption:
    description:
      - Encrypt data on disk and in snapshots.
    type: bool
    default: true
  kms_key_id:
    description:
      - KMS key (ARN or id) for encryption at rest; omitted uses the AWS-owned key.
    type: str
  auth_token:
    description:
      - AUTH token (16-128 printable characters, none of C(@), C("), C(/) or spaces).
      - Used when the group is created. ElastiCache never returns it, so it is not compared afterwards;
        set O(rotate_auth_token) to replace it.
    type: str
  rotate_auth_token:
    description:
      - Set O(auth_token) as the new token on an existing group (strategy ROTATE, the old token keeps
        working until the next SET).
    type: bool
    default: false
  snapshot_retention_limit:
    description:
      - Days automatic snapshots are kept; V(0) turns automatic snapshots off.
    type: int
  snapshot_window:
    description:
      - Daily UTC time range for snapshots, e.g. V(03:00-04:00).
    type: str
  preferred_maintenance_window:
    description:
      - Weekly UTC maintenance window, e.g. V(sun:05:00-sun:06:00).
    type: str
  apply_immediately:
    description:
      - Apply node type, version and parameter changes now rather than in the next maintenance window.
    type: bool
    default: false
  final_snapshot_identifier:
    description:
      - With O(state=absent), name of the snapshot taken before deletion.
    type: str
  wait:
    description:
      - Wait until the group is available (or deleted) before returning. Multi-step changes always
        wait between their steps.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait.
    type: int
    default: 1800
  tags:
    description:
      - Tags for the replication group.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove tags not listed in O(tags). Has no effect when O(tags) is omitted.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change without calling any mutating API.
  diff_mode:
    support: full
    description: Returns the compared attributes before and after.
notes:
  - Cluster mode (sharding) is not supported; LangSmith uses a single Redis primary endpoint.
"""

EXAMPLES = r"""
- name: Redis 7.1 with TLS, AUTH, encryption at rest and two nodes across AZs
  langchain.langsmith_aws.elasticache_replication_group:
    replication_group_id: prod-langsmith-redis
    description: LangSmith cache and queues
    engine_version: "7.1"
    cache_node_type: cache.r6g.large
    num_cache_clusters: 2
    automatic_failover: true
    multi_az: true
    cache_subnet_group_name: prod-langsmith-redis
    security_group_ids: [sg-0123456789abcdef0]
    kms_key_id: arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555
    auth_token: "{{ redis_auth_token }}"
    snapshot_retention_limit: 7
    wait: false
    tags:
      langsmith:env: prod

- name: Delete it, keeping a final snapshot
  langchain.langsmith_aws.elasticache_replication_group:
    replication_group_id: prod-langsmith-redis
    state: absent
    final_snapshot_identifier: prod-langsmith-redis-final
"""

RETURN = r"""
replication_group:
  description:
    - The replication group as ElastiCache describes it (snake_case), plus the values read from its first member.
  returned: when the group exists (or would exist in check mode)
  type: dict
  contains:
    replication_group_id:
      description: Identifier.
      type: str
      sample: prod-langsmith-redis
    arn:
      description: ARN of the group.
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:replicationgroup:prod-langsmith-redis
    status:
      description: Status (creating, available, modifying, deleting, ...).
      type: str
      sample: available
    primary_endpoint:
      description: Address and port of the primary (read/write) endpoint.
      type: dict
      sample: {address: master.prod-langsmith-redis.abc123.use1.cache.amazonaws.com, port: 6379}
    reader_endpoint:
      description: Address and port of the reader endpoint.
      type: dict
      sample: {address: replica.prod-langsmith-redis.abc123.use1.cache.amazonaws.com, port: 6379}
    member_clusters:
      description: Ids of the member cache clusters (one per node).
      type: list
      elements: str
      sample: [prod-langsmith-redis-001, prod-langsmith-redis-002]
    automatic_failover:
      description: enabled, disabled, enabling or disabling.
      type: str
      sample: enabled
    multi_az:
      description: enabled or disabled.
      type: str
      sample: enabled
    transit_encryption_enabled:
      description: TLS for client connections.
      type: bool
      sample: true
    at_rest_encryption_enabled:
      description: Encryption at rest.
      type: bool
      sample: true
    auth_token_enabled:
      description: An AUTH token is required.
      type: bool
      sample: true
    kms_key_id:
      description: KMS key for encryption at rest.
      type: str
      sample: arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555
    cache_node_type:
      description: Node type.
      type: str
      sample: cache.r6g.large
    snapshot_retention_limit:
      description: Days automatic snapshots are kept.
      type: int
      sample: 7
    engine:
      description: Engine.
      type: str
      sample: redis
    engine_version:
      description: Engine version of the first member ('' when it cannot be read).
      type: str
      sample: 7.1.0
    cache_subnet_group_name:
      description: Subnet group of the first member ('' when it cannot be read).
      type: str
      sample: prod-langsmith-redis
    security_group_ids:
      description: Security groups of the first member ([] when they cannot be read).
      type: list
      elements: str
      sample: [sg-0123456789abcdef0]
    tags:
      description: Tags of the group.
      type: dict
      sample: {langsmith:env: prod}
"""

import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    compare_aws_tags,
)

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.elasticache import (
    BOTO_ERRORS,
    describe_first_member,
    describe_replication_group,
    format_replication_group,
    get_tags,
)

AUTH_TOKEN_FORBIDDEN = set('@"/ ')
ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")
POLL_SECONDS = 15


class ReplicationGroupError(Exception):
    """An input or state problem that the module reports with fail_json."""


def validate_params(params):
    """Return a list of problems with the requested configuration (no AWS calls)."""
    problems = []
    group_id = params["replication_group_id"]
    if (
        not 1 <= len(group_id) <= 40
        or not set(group_id) <= ID_CHARS
        or not group_id[0].isalpha()
        or group_id.endswith("-")
        or "--" in group_id
    ):
        problems.append(
            f"replication_group_id={group_id!r}: use 1-40 lowercase letters, digits and single hyphens, "
            "starting with a letter and not ending with a hyphen"
        )
    if params["state"] == "absent":
        return problems
    nodes = params.get("num_cache_clusters")
    if nodes is not None and not 1 <= nodes <= 6:
        problems.append(
            f"num_cache_clusters={nodes}: a replication group has 1 to 6 nodes (primary + up to 5 replicas)"
        )
    if params["automatic_failover"] and nodes is not None and nodes < 2:
        problems.append("automatic_failover needs num_cache_clusters >= 2 (a replica to promote)")
    if params["multi_az"] and not params["automatic_failover"]:
        problems.append("multi_az needs automatic_failover")
    token = params.get("auth_token")
    if token is not None:
        if not params["transit_encryption"]:
            problems.append("auth_token needs transit_encryption (ElastiCache only accepts AUTH over TLS)")
        if not 16 <= len(token) <= 128 or set(token) & AUTH_TOKEN_FORBIDDEN or not token.isprintable():
            problems.append('auth_token must be 16-128 printable characters without @, ", / or spaces')
    if params["rotate_auth_token"] and not token:
        problems.append("rotate_auth_token needs auth_token")
    if params.get("kms_key_id") and not params["at_rest_encryption"]:
        problems.append("kms_key_id needs at_rest_encryption")
    return problems


def version_matches(wanted, current):
    """``7.1`` matches ``7.1`` and ``7.1.0``; ``7`` matches ``7.x``."""
    if not wanted or not current:
        return True
    return current == wanted or current.startswith(wanted + ".")


def key_matches(wanted, current):
    """Compare a KMS key given as ARN or id with the key ARN ElastiCache returns (aliases are not resolved)."""
    if not wanted:
        return True
    if "alias/" in wanted:
        return True
    return (current or "").split("/")[-1] == wanted.split("/")[-1]


class ReplicationGroupManager:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.changed = False
        self.actions = []

    # ------------------------------------------------------------------ reads
    def describe(self):
        return describe_replication_group(self.client, self.module, self.params["replication_group_id"])

    def describe_member(self, group):
        return describe_first_member(self.client, self.module, group)

    def get_tags(self, arn):
        return get_tags(self.client, self.module, arn)

    # ------------------------------------------------------------------ waits
    def wait_for(self, status, timeout=None):
        """Wait until the group is available (status='available') or gone (status='deleted')."""
        group_id = self.params["replication_group_id"]
        deadline = time.time() + (timeout if timeout is not None else self.params["wait_timeout"])
        while True:
            group = self.describe()
            if status == "deleted" and group is None:
                return None
            if status == "available" and group is not None and group.get("Status") == "available":
                return group
            if time.time() >= deadline:
                self.module.fail_json(
                    msg=f"Timed out waiting for replication group {group_id} to be {status} "
                    f"(status: {(group or {}).get('Status', 'gone')})"
                )
            time.sleep(POLL_SECONDS)

    # ------------------------------------------------------------------ comparisons
    def current_state(self, group, member):
        """The comparable attributes of an existing group (member values only when readable)."""
        pending = group.get("PendingModifiedValues") or {}
        member_pending = (member or {}).get("PendingModifiedValues") or {}
        failover = pending.get("AutomaticFailoverStatus") or group.get("AutomaticFailover", "disabled")
        state = {
            "description": group.get("Description", ""),
            "cache_node_type": member_pending.get("CacheNodeType") or group.get("CacheNodeType"),
            "num_cache_clusters": len(group.get("MemberClusters") or []),
            "automatic_failover": failover in ("enabled", "enabling"),
            "multi_az": group.get("MultiAZ", "disabled") == "enabled",
            "snapshot_retention_limit": group.get("SnapshotRetentionLimit", 0),
            "snapshot_window": group.get("SnapshotWindow"),
            "transit_encryption": bool(group.get("TransitEncryptionEnabled")),
            "at_rest_encryption": bool(group.get("AtRestEncryptionEnabled")),
            "kms_key_id": group.get("KmsKeyId") or "",
            "auth_token_enabled": bool(group.get("AuthTokenEnabled")),
            "engine": group.get("Engine", "redis"),
            "port": ((group.get("NodeGroups") or [{}])[0].get("PrimaryEndpoint") or {}).get("Port"),
        }
        if member is not None:
            state.update(
                {
                    "engine_version": member_pending.get("EngineVersion") or member.get("EngineVersion", ""),
                    "cache_subnet_group_name": member.get("CacheSubnetGroupName", ""),
                    "security_group_ids": sorted(
                        sg["SecurityGroupId"]
                        for sg in member.get("SecurityGroups", [])
                        if sg.get("Status", "active") in ("active", "adding", "modifying")
                    ),
                    "cache_parameter_group_name": (member.get("CacheParameterGroup") or {}).get(
                        "CacheParameterGroupName", ""
                    ),
                    "preferred_maintenance_window": member.get("PreferredMaintenanceWindow", ""),
                }
            )
        return state

    def immutable_problems(self, current):
        """Differences ElastiCache cannot apply in place."""
        p = self.params
        problems = []
        if p["transit_encryption"] != current["transit_encryption"]:
            problems.append(f"transit_encryption is {current['transit_encryption']}, wanted {p['transit_encryption']}")
        if p["at_rest_encryption"] != current["at_rest_encryption"]:
            problems.append(f"at_rest_encryption is {current['at_rest_encryption']}, wanted {p['at_rest_encryption']}")
        if p["at_rest_encryption"] and not key_matches(p.get("kms_key_id"), current["kms_key_id"]):
            problems.append(f"kms_key_id is {current['kms_key_id'] or 'the AWS-owned key'}, wanted {p['kms_key_id']}")
        if p.get("auth_token") and not current["auth_token_enabled"]:
            problems.append("the group has no AUTH token; AUTH cannot be added to a group created without it here")
        if current["port"] and p["port"] != current["port"]:
            problems.append(f"port is {current['port']}, wanted {p['port']}")
        if p["engine"] != current["engine"] and not (p["engine"] == "valkey" and current["engine"] == "redis"):
            problems.append(f"engine is {current['engine']}, wanted {p['engine']}")
        subnet_group = p.get("cache_subnet_group_name")
        if (
            subnet_group
            and current.get("cache_subnet_group_name")
            and subnet_group != current["cache_subnet_group_name"]
        ):
            problems.append(f"cache_subnet_group_name is {current['cache_subnet_group_name']}, wanted {subnet_group}")
        return problems

    def modifications(self, current):
        """ModifyReplicationGroup arguments for the mutable differences."""
        p = self.params
        mods = {}
        if p.get("description") is not None and p["description"] != current["description"]:
            mods["ReplicationGroupDescription"] = p["description"]
        if p.get("cache_node_type") and p["cache_node_type"] != current["cache_node_type"]:
            mods["CacheNodeType"] = p["cache_node_type"]
        if p["automatic_failover"] != current["automatic_failover"]:
            mods["AutomaticFailoverEnabled"] = p["automatic_failover"]
        if p["multi_az"] != current["multi_az"]:
            mods["MultiAZEnabled"] = p["multi_az"]
        if (
            p.get("snapshot_retention_limit") is not None
            and p["snapshot_retention_limit"] != current["snapshot_retention_limit"]
        ):
            mods["SnapshotRetentionLimit"] = p["snapshot_retention_limit"]
        if p.get("snapshot_window") and p["snapshot_window"] != current["snapshot_window"]:
            mods["SnapshotWindow"] = p["snapshot_window"]
        if p["engine"] != current["engine"]:
            mods["Engine"] = p["engine"]
        if "engine_version" in current and not version_matches(p.get("engine_version"), current["engine_version"]):
            mods["EngineVersion"] = p["engine_version"]
        if (
            "security_group_ids" in current
            and p.get("security_group_ids") is not None
            and sorted(p["security_group_ids"]) != current["security_group_ids"]
        ):
            mods["SecurityGroupIds"] = p["security_group_ids"]
        if (
            "cache_parameter_group_name" in current
            and p.get("cache_parameter_group_name")
            and p["cache_parameter_group_name"] != current["cache_parameter_group_name"]
        ):
            mods["CacheParameterGroupName"] = p["cache_parameter_group_name"]
        if (
            "preferred_maintenance_window" in current
            and p.get("preferred_maintenance_window")
            and p["preferred_maintenance_window"].lower() != (current["preferred_maintenance_window"] or "").lower()
        ):
            mods["PreferredMaintenanceWindow"] = p["preferred_maintenance_window"]
        if p["rotate_auth_token"]:
            mods["AuthToken"] = p["auth_token"]
            mods["AuthTokenUpdateStrategy"] = "ROTATE"
        return mods

    # ------------------------------------------------------------------ mutations
    def call(self, method, msg, **kwargs):
        self.changed = True
        self.actions.append(method)
        if self.module.check_mode:
            return {}
        try:
            return getattr(self.client, method)(aws_retry=True, **kwargs)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=msg)

    def create(self):
        p = self.params
        missing = [name for name in ("description", "cache_node_type", "cache_subnet_group_name") if not p.get(name)]
        if missing:
            self.module.fail_json(
                msg=f"Creating replication group {p['replication_group_id']} needs: {', '.join(missing)}"
            )
        args = {
            "ReplicationGroupId": p["replication_group_id"],
            "ReplicationGroupDescription": p["description"],
            "Engine": p["engine"],
            "CacheNodeType": p["cache_node_type"],
            "NumCacheClusters": p.get("num_cache_clusters") or 1,
            "AutomaticFailoverEnabled": p["automatic_failover"],
            "MultiAZEnabled": p["multi_az"],
            "Port": p["port"],
            "CacheSubnetGroupName": p["cache_subnet_group_name"],
            "TransitEncryptionEnabled": p["transit_encryption"],
            "AtRestEncryptionEnabled": p["at_rest_encryption"],
        }
        optional = {
            "EngineVersion": p.get("engine_version"),
            "SecurityGroupIds": p.get("security_group_ids"),
            "CacheParameterGroupName": p.get("cache_parameter_group_name"),
            "KmsKeyId": p.get("kms_key_id") if p["at_rest_encryption"] else None,
            "AuthToken": p.get("auth_token"),
            "SnapshotRetentionLimit": p.get("snapshot_retention_limit"),
            "SnapshotWindow": p.get("snapshot_window"),
            "PreferredMaintenanceWindow": p.get("preferred_maintenance_window"),
        }
        args.update({k: v for k, v in optional.items() if v is not None})
        if p.get("tags"):
            args["Tags"] = ansible_dict_to_boto3_tag_list(p["tags"])
        self.call("create_replication_group", f"Failed to create replication group {p['replication_group_id']}", **args)

    def change_node_count(self, current_nodes, wanted_nodes):
        group_id = self.params["replication_group_id"]
        method = "increase_replica_count" if wanted_nodes > current_nodes else "decrease_replica_count"
        self.call(
            method,
            f"Failed to change the replica count of {group_id} to {wanted_nodes - 1}",
            ReplicationGroupId=group_id,
            NewReplicaCount=wanted_nodes - 1,
            ApplyImmediately=True,
        )

    def plan(self, group, member):
        """(current, modifications, wanted node count or None) for an existing group."""
        p = self.params
        current = self.current_state(group, member)
        problems = self.immutable_problems(current)
        if problems:
            self.module.fail_json(
                msg=f"Replication group {p['replication_group_id']} differs in ways ElastiCache cannot change in "
                "place: " + "; ".join(problems) + ". Create a new group (and move clients to it) or change the "
                "request to match.",
                replication_group=camel_dict_to_snake_dict(group),
            )
        wanted_nodes = p.get("num_cache_clusters")
        if wanted_nodes == current["num_cache_clusters"]:
            wanted_nodes = None
        return current, self.modifications(current), wanted_nodes

    def update(self, group, member):
        p = self.params
        group_id = p["replication_group_id"]
        current, mods, wanted_nodes = self.plan(group, member)
        if (mods or wanted_nodes) and group.get("Status") != "available" and not self.module.check_mode:
            # ElastiCache refuses changes while the group is creating or modifying.
            group = self.wait_for("available")
            member = self.describe_member(group)
            current, mods, wanted_nodes = self.plan(group, member)
        node_change = wanted_nodes is not None
        before, after = self.diff_states(current, mods, wanted_nodes)

        steps = []
        if node_change and wanted_nodes > current["num_cache_clusters"]:
            steps.append(("nodes", None))
        if mods:
            steps.append(("modify", mods))
        if node_change and wanted_nodes < current["num_cache_clusters"]:
            steps.append(("nodes", None))
        for index, (kind, mod_args) in enumerate(steps):
            if index > 0 and not self.module.check_mode:
                self.wait_for("available")
            if kind == "nodes":
                self.change_node_count(current["num_cache_clusters"], wanted_nodes)
            else:
                self.call(
                    "modify_replication_group",
                    f"Failed to modify replication group {group_id}",
                    ReplicationGroupId=group_id,
                    ApplyImmediately=p["apply_immediately"],
                    **mod_args,
                )
        self.update_tags(group["ARN"])
        return before, after

    def diff_states(self, current, mods, wanted_nodes):
        keys = {
            "ReplicationGroupDescription": "description",
            "CacheNodeType": "cache_node_type",
            "AutomaticFailoverEnabled": "automatic_failover",
            "MultiAZEnabled": "multi_az",
            "SnapshotRetentionLimit": "snapshot_retention_limit",
            "SnapshotWindow": "snapshot_window",
            "Engine": "engine",
            "EngineVersion": "engine_version",
            "SecurityGroupIds": "security_group_ids",
            "CacheParameterGroupName": "cache_parameter_group_name",
            "PreferredMaintenanceWindow": "preferred_maintenance_window",
        }
        before, after = {}, {}
        for api_key, name in keys.items():
            if api_key in mods:
                before[name] = current.get(name)
                after[name] = mods[api_key]
        if "AuthToken" in mods:
            before["auth_token_rotated"] = False
            after["auth_token_rotated"] = True
        if wanted_nodes is not None:
            before["num_cache_clusters"] = current["num_cache_clusters"]
            after["num_cache_clusters"] = wanted_nodes
        return before, after

    def update_tags(self, arn):
        wanted = self.params.get("tags")
        if wanted is None:
            return
        current = self.get_tags(arn)
        to_add, to_remove = compare_aws_tags(current, wanted, self.params["purge_tags"])
        if to_remove:
            self.call(
                "remove_tags_from_resource", f"Failed to remove tags from {arn}", ResourceName=arn, TagKeys=to_remove
            )
        if to_add:
            self.call(
                "add_tags_to_resource",
                f"Failed to tag {arn}",
                ResourceName=arn,
                Tags=ansible_dict_to_boto3_tag_list(to_add),
            )

    def delete(self):
        p = self.params
        args = {"ReplicationGroupId": p["replication_group_id"]}
        if p.get("final_snapshot_identifier"):
            args["FinalSnapshotIdentifier"] = p["final_snapshot_identifier"]
        self.call("delete_replication_group", f"Failed to delete replication group {p['replication_group_id']}", **args)

    # ------------------------------------------------------------------ results
    def result(self, group, member):
        if group is None:
            return {}
        return format_replication_group(group, member, self.get_tags(group["ARN"]) if group.get("ARN") else {})


def main():
    argument_spec = {
        "replication_group_id": {"type": "str", "required": True, "aliases": ["id"]},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "description": {"type": "str"},
        "engine": {"type": "str", "choices": ["redis", "valkey"], "default": "redis"},
        "engine_version": {"type": "str"},
        "cache_node_type": {"type": "str"},
        "num_cache_clusters": {"type": "int"},
        "automatic_failover": {"type": "bool", "default": False},
        "multi_az": {"type": "bool", "default": False},
        "port": {"type": "int", "default": 6379},
        "cache_subnet_group_name": {"type": "str"},
        "security_group_ids": {"type": "list", "elements": "str"},
        "cache_parameter_group_name": {"type": "str"},
        "transit_encryption": {"type": "bool", "default": True},
        "at_rest_encryption": {"type": "bool", "default": True},
        "kms_key_id": {"type": "str"},
        "auth_token": {"type": "str", "no_log": True},
        "rotate_auth_token": {"type": "bool", "default": False, "no_log": False},
        "snapshot_retention_limit": {"type": "int"},
        "snapshot_window": {"type": "str"},
        "preferred_maintenance_window": {"type": "str"},
        "apply_immediately": {"type": "bool", "default": False},
        "final_snapshot_identifier": {"type": "str"},
        "wait": {"type": "bool", "default": True},
        "wait_timeout": {"type": "int", "default": 1800},
        "tags": {"type": "dict", "aliases": ["resource_tags"]},
        "purge_tags": {"type": "bool", "default": True},
    }
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)

    problems = validate_params(module.params)
    if problems:
        module.fail_json(msg="Invalid replication group request: " + "; ".join(problems))

    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    manager = ReplicationGroupManager(module, client)
    group = manager.describe()
    diff = {"before": {}, "after": {}}

    if module.params["state"] == "absent":
        if group is not None and group.get("Status") != "deleting":
            diff = {"before": {"replication_group_id": group["ReplicationGroupId"]}, "after": {}}
            manager.delete()
        if group is not None and module.params["wait"] and not module.check_mode:
            manager.wait_for("deleted")
        module.exit_json(changed=manager.changed, actions=manager.actions, diff=diff, replication_group={})

    member = None
    if group is None:
        manager.create()
        diff = {"before": {}, "after": {"replication_group_id": module.params["replication_group_id"]}}
        if module.check_mode:
            module.exit_json(changed=True, actions=manager.actions, diff=diff, replication_group={})
        group = manager.describe()
    else:
        member = manager.describe_member(group)
        before, after = manager.update(group, member)
        diff = {"before": before, "after": after}
        if manager.changed and not module.check_mode:
            group, member = manager.describe(), None

    if module.params["wait"] and not module.check_mode and group is not None and group.get("Status") != "available":
        group, member = manager.wait_for("available"), None
    if member is None and group is not None:
        member = manager.describe_member(group)
    module.exit_json(
        changed=manager.changed,
        actions=manager.actions,
        diff=diff,
        replication_group=manager.result(group, member),
    )


if __name__ == "__main__":
    main()

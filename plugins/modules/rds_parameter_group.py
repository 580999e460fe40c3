#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: rds_parameter_group
version_added: 0.1.0
short_description: Manage an RDS DB parameter group and make sure its parameters are really set
description:
  - Creates or updates an RDS DB parameter group (for DB instances) with tags, and sets the given
    parameters, each with the apply method its type needs (C(immediate) for dynamic parameters,
    C(pending-reboot) for static ones).
  - Unlike C(amazon.aws.rds_instance_param_group), a parameter that does not exist for the family or
    cannot be modified fails the task instead of being listed in a warning while the task succeeds
    (a silently missing C(rds.force_ssl) would leave the database accepting plaintext connections),
    and check mode reports the creation of a missing group as a change.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  name:
    description:
      - Name of the DB parameter group.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the group; V(absent) deletes it (it must not be in use).
    type: str
    choices: [present, absent]
    default: present
  family:
    description:
      - Parameter group family, e.g. V(postgres16). Required to create the group; cannot change.
    type: str
  description:
    description:
      - Description; used when the group is created. Defaults to the name.
    type: str
  parameters:
    description:
      - Parameters to set, name to value. Booleans become C(1)/C(0). Parameters not listed keep their values.
    type: dict
    default: {}
  tags:
    description:
      - Tags for the parameter group.
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
    description: Returns the parameters that change, before and after.
"""

EXAMPLES = r"""
- name: PostgreSQL 16 parameter group that refuses non-TLS connections
  langchain.langsmith_aws.rds_parameter_group:
    name: prod-langsmith-postgres16
    family: postgres16
    description: LangSmith PostgreSQL 16
    parameters:
      rds.force_ssl: 1
    tags:
      langsmith:env: prod
"""

RETURN = r"""
parameter_group:
  description: The parameter group.
  returned: when it exists (or would exist in check mode)
  type: dict
  contains:
    name:
      description: Name.
      type: str
      sample: prod-langsmith-postgres16
    family:
      description: Family.
      type: str
      sample: postgres16
    description:
      description: Description.
      type: str
      sample: LangSmith PostgreSQL 16
    arn:
      description: ARN ('' in check mode before creation).
      type: str
      sample: arn:aws:rds:us-east-1:123456789012:pg:prod-langsmith-postgres16
    parameters:
      description: The requested parameters with the values they now have.
      type: dict
      sample: {rds.force_ssl: "1"}
    tags:
      description: Tags.
      type: dict
      sample: {langsmith:env: prod}
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:  # AnsibleAWSModule reports a missing botocore
    BOTO_ERRORS = ()

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

MAX_PARAMETERS_PER_CALL = 20


def normalize(value):
    """RDS stores every value as a string; booleans are 1/0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value).strip()
    if text.lower() in ("true", "on", "yes"):
        return "1"
    if text.lower() in ("false", "off", "no"):
        return "0"
    return text


def plan_parameters(wanted, existing):
    """Return (changes, problems) for ``wanted`` (name -> value) against ``existing`` (describe_db_parameters).

    ``changes`` are ModifyDBParameterGroup entries. When ``existing`` is empty (a group described by a
    backend that lists no engine defaults) names cannot be validated and every wanted value is set.
    """
    by_name = {p["ParameterName"]: p for p in existing}
    changes, problems = [], []
    for name, value in sorted(wanted.items()):
        target = normalize(value)
        current = by_name.get(name)
        if current is None and by_name:
            problems.append(f"{name} is not a parameter of this family")
            continue
        current = current or {}
        if current.get("ParameterValue") is not None and normalize(current["ParameterValue"]) == target:
            continue
        if current.get("IsModifiable") is False:
            problems.append(f"{name} cannot be modified")
            continue
        method = "pending-reboot" if current.get("ApplyType") == "static" else "immediate"
        changes.append({"ParameterName": name, "ParameterValue": target, "ApplyMethod": method})
    return changes, problems


class ParameterGroupManager:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.name = module.params["name"]
        self.changed = False

    def describe(self):
        try:
            found = self.client.describe_db_parameter_groups(aws_retry=True, DBParameterGroupName=self.name)
        except is_boto3_error_code("DBParameterGroupNotFound"):
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Failed to describe DB parameter group {self.name}")
        groups = [g for g in found.get("DBParameterGroups", []) if g.get("DBParameterGroupName") == self.name]
        return groups[0] if groups else None

    def parameters(self):
        try:
            paginator = self.client.get_paginator("describe_db_parameters")
            pages = paginator.paginate(DBParameterGroupName=self.name).build_full_result()
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to describe the parameters of {self.name}")
        return pages.get("Parameters", [])

    def tags(self, arn):
        try:
            return boto3_tag_list_to_ansible_dict(
                self.client.list_tags_for_resource(aws_retry=True, ResourceName=arn).get("TagList", [])
            )
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to list the tags of {arn}")

    def call(self, method, msg, **kwargs):
        self.changed = True
        if self.module.check_mode:
            return {}
        try:
            return getattr(self.client, method)(aws_retry=True, **kwargs)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=msg)

    def create(self):
        p = self.module.params
        if not p.get("family"):
            self.module.fail_json(msg=f"Creating DB parameter group {self.name} needs family (e.g. postgres16)")
        args = {
            "DBParameterGroupName": self.name,
            "DBParameterGroupFamily": p["family"],
            "Description": p.get("description") or self.name,
        }
        if p.get("tags"):
            args["Tags"] = ansible_dict_to_boto3_tag_list(p["tags"])
        created = self.call("create_db_parameter_group", f"Failed to create DB parameter group {self.name}", **args)
        return (created or {}).get("DBParameterGroup")

    def set_parameters(self, changes):
        for start in range(0, len(changes), MAX_PARAMETERS_PER_CALL):
            self.call(
                "modify_db_parameter_group",
                f"Failed to set parameters of {self.name}",
                DBParameterGroupName=self.name,
                Parameters=changes[start : start + MAX_PARAMETERS_PER_CALL],
            )

    def update_tags(self, arn):
        wanted = self.module.params.get("tags")
        if wanted is None:
            return
        to_add, to_remove = compare_aws_tags(self.tags(arn), wanted, self.module.params["purge_tags"])
        if to_remove:
            self.call("remove_tags_from_resource", f"Failed to untag {arn}", ResourceName=arn, TagKeys=to_remove)
        if to_add:
            self.call(
                "add_tags_to_resource",
                f"Failed to tag {arn}",
                ResourceName=arn,
                Tags=ansible_dict_to_boto3_tag_list(to_add),
            )


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "family": {"type": "str"},
            "description": {"type": "str"},
            "parameters": {"type": "dict", "default": {}},
            "tags": {"type": "dict", "aliases": ["resource_tags"]},
            "purge_tags": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    client = module.client("rds", retry_decorator=AWSRetry.jittered_backoff())
    manager = ParameterGroupManager(module, client)
    wanted = module.params["parameters"]
    group = manager.describe()

    if module.params["state"] == "absent":
        if group is not None:
            manager.call(
                "delete_db_parameter_group",
                f"Failed to delete DB parameter group {manager.name}",
                DBParameterGroupName=manager.name,
            )
        module.exit_json(changed=manager.changed, parameter_group={})

    if group is None:
        group = manager.create()
        if module.check_mode:
            after = {name: normalize(value) for name, value in wanted.items()}
            module.exit_json(
                changed=True,
                diff={"before": {}, "after": {"name": manager.name, "parameters": after}},
                parameter_group={
                    "name": manager.name,
                    "family": module.params["family"],
                    "description": module.params.get("description") or manager.name,
                    "arn": "",
                    "parameters": after,
                    "tags": module.params.get("tags") or {},
                },
            )
        group = manager.describe() or group
    elif module.params.get("family") and group.get("DBParameterGroupFamily") != module.params["family"]:
        module.fail_json(
            msg=f"DB parameter group {manager.name} has family {group.get('DBParameterGroupFamily')}, not "
            f"{module.params['family']}; a family cannot change: use a new group name for the new family."
        )

    existing = manager.parameters()
    changes, problems = plan_parameters(wanted, existing)
    if problems:
        module.fail_json(msg=f"DB parameter group {manager.name}: " + "; ".join(problems))
    current_values = {p["ParameterName"]: p.get("ParameterValue") for p in existing}
    diff = {
        "before": {"parameters": {c["ParameterName"]: current_values.get(c["ParameterName"]) for c in changes}},
        "after": {"parameters": {c["ParameterName"]: c["ParameterValue"] for c in changes}},
    }
    manager.set_parameters(changes)
    manager.update_tags(group["DBParameterGroupArn"])

    changed_now = manager.changed and not module.check_mode
    now = {p["ParameterName"]: p.get("ParameterValue") for p in manager.parameters()} if changed_now else {}
    values = {name: now.get(name, current_values.get(name)) for name in wanted}
    if module.check_mode:
        values.update(diff["after"]["parameters"])
    module.exit_json(
        changed=manager.changed,
        diff=diff,
        parameter_group={
            "name": group["DBParameterGroupName"],
            "family": group.get("DBParameterGroupFamily", ""),
            "description": group.get("Description", ""),
            "arn": group.get("DBParameterGroupArn", ""),
            "parameters": values,
            "tags": manager.tags(group["DBParameterGroupArn"]),
        },
    )


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_addon
version_added: 0.1.0
short_description: Manage an EKS managed add-on (pinned version, configuration, IRSA role)
description:
  - Creates an EKS managed add-on, updates it when the pinned version, its configuration values or
    its service account role differ, leaves it alone when they are equal, or deletes it.
  - Waits for C(ACTIVE); C(CREATE_FAILED), C(UPDATE_FAILED), C(DELETE_FAILED) and C(DEGRADED) fail with
    the health issues EKS reports. An add-on that is still creating or updating is waited for before
    it is compared, so a second run with O(wait=true) after one with O(wait=false) waits without changing anything.
  - The bundled collections have no module for EKS add-ons.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  name:
    description: Add-on name (V(vpc-cni), V(coredns), V(kube-proxy), V(aws-ebs-csi-driver), ...).
    type: str
    required: true
  state:
    description: V(present) creates or updates the add-on; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  version:
    description:
      - Pinned add-on version (for example V(v1.20.4-eksbuild.2)). Omitted takes the EKS default at
        creation and leaves the version alone afterwards.
    type: str
  configuration_values:
    description:
      - Configuration of the add-on, following its schema (DescribeAddonConfiguration). Compared as
        data, not as text. Omitted or V({}) means no configuration.
    type: dict
    default: {}
  service_account_role_arn:
    description: IAM role for the add-on's service account (IRSA). Omitted means none.
    type: str
  resolve_conflicts:
    description: How EKS treats fields changed outside the add-on (V(OVERWRITE), V(PRESERVE) on update only, V(NONE)).
    type: str
    choices: [OVERWRITE, PRESERVE, NONE]
    default: OVERWRITE
  preserve:
    description: With O(state=absent), keep the add-on's Kubernetes resources in the cluster.
    type: bool
    default: false
  tags:
    description: Add-on tags.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
  wait:
    description: Wait for C(ACTIVE) after creating or updating (and for the deletion to finish).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 1200
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
    description: Shows version, configuration values and service account role before and after.
"""

EXAMPLES = r"""
- name: EBS CSI driver, pinned, with its own IRSA role
  langchain.langsmith_aws.eks_addon:
    cluster_name: prod-langsmith
    name: aws-ebs-csi-driver
    version: v1.48.0-eksbuild.1
    service_account_role_arn: "{{ ebs_csi_role_arn }}"
    tags:
      langsmith:env: prod

- name: CoreDNS with three replicas, started without waiting
  langchain.langsmith_aws.eks_addon:
    cluster_name: prod-langsmith
    name: coredns
    version: v1.12.3-eksbuild.1
    configuration_values:
      replicaCount: 3
    wait: false
"""

RETURN = r"""
addon:
  description: The add-on after the run (snake_cased DescribeAddon output; tags keep their keys). Empty when absent.
  returned: always
  type: dict
  sample:
    addon_name: aws-ebs-csi-driver
    addon_version: v1.48.0-eksbuild.1
    status: ACTIVE
    service_account_role_arn: arn:aws:iam::123456789012:role/prod-langsmith-irsa-ebs-csi
updates:
  description: What changed (or would change in check mode), one line each.
  returned: always
  type: list
  elements: str
  sample: ["version v1.46.0-eksbuild.1 -> v1.48.0-eksbuild.1"]
"""

import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.eks import (
    BOTO_ERRORS,
    ensure_tags,
    health_issues,
    wait_for,
    wait_for_absent,
    wait_for_update,
)

FAILED_STATES = ("CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED", "DEGRADED")
BUSY_STATES = ("CREATING", "UPDATING")


def parse_configuration(raw):
    """DescribeAddon's ``configurationValues`` (JSON text, possibly empty) -> dict.

    Configuration set as YAML elsewhere (EKS accepts both) is returned as its text, so it never
    equals the requested dict: the module then writes it once as JSON.
    """
    if not raw:
        return {}
    try:
        return json.loads(raw) or {}
    except ValueError:
        return raw


class AddonManager:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.cluster = module.params["cluster_name"]
        self.name = module.params["name"]
        self.updates = []

    def describe(self):
        try:
            return self.client.describe_addon(aws_retry=True, clusterName=self.cluster, addonName=self.name)["addon"]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Failed to describe add-on {self.name} of EKS cluster {self.cluster}")

    def what(self):
        return f"add-on {self.name} of EKS cluster {self.cluster}"

    def wait_active(self):
        return wait_for(
            self.module,
            self.describe,
            ready=lambda a: a.get("status") == "ACTIVE",
            failed=lambda a: a.get("status") in (*FAILED_STATES, "DELETING"),
            what=self.what(),
            timeout=self.params["wait_timeout"],
        )

    def fail_status(self, addon):
        issues = health_issues(addon)
        self.module.fail_json(
            msg=(
                f"{self.what()} is {addon['status']}"
                + (f": {'; '.join(issues)}" if issues else "")
                + ". Fix the cause (see the issues), then rerun; a CREATE_FAILED add-on must be deleted first."
            ),
            status=addon["status"],
            issues=issues,
        )

    def create(self):
        p = self.params
        params = {"clusterName": self.cluster, "addonName": self.name, "resolveConflicts": p["resolve_conflicts"]}
        if params["resolveConflicts"] == "PRESERVE":  # only valid on update
            params["resolveConflicts"] = "NONE"
        if p["version"]:
            params["addonVersion"] = p["version"]
        if p["service_account_role_arn"]:
            params["serviceAccountRoleArn"] = p["service_account_role_arn"]
        if p["configuration_values"]:
            params["configurationValues"] = json.dumps(p["configuration_values"], sort_keys=True)
        if p["tags"]:
            params["tags"] = p["tags"]
        self.updates.append(f"create add-on {self.name} {p['version'] or '(EKS default version)'}")
        if self.module.check_mode:
            return None
        try:
            addon = self.client.create_addon(aws_retry=True, **params)["addon"]
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to create {self.what()}")
        return self.wait_active() if p["wait"] else addon

    def reconcile(self, addon):
        p = self.params
        if addon["status"] in BUSY_STATES and p["wait"] and not self.module.check_mode:
            addon = self.wait_active()
        if addon["status"] in FAILED_STATES:
            self.fail_status(addon)
        if addon["status"] == "DELETING":
            self.module.fail_json(msg=f"{self.what()} is being deleted; rerun once it is gone")

        params = {}
        if p["version"] and addon.get("addonVersion") != p["version"]:
            params["addonVersion"] = p["version"]
            self.updates.append(f"version {addon.get('addonVersion')} -> {p['version']}")
        if parse_configuration(addon.get("configurationValues")) != (p["configuration_values"] or {}):
            # An empty document clears a configuration.
            params["configurationValues"] = json.dumps(p["configuration_values"] or {}, sort_keys=True)
            self.updates.append("configuration values")
        wanted_role = p["service_account_role_arn"] or ""
        if (addon.get("serviceAccountRoleArn") or "") != wanted_role:
            params["serviceAccountRoleArn"] = wanted_role
            self.updates.append(f"service account role {addon.get('serviceAccountRoleArn')} -> {wanted_role or 'none'}")
        if params and not self.module.check_mode:
            try:
                update = self.client.update_addon(
                    aws_retry=True,
                    clusterName=self.cluster,
                    addonName=self.name,
                    resolveConflicts=p["resolve_conflicts"],
                    **params,
                )["update"]
            except BOTO_ERRORS as e:
                self.module.fail_json_aws(e, msg=f"Failed to update {self.what()}")
            if p["wait"]:
                wait_for_update(self.client, self.module, self.cluster, update, p["wait_timeout"], addonName=self.name)

        if ensure_tags(
            self.client,
            self.module,
            addon["addonArn"],
            current=addon.get("tags"),
            desired=p["tags"],
            purge=p["purge_tags"],
        ):
            self.updates.append("tags")

        if self.module.check_mode or not self.updates:
            return addon
        return self.wait_active() if p["wait"] else self.describe()

    def delete(self, addon):
        self.updates.append(f"delete add-on {self.name}")
        if self.module.check_mode:
            return
        if addon["status"] != "DELETING":
            try:
                self.client.delete_addon(
                    aws_retry=True, clusterName=self.cluster, addonName=self.name, preserve=self.params["preserve"]
                )
            except is_boto3_error_code("ResourceNotFoundException"):
                return
            except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
                self.module.fail_json_aws(e, msg=f"Failed to delete {self.what()}")
        if self.params["wait"]:
            wait_for_absent(self.module, self.describe, what=self.what(), timeout=self.params["wait_timeout"])


def diff_view(addon):
    if not addon:
        return {}
    return {
        "version": addon.get("addonVersion"),
        "configuration_values": parse_configuration(addon.get("configurationValues")),
        "service_account_role_arn": addon.get("serviceAccountRoleArn") or "",
        "tags": addon.get("tags") or {},
    }


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster_name=dict(type="str", required=True),
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            version=dict(type="str"),
            configuration_values=dict(type="dict", default={}),
            service_account_role_arn=dict(type="str"),
            resolve_conflicts=dict(type="str", choices=["OVERWRITE", "PRESERVE", "NONE"], default="OVERWRITE"),
            preserve=dict(type="bool", default=False),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=1200),
        ),
        supports_check_mode=True,
    )
    client = module.client("eks", retry_decorator=AWSRetry.jittered_backoff())
    manager = AddonManager(module, client)
    existing = manager.describe()
    p = module.params

    if p["state"] == "absent":
        if existing is not None:
            manager.delete(existing)
        result = None
        after = {}
    elif existing is None:
        result = manager.create()
        after = (
            diff_view(result)
            if result
            else {
                "version": p["version"],
                "configuration_values": p["configuration_values"] or {},
                "service_account_role_arn": p["service_account_role_arn"] or "",
                "tags": p["tags"] or {},
            }
        )
    else:
        result = manager.reconcile(existing)
        after = diff_view(result)
        if module.check_mode:
            after.update(
                {
                    k: v
                    for k, v in (
                        ("version", p["version"]),
                        ("configuration_values", p["configuration_values"] or {}),
                        ("service_account_role_arn", p["service_account_role_arn"] or ""),
                    )
                    if v is not None
                }
            )
            if p["tags"] is not None:
                after["tags"] = p["tags"]

    output = dict(
        changed=bool(manager.updates),
        updates=manager.updates,
        addon=camel_dict_to_snake_dict(result or {}, ignore_list=["tags"]),
    )
    if module._diff:
        output["diff"] = dict(before=diff_view(existing), after=after)
    module.exit_json(**output)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_cluster
version_added: 0.1.0
short_description: EKS cluster with endpoint access, control-plane logs, secrets encryption and access entries
description:
  - Creates an EKS cluster with every setting in the one CreateCluster call (so the cluster never
    exists, not even for minutes, with an open public endpoint, unencrypted secrets or no logs), and
    on later runs brings an existing cluster's settings to the requested state.
  - It closes the gap of M(community.aws.eks_cluster), which can set only subnets, security groups,
    version and tags; this module also manages endpoint access (private, public, public CIDRs),
    control-plane logging, envelope encryption of secrets with a KMS key, the authentication mode and
    access entries with their access policies.
  - EKS runs one update at a time, so every update is waited for before the next one starts (each is
    tracked with DescribeUpdate until C(Successful); C(Failed) or C(Cancelled) fails with the errors
    AWS reports).
  - Settings EKS cannot change in place are reported, not forced. A different Kubernetes version
    (unless O(upgrade_version=true) and it is the next minor), other subnets or security groups,
    another encryption key, or a step back in authentication mode fail with a message saying so.
  - With O(upgrade_version=true) the control plane of an existing cluster moves to O(version) when that
    is exactly the next minor version (UpdateClusterVersion, waited for until C(Successful) and the
    cluster is C(ACTIVE) again). Downgrades and skipped minor versions fail before any change.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  name:
    description: Cluster name.
    type: str
    required: true
  state:
    description:
      - V(present) creates or corrects the cluster; V(absent) deletes it (its node groups must be gone).
    type: str
    choices: [present, absent]
    default: present
  version:
    description:
      - Kubernetes version (for example V("1.34")). Used at creation; an existing cluster on another
        version fails (upgrades are a separate, deliberate step with O(upgrade_version)). Omitted uses the
        EKS default at creation.
    type: str
  upgrade_version:
    description:
      - Upgrade the control plane of an existing cluster to O(version) when O(version) is exactly the
        next minor version of the one it runs (one minor at a time, as EKS requires). A downgrade or a
        skipped minor still fails. The version update runs before any other change and is waited for.
      - The node groups and add-ons are not touched (M(langchain.langsmith_aws.eks_nodegroup) O(version),
        M(langchain.langsmith_aws.eks_addon) O(version)).
    type: bool
    default: false
  role_arn:
    description: ARN of the cluster IAM role (needs C(AmazonEKSClusterPolicy)). Required to create.
    type: str
  subnets:
    description: Subnet ids for the control-plane network interfaces. Required to create.
    type: list
    elements: str
  security_groups:
    description: Additional security group ids for the control-plane network interfaces.
    type: list
    elements: str
  endpoint_private_access:
    description: Private API endpoint (reachable inside the VPC). Omitted leaves it as it is (creation - EKS default).
    type: bool
  endpoint_public_access:
    description: Public API endpoint. Omitted leaves it as it is (creation - EKS default, which is on).
    type: bool
  public_access_cidrs:
    description:
      - CIDRs allowed to reach the public endpoint; compared only while the public endpoint is on.
        Omitted leaves them as they are (creation - EKS default V(0.0.0.0/0)).
    type: list
    elements: str
  log_types:
    description:
      - Control-plane log types sent to CloudWatch Logs; every other type is turned off. Omitted
        leaves logging as it is.
    type: list
    elements: str
    choices: [api, audit, authenticator, controllerManager, scheduler]
  encryption_key_arn:
    description:
      - KMS key ARN for envelope encryption of Kubernetes secrets. Set at creation, or associated
        with an existing cluster that has none (AssociateEncryptionConfig). It can never be removed or
        replaced; a cluster encrypted with another key fails.
    type: str
  authentication_mode:
    description:
      - V(API) (access entries only), V(API_AND_CONFIG_MAP) or V(CONFIG_MAP). EKS only moves forward
        (CONFIG_MAP -> API_AND_CONFIG_MAP -> API); a step back fails. Omitted leaves it as it is.
    type: str
    choices: [CONFIG_MAP, API_AND_CONFIG_MAP, API]
  bootstrap_cluster_creator_admin_permissions:
    description: At creation, give the identity that creates the cluster a cluster-admin access entry.
    type: bool
    default: true
  bootstrap_self_managed_addons:
    description:
      - At creation, install the self-managed vpc-cni, kube-proxy and CoreDNS. V(false) when the
        managed add-ons (M(langchain.langsmith_aws.eks_addon)) provide them.
    type: bool
    default: true
  access_entries:
    description:
      - Access entries of IAM principals, with the EKS access policies associated with each.
        Needs an authentication mode with API. Entries not listed are left alone unless
        O(purge_access_entries=true).
    type: list
    elements: dict
    suboptions:
      principal_arn:
        description: IAM role or user ARN.
        type: str
        required: true
      kubernetes_groups:
        description: Kubernetes groups of the principal (for RBAC bindings of your own).
        type: list
        elements: str
        default: []
      policies:
        description: Access policies to associate; entries not listed are disassociated.
        type: list
        elements: dict
        default: []
        suboptions:
          policy_arn:
            description:
              - Access policy ARN, or its name (V(AmazonEKSClusterAdminPolicy), V(AmazonEKSAdminPolicy),
                V(AmazonEKSEditPolicy), V(AmazonEKSViewPolicy), ...).
            type: str
            required: true
          access_scope:
            description: V(cluster) or V(namespace) (then O(access_entries[].policies[].namespaces)).
            type: str
            choices: [cluster, namespace]
            default: cluster
          namespaces:
            description: Namespaces of a V(namespace) scope.
            type: list
            elements: str
            default: []
  purge_access_entries:
    description:
      - Delete access entries of type C(STANDARD) whose principal is not in O(access_entries).
        The entries EKS makes for node roles (other types) and the caller's own principal are never deleted.
    type: bool
    default: false
  tags:
    description: Cluster tags.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
  wait:
    description:
      - Wait for a new cluster to become C(ACTIVE) (then its access entries are applied in the same run).
        Updates of an existing cluster are always waited for, since EKS runs one at a time.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for creation, for each update, and for deletion.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports the changes it would make (including the list in RV(updates)) without making them.
  diff_mode:
    support: full
    description: Shows the managed settings before and after.
notes:
  - AWS allows one kind of change per UpdateClusterConfig call; endpoint access, logging and
    authentication mode changes are therefore separate updates, each waited for.
  - AssociateEncryptionConfig on an existing cluster can take a long time; encrypting at creation is faster.
"""

EXAMPLES = r"""
- name: Private, encrypted cluster with all control-plane logs and API access entries
  langchain.langsmith_aws.eks_cluster:
    name: prod-langsmith
    version: "1.34"
    role_arn: "{{ cluster_role_arn }}"
    subnets: "{{ private_subnet_ids }}"
    endpoint_private_access: true
    endpoint_public_access: true
    public_access_cidrs: [203.0.113.0/24]
    log_types: [api, audit, authenticator, controllerManager, scheduler]
    encryption_key_arn: "{{ kms_key_arn }}"
    authentication_mode: API
    bootstrap_self_managed_addons: false
    access_entries:
      - principal_arn: arn:aws:iam::123456789012:role/platform-admins
        policies:
          - policy_arn: AmazonEKSClusterAdminPolicy
    tags:
      langsmith:env: prod

- name: Upgrade the control plane one minor version (1.33 -> 1.34), waited for
  langchain.langsmith_aws.eks_cluster:
    name: prod-langsmith
    version: "1.34"
    upgrade_version: true
    wait_timeout: 3600

- name: Close the public endpoint of an existing cluster
  langchain.langsmith_aws.eks_cluster:
    name: prod-langsmith
    role_arn: "{{ cluster_role_arn }}"
    subnets: "{{ private_subnet_ids }}"
    endpoint_public_access: false
"""

RETURN = r"""
cluster:
  description: The cluster after the run (snake_cased DescribeCluster output; tags keep their keys). Empty when absent.
  returned: always
  type: dict
  sample:
    name: prod-langsmith
    arn: arn:aws:eks:us-east-1:123456789012:cluster/prod-langsmith
    status: ACTIVE
    version: "1.34"
    endpoint: https://0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com
    resources_vpc_config: {endpoint_private_access: true, endpoint_public_access: false}
updates:
  description: What changed (or would change in check mode), one line each.
  returned: always
  type: list
  elements: str
  sample: ["version 1.33 -> 1.34", "endpoint access: public true -> false", "logging: enable audit, scheduler"]
access_entries:
  description: Principal ARNs with an access entry after the run (listed only when O(access_entries) is managed).
  returned: when O(access_entries) is set and the cluster is ACTIVE
  type: list
  elements: str
  sample: [arn:aws:iam::123456789012:role/platform-admins]
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.eks import (
    BOTO_ERRORS,
    describe_cluster,
    ensure_tags,
    partition_of,
    wait_for_absent,
    wait_for_cluster_active,
    wait_for_update,
)

LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
AUTH_MODES = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"]


class ClusterManager:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.name = module.params["name"]
        self.timeout = module.params["wait_timeout"]
        self.updates = []
        self.before = {}
        self.after = {}
        self.access_entries = None

    # ------------------------------------------------------------------ helpers
    def fail(self, msg):
        self.module.fail_json(msg=msg, updates=self.updates)

    def _update_config(self, description, **kwargs):
        """One UpdateClusterConfig call, waited for (EKS runs one update at a time)."""
        self.updates.append(description)
        if self.module.check_mode:
            return
        try:
            response = self.client.update_cluster_config(aws_retry=True, name=self.name, **kwargs)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to update EKS cluster {self.name} ({description})")
        self._wait_update(response.get("update"))

    def _wait_update(self, update):
        if update and update.get("id"):
            wait_for_update(self.client, self.module, self.name, update, self.timeout)
        return wait_for_cluster_active(self.client, self.module, self.name, self.timeout)

    # ------------------------------------------------------------------ desired state
    def vpc_config(self, create=False):
        config = {}
        if create:
            config["subnetIds"] = self.params["subnets"]
            if self.params["security_groups"]:
                config["securityGroupIds"] = self.params["security_groups"]
        if self.params["endpoint_private_access"] is not None:
            config["endpointPrivateAccess"] = self.params["endpoint_private_access"]
        if self.params["endpoint_public_access"] is not None:
            config["endpointPublicAccess"] = self.params["endpoint_public_access"]
        if self.params["public_access_cidrs"] is not None and self.params["endpoint_public_access"] is not False:
            config["publicAccessCidrs"] = self.params["public_access_cidrs"]
        return config

    def logging_config(self):
        enabled = sorted(set(self.params["log_types"]))
        disabled = [t for t in LOG_TYPES if t not in enabled]
        entries = []
        if enabled:
            entries.append({"types": enabled, "enabled": True})
        if disabled:
            entries.append({"types": disabled, "enabled": False})
        return {"clusterLogging": entries}

    def encryption_config(self):
        return [{"resources": ["secrets"], "provider": {"keyArn": self.params["encryption_key_arn"]}}]

    # ------------------------------------------------------------------ create / delete
    def create(self):
        params = {
            "name": self.name,
            "roleArn": self.params["role_arn"],
            "resourcesVpcConfig": self.vpc_config(create=True),
            "bootstrapSelfManagedAddons": self.params["bootstrap_self_managed_addons"],
        }
        if self.params["version"]:
            params["version"] = self.params["version"]
        if self.params["log_types"] is not None:
            params["logging"] = self.logging_config()
        if self.params["encryption_key_arn"]:
            params["encryptionConfig"] = self.encryption_config()
        access = {"bootstrapClusterCreatorAdminPermissions": self.params["bootstrap_cluster_creator_admin_permissions"]}
        if self.params["authentication_mode"]:
            access["authenticationMode"] = self.params["authentication_mode"]
        params["accessConfig"] = access
        if self.params["tags"]:
            params["tags"] = self.params["tags"]
        self.updates.append(f"create cluster {self.name}")
        self.after = self.summary(None, desired=True)
        if self.module.check_mode:
            return None
        try:
            self.client.create_cluster(aws_retry=True, **params)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to create EKS cluster {self.name}")
        if not self.params["wait"]:
            if self.params["access_entries"] is not None:
                self.module.warn("wait=false: access entries are applied on a later run, once the cluster is ACTIVE")
            return describe_cluster(self.client, self.module, self.name)
        cluster = wait_for_cluster_active(self.client, self.module, self.name, self.timeout)
        self.ensure_access_entries(cluster)
        return cluster

    def delete(self, cluster):
        self.before = self.summary(cluster)
        self.updates.append(f"delete cluster {self.name}")
        if self.module.check_mode:
            return
        if cluster["status"] != "DELETING":
            try:
                self.client.delete_cluster(aws_retry=True, name=self.name)
            except is_boto3_error_code("ResourceNotFoundException"):
                return
            except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
                self.module.fail_json_aws(e, msg=f"Failed to delete EKS cluster {self.name}")
        if self.params["wait"]:
            wait_for_absent(
                self.module,
                lambda: describe_cluster(self.client, self.module, self.name),
                what=f"EKS cluster {self.name}",
                timeout=self.timeout,
            )

    # ------------------------------------------------------------------ reconcile
    def reconcile(self, cluster):
        self.before = self.summary(cluster)
        if cluster["status"] in ("FAILED", "DELETING"):
            self.fail(f"EKS cluster {self.name} is {cluster['status']}; it cannot be updated")
        self.check_immutable(cluster)
        if cluster["status"] != "ACTIVE" and not self.module.check_mode:
            cluster = wait_for_cluster_active(self.client, self.module, self.name, self.timeout)

        cluster = self.ensure_version(cluster)
        self.ensure_endpoint_access(cluster)
        self.ensure_logging(cluster)
        self.ensure_authentication_mode(cluster)
        self.ensure_encryption(cluster)
        if ensure_tags(
            self.client,
            self.module,
            cluster["arn"],
            current=cluster.get("tags"),
            desired=self.params["tags"],
            purge=self.params["purge_tags"],
        ):
            self.updates.append("tags")
        self.ensure_access_entries(cluster)
        if self.module.check_mode or not self.updates:
            self.after = self.summary(cluster, desired=True)
            return cluster
        cluster = describe_cluster(self.client, self.module, self.name)
        self.after = self.summary(cluster)
        return cluster

    def check_immutable(self, cluster):
        vpc = cluster.get("resourcesVpcConfig", {})
        version = self.params["version"]
        if version and cluster.get("version") != version:
            if not self.params["upgrade_version"]:
                self.fail(
                    f"EKS cluster {self.name} runs Kubernetes {cluster.get('version')}, not {version}. This module "
                    "does not change versions unless upgrade_version=true: upgrade one minor version at a time "
                    "(control plane, then add-ons and node groups) as a deliberate step "
                    "(playbooks/upgrade_cluster.yml), "
                    "or pin the version the cluster runs."
                )
            problem = version_step_problem(cluster.get("version"), version)
            if problem:
                self.fail(f"EKS cluster {self.name}: {problem}")
        # A cluster always reports its subnets; an empty list means "not reported" (nothing to compare).
        current_subnets = sorted(vpc.get("subnetIds") or [])
        if self.params["subnets"] and current_subnets and current_subnets != sorted(self.params["subnets"]):
            self.fail(
                f"EKS cluster {self.name} uses subnets {current_subnets}, not "
                f"{sorted(self.params['subnets'])}; this module does not move a cluster to other subnets."
            )
        wanted_sgs = sorted(self.params["security_groups"] or [])
        if self.params["security_groups"] is not None and sorted(vpc.get("securityGroupIds", [])) != wanted_sgs:
            self.fail(
                f"EKS cluster {self.name} has additional security groups {sorted(vpc.get('securityGroupIds', []))}, "
                f"not {wanted_sgs}; this module does not change them on an existing cluster."
            )

    def ensure_version(self, cluster):
        """UpdateClusterVersion to the next minor (checked in check_immutable), waited for."""
        wanted = self.params["version"]
        if not wanted or cluster.get("version") == wanted:
            return cluster
        self.updates.append(f"version {cluster.get('version')} -> {wanted}")
        if self.module.check_mode:
            return cluster
        try:
            response = self.client.update_cluster_version(aws_retry=True, name=self.name, version=wanted)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to update EKS cluster {self.name} to Kubernetes {wanted}")
        return self._wait_update(response.get("update"))

    def ensure_endpoint_access(self, cluster):
        current = cluster.get("resourcesVpcConfig", {})
        wanted = self.vpc_config()
        changes = {}
        for key in ("endpointPrivateAccess", "endpointPublicAccess"):
            if key in wanted and bool(current.get(key)) != wanted[key]:
                changes[key] = wanted[key]
        public_on = wanted.get("endpointPublicAccess", current.get("endpointPublicAccess"))
        cidrs = sorted(wanted.get("publicAccessCidrs") or [])
        if public_on and "publicAccessCidrs" in wanted and sorted(current.get("publicAccessCidrs") or []) != cidrs:
            changes["publicAccessCidrs"] = wanted["publicAccessCidrs"]
        if not changes:
            return
        if not wanted.get("endpointPrivateAccess", current.get("endpointPrivateAccess")) and not public_on:
            self.fail("endpoint_private_access and endpoint_public_access cannot both be false")
        described = ", ".join(f"{k} {current.get(k)} -> {v}" for k, v in sorted(changes.items()))
        # Send the complete access settings: EKS applies them together.
        config = {k: wanted[k] for k in ("endpointPrivateAccess", "endpointPublicAccess") if k in wanted}
        config.update(changes)
        self._update_config(f"endpoint access: {described}", resourcesVpcConfig=config)

    def ensure_logging(self, cluster):
        if self.params["log_types"] is None:
            return
        enabled = enabled_log_types(cluster)
        wanted = sorted(set(self.params["log_types"]))
        if enabled == wanted:
            return
        turn_on = [t for t in wanted if t not in enabled]
        turn_off = [t for t in enabled if t not in wanted]
        parts = ([f"enable {', '.join(turn_on)}"] if turn_on else []) + (
            [f"disable {', '.join(turn_off)}"] if turn_off else []
        )
        self._update_config(f"logging: {'; '.join(parts)}", logging=self.logging_config())

    def ensure_authentication_mode(self, cluster):
        wanted = self.params["authentication_mode"]
        if not wanted:
            return
        current = (cluster.get("accessConfig") or {}).get("authenticationMode") or "CONFIG_MAP"
        if current == wanted:
            return
        if AUTH_MODES.index(wanted) < AUTH_MODES.index(current):
            self.fail(
                f"EKS cluster {self.name} uses authentication mode {current}; EKS cannot go back to {wanted}. "
                f"Set authentication_mode: {current} (or a later mode)."
            )
        # CONFIG_MAP -> API goes through API_AND_CONFIG_MAP, the order EKS accepts.
        for step in AUTH_MODES[AUTH_MODES.index(current) + 1 : AUTH_MODES.index(wanted) + 1]:
            self._update_config(f"authentication mode -> {step}", accessConfig={"authenticationMode": step})

    def ensure_encryption(self, cluster):
        key = self.params["encryption_key_arn"]
        if not key:
            return
        configs = cluster.get("encryptionConfig") or []
        keys = [c.get("provider", {}).get("keyArn") for c in configs if "secrets" in c.get("resources", [])]
        if key in keys:
            return
        if keys:
            self.fail(
                f"EKS cluster {self.name} already encrypts secrets with {keys[0]}; EKS cannot change or remove "
                f"that key, so encryption_key_arn must be {keys[0]}."
            )
        self.updates.append(f"encryption: associate secrets encryption with {key}")
        if self.module.check_mode:
            return
        try:
            response = self.client.associate_encryption_config(
                aws_retry=True, clusterName=self.name, encryptionConfig=self.encryption_config()
            )
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to associate secrets encryption with EKS cluster {self.name}")
        self._wait_update(response.get("update"))

    # ------------------------------------------------------------------ access entries
    def policy_arn(self, cluster, name_or_arn):
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return f"arn:{partition_of(cluster['arn'])}:eks::aws:cluster-access-policy/{name_or_arn}"

    def desired_entries(self, cluster):
        entries = {}
        for entry in self.params["access_entries"] or []:
            policies = {}
            for policy in entry["policies"]:
                scope = {"type": policy["access_scope"]}
                if policy["access_scope"] == "namespace":
                    scope["namespaces"] = sorted(policy["namespaces"])
                policies[self.policy_arn(cluster, policy["policy_arn"])] = scope
            entries[entry["principal_arn"]] = {"groups": sorted(entry["kubernetes_groups"]), "policies": policies}
        return entries

    def current_entries(self):
        entries = {}
        try:
            principals = []
            for page in self.client.get_paginator("list_access_entries").paginate(clusterName=self.name):
                principals.extend(page.get("accessEntries", []))
            for principal in principals:
                entry = self.client.describe_access_entry(
                    aws_retry=True, clusterName=self.name, principalArn=principal
                )["accessEntry"]
                policies = {}
                for page in self.client.get_paginator("list_associated_access_policies").paginate(
                    clusterName=self.name, principalArn=principal
                ):
                    for assoc in page.get("associatedAccessPolicies", []):
                        scope = {"type": assoc["accessScope"]["type"]}
                        if scope["type"] == "namespace":
                            scope["namespaces"] = sorted(assoc["accessScope"].get("namespaces", []))
                        policies[assoc["policyArn"]] = scope
                entries[principal] = {
                    "type": entry.get("type", "STANDARD"),
                    "groups": sorted(entry.get("kubernetesGroups", [])),
                    "policies": policies,
                }
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to read the access entries of EKS cluster {self.name}")
        return entries

    def caller_principals(self):
        """The caller's ARN and, for an assumed role, the role's ARN (never purged)."""
        try:
            arn = self.module.client("sts").get_caller_identity()["Arn"]
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="Failed to identify the caller")
        principals = {arn}
        parts = arn.split(":")
        if len(parts) == 6 and parts[5].startswith("assumed-role/"):
            role = parts[5].split("/")[1]
            principals.add(f"arn:{parts[1]}:iam::{parts[4]}:role/{role}")
        return principals

    def ensure_access_entries(self, cluster):
        if self.params["access_entries"] is None:
            return
        if cluster is None or cluster.get("status") != "ACTIVE":
            return
        wanted = self.desired_entries(cluster)
        current = self.current_entries()
        self.before["access_entries"] = {p: sorted(e["policies"]) for p, e in current.items()}
        for principal, entry in sorted(wanted.items()):
            have = current.get(principal)
            if have is None:
                self._create_entry(principal, entry)
                continue
            if have["groups"] != entry["groups"]:
                self._call(
                    f"access entry {principal}: kubernetes groups {have['groups']} -> {entry['groups']}",
                    "update_access_entry",
                    principalArn=principal,
                    kubernetesGroups=entry["groups"],
                )
            for policy, scope in sorted(entry["policies"].items()):
                if have["policies"].get(policy) != scope:
                    self._associate(principal, policy, scope)
            for policy in sorted(set(have["policies"]) - set(entry["policies"])):
                self._call(
                    f"access entry {principal}: disassociate {policy}",
                    "disassociate_access_policy",
                    principalArn=principal,
                    policyArn=policy,
                )
        if self.params["purge_access_entries"]:
            keep = self.caller_principals()
            for principal, have in sorted(current.items()):
                if principal in wanted or principal in keep or have["type"] != "STANDARD":
                    continue
                self._call(f"access entry {principal}: delete", "delete_access_entry", principalArn=principal)
        self.after["access_entries"] = {
            **{p: sorted(e["policies"]) for p, e in current.items()},
            **{p: sorted(e["policies"]) for p, e in wanted.items()},
        }
        self.access_entries = sorted(set(current) | set(wanted))

    def _call(self, description, method, **kwargs):
        self.updates.append(description)
        if self.module.check_mode:
            return
        try:
            getattr(self.client, method)(aws_retry=True, clusterName=self.name, **kwargs)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to {description} on EKS cluster {self.name}")

    def _create_entry(self, principal, entry):
        params = {"principalArn": principal, "type": "STANDARD"}
        if entry["groups"]:
            params["kubernetesGroups"] = entry["groups"]
        if self.params["tags"]:
            params["tags"] = self.params["tags"]
        self._call(f"access entry {principal}: create", "create_access_entry", **params)
        for policy, scope in sorted(entry["policies"].items()):
            self._associate(principal, policy, scope)

    def _associate(self, principal, policy, scope):
        self._call(
            f"access entry {principal}: associate {policy} ({scope['type']} scope)",
            "associate_access_policy",
            principalArn=principal,
            policyArn=policy,
            accessScope=scope,
        )

    # ------------------------------------------------------------------ reporting
    def summary(self, cluster, desired=False):
        """The managed settings, as they are (``desired=False``) or as requested on top of them."""
        cluster = cluster or {}
        vpc = cluster.get("resourcesVpcConfig", {})
        encryption = [c.get("provider", {}).get("keyArn") for c in cluster.get("encryptionConfig") or []]
        state = {
            "version": cluster.get("version"),
            "endpoint_private_access": vpc.get("endpointPrivateAccess"),
            "endpoint_public_access": vpc.get("endpointPublicAccess"),
            "public_access_cidrs": sorted(vpc.get("publicAccessCidrs") or []),
            "log_types": enabled_log_types(cluster),
            "encryption_key_arn": encryption[0] if encryption else None,
            "authentication_mode": (cluster.get("accessConfig") or {}).get("authenticationMode"),
            "tags": cluster.get("tags") or {},
        }
        if not desired:
            return state
        p = self.params
        overrides = {
            "version": p["version"],
            "endpoint_private_access": p["endpoint_private_access"],
            "endpoint_public_access": p["endpoint_public_access"],
            "public_access_cidrs": sorted(p["public_access_cidrs"]) if p["public_access_cidrs"] is not None else None,
            "log_types": sorted(set(p["log_types"])) if p["log_types"] is not None else None,
            "encryption_key_arn": p["encryption_key_arn"],
            "authentication_mode": p["authentication_mode"],
            "tags": p["tags"],
        }
        state.update({k: v for k, v in overrides.items() if v is not None})
        return state


def parse_minor(version):
    """``"1.34"`` -> ``(1, 34)``; ``None`` when it is not ``<major>.<minor>``."""
    parts = str(version or "").split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def version_step_problem(current, wanted):
    """Why ``current`` -> ``wanted`` is not one minor version up (``None`` when it is)."""
    have, want = parse_minor(current), parse_minor(wanted)
    if have is None or want is None:
        return f"cannot compare Kubernetes versions {current!r} and {wanted!r} (want <major>.<minor>)"
    if want < have:
        return f"runs Kubernetes {current}; {wanted} would be a downgrade, which EKS does not support"
    if want[0] != have[0] or want[1] != have[1] + 1:
        return (
            f"runs Kubernetes {current}; EKS upgrades one minor version at a time, so the next step is "
            f"{have[0]}.{have[1] + 1}, not {wanted}"
        )
    return None


def enabled_log_types(cluster):
    entries = (cluster.get("logging") or {}).get("clusterLogging") or []
    return sorted({t for e in entries if e.get("enabled") for t in e.get("types", [])})


def main():
    policy_options = dict(
        policy_arn=dict(type="str", required=True),
        access_scope=dict(type="str", choices=["cluster", "namespace"], default="cluster"),
        namespaces=dict(type="list", elements="str", default=[]),
    )
    entry_options = dict(
        principal_arn=dict(type="str", required=True),
        kubernetes_groups=dict(type="list", elements="str", default=[]),
        policies=dict(type="list", elements="dict", default=[], options=policy_options),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            version=dict(type="str"),
            upgrade_version=dict(type="bool", default=False),
            role_arn=dict(type="str"),
            subnets=dict(type="list", elements="str"),
            security_groups=dict(type="list", elements="str"),
            endpoint_private_access=dict(type="bool"),
            endpoint_public_access=dict(type="bool"),
            public_access_cidrs=dict(type="list", elements="str"),
            log_types=dict(type="list", elements="str", choices=LOG_TYPES),
            encryption_key_arn=dict(type="str", no_log=False),
            authentication_mode=dict(type="str", choices=AUTH_MODES),
            bootstrap_cluster_creator_admin_permissions=dict(type="bool", default=True),
            bootstrap_self_managed_addons=dict(type="bool", default=True),
            access_entries=dict(type="list", elements="dict", options=entry_options),
            purge_access_entries=dict(type="bool", default=False),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=1800),
        ),
        supports_check_mode=True,
    )
    client = module.client("eks", retry_decorator=AWSRetry.jittered_backoff())
    manager = ClusterManager(module, client)
    cluster = describe_cluster(client, module, manager.name)

    if module.params["state"] == "absent":
        if cluster is not None:
            manager.delete(cluster)
        result_cluster = None
    elif cluster is None:
        missing = [k for k in ("role_arn", "subnets") if not module.params[k]]
        if missing:
            module.fail_json(msg=f"EKS cluster {manager.name} does not exist; creating it needs {', '.join(missing)}")
        result_cluster = manager.create()
    else:
        result_cluster = manager.reconcile(cluster)

    result = dict(
        changed=bool(manager.updates),
        updates=manager.updates,
        cluster=camel_dict_to_snake_dict(result_cluster or {}, ignore_list=["tags"]),
    )
    if manager.access_entries is not None:
        result["access_entries"] = manager.access_entries
    if module._diff:
        result["diff"] = dict(before=manager.before, after=manager.after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_nodegroup
version_added: 0.1.0
short_description: EKS managed node group that leaves its desired size to the cluster autoscaler
description:
  - Creates an EKS managed node group, or brings an existing one to the requested scaling bounds,
    labels, taints, update policy, launch template version, Kubernetes version and tags.
  - Differences from M(community.aws.eks_nodegroup), which is why this module exists. It accepts
    the AL2023 and Bottlerocket AMI types (AL2 AMIs do not exist for Kubernetes 1.33 and later)
    together with a launch template. An existing group keeps its current desired size (the cluster
    autoscaler owns it), only clamped into O(min_size)..O(max_size). Label value changes and taint
    changes are detected and applied. Tags are read from DescribeNodegroup.
  - Settings EKS cannot change in place (instance types, AMI type, subnets, node role, capacity
    type, disk size, launch template identity) fail with a message instead of being ignored.
  - With O(upgrade_version=true), O(version) rolls the nodes of an existing group to a newer Kubernetes
    version (and O(release_version) to another AMI release) with UpdateNodegroupVersion, together with a
    launch template version change in the same call; EKS replaces the nodes O(max_unavailable) at a time.
    Without it, a group on another version fails (upgrades are a deliberate step); a version older than
    the group runs always fails (EKS cannot downgrade nodes).
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  name:
    description: Node group name (unique within the cluster).
    type: str
    required: true
  state:
    description: V(present) creates or corrects the group; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  node_role_arn:
    description: ARN of the node IAM role. Required to create.
    type: str
  subnets:
    description: Subnet ids for the nodes. Required to create.
    type: list
    elements: str
  instance_types:
    description: Instance types (when the launch template does not set one).
    type: list
    elements: str
  ami_type:
    description: AMI type; also allowed with a launch template that sets no image.
    type: str
    choices:
      - AL2023_x86_64_STANDARD
      - AL2023_ARM_64_STANDARD
      - AL2023_x86_64_NVIDIA
      - AL2023_x86_64_NEURON
      - BOTTLEROCKET_x86_64
      - BOTTLEROCKET_ARM_64
      - AL2_x86_64
      - AL2_ARM_64
      - CUSTOM
  capacity_type:
    description: V(ON_DEMAND) or V(SPOT).
    type: str
    choices: [ON_DEMAND, SPOT]
    default: ON_DEMAND
  disk_size:
    description: Root volume size in GiB (only without a launch template; put it in the template otherwise).
    type: int
  launch_template:
    description: Launch template (id or name, and version) for the nodes.
    type: dict
    suboptions:
      id:
        description: Launch template id.
        type: str
      name:
        description: Launch template name.
        type: str
      version:
        description: Launch template version; a different version rolls the nodes (UpdateNodegroupVersion).
        type: str
  version:
    description:
      - Kubernetes version of the nodes (for example V("1.34")), at most the control plane's. Set at
        creation (omitted - the cluster's version). An existing group on another version fails unless
        O(upgrade_version=true) and the version is newer (then the nodes are rolled).
      - Leave it out when the launch template sets a custom AMI (EKS then takes the version from the AMI).
    type: str
  release_version:
    description:
      - AMI release version of the nodes (for example V(1.34.0-20250920)). Omitted - the latest release of
        O(version) at creation and when O(version) changes; a different release on an existing group rolls
        the nodes.
    type: str
  upgrade_version:
    description:
      - Roll an existing group's nodes to a newer O(version) (UpdateNodegroupVersion; the control plane must
        already run it). Off - a version difference fails with a message instead.
    type: bool
    default: false
  force_update:
    description:
      - When rolling the nodes, replace them even if pods cannot be drained (a PodDisruptionBudget blocks
        the eviction). Off - the update fails instead, which is what protects ClickHouse and the data path.
    type: bool
    default: false
  min_size:
    description: Minimum number of nodes.
    type: int
    required: true
  max_size:
    description: Maximum number of nodes.
    type: int
    required: true
  desired_size:
    description:
      - Number of nodes at creation. An existing group keeps its current desired size (set by the
        cluster autoscaler), clamped into O(min_size)..O(max_size), unless O(keep_desired_size=false).
    type: int
    required: true
  keep_desired_size:
    description: Leave the desired size of an existing group to the cluster autoscaler (only clamp it).
    type: bool
    default: true
  labels:
    description: Kubernetes labels of the nodes; labels not listed are removed.
    type: dict
    default: {}
  taints:
    description: Kubernetes taints of the nodes; taints not listed are removed.
    type: list
    elements: dict
    default: []
    suboptions:
      key:
        description: Taint key.
        type: str
        required: true
      value:
        description: Taint value.
        type: str
      effect:
        description: Taint effect.
        type: str
        required: true
        choices: [NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE]
  max_unavailable:
    description: Nodes replaced at a time during updates.
    type: int
    default: 1
  tags:
    description: Node group tags (EKS does not copy them to the instances).
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
  wait:
    description: Wait until the group is C(ACTIVE) after creating or updating it (C(CREATE_FAILED)/C(DEGRADED) fail).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports the changes it would make without making them.
  diff_mode:
    support: full
    description: >-
      Shows scaling, labels, taints, update policy, launch template version, Kubernetes version and tags
      before and after.
"""

EXAMPLES = r"""
- name: Dedicated ClickHouse nodes, tainted, one per replica
  langchain.langsmith_aws.eks_nodegroup:
    cluster_name: prod-langsmith
    name: clickhouse
    node_role_arn: "{{ node_role_arn }}"
    subnets: "{{ private_subnet_ids }}"
    ami_type: AL2023_x86_64_STANDARD
    launch_template:
      name: prod-langsmith-clickhouse
      version: "1"
    min_size: 1
    desired_size: 1
    max_size: 1
    labels:
      langsmith/pool: clickhouse
    taints:
      - key: langsmith/pool
        value: clickhouse
        effect: NO_SCHEDULE
    wait: false

- name: Roll the general nodes to Kubernetes 1.34 after the control plane (one group at a time)
  langchain.langsmith_aws.eks_nodegroup:
    cluster_name: prod-langsmith
    name: general
    version: "1.34"
    upgrade_version: true
    min_size: 3
    desired_size: 3
    max_size: 10
    labels:
      langsmith/pool: general
    wait: true
    wait_timeout: 3600
"""

RETURN = r"""
nodegroup:
  description: The node group after the run (snake_cased DescribeNodegroup output; labels and tags keep their keys).
  returned: always
  type: dict
  sample:
    nodegroup_name: clickhouse
    status: ACTIVE
    scaling_config: {min_size: 1, max_size: 1, desired_size: 1}
    labels: {langsmith/pool: clickhouse}
    taints: [{key: langsmith/pool, value: clickhouse, effect: NO_SCHEDULE}]
updates:
  description: What changed (or would change in check mode), one line each.
  returned: always
  type: list
  elements: str
  sample: ["scaling: max 6 -> 10", "labels: +langsmith/pool", "version 1.33 -> 1.34 (rolls the nodes)"]
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.eks import (
    BOTO_ERRORS,
    describe_nodegroup,
    ensure_tags,
    wait_for,
    wait_for_absent,
    wait_for_update,
)


def taint_key(taint):
    return (taint["key"], taint.get("value") or "", taint["effect"])


def normalize_taints(taints):
    return sorted(
        ({"key": t["key"], "value": t.get("value") or "", "effect": t["effect"]} for t in taints or []),
        key=taint_key,
    )


class NodegroupManager:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.cluster = module.params["cluster_name"]
        self.name = module.params["name"]
        self.updates = []

    def describe(self):
        return describe_nodegroup(self.client, self.module, self.cluster, self.name)

    def wait_active(self):
        return wait_for(
            self.module,
            self.describe,
            ready=lambda ng: ng.get("status") == "ACTIVE",
            failed=lambda ng: ng.get("status") in ("CREATE_FAILED", "DELETE_FAILED", "DEGRADED", "DELETING"),
            what=f"node group {self.name} of EKS cluster {self.cluster}",
            timeout=self.params["wait_timeout"],
        )

    def launch_template(self):
        lt = self.params["launch_template"]
        if not lt:
            return None
        return {k: lt[k] for k in ("id", "name", "version") if lt.get(k)}

    # ------------------------------------------------------------------ create
    def create(self):
        p = self.params
        params = {
            "clusterName": self.cluster,
            "nodegroupName": self.name,
            "nodeRole": p["node_role_arn"],
            "subnets": p["subnets"],
            "scalingConfig": {"minSize": p["min_size"], "maxSize": p["max_size"], "desiredSize": p["desired_size"]},
            "capacityType": p["capacity_type"],
            "labels": p["labels"],
            "taints": normalize_taints(p["taints"]),
            "updateConfig": {"maxUnavailable": p["max_unavailable"]},
        }
        for option, key in (
            ("instance_types", "instanceTypes"),
            ("ami_type", "amiType"),
            ("disk_size", "diskSize"),
            ("version", "version"),
            ("release_version", "releaseVersion"),
        ):
            if p[option]:
                params[key] = p[option]
        if self.launch_template():
            params["launchTemplate"] = self.launch_template()
        if p["tags"]:
            params["tags"] = p["tags"]
        self.updates.append(f"create node group {self.name}")
        if self.module.check_mode:
            return None
        try:
            nodegroup = self.client.create_nodegroup(aws_retry=True, **params)["nodegroup"]
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to create node group {self.name} of EKS cluster {self.cluster}")
        if not p["wait"]:
            return nodegroup
        nodegroup = self.wait_active()
        # Settings a create call may not have kept (then the next run would differ): apply them now.
        return self.reconcile(nodegroup, after_create=True)

    # ------------------------------------------------------------------ reconcile
    def check_immutable(self, ng):
        p = self.params
        problems = []
        if p["instance_types"] and sorted(ng.get("instanceTypes") or []) != sorted(p["instance_types"]):
            problems.append(f"instance types {ng.get('instanceTypes')} -> {p['instance_types']}")
        if p["ami_type"] and ng.get("amiType") and ng["amiType"] != p["ami_type"]:
            problems.append(f"AMI type {ng['amiType']} -> {p['ami_type']}")
        if p["subnets"] and sorted(ng.get("subnets") or []) != sorted(p["subnets"]):
            problems.append(f"subnets {sorted(ng.get('subnets') or [])} -> {sorted(p['subnets'])}")
        if p["node_role_arn"] and ng.get("nodeRole") != p["node_role_arn"]:
            problems.append(f"node role {ng.get('nodeRole')} -> {p['node_role_arn']}")
        if ng.get("capacityType") and ng["capacityType"] != p["capacity_type"]:
            problems.append(f"capacity type {ng['capacityType']} -> {p['capacity_type']}")
        if p["disk_size"] and ng.get("diskSize") and int(ng["diskSize"]) != p["disk_size"]:
            problems.append(f"disk size {ng['diskSize']} -> {p['disk_size']}")
        version_problem = version_change_problem(ng.get("version"), p["version"])
        if version_problem:
            problems.append(version_problem)
        elif p["version"] and ng.get("version") and ng["version"] != p["version"] and not p["upgrade_version"]:
            self.module.fail_json(
                msg=(
                    f"Node group {self.name} of EKS cluster {self.cluster} runs Kubernetes {ng['version']}, not "
                    f"{p['version']}. Nodes are only rolled to another version deliberately: finish the upgrade with "
                    "playbooks/upgrade_cluster.yml (upgrade_version=true), or pin the version they run."
                )
            )
        wanted_lt, have_lt = self.launch_template() or {}, ng.get("launchTemplate") or {}
        for key in ("id", "name"):
            if wanted_lt.get(key) and have_lt.get(key) != wanted_lt[key]:
                problems.append(f"launch template {key} {have_lt.get(key)} -> {wanted_lt[key]}")
        if problems:
            self.module.fail_json(
                msg=(
                    f"Node group {self.name} of EKS cluster {self.cluster} differs in settings EKS cannot change "
                    f"in place: {'; '.join(problems)}. Create a node group under a new name with these settings, "
                    "move the workloads, then delete this one."
                )
            )

    def desired_scaling(self, ng):
        p = self.params
        current = ng.get("scalingConfig") or {}
        desired = p["desired_size"]
        if p["keep_desired_size"] and current.get("desiredSize") is not None:
            desired = min(max(current["desiredSize"], p["min_size"]), p["max_size"])
        return {"minSize": p["min_size"], "maxSize": p["max_size"], "desiredSize": desired}

    def reconcile(self, ng, after_create=False):
        already = len(self.updates)
        if ng.get("status") in ("DELETING", "CREATE_FAILED", "DELETE_FAILED"):
            self.module.fail_json(msg=f"Node group {self.name} of EKS cluster {self.cluster} is {ng['status']}")
        if not after_create:
            self.check_immutable(ng)
        if ng.get("status") != "ACTIVE" and not self.module.check_mode and self.params["wait"]:
            ng = self.wait_active()

        config = {}
        scaling = self.desired_scaling(ng)
        current_scaling = ng.get("scalingConfig") or {}
        if {k: current_scaling.get(k) for k in scaling} != scaling:
            config["scalingConfig"] = scaling
            self.updates.append(
                "scaling: "
                + ", ".join(
                    f"{k[:-4]} {current_scaling.get(k)} -> {v}"
                    for k, v in scaling.items()
                    if current_scaling.get(k) != v
                )
            )

        have_labels, want_labels = ng.get("labels") or {}, self.params["labels"]
        add = {k: v for k, v in want_labels.items() if have_labels.get(k) != v}
        remove = sorted(k for k in have_labels if k not in want_labels)
        if add or remove:
            config["labels"] = {}
            if add:
                config["labels"]["addOrUpdateLabels"] = add
            if remove:
                config["labels"]["removeLabels"] = remove
            self.updates.append("labels: " + ", ".join([f"+{k}" for k in sorted(add)] + [f"-{k}" for k in remove]))

        have_taints = {taint_key(t): t for t in normalize_taints(ng.get("taints"))}
        want_taints = {taint_key(t): t for t in normalize_taints(self.params["taints"])}
        add_taints = [want_taints[k] for k in sorted(set(want_taints) - set(have_taints))]
        remove_taints = [have_taints[k] for k in sorted(set(have_taints) - set(want_taints))]
        # A taint whose value changes is removed and added in one call; EKS matches removals by key+effect.
        changed_keys = {(t["key"], t["effect"]) for t in add_taints}
        remove_taints = [t for t in remove_taints if (t["key"], t["effect"]) not in changed_keys]
        if add_taints or remove_taints:
            config["taints"] = {}
            if add_taints:
                config["taints"]["addOrUpdateTaints"] = add_taints
            if remove_taints:
                config["taints"]["removeTaints"] = remove_taints
            self.updates.append(
                "taints: "
                + ", ".join(
                    [f"+{t['key']}:{t['effect']}" for t in add_taints]
                    + [f"-{t['key']}:{t['effect']}" for t in remove_taints]
                )
            )

        update_config = ng.get("updateConfig") or {}
        if update_config.get("maxUnavailable") != self.params["max_unavailable"]:
            config["updateConfig"] = {"maxUnavailable": self.params["max_unavailable"]}
            have, want = update_config.get("maxUnavailable"), self.params["max_unavailable"]
            self.updates.append(f"update policy: max unavailable {have} -> {want}")

        if config:
            self._update("update_nodegroup_config", **config)

        roll = self.version_update(ng)
        if roll:
            self._update("update_nodegroup_version", **roll)

        if ensure_tags(
            self.client,
            self.module,
            ng["nodegroupArn"],
            current=ng.get("tags"),
            desired=self.params["tags"],
            purge=self.params["purge_tags"],
        ):
            self.updates.append("tags")

        if self.module.check_mode or len(self.updates) == already:
            return ng
        return self.wait_active() if self.params["wait"] else self.describe()

    def version_update(self, ng):
        """UpdateNodegroupVersion arguments (Kubernetes version, AMI release, launch template version) or {}."""
        p = self.params
        roll = {}
        if p["version"] and ng.get("version") != p["version"]:
            roll["version"] = p["version"]
            self.updates.append(f"version {ng.get('version')} -> {p['version']} (rolls the nodes)")
        if p["release_version"] and ng.get("releaseVersion") != p["release_version"]:
            roll["releaseVersion"] = p["release_version"]
            self.updates.append(f"AMI release {ng.get('releaseVersion')} -> {p['release_version']} (rolls the nodes)")
        wanted_lt = self.launch_template() or {}
        have_lt = ng.get("launchTemplate") or {}
        if wanted_lt.get("version") and str(have_lt.get("version")) != str(wanted_lt["version"]):
            self.updates.append(
                f"launch template version {have_lt.get('version')} -> {wanted_lt['version']} (rolls the nodes)"
            )
            roll["launchTemplate"] = wanted_lt
        if roll and p["force_update"]:
            roll["force"] = True
        return roll

    def _update(self, method, **kwargs):
        if self.module.check_mode:
            return
        try:
            update = getattr(self.client, method)(
                aws_retry=True, clusterName=self.cluster, nodegroupName=self.name, **kwargs
            )["update"]
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to update node group {self.name} of EKS cluster {self.cluster}")
        # EKS runs one update per node group at a time: wait for this one before the next.
        wait_for_update(
            self.client, self.module, self.cluster, update, self.params["wait_timeout"], nodegroupName=self.name
        )

    # ------------------------------------------------------------------ delete
    def delete(self, ng):
        self.updates.append(f"delete node group {self.name}")
        if self.module.check_mode:
            return
        if ng.get("status") != "DELETING":
            try:
                self.client.delete_nodegroup(aws_retry=True, clusterName=self.cluster, nodegroupName=self.name)
            except is_boto3_error_code("ResourceNotFoundException"):
                return
            except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
                self.module.fail_json_aws(
                    e, msg=f"Failed to delete node group {self.name} of EKS cluster {self.cluster}"
                )
        if self.params["wait"]:
            wait_for_absent(
                self.module, self.describe, what=f"node group {self.name}", timeout=self.params["wait_timeout"]
            )


def parse_minor(version):
    """``"1.34"`` -> ``(1, 34)``; ``None`` when it is not ``<major>.<minor>``."""
    parts = str(version or "").split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def version_change_problem(current, wanted):
    """Why the nodes cannot go from ``current`` to ``wanted`` (``None`` when they can, or nothing changes)."""
    if not wanted or not current or current == wanted:
        return None
    have, want = parse_minor(current), parse_minor(wanted)
    if have is None or want is None:
        return f"Kubernetes version {current} -> {wanted} (want <major>.<minor>)"
    if want < have:
        return f"Kubernetes version {current} -> {wanted} (a downgrade: EKS cannot move nodes to an older version)"
    return None


def diff_view(ng):
    ng = ng or {}
    return {
        "scaling_config": camel_dict_to_snake_dict(ng.get("scalingConfig") or {}),
        "labels": ng.get("labels") or {},
        "taints": normalize_taints(ng.get("taints")),
        "max_unavailable": (ng.get("updateConfig") or {}).get("maxUnavailable"),
        "launch_template_version": (ng.get("launchTemplate") or {}).get("version"),
        "version": ng.get("version"),
        "tags": ng.get("tags") or {},
    }


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster_name=dict(type="str", required=True),
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            node_role_arn=dict(type="str"),
            subnets=dict(type="list", elements="str"),
            instance_types=dict(type="list", elements="str"),
            ami_type=dict(
                type="str",
                choices=[
                    "AL2023_x86_64_STANDARD",
                    "AL2023_ARM_64_STANDARD",
                    "AL2023_x86_64_NVIDIA",
                    "AL2023_x86_64_NEURON",
                    "BOTTLEROCKET_x86_64",
                    "BOTTLEROCKET_ARM_64",
                    "AL2_x86_64",
                    "AL2_ARM_64",
                    "CUSTOM",
                ],
            ),
            capacity_type=dict(type="str", choices=["ON_DEMAND", "SPOT"], default="ON_DEMAND"),
            disk_size=dict(type="int"),
            launch_template=dict(
                type="dict", options=dict(id=dict(type="str"), name=dict(type="str"), version=dict(type="str"))
            ),
            min_size=dict(type="int", required=True),
            max_size=dict(type="int", required=True),
            desired_size=dict(type="int", required=True),
            keep_desired_size=dict(type="bool", default=True),
            labels=dict(type="dict", default={}),
            taints=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    key=dict(type="str", required=True, no_log=False),
                    value=dict(type="str"),
                    effect=dict(type="str", required=True, choices=["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]),
                ),
            ),
            max_unavailable=dict(type="int", default=1),
            version=dict(type="str"),
            release_version=dict(type="str"),
            upgrade_version=dict(type="bool", default=False),
            force_update=dict(type="bool", default=False),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=1800),
        ),
        mutually_exclusive=[("launch_template", "disk_size")],
        supports_check_mode=True,
    )
    p = module.params
    sizes = (p["min_size"], p["desired_size"], p["max_size"])
    if not 0 <= sizes[0] <= sizes[1] <= sizes[2] or sizes[2] < 1:
        module.fail_json(msg=f"Need 0 <= min_size <= desired_size <= max_size, max_size >= 1; got {sizes}")
    if p["launch_template"] and not (p["launch_template"].get("id") or p["launch_template"].get("name")):
        module.fail_json(msg="launch_template needs an id or a name")

    client = module.client("eks", retry_decorator=AWSRetry.jittered_backoff())
    manager = NodegroupManager(module, client)
    existing = manager.describe()
    before = diff_view(existing) if existing else {}

    if p["state"] == "absent":
        if existing is not None:
            manager.delete(existing)
        result = None
    elif existing is None:
        missing = [k for k in ("node_role_arn", "subnets") if not p[k]]
        if missing:
            module.fail_json(msg=f"Node group {manager.name} does not exist; creating it needs {', '.join(missing)}")
        result = manager.create()
    else:
        result = manager.reconcile(existing)

    output = dict(
        changed=bool(manager.updates),
        updates=manager.updates,
        nodegroup=camel_dict_to_snake_dict(result or {}, ignore_list=["tags", "labels"]),
    )
    if module._diff:
        output["diff"] = dict(before=before, after=diff_view(result) if result and not module.check_mode else {})
    module.exit_json(**output)


if __name__ == "__main__":
    main()

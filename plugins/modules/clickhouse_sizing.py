#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: clickhouse_sizing
short_description: Gate a LangSmith ClickHouse configuration against the reference architecture (read-only)
version_added: 0.1.0
description:
  - Checks a ClickHouse configuration for LangSmith Self-Hosted on EKS against the P0 reference
    architecture and its production checklist; 8 vCPU / 32 GiB per node with SSD storage of about
    7000 IOPS and 1000 MiB/s for production, 4 vCPU / 16 GiB for dev only, 3-5 replicas when
    replicated, volume expansion, EBS CSI and a default StorageClass.
  - Computes node allocatable from EC2 DescribeInstanceTypes with the EKS kubelet reservation
    formulas, after a VM memory overhead and the DaemonSets' requests; EBS volume limits (gp3, gp2,
    io1, io2, st1, sc1); and whether the instance's EBS baseline sustains the volume's throughput
    and IOPS or only bursts to them.
  - Optionally reads live signals. With O(kubeconfig), node allocatable, the ClickHouse PVCs, the
    StorageClasses and the CSI drivers. With O(clickhouse_url), C(system.disks), C(system.parts),
    C(system.metrics) and C(system.merge_tree_settings) over the HTTP interface, with GET requests,
    which ClickHouse always runs read-only.
  - Never changes anything. The result lists findings (V(error), V(warning), V(info)), each with
    numbers and a fix, the computed facts, and a recommended configuration for the tier.
    RV(passed) is false when there is an error; the caller decides whether to fail (the
    C(langchain.langsmith_aws.clickhouse_sizing) role fails the play).
  - The shared node math lives in C(plugins/module_utils/sizing.py); the eks role's node-group
    checks use the same functions.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  tier_class:
    description:
      - V(production) applies the production baseline and checklist as errors; V(dev) accepts the
        4 vCPU / 16 GiB profile with warnings.
    type: str
    required: true
    choices: [dev, production]
  mode:
    description:
      - V(in_cluster_single) is the chart's one-node ClickHouse StatefulSet.
      - V(in_cluster_replicated) is a replicated ClickHouse running in the cluster (e.g. the ClickHouse operator).
      - V(external) is a ClickHouse outside the cluster (e.g. ClickHouse Cloud). Node, storage and StorageClass
        checks do not apply; O(limits) describes one replica of the service.
    type: str
    default: in_cluster_single
    choices: [in_cluster_single, in_cluster_replicated, external]
  replicas:
    description: Number of ClickHouse replicas.
    type: int
    default: 1
  requests:
    description: Resource requests of one ClickHouse pod (Kubernetes quantities). Required for the in-cluster modes.
    type: dict
    suboptions:
      cpu:
        description: CPU request, e.g. V(7) or V(7500m).
        type: raw
      memory:
        description: Memory request, e.g. V(48Gi).
        type: raw
  limits:
    description:
      - Resource limits of one ClickHouse pod (Kubernetes quantities); in mode V(external), the vCPU and memory of
        one replica of the service.
    type: dict
    suboptions:
      cpu:
        description: CPU limit, e.g. V(8).
        type: raw
      memory:
        description: Memory limit, e.g. V(48Gi).
        type: raw
  instance_types:
    description:
      - EC2 instance types of the node group ClickHouse runs on. The pod can land on any of them, so the
        smallest one is checked. Required for the in-cluster modes unless O(kubeconfig) finds the nodes.
    type: list
    elements: str
    default: []
  candidate_instance_types:
    description: Instance types the recommendation and the fixes choose from (smallest that fits first).
    type: list
    elements: str
    default: [m6i.xlarge, r6i.xlarge, m6i.2xlarge, r6i.2xlarge, m6i.4xlarge, r6i.4xlarge, m6i.8xlarge, r6i.8xlarge]
  volume:
    description:
      - The ClickHouse data volume (one per replica). O(storage_class), or the live PVC's StorageClass, supplies
        type, IOPS and throughput when given.
    type: dict
    default: {}
    suboptions:
      type:
        description: EBS volume type.
        type: str
        default: gp3
        choices: [gp3, gp2, io1, io2, st1, sc1, standard]
      size:
        description: Size; an integer is GiB, a string a Kubernetes quantity (V(500Gi)).
        type: raw
      iops:
        description: Provisioned IOPS (gp3 defaults to 3000; io1/io2 need it).
        type: int
      throughput:
        description: Provisioned throughput in MiB/s (gp3 only; defaults to 125).
        type: int
  storage_class:
    description:
      - A StorageClass object as Kubernetes has it (C(provisioner), C(parameters) with C(type), C(iops),
        C(throughput) or C(iopsPerGB), C(allowVolumeExpansion), C(volumeBindingMode)).
      - When given, its parameters override O(volume) type, IOPS and throughput; a live PVC's class overrides both.
    type: dict
  daemonset_overhead:
    description: CPU and memory the DaemonSets request on every node (vpc-cni, kube-proxy, EBS CSI node, agents).
    type: dict
    default: {}
    suboptions:
      cpu:
        description: CPU requested by DaemonSets per node.
        type: raw
        default: 500m
      memory:
        description: Memory requested by DaemonSets per node.
        type: raw
        default: 512Mi
  vm_memory_overhead_percent:
    description:
      - Share of the nominal instance memory the kubelet never sees (kernel, firmware). Karpenter's default is 7.5.
    type: float
    default: 7.5
  max_pods:
    description:
      - The node group's maxPods, when it sets one (prefix delegation, managed node group caps). The default ENI
        formula gives the larger, more conservative memory reservation.
    type: int
  kubeconfig:
    description: Kubeconfig for live checks (nodes, PVCs, StorageClasses, CSI drivers). Omit for a plan-time check.
    type: path
  context:
    description: Kubeconfig context; the current context when omitted.
    type: str
  namespace:
    description: Namespace of the LangSmith release (where the ClickHouse PVCs are).
    type: str
    default: langsmith
  node_selector:
    description:
      - Labels of the ClickHouse nodes. When empty, the nodes whose C(node.kubernetes.io/instance-type) is in
        O(instance_types), or every node when O(instance_types) is empty.
    type: dict
    default: {}
  pvc_name_pattern:
    description: Regular expression the ClickHouse PVC names match (the chart's is C(data-<release>-clickhouse-0)).
    type: str
    default: clickhouse
  clickhouse_url:
    description: ClickHouse HTTP interface for live signals, e.g. V(https://clickhouse.example.com:8443).
    type: str
  clickhouse_user:
    description: ClickHouse user (sent as C(X-ClickHouse-User)).
    type: str
    default: default
  clickhouse_password:
    description: ClickHouse password (sent as C(X-ClickHouse-Key)); never logged.
    type: str
  clickhouse_validate_certs:
    description: Verify the ClickHouse TLS certificate.
    type: bool
    default: true
  clickhouse_ca_path:
    description: CA bundle for the ClickHouse TLS certificate.
    type: path
  timeout:
    description: Seconds to wait for the Kubernetes API and ClickHouse.
    type: int
    default: 15
  disk_alert_percent:
    description: Live disk usage at or above this is a warning (the production checklist alerts above 70 %).
    type: float
    default: 70
  disk_critical_percent:
    description: Live disk usage at or above this is an error in production.
    type: float
    default: 85
notes:
  - Check mode is supported; the module never changes anything, so it runs the same in check mode.
  - Live checks need the C(kubernetes) Python library (kubeconfig) and network access to the ClickHouse HTTP port.
  - ClickHouse SQL is limited to C(system.disks), C(system.parts), C(system.metrics) and C(system.merge_tree_settings);
    node memory and CPU come from Kubernetes.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
"""

EXAMPLES = r"""
- name: Gate the production preset at plan time
  langchain.langsmith_aws.clickhouse_sizing:
    tier_class: production
    mode: in_cluster_single
    replicas: 1
    instance_types: [r6i.2xlarge]
    requests: {cpu: "7", memory: 48Gi}
    limits: {cpu: "8", memory: 48Gi}
    volume: {type: gp3, size: 500Gi, iops: 7000, throughput: 1000}
  register: sizing

- name: Fail on errors
  ansible.builtin.assert:
    that: sizing.passed
    fail_msg: "{{ sizing.table | join('\n') }}"

- name: Live check of a running cluster and its ClickHouse
  langchain.langsmith_aws.clickhouse_sizing:
    tier_class: production
    instance_types: [r6i.2xlarge]
    requests: {cpu: "7", memory: 48Gi}
    limits: {cpu: "8", memory: 48Gi}
    volume: {size: 500Gi}
    kubeconfig: artifacts/prod/kubeconfig
    namespace: langsmith
    node_selector: {langsmith.com/workload: clickhouse}
    clickhouse_url: http://127.0.0.1:8123
    clickhouse_user: default
    clickhouse_password: "{{ clickhouse_password }}"
  register: sizing
"""

RETURN = r"""
passed:
  description: True when no finding is an error.
  returned: always
  type: bool
  sample: true
tier_class:
  description: The tier class checked.
  returned: always
  type: str
  sample: production
mode:
  description: The ClickHouse mode checked.
  returned: always
  type: str
  sample: in_cluster_single
findings:
  description: What the check found, errors first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Stable rule id (see docs/SIZING.md).
      type: str
      sample: schedule.requests
    severity:
      description: error, warning or info.
      type: str
      sample: error
    message:
      description: What is wrong, with the numbers.
      type: str
      sample: >-
        m6i.2xlarge gives 7.91 vCPU / 28.6 GiB allocatable (7.41 vCPU / 28.1 GiB after DaemonSets); requests of
        8 vCPU / 32.0 GiB cannot schedule (CPU and memory short).
    fix:
      description: What to change.
      type: str
      sample: Use m6i.4xlarge or lower the requests to at most 7.41 vCPU / 28.1 GiB.
    facts:
      description: Numbers behind some findings.
      type: dict
      returned: for some findings
      sample: {"instance_type": "m6i.2xlarge", "available_cpu": 7.41}
counts:
  description: Number of findings per severity.
  returned: always
  type: dict
  sample: {"error": 0, "warning": 2, "info": 1}
facts:
  description:
    - Computed facts. C(nodes) (allocatable per node, computed or live), C(usable) (CPU and memory one replica
      can use), C(volume) (volume performance), C(disk) (effective sustained and burst throughput and IOPS on the
      instance), C(daemonset_overhead), C(baseline), and C(clickhouse) (live signals) when read.
  returned: always
  type: dict
  sample:
    usable: {"cpu": 8.0, "memory_mib": 49152.0}
    disk: {"throughput_sustained_mibps": 298.0, "throughput_burst_mibps": 1000.0, "iops_sustained": 7000.0}
recommended:
  description: A configuration that meets the tier's baseline (instance type, requests, limits, storage, StorageClass).
  returned: always
  type: dict
  sample:
    instance_type: r6i.2xlarge
    replicas: 1
    requests: {"cpu": "7", "memory": "48Gi"}
    limits: {"cpu": "8", "memory": "48Gi"}
    storage: {"type": "gp3", "size": "500Gi", "iops": 7000, "throughput": 1000}
table:
  description: The findings as plain-text table lines (severity, id, message; the fix below each).
  returned: always
  type: list
  elements: str
  sample: ["SEVERITY  ID                 MESSAGE", "warning   topology.replicas  One ClickHouse replica: ..."]
"""

import contextlib
import json
import re
from urllib.parse import urlencode, urlsplit

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import clickhouse_sizing as rules
from ansible_collections.langchain.langsmith_aws.plugins.module_utils import sizing

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

try:
    import urllib3
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException

    HAS_KUBERNETES = True
except ImportError:
    HAS_KUBERNETES = False

INSTANCE_TYPE_LABELS = ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type")
CLICKHOUSE_QUERIES = {
    "version": "SELECT version() AS version",
    "disks": "SELECT name, path, free_space, total_space, keep_free_space FROM system.disks ORDER BY name",
    "parts": (
        "SELECT database, table, partition_id, count() AS parts FROM system.parts WHERE active "
        "GROUP BY database, table, partition_id ORDER BY parts DESC LIMIT 10"
    ),
    "metrics": (
        "SELECT metric, value FROM system.metrics "
        "WHERE metric IN ('Query', 'Merge', 'HTTPConnection', 'MemoryTracking') ORDER BY metric"
    ),
    "merge_tree_settings": (
        "SELECT name, value FROM system.merge_tree_settings "
        "WHERE name IN ('parts_to_delay_insert', 'parts_to_throw_insert') ORDER BY name"
    ),
}


# --------------------------------------------------------------------------- EC2
def describe(module, wanted, candidates):
    """DescribeInstanceTypes for the wanted types (must exist) and the candidates (dropped if the region lacks them)."""
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        return rules.describe_instance_data(client, wanted, candidates)
    except rules.SizingInputError as e:
        module.fail_json(msg=f"{e} in {module.region}")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Failed to describe instance types")


# --------------------------------------------------------------------------- Kubernetes
def _node_instance_type(labels):
    for label in INSTANCE_TYPE_LABELS:
        if labels.get(label):
            return labels[label]
    return None


def collect_kubernetes(module):
    """Nodes, ClickHouse PVCs, StorageClasses and CSI drivers; ``{"error": ...}`` when the API cannot be read."""
    p = module.params
    timeout = p["timeout"]
    try:
        api = k8s_config.new_client_from_config(config_file=p["kubeconfig"], context=p["context"] or None)
        core = k8s_client.CoreV1Api(api)
        storage = k8s_client.StorageV1Api(api)
        selector = ",".join(f"{k}={v}" for k, v in sorted((p["node_selector"] or {}).items()))
        raw_nodes = core.list_node(label_selector=selector or None, _request_timeout=timeout).items
        pvcs = core.list_namespaced_persistent_volume_claim(p["namespace"], _request_timeout=timeout).items
        classes = storage.list_storage_class(_request_timeout=timeout).items
        drivers = storage.list_csi_driver(_request_timeout=timeout).items
    except ApiException as e:
        return {"error": f"Kubernetes API answered {e.status} {e.reason}"}
    except (ConfigException, urllib3.exceptions.HTTPError, OSError, ValueError, TypeError) as e:
        return {"error": f"{type(e).__name__}: {to_text(e)}"}

    nodes = []
    for node in raw_nodes:
        labels = node.metadata.labels or {}
        itype = _node_instance_type(labels)
        if not selector and p["instance_types"] and itype not in p["instance_types"]:
            continue
        nodes.append(
            {
                "name": node.metadata.name,
                "instance_type": itype,
                "allocatable": dict(node.status.allocatable or {}),
                "capacity": dict(node.status.capacity or {}),
            }
        )
    pattern = re.compile(p["pvc_name_pattern"])
    claims = []
    for pvc in pvcs:
        if not pattern.search(pvc.metadata.name):
            continue
        requests = (pvc.spec.resources.requests if pvc.spec.resources else None) or {}
        claims.append(
            {
                "name": pvc.metadata.name,
                "storage_class": pvc.spec.storage_class_name,
                "phase": pvc.status.phase if pvc.status else None,
                "capacity": ((pvc.status.capacity if pvc.status else None) or {}).get("storage"),
                "request": requests.get("storage"),
            }
        )
    return {
        "namespace": p["namespace"],
        "node_selector": p["node_selector"],
        "nodes": nodes,
        "pvcs": claims,
        "storage_classes": [api.sanitize_for_serialization(sc) for sc in classes],
        "csi_drivers": sorted(d.metadata.name for d in drivers),
    }


# --------------------------------------------------------------------------- ClickHouse
def _clickhouse_get(module, sql):
    p = module.params
    url = p["clickhouse_url"].rstrip("/") + "/?" + urlencode({"query": sql + " FORMAT JSON"})
    headers = {"X-ClickHouse-User": p["clickhouse_user"]}
    if p["clickhouse_password"]:
        headers["X-ClickHouse-Key"] = p["clickhouse_password"]
    # GET: ClickHouse runs every GET query read-only (readonly=2), whatever the user's profile allows.
    response = open_url(
        url,
        method="GET",
        headers=headers,
        validate_certs=p["clickhouse_validate_certs"],
        ca_path=p["clickhouse_ca_path"],
        timeout=p["timeout"],
        use_proxy=True,
    )
    return json.loads(to_text(response.read()))["data"]


def collect_clickhouse(module):
    """Live signals from the ClickHouse HTTP interface; ``{"error": ...}`` when they cannot be read."""
    result = {}
    try:
        result["version"] = _clickhouse_get(module, CLICKHOUSE_QUERIES["version"])[0]["version"]
        result["disks"] = [
            {k: (int(v) if k.endswith("_space") else v) for k, v in row.items()}
            for row in _clickhouse_get(module, CLICKHOUSE_QUERIES["disks"])
        ]
        result["parts"] = [
            dict(row, parts=int(row["parts"])) for row in _clickhouse_get(module, CLICKHOUSE_QUERIES["parts"])
        ]
        result["metrics"] = {
            r["metric"]: int(r["value"]) for r in _clickhouse_get(module, CLICKHOUSE_QUERIES["metrics"])
        }
        result["merge_tree_settings"] = {
            r["name"]: int(r["value"]) for r in _clickhouse_get(module, CLICKHOUSE_QUERIES["merge_tree_settings"])
        }
    except HTTPError as e:
        body = ""
        with contextlib.suppress(AttributeError, IndexError, OSError):
            body = to_text(e.read()).strip().splitlines()[0][:300]
        return {"error": f"HTTP {e.code} from {module.params['clickhouse_url']}: {body or e.reason}"}
    except (URLError, OSError, ValueError, KeyError, IndexError) as e:
        return {"error": f"{type(e).__name__}: {to_text(e)}"}
    return result


# --------------------------------------------------------------------------- main
def main():
    module = AnsibleAWSModule(argument_spec=rules.argument_spec(), supports_check_mode=True)
    p = module.params

    if p["clickhouse_url"]:
        parts = urlsplit(p["clickhouse_url"])
        if parts.scheme not in ("http", "https") or not parts.hostname:
            module.fail_json(msg="clickhouse_url: use http(s)://host:port, e.g. http://clickhouse.langsmith:8123")
        if parts.username or parts.password:
            module.fail_json(
                msg="clickhouse_url: put credentials in clickhouse_user / clickhouse_password, not the URL"
            )
    try:
        re.compile(p["pvc_name_pattern"])
    except re.error as e:
        module.fail_json(msg=f"pvc_name_pattern: not a regular expression ({e})")

    if p["kubeconfig"] and not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib("kubernetes"), exception=None)

    live = {}
    if p["kubeconfig"]:
        live["kubernetes"] = collect_kubernetes(module)
    if p["clickhouse_url"]:
        live["clickhouse"] = collect_clickhouse(module)

    instance_data = {}
    if p["mode"] != "external":
        live_nodes = (live.get("kubernetes") or {}).get("nodes", [])
        wanted, candidates = rules.instance_types_needed(p, live_nodes)
        instance_data = describe(module, wanted, candidates)

    try:
        result = rules.evaluate(p, instance_data, live)
    except rules.SizingInputError as e:
        module.fail_json(msg=str(e))
    except (sizing.QuantityError, ValueError) as e:
        module.fail_json(msg=f"Unusable input: {e}")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

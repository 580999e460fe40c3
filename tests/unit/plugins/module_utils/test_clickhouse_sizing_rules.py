"""The ClickHouse sizing rules, one row per case: which finding ids appear, with which severity.

Instance data comes from the emulator's DescribeInstanceTypes (read once per module: it is static,
so the session emulator is queried directly instead of resetting it per case). The Kubernetes
live inputs here are the collector's output shape; the collector itself runs against a fake API
server in tests/unit/plugins/modules/test_clickhouse_sizing.py, and the ClickHouse live rules run
there against a real ClickHouse engine (chdb).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import clickhouse_sizing as rules
from ansible_collections.langchain.langsmith_aws.plugins.module_utils import sizing

ROOT = Path(__file__).resolve().parents[4]
TIERS = yaml.safe_load((ROOT / "roles/langsmith/defaults/main/tiers.yml").read_text())["langsmith_tier_presets"]
INSTANCE_TYPES = sorted(
    {"m6i.large", "m6i.2xlarge", "r5.2xlarge", "i3.2xlarge", "m6i.xlarge", *rules.DEFAULT_CANDIDATES}
    | {tier["clickhouse"]["instance_type"] for tier in TIERS.values()}
)
RANK = {"error": 0, "warning": 1, "info": 2}


NO_EBS = "r6i.2xlarge-without-ebs-figures"


@pytest.fixture(scope="module")
def instance_data(emulator_server):
    data = sizing.describe_instance_types(emulator_server.client("ec2"), INSTANCE_TYPES)
    # A type DescribeInstanceTypes gives no EBS-optimized figures for (older generations).
    blind = copy.deepcopy(data["r6i.2xlarge"])
    blind["InstanceType"] = NO_EBS
    del blind["EbsInfo"]["EbsOptimizedInfo"]
    return dict(data, **{NO_EBS: blind})


def preset_params(tier: str) -> dict:
    ch = TIERS[tier]["clickhouse"]
    return {
        "tier_class": "production" if TIERS[tier]["production"] else "dev",
        "mode": "in_cluster_single" if ch["replicas"] == 1 else "in_cluster_replicated",
        "replicas": ch["replicas"],
        "requests": dict(ch["requests"]),
        "limits": dict(ch["limits"]),
        "instance_types": [ch["instance_type"]],
        "volume": dict({"type": "gp3"}, **ch["storage"]),
        "daemonset_overhead": {"cpu": "500m", "memory": "512Mi"},
    }


def merge(base: dict, overrides: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not key.startswith("="):
            out[key] = merge(out[key], value)
        else:
            out[key.lstrip("=")] = value  # "=key" replaces a dict instead of merging into it
    return out


def severity(result: dict, finding_id: str):
    found = [f["severity"] for f in result["findings"] if f["id"] == finding_id]
    return min(found, key=RANK.get) if found else None


def sc(name="gp3", **kwargs):
    obj = {
        "metadata": {"name": name, "annotations": {}},
        "provisioner": kwargs.pop("provisioner", "ebs.csi.aws.com"),
        "parameters": kwargs.pop("parameters", {"type": "gp3", "iops": "7000", "throughput": "1000"}),
        "allowVolumeExpansion": kwargs.pop("expansion", True),
        "volumeBindingMode": kwargs.pop("binding", "WaitForFirstConsumer"),
    }
    if kwargs.pop("default", False):
        obj["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] = "true"
    assert not kwargs
    return obj


def k8s(**kwargs):
    live = {
        "namespace": "langsmith",
        "nodes": [],
        "pvcs": [],
        "storage_classes": [sc(default=True)],
        "csi_drivers": ["ebs.csi.aws.com"],
    }
    live.update(kwargs)
    return {"kubernetes": live}


def live_node(name, itype, cpu, memory):
    return {
        "name": name,
        "instance_type": itype,
        "allocatable": {"cpu": cpu, "memory": memory},
        "capacity": {"cpu": "8", "memory": "64Gi"},
    }


PROD, DEV, LARGE = preset_params("production"), preset_params("dev"), preset_params("production_large")
M6I_2XL_8_32 = {
    "instance_types": ["m6i.2xlarge"],
    "requests": {"cpu": "8", "memory": "32Gi"},
    "limits": {"cpu": "8", "memory": "32Gi"},
}

# (case id, base, overrides, live, {finding id: expected severity or None = absent}, passed)
CASES = [
    # ---- the presets pass their own gate, with honest warnings
    (
        "preset-dev",
        DEV,
        {},
        None,
        {"baseline.cpu": "warning", "baseline.memory": "warning", "schedule.requests": None},
        True,
    ),
    (
        "preset-production",
        PROD,
        {},
        None,
        {
            "topology.replicas": "warning",
            "ebs.throughput_burst_only": "warning",
            "baseline.scale_up": "info",
            "baseline.cpu": None,
        },
        True,
    ),
    (
        "preset-production-large",
        LARGE,
        {},
        None,
        {"ebs.throughput_burst_only": "warning", "baseline.scale_up": None},
        True,
    ),
    # ---- topology.replicas
    ("single-but-3-replicas", PROD, {"replicas": 3}, None, {"topology.replicas": "error"}, False),
    ("replicated-with-1", PROD, {"mode": "in_cluster_replicated"}, None, {"topology.replicas": "error"}, False),
    (
        "replicated-with-2-prod",
        PROD,
        {"mode": "in_cluster_replicated", "replicas": 2},
        None,
        {"topology.replicas": "error"},
        False,
    ),
    (
        "replicated-with-3-prod",
        PROD,
        {"mode": "in_cluster_replicated", "replicas": 3},
        None,
        {"topology.replicas": None},
        True,
    ),
    (
        "replicated-with-6-prod",
        PROD,
        {"mode": "in_cluster_replicated", "replicas": 6},
        None,
        {"topology.replicas": "error"},
        False,
    ),
    (
        "replicated-with-6-dev",
        DEV,
        {"mode": "in_cluster_replicated", "replicas": 6},
        None,
        {"topology.replicas": "warning"},
        True,
    ),
    (
        "replicated-with-2-dev",
        DEV,
        {"mode": "in_cluster_replicated", "replicas": 2},
        None,
        {"topology.replicas": None},
        True,
    ),
    # ---- resources.*
    (
        "limit-below-request",
        DEV,
        {"requests": {"cpu": "3"}, "limits": {"cpu": "2"}},
        None,
        {"resources.limits_below_requests": "error"},
        False,
    ),
    ("no-memory-limit-prod", PROD, {"=limits": {"cpu": "8"}}, None, {"resources.memory_limit": "error"}, False),
    ("no-memory-limit-dev", DEV, {"=limits": {"cpu": "4"}}, None, {"resources.memory_limit": "warning"}, True),
    (
        "memory-request-below-limit",
        PROD,
        {"requests": {"memory": "32Gi"}},
        None,
        {"resources.memory_request_below_limit": "warning", "resources.memory_limit_over_allocatable": None},
        True,
    ),
    # ---- schedule.requests: the reference example (8 vCPU / 32 GiB on m6i.2xlarge)
    (
        "8-32-on-m6i.2xlarge",
        PROD,
        M6I_2XL_8_32,
        None,
        {"schedule.requests": "error", "baseline.memory": "error"},
        False,
    ),
    ("8-32-on-m6i.2xlarge-dev", DEV, M6I_2XL_8_32, None, {"schedule.requests": "error"}, False),
    (
        "7-24-on-m6i.2xlarge-dev",
        DEV,
        {
            "instance_types": ["m6i.2xlarge"],
            "requests": {"cpu": "7", "memory": "24Gi"},
            "limits": {"cpu": "8", "memory": "24Gi"},
        },
        None,
        {"schedule.requests": None},
        True,
    ),
    (
        "daemonsets-tip-it-over",
        DEV,
        {"daemonset_overhead": {"cpu": "1500m"}},
        None,
        {"schedule.requests": "error"},
        False,
    ),
    # ---- resources.memory_limit_over_allocatable
    (
        "limit-over-allocatable-prod",
        PROD,
        {"instance_types": ["m6i.2xlarge"], "requests": {"memory": "24Gi"}, "limits": {"memory": "30Gi"}},
        None,
        {"resources.memory_limit_over_allocatable": "error", "schedule.requests": None},
        False,
    ),
    (
        "limit-over-allocatable-dev",
        DEV,
        {"instance_types": ["m6i.xlarge"], "requests": {"memory": "12Gi"}, "limits": {"memory": "16Gi"}},
        None,
        {"resources.memory_limit_over_allocatable": "warning", "baseline.memory": "error"},
        False,
    ),
    # ---- baseline.cpu / baseline.memory / baseline.cpu_request / baseline.scale_up
    (
        "prod-cpu-limit-4",
        PROD,
        {"requests": {"cpu": "4"}, "limits": {"cpu": "4"}},
        None,
        {"baseline.cpu": "error", "baseline.cpu_request": "warning"},
        False,
    ),
    (
        "prod-on-4-vcpu-node",
        PROD,
        {"instance_types": ["r6i.xlarge"], "requests": {"cpu": "3", "memory": "24Gi"}, "limits": {"memory": "24Gi"}},
        None,
        {"baseline.cpu": "error", "baseline.memory": "error"},
        False,
    ),
    (
        "prod-memory-24",
        PROD,
        {"requests": {"memory": "24Gi"}, "limits": {"memory": "24Gi"}},
        None,
        {"baseline.memory": "error", "baseline.cpu": None},
        False,
    ),
    (
        "dev-on-2-vcpu",
        DEV,
        {
            "instance_types": ["m6i.large"],
            "requests": {"cpu": "1", "memory": "4Gi"},
            "limits": {"cpu": "2", "memory": "4Gi"},
        },
        None,
        {"baseline.cpu": "error", "baseline.memory": "error"},
        False,
    ),
    (
        "dev-memory-12",
        DEV,
        {"requests": {"memory": "12Gi"}, "limits": {"memory": "12Gi"}},
        None,
        {"baseline.memory": "error"},
        False,
    ),
    (
        "dev-at-production-size",
        DEV,
        {
            "instance_types": ["r6i.2xlarge"],
            "requests": {"cpu": "7", "memory": "40Gi"},
            "limits": {"cpu": "8", "memory": "40Gi"},
        },
        None,
        {"baseline.cpu": None, "baseline.memory": None},
        True,
    ),
    ("cpu-request-low", PROD, {"requests": {"cpu": "2"}}, None, {"baseline.cpu_request": "warning"}, True),
    (
        "external-undeclared",
        PROD,
        {"mode": "external", "replicas": 3, "=requests": None, "=limits": None},
        None,
        {"baseline.unknown": "info", "schedule.requests": None, "storage_class.unknown": None},
        True,
    ),
    (
        "external-too-small",
        PROD,
        {"mode": "external", "replicas": 3, "=limits": {"cpu": "4", "memory": "16Gi"}},
        None,
        {"baseline.cpu": "error", "baseline.memory": "error", "ebs.throughput_burst_only": None},
        False,
    ),
    (
        "external-single-prod",
        PROD,
        {"mode": "external", "replicas": 1},
        None,
        {"topology.replicas": "warning", "baseline.cpu": None},
        True,
    ),
    # ---- storage.*
    (
        "gp3-too-small-for-iops",
        PROD,
        {"volume": {"size": "10Gi", "iops": 16000}},
        None,
        {"storage.volume_limits": "error"},
        False,
    ),
    (
        "gp3-throughput-needs-iops",
        DEV,
        {"volume": {"iops": 3000, "throughput": 1000}},
        None,
        {"storage.volume_limits": "error"},
        False,
    ),
    (
        "io2-without-iops",
        PROD,
        {"=volume": {"type": "io2", "size": "500Gi"}},
        None,
        {"storage.volume_limits": "error"},
        False,
    ),
    (
        "io2-16000",
        PROD,
        {"=volume": {"type": "io2", "size": "500Gi", "iops": 16000}},
        None,
        {"storage.volume_limits": None, "storage.throughput": None, "ebs.throughput_capped": "warning"},
        True,
    ),
    (
        "hdd-prod",
        PROD,
        {"=volume": {"type": "st1", "size": "2Ti"}},
        None,
        {"storage.type": "error", "storage.iops": "error", "storage.throughput": "error"},
        False,
    ),
    (
        "hdd-dev",
        DEV,
        {"=volume": {"type": "st1", "size": "2Ti"}},
        None,
        {"storage.type": "warning", "storage.iops": None},
        True,
    ),
    ("gp2-dev", DEV, {"=volume": {"type": "gp2", "size": "100Gi"}}, None, {"storage.gp2": "warning"}, True),
    (
        "prod-iops-3000",
        PROD,
        {"volume": {"iops": 4000}},
        None,
        {"storage.iops": "error", "storage.throughput": None},
        False,
    ),
    (
        "prod-throughput-500",
        PROD,
        {"volume": {"throughput": 500}},
        None,
        {"storage.throughput": "error", "ebs.throughput_burst_only": "warning"},
        False,
    ),
    ("dev-baseline-volume", DEV, {}, None, {"storage.iops": None, "storage.throughput": None}, True),
    # ---- ebs.*
    (
        "sustained-on-r6i.8xlarge",
        PROD,
        {"instance_types": ["r6i.8xlarge"]},
        None,
        {"ebs.throughput_burst_only": None, "ebs.throughput_capped": None},
        True,
    ),
    (
        "capped-on-r5.2xlarge-prod",
        PROD,
        {"instance_types": ["r5.2xlarge"]},
        None,
        {"ebs.throughput_capped": "error"},
        False,
    ),
    (
        "capped-on-r5.2xlarge-dev",
        DEV,
        {"instance_types": ["r5.2xlarge"], "volume": {"iops": 4000, "throughput": 1000}},
        None,
        {"ebs.throughput_capped": "warning"},
        True,
    ),
    (
        "mixed-group-weakest-ebs",
        PROD,
        {"instance_types": ["r6i.8xlarge", "r5.2xlarge"]},
        None,
        {"ebs.throughput_capped": "error"},
        False,
    ),
    ("iops-burst-only", PROD, {"volume": {"iops": 16000}}, None, {"ebs.iops_burst_only": "warning"}, True),
    (
        "iops-capped-io2",
        PROD,
        {"=volume": {"type": "io2", "size": "100Gi", "iops": 50000}},
        None,
        {"ebs.iops_capped": "warning"},
        True,
    ),
    (
        "no-ebs-figures",
        PROD,
        {"instance_types": [NO_EBS]},
        None,
        {"ebs.instance_unknown": "info", "ebs.throughput_burst_only": None},
        True,
    ),
    (
        "i3-capped-below-reference",
        PROD,
        {"instance_types": ["i3.2xlarge"]},
        None,
        {"ebs.throughput_capped": "error", "ebs.iops_capped": None},
        False,
    ),
    # ---- storage_class.* at plan time
    ("no-storage-class", PROD, {}, None, {"storage_class.unknown": "info"}, True),
    (
        "good-storage-class",
        PROD,
        {"storage_class": sc()},
        None,
        {"storage_class.unknown": None, "storage_class.expansion": None, "storage_class.provisioner": None},
        True,
    ),
    (
        "in-tree-provisioner",
        PROD,
        {"storage_class": sc(provisioner="kubernetes.io/aws-ebs", parameters={"type": "gp2"})},
        None,
        {"storage_class.provisioner": "warning", "storage.gp2": "warning", "storage.iops": "error"},
        False,
    ),
    (
        "efs-provisioner-prod",
        PROD,
        {"storage_class": sc(provisioner="efs.csi.aws.com")},
        None,
        {"storage_class.provisioner": "error"},
        False,
    ),
    (
        "efs-provisioner-dev",
        DEV,
        {"storage_class": sc(provisioner="efs.csi.aws.com", parameters={})},
        None,
        {"storage_class.provisioner": "warning"},
        True,
    ),
    (
        "no-expansion-prod",
        PROD,
        {"storage_class": sc(expansion=False)},
        None,
        {"storage_class.expansion": "error"},
        False,
    ),
    (
        "no-expansion-dev",
        DEV,
        {"storage_class": sc(expansion=None, parameters={"type": "gp3"})},
        None,
        {"storage_class.expansion": "warning"},
        True,
    ),
    (
        "immediate-binding",
        PROD,
        {"storage_class": sc(binding="Immediate")},
        None,
        {"storage_class.binding_mode": "warning"},
        True,
    ),
    (
        "class-parameters-win",
        PROD,
        {"storage_class": sc(parameters={"type": "gp3"})},
        None,
        {"storage.iops": "error", "storage.throughput": "error"},
        False,
    ),
    (
        "iops-per-gb",
        PROD,
        {"storage_class": sc(parameters={"type": "io2", "iopsPerGB": "20"})},
        None,
        {"storage.iops": None, "storage.volume_limits": None},
        True,
    ),
    # ---- live Kubernetes (collector output shape)
    (
        "live-all-good",
        PROD,
        {},
        k8s(
            pvcs=[
                {"name": "data-langsmith-clickhouse-0", "storage_class": "gp3", "phase": "Bound", "capacity": "500Gi"}
            ]
        ),
        {
            "storage_class.default": None,
            "storage_class.csi_driver": None,
            "storage.pvc": None,
            "storage_class.unknown": None,
        },
        True,
    ),
    (
        "live-no-default-class-prod",
        PROD,
        {},
        k8s(storage_classes=[sc()]),
        {"storage_class.default": "error", "storage.pvc": "info"},
        False,
    ),
    (
        "live-no-default-class-dev",
        DEV,
        {},
        k8s(storage_classes=[sc(parameters={"type": "gp3"})]),
        {"storage_class.default": "warning"},
        True,
    ),
    (
        "live-two-default-classes",
        PROD,
        {},
        k8s(storage_classes=[sc(default=True), sc("gp3-b", default=True)]),
        {"storage_class.default": "warning"},
        True,
    ),
    ("live-no-csi-driver", DEV, {}, k8s(csi_drivers=["efs.csi.aws.com"]), {"storage_class.csi_driver": "error"}, False),
    (
        "live-pvc-pending",
        PROD,
        {},
        k8s(
            pvcs=[
                {"name": "data-langsmith-clickhouse-0", "storage_class": "gp3", "phase": "Pending", "request": "500Gi"}
            ]
        ),
        {"storage.pvc": "error"},
        False,
    ),
    (
        "live-pvc-missing-class",
        PROD,
        {},
        k8s(
            pvcs=[
                {"name": "data-langsmith-clickhouse-0", "storage_class": "fast", "phase": "Bound", "capacity": "500Gi"}
            ]
        ),
        {"storage.pvc": "error"},
        False,
    ),
    (
        "live-pvc-class-is-used",
        PROD,
        {},
        k8s(
            storage_classes=[sc(default=True), sc("slow", parameters={"type": "gp3"})],
            pvcs=[
                {"name": "data-langsmith-clickhouse-0", "storage_class": "slow", "phase": "Bound", "capacity": "500Gi"}
            ],
        ),
        {"storage.iops": "error", "storage.throughput": "error"},
        False,
    ),
    (
        "live-node-below-formula",
        PROD,
        {},
        k8s(nodes=[live_node("ip-10-0-1-1", "r6i.2xlarge", "7910m", "50Gi")]),
        {"live.allocatable": "info", "schedule.requests": None},
        True,
    ),
    (
        "live-node-too-small",
        PROD,
        {},
        k8s(nodes=[live_node("ip-10-0-1-1", "r6i.2xlarge", "7910m", "40Gi")]),
        {"schedule.requests": "error"},
        False,
    ),
    ("live-no-matching-nodes", PROD, {}, k8s(nodes=[]), {"live.nodes": "warning", "schedule.requests": None}, True),
    (
        "live-api-error",
        PROD,
        {},
        {"kubernetes": {"error": "Kubernetes API answered 403 Forbidden"}},
        {"live.kubernetes": "error"},
        False,
    ),
    # ---- live ClickHouse severity bands (the SQL itself runs against chdb in the module tests)
    (
        "live-memory-warning-band",
        PROD,
        {},
        {"clickhouse": {"metrics": {"MemoryTracking": int(0.85 * 48 * 2**30)}}},
        {"live.memory": "warning"},
        True,
    ),
    (
        "live-memory-error-band",
        PROD,
        {},
        {"clickhouse": {"metrics": {"MemoryTracking": int(0.95 * 48 * 2**30)}}},
        {"live.memory": "error"},
        False,
    ),
    (
        "live-clickhouse-error",
        PROD,
        {},
        {"clickhouse": {"error": "HTTP 403: Authentication failed"}},
        {"live.clickhouse": "error"},
        False,
    ),
]


@pytest.mark.parametrize(
    ("base", "overrides", "live", "expected", "passed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rules(instance_data, base, overrides, live, expected, passed):  # noqa: PLR0917
    result = rules.evaluate(merge(base, overrides), instance_data, live)
    got = {fid: severity(result, fid) for fid in expected}
    assert got == expected, "\n".join(result["table"])
    assert result["passed"] is passed, "\n".join(result["table"])
    assert result["counts"]["error"] == sum(f["severity"] == "error" for f in result["findings"])
    for item in result["findings"]:
        assert item["message"], item
        assert item["fix"], item


def test_every_rule_id_is_covered_by_a_case():
    """A rule added without a case in CASES (or the module tests) fails here."""
    source = (ROOT / "plugins/module_utils/clickhouse_sizing.py").read_text()
    import re

    ids = set(
        re.findall(r'"((?:topology|resources|schedule|baseline|storage|storage_class|ebs|live)\.[a-z_]+)"', source)
    )
    ids |= {f"ebs.{kind}_{what}" for kind in ("throughput", "iops") for what in ("capped", "burst_only")}
    covered = {fid for case in CASES for fid, sev in case[4].items() if sev is not None}
    covered |= {"live.disk_usage", "live.parts"}  # real SQL against chdb: tests/unit/plugins/modules/
    assert ids - covered == set()


def test_reference_example_message(instance_data):
    """The issue's example: numbers and a fix in the message."""
    result = rules.evaluate(merge(PROD, M6I_2XL_8_32), instance_data)
    item = next(f for f in result["findings"] if f["id"] == "schedule.requests")
    assert item["message"].startswith("m6i.2xlarge gives 7.91 vCPU / 28.6 GiB allocatable")
    assert "requests of 8 vCPU / 32.0 GiB cannot schedule (CPU and memory short)" in item["message"]
    assert item["fix"] == "Use m6i.4xlarge or lower the requests to at most 7.41 vCPU / 28.1 GiB."
    assert item["facts"]["available_cpu"] == pytest.approx(7.41)


def test_reference_example_without_vm_overhead_matches_the_sizing_facts(instance_data):
    params = merge(PROD, M6I_2XL_8_32)
    params["vm_memory_overhead_percent"] = 0
    node = rules.evaluate(params, instance_data)["facts"]["nodes"][0]
    # 32768 - (255 + 11 x 58) - 100 = 31775 MiB = 31.03 GiB
    assert node["allocatable_memory_mib"] == pytest.approx(31775)


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_presets_are_what_the_module_recommends(instance_data, tier):
    """The tier file and the module agree: each preset is the recommendation for its own tier."""
    params = preset_params(tier)
    rec = rules.evaluate(params, instance_data)["recommended"]
    ch = TIERS[tier]["clickhouse"]
    assert rec["instance_type"] == ch["instance_type"]
    assert rec["requests"] == {k: str(v) for k, v in ch["requests"].items()}
    assert rec["limits"] == {k: str(v) for k, v in ch["limits"].items()}
    assert rec["storage"] == dict(ch["storage"], type="gp3")


@pytest.mark.parametrize(
    ("base", "overrides", "instance_type"),
    [
        (PROD, M6I_2XL_8_32, "r6i.2xlarge"),  # a 32 GiB node cannot give ClickHouse 32 GiB
        (DEV, {"instance_types": ["m6i.xlarge"]}, "r6i.xlarge"),
        (PROD, {"instance_types": ["r5.2xlarge"]}, "r6i.2xlarge"),  # r5's EBS cannot reach 1000 MiB/s
        (LARGE, {}, "r6i.4xlarge"),  # kept: it meets the baseline
    ],
)
def test_recommendation_picks_the_smallest_node_that_meets_the_baseline(instance_data, base, overrides, instance_type):
    result = rules.evaluate(merge(base, overrides), instance_data)
    rec = result["recommended"]
    assert rec["instance_type"] == instance_type
    # ...and the recommendation passes its own gate
    again = merge(
        base,
        {
            "instance_types": [rec["instance_type"]],
            "=requests": rec["requests"],
            "=limits": rec["limits"],
            "=volume": rec["storage"],
        },
    )
    assert rules.evaluate(again, instance_data)["passed"] is True


def test_recommended_storage_respects_gp3_limits(instance_data):
    rec = rules.evaluate(merge(PROD, {"volume": {"size": "10Gi", "iops": 16000}}), instance_data)["recommended"]
    assert rec["storage"] == {"type": "gp3", "size": "32Gi", "iops": 16000, "throughput": 1000}
    assert sizing.volume_performance("gp3", 32, 16000, 1000)["problems"] == []


@pytest.mark.parametrize(
    ("overrides", "option"),
    [
        ({"requests": {"cpu": "eight"}}, "requests.cpu"),
        ({"limits": {"memory": "32GB"}}, "limits.memory"),
        ({"=requests": {"cpu": "7"}}, "requests.memory"),
        ({"instance_types": []}, "instance_types"),
        ({"=volume": {"type": "gp3"}}, "volume.size"),
        ({"daemonset_overhead": {"memory": "lots"}}, "daemonset_overhead.memory"),
        ({"tier_class": "staging"}, "tier_class"),
        ({"mode": "sharded"}, "mode"),
    ],
)
def test_bad_input_names_the_option(instance_data, overrides, option):
    with pytest.raises(rules.SizingInputError) as err:
        rules.evaluate(merge(PROD, overrides), instance_data)
    assert err.value.option == option


def test_instance_types_needed_and_invalid_names():
    wanted, candidates = rules.instance_types_needed(
        {"instance_types": ["r6i.2xlarge"]}, [{"instance_type": "m6i.large"}]
    )
    assert wanted == ["m6i.large", "r6i.2xlarge"]
    assert "r6i.2xlarge" not in candidates
    assert "m6i.xlarge" in candidates
    message = "The following supplied instance types do not exist: [m6i.2xlarg, r9z.large]"
    assert rules.invalid_instance_types(message) == ["m6i.2xlarg", "r9z.large"]
    assert rules.invalid_instance_types("something else") == []

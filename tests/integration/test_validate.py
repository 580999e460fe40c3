"""playbooks/validate.yml: the ClickHouse sizing gate, plan mode (tier presets) and live mode.

Plan mode runs against the emulator (DescribeInstanceTypes). Live mode adds a loopback fake
Kubernetes API (tests/support/fake_kube.py) and a real ClickHouse engine (chdb) behind a
loopback HTTP shim (tests/support/chdb_http.py); both run in this pytest process and the
ansible-playbook subprocess reaches them over 127.0.0.1.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "support"))
import fake_kube  # noqa: E402
from chdb_http import ChdbHttpServer  # noqa: E402

CH_USER, CH_PASSWORD = "langsmith_reader", "Vault-0nly-pw"
SUMMARY = re.compile(
    r"clickhouse_sizing: (PASSED|FAILED) \((\w+), (\w+),\s+(plan|live)\): (\d+) errors,\s+(\d+) warnings"
)


def summary(run) -> tuple:
    match = SUMMARY.search(run.output)
    assert match, run.output[-4000:]
    status, tier, mode, kind, errors, warnings = match.groups()
    return status, tier, mode, kind, int(errors), int(warnings)


def assert_emulator_untouched(aws) -> None:
    ec2 = aws.client("ec2")
    assert [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")] == []
    assert ec2.describe_volumes()["Volumes"] == []
    assert ec2.describe_instances()["Reservations"] == []


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        ("production", ("PASSED", "production", "in_cluster_single", "plan", 0, 2)),
        ("production_large", ("PASSED", "production", "in_cluster_single", "plan", 0, 2)),
    ],
)
def test_every_tier_preset_passes_its_own_gate(playbook, aws, tier, expected):
    run = playbook("validate.yml", extra_vars={"langsmith_tier": tier}).assert_idempotent()
    assert summary(run) == expected
    assert "SEVERITY  ID" in run.output  # the findings table
    assert "ebs.throughput_burst_only" in run.output
    assert "topology.replicas" in run.output
    assert_emulator_untouched(aws)


def test_dev_preset_in_check_mode(playbook, aws):
    """The demo inventory (dev tier) passes with the dev-only warnings; --check gives the same answer."""
    run = playbook("validate.yml", check=True).assert_idempotent()
    assert "baseline.cpu" in run.output
    assert "the 4 vCPU / 16 GiB profile is allowed for dev" in run.output
    assert summary(run) == ("PASSED", "dev", "in_cluster_single", "plan", 0, 2)
    assert_emulator_untouched(aws)


def test_undersized_production_fails_with_numbers_and_a_fix(playbook, aws):
    run = playbook(
        "validate.yml",
        extra_vars={
            "langsmith_tier": "production",
            "clickhouse_sizing_instance_types": ["m6i.2xlarge"],
            "clickhouse_sizing_requests": {"cpu": "8", "memory": "32Gi"},
            "clickhouse_sizing_limits": {"cpu": "8", "memory": "32Gi"},
        },
    )
    assert run.rc != 0
    assert "m6i.2xlarge gives 7.91 vCPU / 28.6 GiB allocatable" in run.output
    assert "fix: Use m6i.4xlarge or lower the requests to at most 7.41 vCPU / 28.1 GiB." in run.output
    assert "Gate on ClickHouse sizing errors" in run.output
    assert "schedule.requests, resources.memory_limit_over_allocatable, baseline.memory" in run.output
    assert "instance_type: r6i.2xlarge" in run.output  # the recommendation is printed on failure
    assert_emulator_untouched(aws)


def test_check_entry_point_publishes_outputs_without_failing(playbook, aws):
    """The preflight stage's call: tasks_from: check, then its own table and gate."""
    run = playbook(
        "../tests/integration/playbooks/clickhouse_sizing_check.yml",
        extra_vars={"clickhouse_sizing_instance_types": ["m6i.large"]},
    ).assert_idempotent()
    assert "Validating arguments against arg spec 'check'" in run.output
    flat = " ".join(run.output.split())  # the YAML callback wraps long lines
    assert (
        "caller sees passed=False errors=baseline.cpu,baseline.memory,schedule.requests recommended=r6i.xlarge" in flat
    )
    assert "Gate on ClickHouse sizing errors" not in run.output
    assert_emulator_untouched(aws)


def test_report_only_mode_does_not_fail(playbook):
    run = playbook(
        "validate.yml",
        extra_vars={"clickhouse_sizing_instance_types": ["m6i.large"], "clickhouse_sizing_fail_on_error": False},
    ).assert_ok()
    assert summary(run)[0] == "FAILED"


@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        (
            {"clickhouse_sizing_requests": {"cpu": "eight", "memory": "20Gi"}},
            "requests.cpu: 'eight' is not a Kubernetes CPU",
        ),
        ({"clickhouse_sizing_tier_class": "staging"}, "clickhouse_sizing_tier_class"),
    ],
)
def test_bad_input_fails_naming_the_variable(playbook, aws, extra_vars, message):
    run = playbook("validate.yml", extra_vars=extra_vars)
    assert run.rc != 0
    assert message in run.output
    assert_emulator_untouched(aws)


def test_external_production_needs_declared_replicas(playbook):
    base = {"langsmith_tier": "production", "langsmith_clickhouse_mode": "external"}
    single = playbook("validate.yml", extra_vars=base).assert_ok()
    assert summary(single)[:3] == ("PASSED", "production", "external")
    assert "One ClickHouse replica" in single.output
    two = playbook("validate.yml", extra_vars=dict(base, clickhouse_sizing_replicas=2))
    assert two.rc != 0
    assert "2 replicas: a replicated production ClickHouse needs 3-5." in two.output


@pytest.fixture
def live_cluster(tmp_path):
    api = fake_kube.FakeKubeApi(
        nodes=[
            fake_kube.node(
                "ip-10-0-1-10.ec2.internal",
                "r6i.2xlarge",
                cpu="7910m",
                memory="61023512Ki",
                capacity_cpu="8",
                capacity_memory="63900696Ki",
            )
        ],
        pvcs=[fake_kube.pvc("data-langsmith-clickhouse-0", "langsmith", "gp3", "500Gi")],
        storage_classes=[
            fake_kube.storage_class(
                "gp3", parameters={"type": "gp3", "iops": "7000", "throughput": "1000"}, default=True
            )
        ],
        csi_drivers=[fake_kube.csi_driver("ebs.csi.aws.com")],
    )
    with api, ChdbHttpServer(CH_USER, CH_PASSWORD) as clickhouse:
        yield api.write_kubeconfig(tmp_path / "kubeconfig"), clickhouse


def test_live_mode_reads_the_cluster_and_clickhouse(playbook, aws, live_cluster):
    kubeconfig, clickhouse = live_cluster
    run = playbook(
        "validate.yml",
        extra_vars={
            "langsmith_tier": "production",
            "clickhouse_sizing_kubeconfig": str(kubeconfig),
            "clickhouse_sizing_clickhouse_url": clickhouse.url,
            "clickhouse_sizing_clickhouse_user": CH_USER,
            "clickhouse_sizing_clickhouse_password": CH_PASSWORD,
        },
        verbosity=3,
    ).assert_idempotent()
    assert summary(run)[:4] == ("PASSED", "production", "in_cluster_single", "live")
    assert "storage_class.unknown" not in run.output  # the PVC's class was read
    assert "ip-10-0-1-10.ec2.internal" in run.output  # live node facts (-vvv shows the result)
    assert CH_PASSWORD not in run.output
    queries = [r["query"] for r in clickhouse.requests]
    assert any("FROM system.disks" in q for q in queries)
    assert any("FROM system.parts" in q for q in queries)
    assert {r["method"] for r in clickhouse.requests} == {"GET"}
    assert_emulator_untouched(aws)


def test_live_mode_with_a_wrong_password_fails(playbook, live_cluster):
    kubeconfig, clickhouse = live_cluster
    run = playbook(
        "validate.yml",
        extra_vars={
            "langsmith_tier": "production",
            "clickhouse_sizing_kubeconfig": str(kubeconfig),
            "clickhouse_sizing_clickhouse_url": clickhouse.url,
            "clickhouse_sizing_clickhouse_user": CH_USER,
            "clickhouse_sizing_clickhouse_password": "wrong-Pa55word",
        },
    )
    assert run.rc != 0
    assert "live.clickhouse" in run.output
    assert "Authentication failed" in run.output
    assert "wrong-Pa55word" not in run.output


def test_role_argument_specs_match_the_defaults():
    role = ROOT / "roles" / "clickhouse_sizing"
    defaults = yaml.safe_load((role / "defaults/main.yml").read_text())
    specs = yaml.safe_load((role / "meta/argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    assert set(specs) == set(defaults)
    assert all(name.startswith("clickhouse_sizing_") for name in defaults)

"""The clickhouse_sizing module, run in-process.

* EC2 DescribeInstanceTypes: the emulator (``aws`` fixture).
* Kubernetes: a fake API server on loopback (tests/support/fake_kube.py), so the real
  ``kubernetes`` client loads a kubeconfig, authenticates, sends label selectors and
  deserialises the objects; no Kubernetes API server can run here.
* ClickHouse: a real ClickHouse engine (chdb) behind a loopback HTTP shim that imitates the
  server's HTTP interface (tests/support/chdb_http.py). The module's SQL runs in ClickHouse
  against its real system tables; nothing returns canned rows.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "support"))
import fake_kube
from chdb_http import ChdbHttpServer

from ansible_collections.langchain.langsmith_aws.plugins.modules import clickhouse_sizing

CH_USER, CH_PASSWORD = "langsmith_reader", "s3cret-Pa55word"
PROD = {
    "tier_class": "production",
    "mode": "in_cluster_single",
    "replicas": 1,
    "instance_types": ["r6i.2xlarge"],
    "requests": {"cpu": "7", "memory": "48Gi"},
    "limits": {"cpu": "8", "memory": "48Gi"},
    "volume": {"type": "gp3", "size": "500Gi", "iops": 7000, "throughput": 1000},
}
GP3 = {"type": "gp3", "iops": "7000", "throughput": "1000", "encrypted": "true"}


@pytest.fixture(scope="module")
def clickhouse():
    with ChdbHttpServer(CH_USER, CH_PASSWORD) as server:
        yield server


@pytest.fixture
def run(aws, monkeypatch, capsys):
    """``run(args, check=False)`` -> the module's JSON result (failed results included)."""
    for key in [k for k in list(__import__("os").environ) if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in aws.env().items():
        monkeypatch.setenv(key, value)

    def _run(args: dict, check: bool = False) -> dict:
        args = dict(args, _ansible_check_mode=check)
        with patch_module_args(args), pytest.raises(SystemExit):
            clickhouse_sizing.main()
        return json.loads(capsys.readouterr().out)

    return _run


def ids(result: dict, severity: str | None = None) -> set:
    return {f["id"] for f in result["findings"] if severity is None or f["severity"] == severity}


def cluster(**overrides):
    """A healthy cluster: a ClickHouse node, a general node, gp3 default class, EBS CSI, a bound PVC."""
    spec = {
        "nodes": [
            fake_kube.node(
                "ip-10-0-1-10.ec2.internal",
                "r6i.2xlarge",
                cpu="7910m",
                memory="61023512Ki",
                capacity_cpu="8",
                capacity_memory="63900696Ki",
                labels={"langsmith.com/workload": "clickhouse"},
            ),
            fake_kube.node(
                "ip-10-0-2-20.ec2.internal",
                "m6i.4xlarge",
                cpu="15890m",
                memory="59074000Ki",
                capacity_cpu="16",
                capacity_memory="63900696Ki",
            ),
        ],
        "pvcs": [fake_kube.pvc("data-langsmith-clickhouse-0", "langsmith", "gp3", "500Gi")],
        "storage_classes": [fake_kube.storage_class("gp3", parameters=GP3, default=True)],
        "csi_drivers": [fake_kube.csi_driver("ebs.csi.aws.com"), fake_kube.csi_driver("efs.csi.aws.com")],
    }
    spec.update(overrides)
    return fake_kube.FakeKubeApi(**spec)


# --------------------------------------------------------------------------- plan mode
def test_plan_mode_production_preset(run, aws):
    result = run(PROD)
    assert result["changed"] is False
    assert result["passed"] is True
    assert ids(result, "warning") == {"topology.replicas", "ebs.throughput_burst_only"}
    node = result["facts"]["nodes"][0]
    assert (node["instance_type"], node["source"], node["allocatable_cpu"]) == ("r6i.2xlarge", "computed", 7.91)
    assert result["facts"]["disk"]["throughput_sustained_mibps"] == pytest.approx(298.0, abs=0.1)
    assert result["recommended"]["instance_type"] == "r6i.2xlarge"
    assert result["table"][0].split() == ["SEVERITY", "ID", "MESSAGE"]


def test_check_mode_reports_the_same_and_changes_nothing(run, aws):
    ec2 = aws.client("ec2")
    before = (ec2.describe_volumes()["Volumes"], ec2.describe_vpcs()["Vpcs"], ec2.describe_instances()["Reservations"])
    checked = run(PROD, check=True)
    normal = run(PROD)
    assert checked["changed"] is False
    assert {k: v for k, v in checked.items() if k != "invocation"} == {
        k: v for k, v in normal.items() if k != "invocation"
    }
    after = (ec2.describe_volumes()["Volumes"], ec2.describe_vpcs()["Vpcs"], ec2.describe_instances()["Reservations"])
    assert after == before


def test_unschedulable_requests_fail_with_numbers_and_a_fix(run):
    result = run(
        dict(
            PROD,
            instance_types=["m6i.2xlarge"],
            requests={"cpu": "8", "memory": "32Gi"},
            limits={"cpu": "8", "memory": "32Gi"},
        )
    )
    assert result["passed"] is False
    item = next(f for f in result["findings"] if f["id"] == "schedule.requests")
    assert "m6i.2xlarge gives 7.91 vCPU" in item["message"]
    assert item["fix"].startswith("Use m6i.4xlarge or lower the requests")


def test_unknown_instance_type_fails_naming_the_option(run):
    result = run(dict(PROD, instance_types=["r6i.2xlarg"]))
    assert result["failed"] is True
    assert result["msg"].startswith("instance_types: r6i.2xlarg not offered by EC2")


def test_candidates_the_region_lacks_are_dropped(run):
    result = run(dict(PROD, candidate_instance_types=["r9z.2xlarge", "r6i.2xlarge", "r6i.4xlarge"]))
    assert result["passed"] is True
    assert result["recommended"]["instance_type"] == "r6i.2xlarge"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"requests": {"cpu": "seven", "memory": "48Gi"}}, "requests.cpu: 'seven' is not a Kubernetes CPU quantity"),
        ({"limits": {"cpu": "8", "memory": "48GB"}}, "limits.memory: '48GB' is not a Kubernetes memory quantity"),
        ({"volume": {"type": "gp3"}}, "volume.size: required in mode in_cluster_single"),
        ({"instance_types": []}, "instance_types: required in mode in_cluster_single without a kubeconfig"),
        ({"clickhouse_url": "http://user:pw@127.0.0.1:8123"}, "clickhouse_url: put credentials in clickhouse_user"),
        ({"clickhouse_url": "ftp://127.0.0.1"}, "clickhouse_url: use http(s)://host:port"),
        ({"pvc_name_pattern": "data-(", "kubeconfig": "/nonexistent"}, "pvc_name_pattern: not a regular expression"),
    ],
)
def test_bad_input_fails_before_any_call(run, args, message):
    result = run(dict(PROD, **args))
    assert result["failed"] is True
    assert result["msg"].startswith(message), result["msg"]


def test_external_mode_needs_no_ec2_or_nodes(run):
    # instance_types from a preset are ignored: no DescribeInstanceTypes call in external mode
    args = {"tier_class": "production", "mode": "external", "replicas": 3, "limits": {"cpu": "8", "memory": "32Gi"}}
    result = run(dict(args, instance_types=["r6i.2xlarge"]))
    assert result["passed"] is True
    assert "nodes" not in result["facts"]
    assert result["recommended"]["per_replica"] == {"cpu": "8", "memory": "32Gi"}


# --------------------------------------------------------------------------- live Kubernetes (fake API server)
def test_live_cluster_healthy(run, tmp_path):
    with cluster() as kube:
        result = run(dict(PROD, kubeconfig=str(kube.write_kubeconfig(tmp_path / "kubeconfig"))))
    assert result["passed"] is True, result["table"]
    nodes = result["facts"]["nodes"]
    # only the ClickHouse node type (instance_types) is considered; the kubelet's figures are used
    assert [(n["name"], n["source"]) for n in nodes] == [("ip-10-0-1-10.ec2.internal", "kubernetes")]
    assert nodes[0]["allocatable_memory_mib"] == pytest.approx(61023512 / 1024, abs=0.1)
    assert result["facts"]["volume"]["source"] == "pvc"
    assert result["facts"]["volume"]["iops"] == 7000
    assert not ids(result) & {
        "storage_class.default",
        "storage_class.csi_driver",
        "storage.pvc",
        "storage_class.unknown",
    }
    assert any(r.startswith("/api/v1/namespaces/langsmith/persistentvolumeclaims") for r in kube.requests)


def test_live_node_selector_is_sent_as_a_label_selector(run, tmp_path):
    with cluster() as kube:
        result = run(
            dict(
                PROD,
                instance_types=[],
                kubeconfig=str(kube.write_kubeconfig(tmp_path / "kubeconfig")),
                node_selector={"langsmith.com/workload": "clickhouse"},
            )
        )
    assert [n["instance_type"] for n in result["facts"]["nodes"]] == ["r6i.2xlarge"]
    assert any("labelSelector=langsmith.com%2Fworkload%3Dclickhouse" in r for r in kube.requests), kube.requests
    assert result["passed"] is True, result["table"]


def test_live_cluster_without_default_class_csi_driver_and_a_pending_claim(run, tmp_path):
    broken = cluster(
        storage_classes=[
            fake_kube.storage_class("gp2", provisioner="kubernetes.io/aws-ebs", expansion=None, binding="Immediate")
        ],
        csi_drivers=[],
        pvcs=[fake_kube.pvc("data-langsmith-clickhouse-0", "langsmith", None, "500Gi", phase="Pending")],
    )
    with broken as kube:
        result = run(dict(PROD, kubeconfig=str(kube.write_kubeconfig(tmp_path / "kubeconfig"))))
    assert result["passed"] is False
    assert {"storage_class.default", "storage_class.csi_driver", "storage.pvc"} <= ids(result, "error")
    pending = next(f for f in result["findings"] if f["id"] == "storage.pvc")
    assert "data-langsmith-clickhouse-0 is Pending" in pending["message"]


def test_live_cluster_class_of_the_pvc_decides_the_volume(run, tmp_path):
    slow = fake_kube.storage_class("gp3-slow", parameters={"type": "gp3"}, expansion=False)
    with cluster(
        storage_classes=[fake_kube.storage_class("gp3", parameters=GP3, default=True), slow],
        pvcs=[fake_kube.pvc("data-langsmith-clickhouse-0", "langsmith", "gp3-slow", "200Gi")],
    ) as kube:
        result = run(dict(PROD, kubeconfig=str(kube.write_kubeconfig(tmp_path / "kubeconfig"))))
    assert {"storage.iops", "storage.throughput", "storage_class.expansion"} <= ids(result, "error")
    assert result["facts"]["volume"]["size_gib"] == 200


@pytest.mark.parametrize(
    ("token", "error_status", "expected"),
    [("wrong-token", None, "401 Unauthorized"), (fake_kube.TOKEN, 403, "403 Forbidden")],
)
def test_live_cluster_api_errors_become_findings(run, tmp_path, token, error_status, expected):
    with cluster(error_status=error_status) as kube:
        result = run(dict(PROD, kubeconfig=str(kube.write_kubeconfig(tmp_path / "kubeconfig", token=token))))
    item = next(f for f in result["findings"] if f["id"] == "live.kubernetes")
    assert item["severity"] == "error"
    assert expected in item["message"]
    assert result["passed"] is False
    assert result["facts"]["nodes"][0]["source"] == "computed"  # falls back to the plan


def test_live_cluster_unreachable(run, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    with cluster() as kube:
        kube.write_kubeconfig(kubeconfig)
    # the server is gone now
    result = run(dict(PROD, kubeconfig=str(kubeconfig), timeout=3))
    assert "live.kubernetes" in ids(result, "error")


# --------------------------------------------------------------------------- live ClickHouse (chdb)
def test_the_shim_speaks_the_clickhouse_http_interface(clickhouse):
    """The stand-in behaves like the server where the module depends on it (and where it must not)."""
    import base64
    import urllib.error
    import urllib.parse
    import urllib.request

    basic = "Basic " + base64.b64encode(f"{CH_USER}:{CH_PASSWORD}".encode()).decode()

    def call(method, query, headers, body=None):
        url = clickhouse.url + "/?" + urllib.parse.urlencode({"query": query}) if query else clickhouse.url + "/"
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 (loopback http)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    assert call("POST", "", {"Authorization": basic}, b"CREATE DATABASE IF NOT EXISTS shim_test")[0] == 200
    status, body = call("GET", "CREATE TABLE shim_test.t (x UInt8) ENGINE = Memory", {"Authorization": basic})
    assert (status, body[:9]) == (500, "Code: 164")  # GET is read-only
    status, body = call("GET", "SELECT total_space FROM system.disks FORMAT JSON", {"Authorization": basic})
    assert status == 200
    assert isinstance(json.loads(body)["data"][0]["total_space"], str)  # 64-bit integers quoted, as the server does
    status, body = call("GET", "SELECT 1", {"X-ClickHouse-User": CH_USER, "X-ClickHouse-Key": "nope"})
    assert (status, body[:9]) == (403, "Code: 516")
    status, body = call("GET", "SELECT * FROM system.no_such_table", {"Authorization": basic})
    assert (status, body[:8]) == (404, "Code: 60")
    clickhouse.execute("DROP DATABASE IF EXISTS shim_test")


def ch_args(clickhouse, **extra):
    return dict(
        {
            "tier_class": "production",
            "mode": "external",
            "replicas": 3,
            "limits": {"cpu": "8", "memory": "1Ti"},
            "clickhouse_url": clickhouse.url,
            "clickhouse_user": CH_USER,
            "clickhouse_password": CH_PASSWORD,
        },
        **extra,
    )


def disk_used_percent(clickhouse) -> float:
    free, total = clickhouse.execute("SELECT free_space, total_space FROM system.disks WHERE name = 'default'").split()
    return 100 * (1 - int(free) / int(total))


def test_live_clickhouse_signals_come_from_the_engine(run, clickhouse):
    result = run(ch_args(clickhouse))
    live = result["facts"]["clickhouse"]
    assert live["version"] == clickhouse.execute("SELECT version()").strip()
    assert [d["name"] for d in live["disks"]] == ["default"]
    assert live["disks"][0]["total_space"] > 0
    assert set(live["metrics"]) == {"Query", "Merge", "HTTPConnection", "MemoryTracking"}
    assert live["metrics"]["MemoryTracking"] > 0
    assert live["merge_tree_settings"] == {"parts_to_delay_insert": 1000, "parts_to_throw_insert": 3000}
    # read-only: GET only, and the credentials went in the headers the server checks
    mine = clickhouse.requests[-5:]
    assert {r["method"] for r in mine} == {"GET"}
    assert {r["user"] for r in mine} == {CH_USER}
    assert all(r["query"].endswith("FORMAT JSON") for r in mine)


def test_live_clickhouse_password_never_leaves_the_module(run, clickhouse):
    result = run(ch_args(clickhouse))
    text = json.dumps(result)
    assert CH_PASSWORD not in text


def test_live_clickhouse_wrong_password(run, clickhouse):
    result = run(ch_args(clickhouse, clickhouse_password="not-the-password"))
    item = next(f for f in result["findings"] if f["id"] == "live.clickhouse")
    assert item["severity"] == "error"
    assert "HTTP 403" in item["message"]
    assert "Authentication failed" in item["message"]
    assert "not-the-password" not in json.dumps(result)


def test_live_clickhouse_unreachable(run, clickhouse):
    result = run(ch_args(clickhouse, clickhouse_url="http://127.0.0.1:9", timeout=3))
    assert "live.clickhouse" in ids(result, "error")


def test_live_disk_usage_thresholds_against_the_real_disk(run, clickhouse):
    used = disk_used_percent(clickhouse)
    if used < 3:
        pytest.skip(f"the test disk is only {used:.1f} % used; thresholds below it are meaningless")
    below = run(ch_args(clickhouse, disk_alert_percent=used - 2, disk_critical_percent=99.9))
    assert [f["severity"] for f in below["findings"] if f["id"] == "live.disk_usage"] == ["warning"]
    critical = run(ch_args(clickhouse, disk_alert_percent=used - 2, disk_critical_percent=used - 1))
    assert [f["severity"] for f in critical["findings"] if f["id"] == "live.disk_usage"] == ["error"]
    assert critical["passed"] is False
    dev = run(ch_args(clickhouse, tier_class="dev", disk_alert_percent=used - 2, disk_critical_percent=used - 1))
    assert [f["severity"] for f in dev["findings"] if f["id"] == "live.disk_usage"] == ["warning"]
    if used + 2 <= 100:
        above = run(ch_args(clickhouse, disk_alert_percent=used + 2))
        assert "live.disk_usage" not in ids(above)


def test_live_memory_tracking_against_the_limit(run, clickhouse):
    roomy = run(ch_args(clickhouse))
    assert "live.memory" not in ids(roomy)
    # ClickHouse itself tracks tens of MiB even idle: a 1 MiB limit is far past 90 %.
    tight = run(ch_args(clickhouse, limits={"cpu": "8", "memory": "1Mi"}))
    item = next(f for f in tight["findings"] if f["id"] == "live.memory")
    assert item["severity"] == "error"
    assert "MEMORY_LIMIT_EXCEEDED" in item["message"]


def test_live_parts_from_a_real_mergetree_table(run, clickhouse):
    """Parts per partition against parts_to_delay_insert (1000): real inserts, merges stopped."""
    clickhouse.execute("CREATE DATABASE IF NOT EXISTS sizing_test")
    clickhouse.execute(
        "CREATE TABLE sizing_test.runs (id UInt64, day UInt8) ENGINE = MergeTree PARTITION BY day ORDER BY id"
    )
    clickhouse.execute("SYSTEM STOP MERGES sizing_test.runs")
    insert = (
        "INSERT INTO sizing_test.runs SELECT number, 1 FROM numbers({start}, {count}) SETTINGS max_block_size=1, "
        "min_insert_block_size_rows=1, min_insert_block_size_bytes=0, max_insert_threads=1"
    )
    try:
        clickhouse.execute(insert.format(start=0, count=100))
        calm = run(ch_args(clickhouse))
        assert "live.parts" not in ids(calm)
        assert calm["facts"]["clickhouse"]["parts"][0] == {
            "database": "sizing_test",
            "table": "runs",
            "partition_id": "1",
            "parts": 100,
        }
        clickhouse.execute(insert.format(start=100, count=420))
        behind = run(ch_args(clickhouse))
        item = next(f for f in behind["findings"] if f["id"] == "live.parts")
        assert (item["severity"], "sizing_test.runs partition 1 has 520 active parts") == (
            "warning",
            item["message"][: len("sizing_test.runs partition 1 has 520 active parts")],
        )
        clickhouse.execute(insert.format(start=520, count=480))
        delayed = run(ch_args(clickhouse))
        item = next(f for f in delayed["findings"] if f["id"] == "live.parts")
        assert item["severity"] == "error"
        assert "1000 active parts, at parts_to_delay_insert=1000" in item["message"]
    finally:
        clickhouse.execute("DROP DATABASE IF EXISTS sizing_test")


# --------------------------------------------------------------------------- plan mode without a process
@pytest.mark.parametrize(
    "args",
    [
        PROD,
        {**PROD, "instance_types": ["r6i.xlarge"]},
        {
            "tier_class": "dev",
            "instance_types": ["r6i.xlarge"],
            "requests": {"cpu": "3", "memory": "12Gi"},
            "volume": {"size": "100Gi"},
        },
        {**PROD, "mode": "in_cluster_replicated", "replicas": 3, "instance_types": ["r6i.4xlarge"]},
        {"tier_class": "production", "mode": "external", "replicas": 2},
    ],
    ids=["production", "undersized", "dev-defaults", "replicated", "external"],
)
def test_the_filter_gives_what_the_module_gives_for_the_same_instance_data(run, aws, args):
    """One set of rules: the clickhouse_sizing_plan filter (preflight, with the data already read)
    returns exactly the module's plan-mode result."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    from ansible_collections.langchain.langsmith_aws.plugins.filter.clickhouse_sizing import clickhouse_sizing_plan
    from ansible_collections.langchain.langsmith_aws.plugins.module_utils import clickhouse_sizing as rules

    module_result = run(args)
    params = ArgumentSpecValidator(rules.argument_spec()).validate(dict(args)).validated_parameters
    wanted, candidates = rules.instance_types_needed(params)
    data = rules.describe_instance_data(aws.client("ec2"), wanted, candidates) if args.get("mode") != "external" else {}
    assert clickhouse_sizing_plan(args, data) == module_result


def test_the_filter_refuses_instance_types_the_data_lacks():
    from ansible.errors import AnsibleFilterError

    from ansible_collections.langchain.langsmith_aws.plugins.filter.clickhouse_sizing import clickhouse_sizing_plan

    with pytest.raises(AnsibleFilterError, match=r"instance_types: r6i\.2xlarge not offered by EC2"):
        clickhouse_sizing_plan(PROD, {})

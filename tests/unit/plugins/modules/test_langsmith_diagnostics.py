"""langsmith_diagnostics, run in-process against the fake cluster (fake kubectl/helm/jq on PATH).

The official script's interface is exercised with tests/fixtures/bin/fake-k8s-debug-script,
served from a loopback HTTP server (download + checksum) or given as a local path.
AWS evidence is covered by tests/unit/plugins/module_utils/test_diagnostics_aws.py (Stubber)
and tests/integration/test_diagnostics.py (emulator).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "fixtures"))
import diagnostics_world as world

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import diagnostics_script
from ansible_collections.langchain.langsmith_aws.plugins.modules import langsmith_diagnostics


def run_module(capsys, **args):
    """Run the module's main(); returns its JSON result (``failed`` set on fail_json)."""
    with patch_module_args(args), pytest.raises(SystemExit):
        langsmith_diagnostics.main()
    out = capsys.readouterr().out
    return json.loads(out[out.index("{") :])


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    """Fake cluster + fake tools on PATH; yields a namespace of useful paths."""
    data = world.write_cluster(tmp_path / "cluster")
    for key, value in world.fake_env(tmp_path, data).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    class Paths:
        root = tmp_path
        dest = tmp_path / "out"
        record = tmp_path / "script.record"
        kubectl_log = tmp_path / "kubectl.log"
        served = tmp_path / "served"

    Paths.served.mkdir()
    shutil.copy(world.FAKE_SCRIPT, Paths.served / "get_k8s_debugging_info.sh")
    return Paths


def base_args(paths, **extra):
    args = {"dest": str(paths.dest), "label": "unit", "collect_aws": False, "hostname": "langsmith.demo.example.com"}
    args.update(extra)
    return args


def collectors(result) -> dict:
    return {c["name"]: c for c in result["collectors"]}


def test_download_verify_run_and_ingest(cluster, capsys):
    script = cluster.served / "get_k8s_debugging_info.sh"
    with world.loopback_server(cluster.served) as url:
        result = run_module(
            capsys,
            **base_args(
                cluster,
                script_url=f"{url}/get_k8s_debugging_info.sh",
                script_sha256=world.sha256_file(script),
                pod_selector="app.kubernetes.io/component=langsmith-backend",
                exclude_describe=True,
            ),
        )
    assert result["changed"] is True
    archive = Path(result["archive"])
    assert archive.parent == cluster.dest
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    script_info = result["script"]
    assert script_info["verified"] is True
    assert script_info["sha256"] == world.sha256_file(script)
    assert script_info["exit_code"] == 0
    # the flags of the official interface reached the script
    record = cluster.record.read_text()
    selector = "app.kubernetes.io/component=langsmith-backend"
    flags = f"--namespace langsmith --redact --exclude-describe --pod-selector {selector}"
    assert f"argv {flags}" in record
    # the script ran with TMPDIR in the module's private work directory, which is gone afterwards
    bundle_dir = next(line.split(" ", 1)[1] for line in record.splitlines() if line.startswith("dir "))
    assert "/langsmith-diagnostics-" in bundle_dir
    assert Path(bundle_dir).name.startswith("langsmith-debugging.")
    assert not Path(bundle_dir).exists()
    assert not Path(bundle_dir).parent.parent.exists()
    files = world.read_archive(archive)
    assert "k8s-script/helm-values/langsmith_values.yaml" in files
    assert "k8s-script/logs/langsmith-backend-7d9f-abcde_current.log" in files
    assert not any(name.startswith("k8s-script/describe/") for name in files)  # --exclude-describe honoured
    for name in ("ingresses", "targetgroupbindings", "pods", "persistentvolumeclaims", "externalsecrets", "nodes"):
        assert f"kubernetes/{name}.json" in files
    summary = json.loads(files["summary.json"])
    assert summary["files"] == sorted(files)
    assert summary["script"]["bundle_format"] == "zip"
    assert world.leaked(files.values()) == []


def test_findings_from_the_kubernetes_objects(cluster, capsys):
    result = run_module(capsys, **base_args(cluster, run_script=False))
    by_id = {}
    for item in result["findings"]:
        by_id.setdefault(item["id"], []).append(item)
    assert by_id["k8s-crashloopbackoff"][0]["resource"] == "langsmith-backend-7d9f-abcde"
    assert by_id["clickhouse-oomkilled"][0]["section"] == "clickhouse-oomkilled"
    assert by_id["clickhouse-no-persistent-volume"][0]["section"] == "clickhouse-data-not-persistent"
    assert "Insufficient memory" in by_id["k8s-pod-unschedulable"][0]["detail"]
    assert by_id["k8s-pvc-not-bound"][0]["section"] == "pods-pending"
    assert by_id["k8s-externalsecret-not-ready"][0]["severity"] == "critical"
    assert by_id["k8s-no-default-storageclass"][0]["section"] == "pods-pending"
    assert "k8s-ingress-no-address" not in by_id  # the Ingress has an address
    assert [f["severity"] for f in result["findings"]] == sorted(
        (f["severity"] for f in result["findings"]), key=["critical", "warning", "info"].index
    )
    assert collectors(result)["kubernetes_script"]["status"] == "skipped"
    assert world.leaked([json.dumps(result)]) == []


def test_redaction_of_planted_secrets_in_everything(cluster, capsys):
    """Pod env, annotations, describe output, logs, Helm values, status messages."""
    script = cluster.served / "get_k8s_debugging_info.sh"
    result = run_module(capsys, **base_args(cluster, script_path=str(script), script_sha256=world.sha256_file(script)))
    files = world.read_archive(result["archive"])
    assert "k8s-script/describe/langsmith-backend-7d9f-abcde.txt" in files
    assert world.leaked(files.values()) == []
    assert world.leaked([json.dumps(result)]) == []
    # what is not secret stays readable
    values = files["k8s-script/helm-values/langsmith_values.yaml"]
    assert "existingSecretName: langsmith-config" in values
    assert "demo-langsmith-postgres.abc.us-east-1.rds.amazonaws.com:5432" in values
    pods = json.loads(files["kubernetes/pods.json"])
    assert pods["items"][0]["metadata"]["name"] == "langsmith-backend-7d9f-abcde"
    assert json.loads(files["summary.json"])["redaction"]["replacements"] > 0


def test_unredacted_script_output_when_asked(cluster, capsys):
    """redact=false keeps the script's files as written; the module's own evidence stays redacted."""
    script = cluster.served / "get_k8s_debugging_info.sh"
    result = run_module(
        capsys, **base_args(cluster, script_path=str(script), script_sha256=world.sha256_file(script), redact=False)
    )
    assert "--redact" not in cluster.record.read_text()
    files = world.read_archive(result["archive"])
    assert world.PLANTED["admin_password_values"] in files["k8s-script/helm-values/langsmith_values.yaml"]
    own = [text for name, text in files.items() if not name.startswith("k8s-script/")]
    assert world.leaked(own) == []


def test_checksum_mismatch_does_not_run_the_script(cluster, capsys):
    with world.loopback_server(cluster.served) as url:
        result = run_module(
            capsys, **base_args(cluster, script_url=f"{url}/get_k8s_debugging_info.sh", script_sha256="0" * 64)
        )
    assert not cluster.record.exists(), "the script ran despite the checksum mismatch"
    script = collectors(result)["kubernetes_script"]
    assert script["status"] == "failed"
    assert "sha256 mismatch" in script["errors"][0]
    mismatch = [f for f in result["findings"] if f["id"] == "diagnostics-script-checksum-mismatch"]
    assert mismatch
    assert mismatch[0]["severity"] == "critical"
    # the other collectors still ran and the archive exists
    assert collectors(result)["k8s_pods"]["status"] == "ok"
    assert Path(result["archive"]).is_file()


def test_a_script_without_a_pinned_sha256_is_not_run_unless_asked_by_name(cluster, capsys):
    script = cluster.served / "get_k8s_debugging_info.sh"
    with world.loopback_server(cluster.served) as url:
        result = run_module(capsys, **base_args(cluster, script_url=f"{url}/get_k8s_debugging_info.sh"))
    collector = collectors(result)["kubernetes_script"]
    assert collector["status"] == "failed"
    assert "The script was not run" in collector["errors"][0]
    assert world.sha256_file(script) in collector["errors"][0]  # the hash to pin
    assert "diagnostics_run_unverified_script: true" in collector["errors"][0]
    assert not (result.get("script") or {}).get("bundle_format"), "the script ran"


def test_unverified_download_warns_with_the_sha256_to_pin(cluster, capsys):
    script = cluster.served / "get_k8s_debugging_info.sh"
    with world.loopback_server(cluster.served) as url:
        result = run_module(
            capsys,
            **base_args(cluster, script_url=f"{url}/get_k8s_debugging_info.sh", allow_unverified_script=True),
        )
    assert result["script"]["verified"] is False
    # ansible-core 2.19+ returns warnings as structured events
    assert world.sha256_file(script) in json.dumps(result.get("warnings", []))


def test_download_failure_is_recorded(cluster, capsys):
    with world.loopback_server(cluster.served) as url:
        result = run_module(capsys, **base_args(cluster, script_url=f"{url}/missing.sh"))
    script = collectors(result)["kubernetes_script"]
    assert script["status"] == "failed"
    assert "could not download" in script["errors"][0]
    assert collectors(result)["k8s_ingresses"]["status"] == "ok"


def test_tar_gz_bundle_is_ingested(cluster, capsys, monkeypatch):
    monkeypatch.setenv("FAKE_SCRIPT_NO_ZIP", "1")
    script = cluster.served / "get_k8s_debugging_info.sh"
    result = run_module(capsys, **base_args(cluster, script_path=str(script), script_sha256=world.sha256_file(script)))
    assert result["script"]["bundle_format"] == "tar.gz"
    assert "k8s-script/helm-values/langsmith_values.yaml" in world.read_archive(result["archive"])


@pytest.mark.parametrize(
    ("mode", "error"),
    [("fail", "the script exited 3"), ("no-bundle-line", "no 'Bundle written to <path>' line")],
)
def test_script_failures_are_isolated(cluster, capsys, monkeypatch, mode, error):
    monkeypatch.setenv("FAKE_SCRIPT_MODE", mode)
    script = cluster.served / "get_k8s_debugging_info.sh"
    result = run_module(capsys, **base_args(cluster, script_path=str(script), script_sha256=world.sha256_file(script)))
    script = collectors(result)["kubernetes_script"]
    assert script["status"] == "failed"
    assert error in script["errors"][0]
    assert collectors(result)["k8s_pods"]["status"] == "ok"
    assert "k8s-script/script-output.log" in world.read_archive(result["archive"])


def test_missing_jq_names_the_tool(cluster, capsys, monkeypatch):
    """A PATH without jq: the script is not started and the error says what to install."""
    bin_dir = cluster.root / "bin-without-jq"
    bin_dir.mkdir()
    for tool in ("bash", "env", "python", "timeout", "mktemp", "sed", "find", "dirname", "tar"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    for tool in ("kubectl", "helm"):
        (bin_dir / tool).symlink_to(world.FIXTURE_BIN / tool)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(os, "defpath", str(bin_dir))
    for sbin in ("/sbin", "/usr/sbin", "/usr/local/sbin"):
        assert not Path(sbin, "jq").exists(), "jq in an sbin directory would defeat this test"
    script = cluster.served / "get_k8s_debugging_info.sh"
    result = run_module(capsys, **base_args(cluster, script_path=str(script), script_sha256=world.sha256_file(script)))
    script = collectors(result)["kubernetes_script"]
    assert script["status"] == "failed"
    assert "needs jq on PATH" in script["errors"][0]
    assert "install jq" in script["errors"][0]
    assert not cluster.record.exists()


def test_one_failing_kubectl_collector_does_not_stop_the_others(cluster, capsys, monkeypatch):
    monkeypatch.setenv("FAKE_KUBE_FAIL", "pods")
    result = run_module(capsys, **base_args(cluster, run_script=False))
    states = {name: c["status"] for name, c in collectors(result).items()}
    assert states["k8s_pods"] == "failed"
    assert "Unable to connect to the server" in collectors(result)["k8s_pods"]["errors"][0]
    assert states["k8s_ingresses"] == states["k8s_externalsecrets"] == states["k8s_nodes"] == "ok"
    assert any(f["id"] == "diagnostics-collectors-failed" for f in result["findings"])


def test_missing_crd_is_a_skip_not_a_failure(cluster, capsys):
    (Path(os.environ["FAKE_KUBE_DATA"]) / "externalsecrets.external-secrets.io.json").unlink()
    result = run_module(capsys, **base_args(cluster, run_script=False))
    es = collectors(result)["k8s_externalsecrets"]
    assert es["status"] == "skipped"
    assert "not installed" in es["reason"]


def test_check_mode_collects_nothing(cluster, capsys):
    with world.loopback_server(cluster.served) as url:
        result = run_module(
            capsys, **base_args(cluster, script_url=f"{url}/get_k8s_debugging_info.sh", _ansible_check_mode=True)
        )
    assert result["changed"] is True
    assert result["archive"] is None
    assert {c["status"] for c in result["collectors"]} == {"would run", "skipped"}
    assert collectors(result)["kubernetes_script"]["status"] == "would run"
    assert not cluster.dest.exists()
    assert not cluster.record.exists()
    assert not cluster.kubectl_log.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"script_sha256": "abc"}, "script_sha256 must be 64 hexadecimal"),
        ({"namespace": "Bad_NS"}, "not a Kubernetes namespace"),
        ({"script_url": "http://example.com/s.sh"}, "https:// URL"),
        ({"script_url": None}, "set script_ref"),
        ({"event_hours": 0}, "event_hours=0"),
        ({"script_ref": "../etc"}, "is not a git ref"),
    ],
)
def test_bad_input_fails_before_collecting(cluster, capsys, args, message):
    merged = base_args(cluster, script_url="https://raw.githubusercontent.com/x/y/z.sh")
    merged.update(args)
    if merged.get("script_ref"):
        merged.pop("script_url")
    merged = {k: v for k, v in merged.items() if v is not None}
    result = run_module(capsys, **merged)
    assert result["failed"] is True
    assert message in result["msg"]
    assert not cluster.dest.exists()
    assert not cluster.kubectl_log.exists()


def test_script_ref_builds_the_pinned_raw_url(cluster, capsys):
    result = run_module(capsys, **base_args(cluster, script_ref="langsmith-0.16.11", _ansible_check_mode=True))
    assert result["changed"] is True
    assert diagnostics_script.script_url("langsmith-0.16.11") == (
        "https://raw.githubusercontent.com/langchain-ai/helm/langsmith-0.16.11/charts/langsmith/scripts/"
        "get_k8s_debugging_info.sh"
    )


def test_without_a_region_the_aws_side_is_skipped_not_fatal(cluster, capsys, monkeypatch):
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cluster.root / "no-aws-config"))
    result = run_module(capsys, **base_args(cluster, run_script=False, collect_aws=True))
    states = collectors(result)
    assert states["aws_eks"]["status"] == "skipped"
    assert "no AWS region" in states["aws_eks"]["reason"]
    assert states["k8s_pods"]["status"] == "ok"
    assert Path(result["archive"]).is_file()

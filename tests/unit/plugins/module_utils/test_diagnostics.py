"""Core of langsmith_diagnostics: finding catalog vs TROUBLESHOOTING.md, runner isolation, bundle,
Kubernetes analysis, and the official-script helpers (download, checksum, bundle parsing)."""

from __future__ import annotations

import datetime
import io
import json
import re
import stat
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import (
    diagnostics,
    diagnostics_k8s,
    diagnostics_script,
)

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import diagnostics_world as world  # noqa: E402

DOC = (ROOT / "TROUBLESHOOTING.md").read_text()


def github_slug(heading: str) -> str:
    """GitHub's heading anchor: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def doc_sections() -> dict:
    """anchor -> text of each `## ` section of TROUBLESHOOTING.md."""
    parts = re.split(r"^## (.+)$", DOC, flags=re.M)
    return {github_slug(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}


# --------------------------------------------------------------------------- TROUBLESHOOTING.md
def test_every_catalogued_section_is_a_heading_with_that_anchor():
    sections = doc_sections()
    for anchor, title in diagnostics.SECTIONS.items():
        assert f"\n## {title}\n" in DOC, f"TROUBLESHOOTING.md lacks the heading '## {title}'"
        assert github_slug(title) == anchor
        assert anchor in sections


def test_the_issue_sections_are_all_there():
    required = [
        "gather-evidence-first",
        "ui-not-reachable",
        "pods-in-crashloopbackoff",
        "first-trace-fails",
        "alb-targets-unhealthy",
        "postgresql-connectivity",
        "redis-connectivity",
        "clickhouse-oomkilled",
        "clickhouse-disk-and-io",
        "clickhouse-data-not-persistent",
        "pods-pending",
        "tls-and-certificates",
        "it-worked-yesterday",
        "what-to-include-in-a-support-request",
    ]
    assert set(required) <= set(doc_sections())


def test_every_finding_id_is_documented_in_each_of_its_sections():
    sections = doc_sections()
    for fid, anchors in diagnostics.FINDINGS.items():
        for anchor in anchors:
            assert anchor in diagnostics.SECTIONS, f"{fid} points to unknown section {anchor}"
            assert f"`{fid}`" in sections[anchor], f"TROUBLESHOOTING.md#{anchor} does not list finding `{fid}`"


def test_symptom_sections_have_copyable_checks():
    for anchor, text in doc_sections().items():
        if anchor in ("what-to-include-in-a-support-request",):
            continue
        assert "```bash" in text, f"section {anchor} has no command block"
        if anchor != "gather-evidence-first":
            for part in ("**Symptom", "**Likely cause", "**Checks", "**Fix"):
                assert part in text, f"section {anchor} lacks {part}"


def test_the_script_instructions_match_the_official_interface():
    evidence = doc_sections()["gather-evidence-first"]
    assert (
        "https://raw.githubusercontent.com/langchain-ai/helm/$REF/charts/langsmith/scripts/get_k8s_debugging_info.sh"
        in evidence
    )
    assert "REF=langsmith-$CHART_VERSION" in evidence
    for needed in ("sha256sum", "chmod +x", "--namespace", "--redact", "--exclude-logs", "--exclude-describe"):
        assert needed in evidence
    for needed in ("--pod-selector", "Bundle written to", "jq", "bash 4", "playbooks/diagnostics.yml", "summary.json"):
        assert needed in evidence
    # the URL the doc gives is the one the module builds
    assert diagnostics_script.script_url("$REF") in evidence


# --------------------------------------------------------------------------- findings and runner
def test_finding_refuses_what_the_catalog_does_not_know():
    with pytest.raises(ValueError, match="not catalogued"):
        diagnostics.finding("made-up", "critical", "t", "", "ui-not-reachable")
    with pytest.raises(ValueError, match="not catalogued"):
        diagnostics.finding("rds-not-found", "critical", "t", "", "ui-not-reachable")
    with pytest.raises(ValueError, match="severity"):
        diagnostics.finding("rds-not-found", "fatal", "t", "", "postgresql-connectivity")
    made = diagnostics.finding("rds-not-found", "critical", "t", "d", "postgresql-connectivity", "db-1")
    assert made["doc"] == "TROUBLESHOOTING.md#postgresql-connectivity"


@pytest.mark.parametrize(
    ("prefix", "value", "expected"),
    [
        ("alb-target", "unhealthy.draining", "alb-target-unhealthy-draining"),
        ("alb-target", "something-new", "alb-target-other"),
        ("acm-certificate", "PENDING_VALIDATION", "acm-certificate-pending-validation"),
        ("acm-certificate", "NEW_STATUS", "acm-certificate-other"),
    ],
)
def test_finding_id_normalisation(prefix, value, expected):
    assert diagnostics.finding_id(prefix, value) == expected


def test_runner_isolates_failures_and_records_skips(tmp_path):
    bundle = diagnostics.Bundle(str(tmp_path / "b"))
    runner = diagnostics.Runner(bundle)

    def boom(ev):
        ev.data["partial"] = "kept"
        raise RuntimeError("api unreachable token=leak123")

    def skipped(ev):
        raise diagnostics.CollectorSkipped("nothing to look at")

    def partial(ev):
        ev.data["x"] = 1
        ev.error("one call", ValueError("denied"))
        ev.find("rds-not-found", "critical", "missing", "", "postgresql-connectivity")

    def fine(ev):
        ev.data["y"] = {"password": "pw-in-data"}

    runner.run("boom", "a/boom.json", boom)
    runner.run("skipped", "a/skipped.json", skipped)
    runner.run("partial", "a/partial.json", partial)
    runner.run("fine", "a/fine.json", fine)
    states = {c["name"]: c for c in runner.collectors}
    assert states["boom"]["status"] == "failed"
    assert "leak123" not in states["boom"]["errors"][0]
    assert states["boom"]["file"] == "a/boom.json"  # what it had gathered is kept
    assert states["skipped"]["status"] == "skipped"
    assert states["skipped"]["reason"] == "nothing to look at"
    assert states["partial"]["status"] == "partial"
    assert states["partial"]["errors"] == ["one call: ValueError: denied"]
    assert states["fine"]["status"] == "ok"
    assert "pw-in-data" not in (tmp_path / "b" / "a" / "fine.json").read_text()
    summary = runner.summary({"label": "t"})
    assert summary["counts"] == {"critical": 1, "warning": 0, "info": 1}
    assert summary["findings"][-1]["id"] == "diagnostics-collectors-failed"
    assert "boom" in summary["findings"][-1]["title"]


def test_archive_layout_and_permissions(tmp_path):
    bundle = diagnostics.Bundle(str(tmp_path / "stage"))
    bundle.write_json("aws/eks.json", {"when": datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)})
    bundle.write_text("k8s-script/x.log", "Authorization: Bearer abc.def123")
    with pytest.raises(ValueError, match="outside the bundle"):
        bundle.write_text("../escape.txt", "x")
    first = Path(bundle.archive(str(tmp_path / "dest"), "langsmith-diagnostics-t-1"))
    second = Path(bundle.archive(str(tmp_path / "dest"), "langsmith-diagnostics-t-1"))
    assert first.name == "langsmith-diagnostics-t-1.zip"
    assert second.name == "langsmith-diagnostics-t-1-2.zip"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    with zipfile.ZipFile(first) as archive:
        names = sorted(archive.namelist())
        assert names == ["langsmith-diagnostics-t-1/aws/eks.json", "langsmith-diagnostics-t-1/k8s-script/x.log"]
        assert json.loads(archive.read(names[0])) == {"when": "2026-01-02T00:00:00+00:00"}
        assert b"abc.def123" not in archive.read(names[1])
    assert not list((tmp_path / "dest").glob(".partial-*"))


# --------------------------------------------------------------------------- Kubernetes analysis
def _pod(name, statuses=(), phase="Running", *, volumes=(), conditions=()):
    return {
        "metadata": {"name": name, "labels": {}},
        "owner": ["StatefulSet/x"],
        "phase": phase,
        "containerStatuses": list(statuses),
        "initContainerStatuses": [],
        "volumes": list(volumes),
        "conditions": list(conditions),
    }


def _ids(findings):
    return sorted(f["id"] for f in findings)


def test_pod_findings():
    def waiting(reason):
        return {"name": "c", "state": {"phase": "waiting", "reason": reason, "message": "m"}}

    pods = [
        _pod("a", [waiting("ImagePullBackOff")]),
        _pod("b", [waiting("CreateContainerConfigError")]),
        _pod("c", [{"name": "c", "restartCount": 6, "lastState": {"phase": "terminated", "reason": "Error"}}]),
        _pod("d", [{"name": "c", "restartCount": 2, "lastState": {"phase": "terminated", "reason": "OOMKilled"}}]),
        _pod(
            "langsmith-clickhouse-0",
            volumes=[{"name": "data", "type": "persistentVolumeClaim", "mountPaths": ["/var/lib/clickhouse"]}],
        ),
        _pod("e", phase="Pending", conditions=[{"type": "PodScheduled", "status": "False", "message": "taint"}]),
    ]
    found = diagnostics_k8s.pod_findings(pods, "langsmith")
    assert _ids(found) == [
        "k8s-container-config-error",
        "k8s-container-oomkilled",
        "k8s-container-restarts",
        "k8s-image-pull",
        "k8s-pod-unschedulable",
    ]
    assert diagnostics_k8s.pod_findings([], "ns")[0]["id"] == "k8s-no-pods"


def test_clickhouse_without_a_volume_claim_is_flagged():
    empty_dir = _pod(
        "langsmith-clickhouse-0",
        volumes=[{"name": "data", "type": "emptyDir", "mountPaths": ["/var/lib/clickhouse"]}],
    )
    found = diagnostics_k8s.pod_findings([empty_dir], "ns")
    assert _ids(found) == ["clickhouse-no-persistent-volume"]
    assert "emptyDir" in found[0]["title"]


def test_trim_pod_keeps_volume_types_and_drops_env():
    pod = {
        "metadata": {"name": "p", "labels": {}},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "env": [{"name": "PASSWORD", "value": "x"}],
                    "volumeMounts": [{"name": "data", "mountPath": "/var/lib/clickhouse"}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data-p"}}],
        },
        "status": {"phase": "Running"},
    }
    trimmed = diagnostics_k8s.trim_pod(pod)
    assert trimmed["volumes"] == [
        {"name": "data", "type": "persistentVolumeClaim", "claimName": "data-p", "mountPaths": ["/var/lib/clickhouse"]}
    ]
    assert "env" not in json.dumps(trimmed)


def test_ingress_findings():
    items = [
        {
            "metadata": {"name": "a", "annotations": {}},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": "x.io"}]},
        },
        {
            "metadata": {"name": "b", "annotations": {}},
            "spec": {"ingressClassName": "alb", "rules": [{"host": "ls.example.com"}]},
            "status": {"loadBalancer": {"ingress": [{"hostname": "k8s-b.elb.amazonaws.com"}]}},
        },
    ]
    found = diagnostics_k8s.ingress_findings(items, "ns", "ls.example.com")
    assert _ids(found) == ["k8s-ingress-class", "k8s-ingress-host-mismatch", "k8s-ingress-no-address"]
    assert all(f["resource"] == "a" for f in found)
    assert _ids(diagnostics_k8s.ingress_findings([], "ns", "")) == ["k8s-no-ingress"]


def test_other_kubernetes_findings():
    assert _ids(
        diagnostics_k8s.pvc_findings([{"metadata": {"name": "data-langsmith-clickhouse-0"}, "phase": "Pending"}])
    )
    pvc = diagnostics_k8s.pvc_findings([{"metadata": {"name": "data-langsmith-clickhouse-0"}, "phase": "Pending"}])[0]
    assert pvc["section"] == "clickhouse-data-not-persistent"
    assert diagnostics_k8s.pvc_findings([{"metadata": {"name": "x"}, "phase": "Bound"}]) == []
    ready = {"metadata": {"name": "es"}, "conditions": [{"type": "Ready", "status": "True"}]}
    assert diagnostics_k8s.externalsecret_findings([ready]) == []
    assert _ids(diagnostics_k8s.externalsecret_findings([{"metadata": {"name": "es"}, "conditions": []}])) == [
        "k8s-externalsecret-not-ready"
    ]
    nodes = [
        {"name": "n1", "conditions": [{"type": "Ready", "status": "False", "message": "kubelet stopped"}]},
        {"name": "n2", "conditions": [{"type": "Ready", "status": "True"}, {"type": "DiskPressure", "status": "True"}]},
    ]
    assert _ids(diagnostics_k8s.node_findings(nodes)) == ["k8s-node-not-ready", "k8s-node-pressure"]
    assert diagnostics_k8s.storageclass_findings([{"name": "gp3", "default": True}]) == []
    assert _ids(diagnostics_k8s.storageclass_findings([{"name": "gp2", "default": False}])) == [
        "k8s-no-default-storageclass"
    ]
    assert _ids(diagnostics_k8s.tgb_findings([], [{"metadata": {"name": "i"}}])) == ["k8s-no-targetgroupbinding"]
    assert diagnostics_k8s.tgb_findings([], []) == []


@pytest.mark.parametrize(
    ("rc", "out", "err", "missing", "message"),
    [
        (1, "", 'error: the server doesn\'t have a resource type "externalsecrets"', True, "resource type"),
        (1, "", "Unable to connect to the server: i/o timeout", False, "Unable to connect"),
        (0, "not json", "", False, "not JSON"),
    ],
)
def test_kubectl_errors(rc, out, err, missing, message):
    calls = []

    def run_command(args, **kwargs):
        calls.append((args, kwargs))
        return rc, out, err

    kubectl = diagnostics_k8s.Kubectl(run_command, "/bin/kubectl", "langsmith", "/tmp/kc")
    with pytest.raises(diagnostics_k8s.KubectlError, match=message) as caught:
        kubectl.get("externalsecrets.external-secrets.io")
    assert caught.value.missing_type is missing
    args, kwargs = calls[0]
    assert args[:3] == ["/bin/kubectl", "get", "externalsecrets.external-secrets.io"]
    assert "--namespace" in args
    assert kwargs["environ_update"] == {"KUBECONFIG": "/tmp/kc"}


# --------------------------------------------------------------------------- the official script
@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://raw.githubusercontent.com/langchain-ai/helm/langsmith-0.16.11/x.sh", True),
        ("http://127.0.0.1:8000/x.sh", True),
        ("http://localhost/x.sh", True),
        ("http://raw.githubusercontent.com/x.sh", False),
        ("ftp://example.com/x.sh", False),
        ("file:///etc/passwd", False),
    ],
)
def test_check_url(url, ok):
    if ok:
        diagnostics_script.check_url(url)
    else:
        with pytest.raises(diagnostics_script.ScriptError):
            diagnostics_script.check_url(url)


def test_verify():
    data = b"#!/bin/bash\necho hi\n"
    digest = diagnostics_script.sha256_hex(data)
    assert diagnostics_script.verify(data, digest.upper(), "s") == {"sha256": digest, "verified": True}
    assert diagnostics_script.verify(data, "", "s", allow_unverified=True) == {"sha256": digest, "verified": False}
    with pytest.raises(diagnostics_script.ScriptError, match=f"no sha256 to verify s against .its sha256 is {digest}"):
        diagnostics_script.verify(data, "", "s")
    with pytest.raises(diagnostics_script.ScriptError, match="sha256 mismatch"):
        diagnostics_script.verify(data, "0" * 64, "s")
    with pytest.raises(diagnostics_script.ScriptError, match="not a shell script"):
        diagnostics_script.verify(b"<html>404</html>", "", "s", allow_unverified=True)


def test_fetch_from_a_loopback_server(tmp_path):
    from ansible.module_utils.urls import open_url

    (tmp_path / "s.sh").write_bytes(b"#!/bin/bash\n")
    (tmp_path / "big.sh").write_bytes(b"#" * (diagnostics_script.MAX_SCRIPT_BYTES + 10))
    with world.loopback_server(tmp_path) as url:
        assert diagnostics_script.fetch(f"{url}/s.sh", open_url) == b"#!/bin/bash\n"
        with pytest.raises(diagnostics_script.ScriptError, match="could not download"):
            diagnostics_script.fetch(f"{url}/nope.sh", open_url)
        with pytest.raises(diagnostics_script.ScriptError, match="larger than"):
            diagnostics_script.fetch(f"{url}/big.sh", open_url)


def test_flags():
    params = {"namespace": "ls", "redact": True, "redact_strict": True, "exclude_logs": True}
    params.update({"exclude_describe": True, "pod_selector": "a=b"})
    assert diagnostics_script.flags(params) == [
        "--namespace",
        "ls",
        "--redact",
        "--redact-strict",
        "--exclude-logs",
        "--exclude-describe",
        "--pod-selector",
        "a=b",
    ]
    assert diagnostics_script.flags({"namespace": "ls", "redact": False}) == ["--namespace", "ls"]


def test_bundle_path_takes_the_last_bundle_line():
    out = "noise\nBundle written to /tmp/a.zip\nmore\nBundle written to /tmp/x/langsmith-debugging.Ab12/.zip \n"
    assert diagnostics_script.bundle_path(out) == "/tmp/x/langsmith-debugging.Ab12/.zip"
    with pytest.raises(diagnostics_script.ScriptError, match="Bundle written to"):
        diagnostics_script.bundle_path("Debugging info saved to /tmp/x.tar.gz")


def test_find_tools_names_every_missing_tool():
    with pytest.raises(diagnostics_script.ScriptError, match=r"needs kubectl, jq on PATH.*install kubectl.*install jq"):
        diagnostics_script.find_tools(lambda name: "/bin/bash" if name == "bash" else None)
    tools = diagnostics_script.find_tools(lambda name: f"/usr/bin/{name}" if name != "zip" else None)
    assert tools["zip"] is None


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_extract_zip_written_with_absolute_paths(tmp_path):
    """`zip -r /tmp/x.zip /tmp/x` stores tmp/x/...: the directory prefix is dropped."""
    source = tmp_path / "b.zip"
    _zip(
        source,
        {
            "tmp/work/tmp/langsmith-debugging.Ab12/events.txt": "e",
            "tmp/work/tmp/langsmith-debugging.Ab12/logs/p_current.log": "l",
        },
    )
    files = diagnostics_script.extract(str(source), str(tmp_path / "out"))
    assert files == ["events.txt", "logs/p_current.log"]
    assert (tmp_path / "out" / "logs" / "p_current.log").read_text() == "l"


def test_extract_tar_gz(tmp_path):
    source = tmp_path / "b.tar.gz"
    with tarfile.open(source, "w:gz") as archive:
        for name, data in {
            "langsmith-debugging.X/events.txt": b"e",
            "langsmith-debugging.X/describe/p.txt": b"d",
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    assert diagnostics_script.extract(str(source), str(tmp_path / "out")) == ["describe/p.txt", "events.txt"]


def test_extract_refuses_unsafe_paths_and_other_formats(tmp_path):
    bad = tmp_path / "bad.zip"
    _zip(bad, {"a/../../escape.txt": "x", "a/ok.txt": "y"})
    with pytest.raises(diagnostics_script.ScriptError, match="unsafe path"):
        diagnostics_script.extract(str(bad), str(tmp_path / "out"))
    assert not (tmp_path / "escape.txt").exists()
    text = tmp_path / "x.zip"
    text.write_text("not an archive")
    with pytest.raises(diagnostics_script.ScriptError, match="neither a zip nor a tar"):
        diagnostics_script.extract(str(text), str(tmp_path / "out2"))

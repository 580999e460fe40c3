"""The emulator harness: loopback only, free ports, reset, and it stops only what it started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import emulator


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://127.8.9.10:5000", True),
        ("http://localhost:5000", True),
        ("http://[::1]:5000", True),
        ("https://ec2.us-east-1.amazonaws.com", False),
        ("http://10.0.0.5:5000", False),
        ("http://127.0.0.1.evil.example:5000", False),
        ("", False),
    ],
)
def test_loopback_detection(url, ok):
    assert emulator.is_loopback_url(url) is ok


def test_environment_refuses_a_non_loopback_endpoint():
    with pytest.raises(emulator.EmulatorError, match="only loopback"):
        emulator.environment("https://ec2.amazonaws.com")


def test_start_reset_stop_lifecycle(tmp_path):
    import boto3

    state = emulator.start(tmp_path)
    try:
        assert state.endpoint.startswith("http://127.0.0.1:")
        saved = json.loads((tmp_path / "emulator.json").read_text())
        assert saved["pid"] == state.pid
        # Starting again reuses the running server instead of leaking a second one.
        assert emulator.start(tmp_path).pid == state.pid
        ec2 = boto3.client(
            "ec2",
            region_name="us-east-1",
            endpoint_url=state.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        assert vpc_id in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
        emulator.reset(tmp_path)
        assert vpc_id not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
        # IAM managed policies are loaded (MOTO_IAM_LOAD_MANAGED_POLICIES=true).
        iam = boto3.client(
            "iam",
            region_name="us-east-1",
            endpoint_url=state.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")["Policy"]
        assert policy["PolicyName"] == "AmazonEKSClusterPolicy"
    finally:
        assert emulator.stop(tmp_path) is True
    assert not Path(f"/proc/{state.pid}").exists() or b"moto" not in Path(f"/proc/{state.pid}/cmdline").read_bytes()
    assert emulator.stop(tmp_path) is False


def test_stop_never_kills_a_process_it_did_not_start(tmp_path):
    """A stale pid file pointing at some other process must not kill that process."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / "emulator.json").write_text(
            json.dumps({"pid": other.pid, "port": 1, "endpoint": "http://127.0.0.1:1", "log": "x"})
        )
        assert emulator.stop(tmp_path) is False
        time.sleep(0.2)
        assert other.poll() is None, "the unrelated process was killed"
        assert not (tmp_path / "emulator.json").exists()
    finally:
        other.kill()
        other.wait()


def test_run_starts_and_stops_around_the_command(tmp_path):
    probe = (
        "import os; print(os.environ['AWS_ENDPOINT_URL'], os.environ['AWS_ACCESS_KEY_ID'], 'AWS_PROFILE' in os.environ)"
    )
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env["AWS_PROFILE"] = "real-account"
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "emulator.py"),
            "run",
            "--state-dir",
            str(tmp_path),
            "--",
            sys.executable,
            "-c",
            probe,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    endpoint, key, has_profile = out.stdout.split()
    assert emulator.is_loopback_url(endpoint)
    assert key == "testing"
    assert has_profile == "False"
    assert "stopped" in out.stderr
    assert not (tmp_path / "emulator.json").exists()


def test_run_with_a_given_endpoint_starts_nothing(tmp_path):
    env = dict(os.environ, AWS_ENDPOINT_URL="http://127.0.0.1:9")
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "emulator.py"),
            "run",
            "--state-dir",
            str(tmp_path),
            "--",
            sys.executable,
            "-c",
            "import os; print(os.environ['AWS_ENDPOINT_URL'])",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout.strip() == "http://127.0.0.1:9"
    assert "not started here" in out.stderr
    assert not (tmp_path / "emulator.json").exists()


def test_run_refuses_a_non_loopback_given_endpoint(tmp_path):
    env = dict(os.environ, AWS_ENDPOINT_URL="https://ec2.us-east-1.amazonaws.com")
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "emulator.py"), "run", "--state-dir", str(tmp_path), "--", "true"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert out.returncode == 2
    assert "only loopback" in out.stderr


def test_a_watched_emulator_exits_when_its_owner_dies(tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    state = emulator.start(tmp_path, watch_pid=owner.pid)
    try:
        assert emulator._ping(state.endpoint)
        owner.kill()
        owner.wait()
        for _attempt in range(100):  # the server polls its owner once a second
            if not emulator._process_is_ours(state):
                break
            time.sleep(0.2)
        assert not emulator._process_is_ours(state), "the emulator outlived the process it was watching"
    finally:
        emulator.stop(tmp_path)


def test_a_busy_emulator_of_ours_is_never_replaced_by_a_second_one(tmp_path, monkeypatch):
    """Ours but not answering (here: stopped with SIGSTOP): start() says so and starts nothing."""
    import signal

    state = emulator.start(tmp_path)
    monkeypatch.setattr(emulator, "BUSY_TIMEOUT", 1.0)
    os.kill(state.pid, signal.SIGSTOP)
    try:
        before = sorted(p.name for p in Path("/proc").iterdir() if p.name.isdigit())
        with pytest.raises(emulator.EmulatorError, match=rf"pid {state.pid}.*did not answer /_harness/ready"):
            emulator.start(tmp_path)
        after = sorted(p.name for p in Path("/proc").iterdir() if p.name.isdigit())
        started = [
            pid
            for pid in set(after) - set(before)
            if emulator.SERVE_COMMAND.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert not started, "a second emulator was started"
        assert json.loads((tmp_path / "emulator.json").read_text())["pid"] == state.pid
    finally:
        os.kill(state.pid, signal.SIGCONT)
        assert emulator.start(tmp_path).pid == state.pid  # answers again: the same one, state kept
        emulator.stop(tmp_path)


def test_the_readiness_probe_answers_in_front_of_moto(tmp_path):
    import urllib.request

    state = emulator.start(tmp_path)
    try:
        with urllib.request.urlopen(f"{state.endpoint}{emulator.READY_PATH}", timeout=5) as resp:  # noqa: S310
            assert (resp.status, resp.read()) == (200, b"ready")
        with urllib.request.urlopen(f"{state.endpoint}/moto-api/reset", data=b"", timeout=5) as resp:  # noqa: S310
            assert resp.status == 200  # everything else still reaches moto
    finally:
        emulator.stop(tmp_path)

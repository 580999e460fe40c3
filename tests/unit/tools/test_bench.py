"""tools/bench.py and its callback: the critical path, CPU accounting, the task results."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import bench

ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")


# --------------------------------------------------------------------------- critical path
def test_critical_path_node_groups_wait_for_the_cluster_and_the_nat_gateways():
    delays = {"eks_cluster": 57.0, "nat_gateway": 9.0, "eks_nodegroup": 24.0, "rds_instance": 45.0}
    assert bench.critical_path(delays) == (81.0, ["eks_cluster", "eks_nodegroup"])


def test_critical_path_follows_the_longer_parent():
    delays = {"eks_cluster": 5.0, "nat_gateway": 30.0, "eks_nodegroup": 24.0, "eks_addon": 9.0}
    assert bench.critical_path(delays) == (63.0, ["nat_gateway", "eks_nodegroup", "eks_addon"])


def test_critical_path_an_independent_resource_can_be_the_longest():
    delays = {"eks_cluster": 10.0, "eks_nodegroup": 5.0, "rds_instance": 45.0, "acm_certificate": 18.0}
    assert bench.critical_path(delays) == (45.0, ["rds_instance"])


def test_critical_path_links_through_kinds_not_created():
    # No node group this run: add-ons still come after the cluster, through the empty link.
    assert bench.critical_path({"eks_cluster": 57.0, "eks_addon": 9.0}) == (66.0, ["eks_cluster", "eks_addon"])


def test_critical_path_of_nothing():
    assert bench.critical_path({}) == (0.0, [])


def test_critical_path_refuses_a_cycle():
    with pytest.raises(ValueError, match="cycle"):
        bench.critical_path({"a": 1.0}, {"a": ("b",), "b": ("a",)})


def test_created_delays_take_the_longest_create_of_each_kind_and_ignore_updates():
    windows = [
        {"kind": "nat_gateway", "event": "create", "delay": 9.0},
        {"kind": "nat_gateway", "event": "create", "delay": 12.0},
        {"kind": "eks_cluster", "event": "create", "delay": 57.0},
        {"kind": "eks_cluster", "event": "update", "delay": 120.0},
    ]
    assert bench.created_delays(windows) == {"nat_gateway": 12.0, "eks_cluster": 57.0}


def test_medians_and_ratios():
    sets = [
        {"first": {"wall": 10.0, "cpu": 8.0, "requests": {"all": 100}}, "noop": {"wall": 4.0, "cpu": 2.0}},
        {"first": {"wall": 30.0, "cpu": 9.0, "requests": {"all": 120}}, "noop": {"wall": 6.0, "cpu": 3.0}},
        {"first": {"wall": 20.0, "cpu": 7.0, "requests": {"all": 90}}},
    ]
    out = bench.medians(sets)
    assert out["first"]["wall"] == 20.0
    assert out["first"]["requests"] == 100
    assert out["noop"]["wall"] == 5.0
    assert out["noop_over_first"] == {"wall": 0.25, "cpu": 0.312}
    assert "latency" not in out
    assert bench.ratio(1.0, 0) is None


# --------------------------------------------------------------------------- CPU accounting
def test_run_measured_counts_a_daemonized_grandchild(tmp_path):
    # What an `async:` task does: the job double-forks away from ansible-playbook.
    script = tmp_path / "daemon.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, time
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    start = time.process_time()
                    while time.process_time() - start < 1.0:
                        pass
                os._exit(0)
            os.wait()
            time.sleep(1.5)  # the "playbook" outlives the job, as async_status waits for it
            """
        )
    )
    measured = bench.run_measured([sys.executable, str(script)], {}, tmp_path / "log")
    assert measured["rc"] == 0
    assert measured["cpu"] >= 0.9, measured
    assert measured["wall"] >= 1.5


def test_run_measured_reports_the_exit_code(tmp_path):
    argv = [sys.executable, "-c", "import sys; print('tail'); sys.exit(3)"]
    measured = bench.run_measured(argv, {}, tmp_path / "log")
    assert measured["rc"] == 3
    assert (tmp_path / "log").read_text().strip() == "tail"


# --------------------------------------------------------------------------- the callback
PLAYBOOK = """
- name: Bench callback fixture
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: fixture_role
  tasks:
    - name: Changed task
      ansible.builtin.command: "true"
    - name: Skipped task
      ansible.builtin.debug:
        msg: never
      when: false
    - name: Loop task
      ansible.builtin.command: "echo {{ item }}"
      changed_when: item == 2
      when: item != 3
      loop: [1, 2, 3]
    - name: Retried task
      ansible.builtin.set_fact:
        x: 1
      until: false
      retries: 2
      delay: 0
      ignore_errors: true
    - name: Include task
      ansible.builtin.include_tasks: included.yml
"""


def run_fixture_playbook(tmp_path, playbook=PLAYBOOK):
    (tmp_path / "roles" / "fixture_role" / "tasks").mkdir(parents=True)
    (tmp_path / "roles" / "fixture_role" / "tasks" / "main.yml").write_text(
        "- name: Role task\n  ansible.builtin.debug:\n    msg: from the role\n"
    )
    (tmp_path / "included.yml").write_text("- name: Included task\n  ansible.builtin.debug:\n    msg: inside\n")
    (tmp_path / "site.yml").write_text(playbook)
    results = tmp_path / "results.json"
    env = bench.playbook_env("http://127.0.0.1:9", results)
    argv = [ANSIBLE_PLAYBOOK, str(tmp_path / "site.yml"), "-i", "localhost,"]
    measured = bench.run_measured(argv, env, tmp_path / "log")
    return measured, json.loads(results.read_text())


def test_callback_records_tasks_and_the_summary_counts_them(tmp_path):
    measured, results = run_fixture_playbook(tmp_path)
    assert measured["rc"] == 0, (tmp_path / "log").read_text()
    by_name = {t["name"]: t for t in results["tasks"]}
    assert by_name["Role task"]["role"] == "fixture_role"
    assert by_name["Role task"]["action"] == "ansible.builtin.debug"
    assert by_name["Changed task"]["status"] == "changed"
    assert by_name["Skipped task"]["status"] == "skipped"
    loop = by_name["Loop task"]
    assert (loop["status"], loop["items"]) == ("changed", {"ok": 1, "changed": 1, "skipped": 1})
    assert by_name["Retried task"]["retries"] == 2
    assert by_name["Retried task"]["status"] == "failed"
    assert by_name["Retried task"]["ignored"] is True
    assert by_name["Include task"]["include"] is True
    assert by_name["Included task"]["status"] == "ok"
    assert all(t["duration"] >= 0 and t["start"] >= 0 for t in results["tasks"])
    assert loop["duration"] > 0

    summary = bench.summarise_tasks(results)
    assert summary["tasks"] == 7  # a loop counts once
    assert summary["run"] == 6
    assert summary["skipped"] == 1
    assert summary["changed"] == 2  # the recap's, not the task count
    assert summary["changed_tasks"] == ["Changed task", "Loop task"]
    assert summary["items"] == {"ok": 1, "changed": 1, "skipped": 1}
    assert summary["retries"] == 2
    assert summary["failed_tasks"] == []  # ignored
    assert summary["slowest"][0]["duration"] == max(t["duration"] for t in results["tasks"])
    assert len(summary["slowest"]) == 7


def test_callback_records_a_failed_run(tmp_path):
    failing = PLAYBOOK.replace('ansible.builtin.command: "true"', 'ansible.builtin.command: "false"')
    measured, results = run_fixture_playbook(tmp_path, failing)
    assert measured["rc"] == 2
    summary = bench.summarise_tasks(results)
    assert summary["failed_tasks"] == ["Changed task"]
    assert results["recap"]["localhost"]["failures"] == 1
    assert "Loop task" not in {t["name"] for t in results["tasks"]}


def test_playbook_env_points_at_the_endpoint_and_enables_the_callback(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "someone")
    monkeypatch.setenv("ANSIBLE_CALLBACKS_ENABLED", "ansible.posix.profile_tasks")
    env = bench.playbook_env("http://127.0.0.1:4566", Path("/tmp/r.json"))
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert "AWS_PROFILE" not in env
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["ANSIBLE_CONFIG"] == str(ROOT / "ansible.cfg")
    assert env["ANSIBLE_CALLBACKS_ENABLED"] == "ansible.posix.profile_tasks,bench_results"
    assert env["ANSIBLE_CALLBACK_PLUGINS"].split(":")[0] == str(ROOT / "tools" / "bench_callback")
    with pytest.raises(Exception, match="only loopback"):
        bench.playbook_env("https://ec2.amazonaws.com", Path("/tmp/r.json"))


# --------------------------------------------------------------------------- main, without playbooks
def fake_run(name, wall, cpu, changed=0, mutating=0):
    return {
        "name": name,
        "rc": 0,
        "wall": wall,
        "cpu": cpu,
        "cpu_user": cpu * 0.8,
        "cpu_system": cpu * 0.2,
        "emulator_cpu": 1.0,
        "proxy_cpu": 0.5,
        "run": 10,
        "skipped": 2,
        "items": {"ok": 3},
        "retries": 0,
        "changed": changed,
        "changed_tasks": ["r : t"] if changed else [],
        "requests": {"all": 20, "mutating": mutating, "by_service": {"ec2": {"all": 20, "mutating": mutating}}},
        "slowest": [{"name": "t", "role": "r", "action": "a", "start": 0.0, "duration": 1.5, "status": "ok"}],
        "log": "x.log",
    }


@pytest.fixture
def no_playbooks(monkeypatch, tmp_path):
    class FakeEmulator:
        def __init__(self, state_dir):
            self.stopped = 0

        def stop(self):
            self.stopped += 1

    monkeypatch.setattr(bench, "Emulator", FakeEmulator)
    monkeypatch.setattr(bench, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    return tmp_path


def test_main_repeats_the_sets_and_writes_medians(no_playbooks, monkeypatch, capsys):
    walls = iter([10.0, 30.0])

    def run_set(result, index, emu, stamp, *, factor, skip_latency):
        assert (factor, skip_latency) == (5.0, True)
        wall = next(walls)
        result["first"] = fake_run("first", wall, wall / 2, changed=4, mutating=3)
        result["noop"] = fake_run("noop", wall / 2, wall / 4)

    monkeypatch.setattr(bench, "run_set", run_set)
    monkeypatch.setenv("BENCH_RUNS", "2")
    monkeypatch.setenv("BENCH_LATENCY_FACTOR", "5")
    monkeypatch.setenv("BENCH_SKIP_LATENCY", "1")
    assert bench.main() == 0
    out = capsys.readouterr().out
    assert "=== set 2/2 ===" in out
    assert "=== medians of 2 sets ===" in out
    data = json.loads((no_playbooks / "results" / "latest.json").read_text())
    assert data["settings"] == {"runs": 2, "latency_factor": 5.0, "skip_latency": True}
    assert data["medians"]["first"]["wall"] == 20.0
    assert data["medians"]["noop_over_first"] == {"wall": 0.5, "cpu": 0.5}
    assert len(list((no_playbooks / "results").glob("*.json"))) == 2  # <timestamp>.json + latest.json


def test_main_exits_non_zero_with_the_tail_when_a_playbook_fails(no_playbooks, monkeypatch, capsys):
    (no_playbooks / "x.log").write_text("\n".join(f"line {i}" for i in range(100)) + "\nfatal: it broke\n")

    def run_set(result, index, emu, stamp, *, factor, skip_latency):
        result["first"] = fake_run("first", 10.0, 5.0)
        failed = {**fake_run("noop", 1.0, 1.0), "rc": 2}
        raise bench.PlaybookFailed(failed)

    monkeypatch.setattr(bench, "run_set", run_set)
    monkeypatch.setenv("BENCH_RUNS", "3")
    assert bench.main() == 1
    out = capsys.readouterr().out
    assert "the noop run failed (ansible-playbook exited 2)" in out
    assert "fatal: it broke" in out
    assert "line 10\n" not in out  # only the tail
    data = json.loads((no_playbooks / "results" / "latest.json").read_text())
    assert len(data["sets"]) == 1  # it stopped at the failure
    assert data["sets"][0]["first"]["wall"] == 10.0

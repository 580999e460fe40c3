"""Shared pytest fixtures: the collection import path, the local AWS emulator, playbook runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".collections"
REGION = "us-east-1"

sys.path.insert(0, str(ROOT / "tools"))
import emulator  # noqa: E402  (tools/emulator.py: the one harness)


def _install_collection_finder() -> None:
    """Make ``ansible_collections.langchain.langsmith_aws`` (and the bundled collections) importable."""
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    site_collections = [str(Path(p)) for p in sys.path if (Path(p) / "ansible_collections").is_dir()]
    finder = _AnsibleCollectionFinder(paths=[str(COLLECTIONS), *site_collections], scan_sys_paths=True)
    finder._install()


if not (COLLECTIONS / "ansible_collections" / "langchain" / "langsmith_aws").exists():
    raise RuntimeError("run `make setup` first: .collections/ansible_collections/langchain/langsmith_aws is missing")
_install_collection_finder()


# --------------------------------------------------------------------------- emulator
@dataclass
class Emulator:
    endpoint: str
    region: str = REGION

    def env(self) -> dict[str, str]:
        return emulator.environment(self.endpoint, region=self.region)

    def client(self, service: str, region: str | None = None):
        import boto3

        return boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name=region or self.region,
        ).client(service, endpoint_url=self.endpoint)

    def reset(self) -> None:
        emulator.reset(endpoint=self.endpoint)


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory) -> Emulator:
    """One moto server per pytest worker, on a free loopback port; stopped at the end (or when pytest dies)."""
    state_dir = tmp_path_factory.mktemp("emulator")
    state = emulator.start(state_dir, watch_pid=os.getpid())
    try:
        yield Emulator(endpoint=state.endpoint)
    finally:
        emulator.stop(state_dir)


@pytest.fixture
def aws(emulator_server: Emulator) -> Emulator:
    """A freshly reset emulator (function scope)."""
    emulator_server.reset()
    return emulator_server


# --------------------------------------------------------------------------- playbook runs
RECAP = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.M,
)


@dataclass
class PlaybookRun:
    rc: int
    output: str
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.stats.get("changed", -1)

    def assert_ok(self) -> PlaybookRun:
        assert self.rc == 0, f"playbook failed (rc={self.rc}):\n{self.output[-8000:]}"
        return self

    def assert_idempotent(self) -> PlaybookRun:
        self.assert_ok()
        changed_tasks = re.findall(r"^TASK \[(.+?)\].*?\n(?:.*\n)*?^changed: ", self.output, re.M)
        assert self.changed == 0, f"expected changed=0, got {self.changed}; changed tasks: {changed_tasks}"
        return self


def playbook_command(
    playbook: str,
    *,
    endpoint: str | None,
    inventory: str = "inventories/local",
    extra_vars: dict | None = None,
    check: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    env: dict[str, str] | None = None,
    tmp_path: Path | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The ``ansible-playbook`` argv and environment ``run_playbook`` uses (run from the repository root)."""
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), f"playbooks/{playbook}", "-i", inventory]
    if extra_vars:
        vars_dir = tmp_path or Path(os.environ.get("TMPDIR", "/tmp"))
        vars_file = vars_dir / f"extra-vars-{os.getpid()}-{abs(hash(json.dumps(extra_vars, sort_keys=True)))}.json"
        vars_file.write_text(json.dumps(extra_vars))
        cmd += ["-e", f"@{vars_file}"]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    run_env.update({"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"})
    if endpoint:
        run_env.update(emulator.environment(endpoint))
    run_env.update(env or {})
    return cmd, run_env


def parse_run(returncode: int, output: str) -> PlaybookRun:
    stats = {}
    match = RECAP.search(output)
    if match:
        stats = {k: int(v) for k, v in match.groupdict().items() if k != "host"}
    return PlaybookRun(rc=returncode, output=output, stats=stats)


def run_playbook(playbook: str, **kwargs) -> PlaybookRun:
    """Run ``ansible-playbook`` from the repository root and parse the recap (options: ``playbook_command``)."""
    cmd, run_env = playbook_command(playbook, **kwargs)
    proc = subprocess.run(cmd, cwd=ROOT, env=run_env, capture_output=True, text=True, check=False)
    return parse_run(proc.returncode, proc.stdout + proc.stderr)


@pytest.fixture
def playbook(emulator_server: Emulator, tmp_path):
    """``playbook('network.yml', extra_vars=..., check=...)`` against this worker's emulator."""

    def _run(name: str, **kwargs) -> PlaybookRun:
        kwargs.setdefault("endpoint", emulator_server.endpoint)
        kwargs.setdefault("tmp_path", tmp_path)
        return run_playbook(name, **kwargs)

    return _run


# Integration files run in parallel, one file per worker at a time (`--dist loadfile`), each
# converging its own stack against its own emulator, so a file takes minutes. With
# `--no-loadscope-reorder` xdist hands files out in collection order; this puts the longest first
# (longest processing time first keeps both workers busy to the end). Speed only, never a result.
# Longest first, from `make integration`'s --durations report; files not named here run last.
INTEGRATION_LONGEST_FIRST = (
    "test_day2.py",
    "test_release.py",
    "test_datastores.py",
    "test_edge.py",
    "test_faults.py",
    "test_platform.py",
    "test_diagnostics.py",
    "test_cluster.py",
    "test_validate.py",
    "test_network.py",
    "test_preflight.py",
)


def pytest_collection_modifyitems(config, items):
    def rank(item):
        name = item.path.name
        if "integration" not in item.path.parts or name not in INTEGRATION_LONGEST_FIRST:
            return len(INTEGRATION_LONGEST_FIRST)
        return INTEGRATION_LONGEST_FIRST.index(name)

    items.sort(key=rank)  # stable: the order inside a file stays as written

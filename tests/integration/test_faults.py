"""Recovery drills: throttling and lost responses, through a fault-injecting proxy (docs/RELIABILITY.md).

Each drill runs a stage through ``tools/awsproxy.py`` with a hook of ``tests/support/faults.py`` in
front of this worker's emulator, then runs it again without faults, and compares what exists (the
test's own boto3 reads, ``faults.network_inventory``) with what a clean run makes: same resources,
no duplicate, and a further run reports ``changed=0``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import ROOT, parse_run, playbook_command, run_playbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import faults  # tests/support/faults.py
from faults import awsproxy

# Every create the network stage issues (the proxy's record of a clean first converge).
NETWORK_CREATES = (
    "CreateVpc",
    "CreateSubnet",
    "CreateInternetGateway",
    "AllocateAddress",
    "CreateNatGateway",
    "CreateRouteTable",
    "CreateRoute",
    "CreateSecurityGroup",
    "CreateVpcEndpoint",
)


def _through(aws, hooks, playbook="network.yml", tmp_path=None):
    with awsproxy.Proxy(aws.endpoint, hooks) as proxy:
        run = run_playbook(playbook, endpoint=proxy.endpoint, tmp_path=tmp_path)
        return run, proxy.timeline()


@pytest.fixture(scope="module")
def clean_network(emulator_server, tmp_path_factory):
    """What a clean first converge of network.yml makes, and the creates it issued."""
    emulator_server.reset()
    run, timeline = _through(emulator_server, [], tmp_path=tmp_path_factory.mktemp("clean"))
    run.assert_ok()
    return {
        "inventory": faults.network_inventory(emulator_server),
        "creates": sorted(
            {e["action"] for e in timeline if e["mutating"] and e["action"].startswith(("Create", "Allocate"))}
        ),
    }


def test_the_drills_cover_every_create_of_the_network_stage(clean_network):
    assert clean_network["inventory"]["vpcs"], "the clean run made no VPC: nothing to compare with"
    assert sorted(NETWORK_CREATES) == [a for a in clean_network["creates"] if a != "CreateTags"]


def test_network_converges_under_throttling_to_the_clean_inventory(aws, clean_network, tmp_path):
    throttle = faults.Throttle(percent=15)
    run, _timeline = _through(aws, [throttle], tmp_path=tmp_path)
    run.assert_ok()
    assert sum(throttle.throttled.values()) >= 10, f"too few throttled calls to prove anything: {throttle.throttled}"
    assert any(k.startswith("ec2:Create") for k in throttle.throttled), "no create was throttled"
    assert faults.network_inventory(aws) == clean_network["inventory"]
    run_playbook("network.yml", endpoint=aws.endpoint, tmp_path=tmp_path).assert_idempotent()


@pytest.mark.parametrize("action", NETWORK_CREATES)
def test_a_lost_create_response_is_recovered_by_a_rerun_without_duplicates(aws, clean_network, tmp_path, action):
    lose = faults.LoseResponse(action)
    first, _timeline = _through(aws, [lose], tmp_path=tmp_path)
    assert lose.lost == 1, f"{action} was never answered by the emulator, so nothing was lost"
    rerun = run_playbook("network.yml", endpoint=aws.endpoint, tmp_path=tmp_path)
    rerun.assert_ok()
    inventory = faults.network_inventory(aws)
    assert faults.duplicates(inventory) == {}, f"first run rc={first.rc}"
    assert inventory == clean_network["inventory"]
    run_playbook("network.yml", endpoint=aws.endpoint, tmp_path=tmp_path).assert_idempotent()


def run_until_killed(aws, playbook, hook, tmp_path, timeout=900):
    """Run ``playbook`` through the proxy; ``hook`` (a ``faults.KillAfter``) SIGKILLs it mid-run."""
    import subprocess

    with awsproxy.Proxy(aws.endpoint, [hook]) as proxy:
        cmd, env = playbook_command(playbook, endpoint=proxy.endpoint, tmp_path=tmp_path)
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        hook.attach(proc)
        output, _stderr = proc.communicate(timeout=timeout)
    return parse_run(proc.returncode, output)


@pytest.mark.parametrize(("action", "nth"), [("CreateSubnet", 3), ("CreateNatGateway", 1), ("CreateRouteTable", 2)])
def test_a_killed_network_run_is_converged_by_a_rerun(aws, clean_network, tmp_path, action, nth):
    hook = faults.KillAfter(action, nth=nth)
    killed = run_until_killed(aws, "network.yml", hook, tmp_path)
    assert hook.killed, f"the run never made {action} #{nth}"
    assert killed.rc == -9, f"the run was not killed after {action} #{nth} (rc={killed.rc})"
    run_playbook("network.yml", endpoint=aws.endpoint, tmp_path=tmp_path).assert_ok()
    inventory = faults.network_inventory(aws)
    assert faults.duplicates(inventory) == {}
    assert inventory == clean_network["inventory"]
    run_playbook("network.yml", endpoint=aws.endpoint, tmp_path=tmp_path).assert_idempotent()

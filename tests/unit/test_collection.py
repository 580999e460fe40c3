"""Collection-level consistency: metadata that must follow the code."""

from __future__ import annotations

import yaml
from conftest import ROOT


def test_action_group_lists_exactly_our_aws_modules():
    """Every module built on AnsibleAWSModule is in group/aws (one module_defaults covers all)."""
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    group = runtime["action_groups"]["aws"]
    listed = sorted(entry for entry in group if isinstance(entry, str))
    modules = sorted(
        p.stem
        for p in (ROOT / "plugins" / "modules").glob("*.py")
        if p.stem != "__init__" and "AnsibleAWSModule(" in p.read_text()
    )
    assert listed == modules
    (metadata,) = [entry["metadata"] for entry in group if isinstance(entry, dict)]
    assert metadata["extend_group"] == ["amazon.aws.aws", "community.aws.aws"]


def test_galaxy_dependencies_match_requirements_yml():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    requirements = yaml.safe_load((ROOT / "requirements.yml").read_text())
    assert sorted(galaxy["dependencies"]) == sorted(c["name"] for c in requirements["collections"])
    assert sorted(galaxy["dependencies"]) == ["amazon.aws", "community.aws", "kubernetes.core"]


def _site_steps():
    site = yaml.safe_load((ROOT / "playbooks" / "site.yml").read_text())
    assert site[0]["ansible.builtin.import_playbook"] == "preflight.yml", "preflight comes first, alone"
    (deploy,) = site[1:]
    steps = []
    for task in deploy["tasks"]:
        role = task["ansible.builtin.import_role"]
        steps.append((role["name"].rsplit(".", 1)[1], role.get("tasks_from", "main"), task.get("when")))
    return steps


def test_site_starts_every_slow_resource_before_the_first_wait():
    """site.yml: README "How a full run is ordered" (the order of starts and waits, not times)."""
    steps = _site_steps()
    at = {(role, entry): i for i, (role, entry, when) in enumerate(steps) if not when}
    waits = [at["eks", "nodes"], at["datastores", "main"], at["edge", "main"]]
    starts = [at["eks", "start"], at["edge", "start"], at["datastores", "start"]]
    assert at["network", "start"] == 0
    assert max(starts) < min(waits), steps
    assert at["eks", "start"] < at["network", "main"], "the control plane starts before the NAT gateways are awaited"
    # the bucket policy names the S3 endpoint, which network main creates
    assert at["network", "main"] < at["datastores", "start"]
    assert at["datastores", "main"] < at["secrets", "main"], "connection secrets need the endpoints"
    assert at["edge", "main"] < at["edge", "dns"] == len(steps) - 1, "DNS last, once the ALB exists"


def test_site_runs_kubernetes_stages_where_the_mode_needs_them():
    steps = _site_steps()
    eks_main = steps.index(("eks", "main", None))
    for role in ("platform", "release"):
        (render,) = [i for i, (r, e, when) in enumerate(steps) if r == role and when == "not _site_apply"]
        (apply,) = [i for i, (r, e, when) in enumerate(steps) if r == role and when == "_site_apply"]
        assert render < eks_main < apply, f"{role}: render while the nodes come up, apply into Ready nodes"
    stage_mains = sorted((r, e) for r, e, when in steps if e == "main" and not when)
    assert stage_mains == sorted((r, "main") for r in ("network", "eks", "datastores", "secrets", "edge"))
    stages = {p.stem for p in (ROOT / "playbooks").glob("*.yml")}
    assert {"network", "cluster", "datastores", "secrets", "platform", "edge", "release"} <= stages

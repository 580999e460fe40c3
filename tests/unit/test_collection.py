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


def test_site_imports_every_stage_in_deploy_order():
    site = yaml.safe_load((ROOT / "playbooks" / "site.yml").read_text())
    imported = [play["ansible.builtin.import_playbook"] for play in site]
    order = [
        "preflight.yml",
        "network.yml",
        "cluster.yml",
        "datastores.yml",
        "secrets.yml",
        "platform.yml",
        "edge.yml",
        "release.yml",
    ]
    present = [name for name in order if (ROOT / "playbooks" / name).exists()]
    assert imported == present

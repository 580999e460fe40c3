"""The preflight role's data: argument specs match defaults, entry points exist, quota data is usable."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.langchain.langsmith_aws.plugins.modules.service_quota_info import USAGE_COUNTERS

ROOT = Path(__file__).resolve().parents[3]
ROLE = ROOT / "roles" / "preflight"
DEFAULTS = yaml.safe_load((ROLE / "defaults/main.yml").read_text())
SPECS = yaml.safe_load((ROLE / "meta/argument_specs.yml").read_text())["argument_specs"]
VARS = yaml.safe_load((ROLE / "vars/main.yml").read_text())


@pytest.mark.parametrize("entry_point", sorted(SPECS))
def test_argument_specs_match_defaults(entry_point):
    options = SPECS[entry_point]["options"]
    assert sorted(options) == sorted(DEFAULTS)
    for name, spec in options.items():
        assert "required" not in spec, name
        assert spec["default"] == DEFAULTS[name], name


def test_every_entry_point_has_a_tasks_file():
    for entry_point in SPECS:
        assert (ROLE / "tasks" / f"{entry_point}.yml").is_file()


def test_variables_are_prefixed():
    assert all(name.startswith("preflight_") for name in DEFAULTS)
    assert all(name.startswith("_preflight_") for name in VARS)


def test_quota_definitions_use_known_counters_and_unique_keys():
    definitions = VARS["_preflight_quota_definitions"]
    for definition in definitions:
        assert definition["query"]["usage"] in USAGE_COUNTERS
        assert set(definition["query"]) == {"service_code", "quota_code", "usage"}
    plain = [d["key"] for d in definitions if "capacity_type" not in d]
    assert len(plain) == len(set(plain))
    assert {d["capacity_type"] for d in definitions if "capacity_type" in d} == {"ON_DEMAND", "SPOT"}


def test_site_starts_with_preflight():
    site = yaml.safe_load((ROOT / "playbooks/site.yml").read_text())
    assert site[0]["ansible.builtin.import_playbook"] == "preflight.yml"

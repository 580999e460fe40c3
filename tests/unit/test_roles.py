"""Structural rules every role follows (docs/DEVELOPING.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

ROLES = sorted(p for p in (ROOT / "roles").iterdir() if (p / "tasks").is_dir())
INCLUDES = {
    "ansible.builtin.import_tasks",
    "ansible.builtin.include_tasks",
    "ansible.builtin.import_role",
    "ansible.builtin.include_role",
}


def _load(path: Path):
    return yaml.safe_load(path.read_text()) or {}


def _defaults(role: Path) -> dict:
    data = {}
    if (role / "defaults" / "main.yml").exists():
        data.update(_load(role / "defaults" / "main.yml"))
    for path in sorted((role / "defaults" / "main").glob("*.yml")):
        data.update(_load(path))
    return data


def _prefix(role: Path) -> str:
    return f"{role.name}_"


@pytest.fixture(params=ROLES, ids=[r.name for r in ROLES])
def role(request) -> Path:
    return request.param


def test_argument_specs_keys_equal_defaults_keys(role):
    specs = _load(role / "meta" / "argument_specs.yml")["argument_specs"]
    main = specs["main"]["options"]
    optional = {k for k, v in main.items() if not v.get("required")}
    required = {k for k, v in main.items() if v.get("required")}
    defaults = set(_defaults(role))
    assert defaults == optional, (
        f"{role.name}: in defaults only {sorted(defaults - optional)}, "
        f"in argument_specs only {sorted(optional - defaults)}"
    )
    assert not required & defaults, (
        f"{role.name}: required options must not have defaults: {sorted(required & defaults)}"
    )
    for name, entry in specs.items():
        extra = set(entry.get("options") or {}) - set(main)
        assert not extra, f"{role.name}: entry point {name} documents options main does not: {sorted(extra)}"
        assert (role / "tasks" / f"{name}.yml").exists(), f"{role.name}: entry point {name} has no tasks/{name}.yml"


def _squash(value):
    """Folded YAML scalars (``>-``) and one-line spec defaults differ only in whitespace."""
    return re.sub(r"\s+", "", value) if isinstance(value, str) else value


def test_argument_specs_defaults_equal_the_role_defaults(role):
    """The documented default is the real one (not only the same keys)."""
    options = _load(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = _defaults(role)
    drift = {}
    for name, option in options.items():
        if name not in defaults:
            continue
        if "default" not in option:
            # Only computed or preset tables may stay undocumented as values (they are long dicts).
            assert option.get("type") == "dict", f"{role.name}: {name} has a default but argument_specs shows none"
            continue
        if _squash(option["default"]) != _squash(defaults[name]):
            drift[name] = {"argument_specs": option["default"], "defaults": defaults[name]}
    assert not drift, f"{role.name}: documented defaults differ from defaults/main: {drift}"


def test_public_variables_carry_the_role_prefix(role):
    specs = _load(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    bad = [k for k in specs if not k.startswith(_prefix(role))]
    assert not bad, f"{role.name}: variables without the {_prefix(role)} prefix: {bad}"


def test_every_option_is_described_and_typed(role):
    specs = _load(role / "meta" / "argument_specs.yml")["argument_specs"]
    for entry_name, entry in specs.items():
        assert entry.get("short_description"), f"{role.name}:{entry_name} lacks short_description"
        for name, option in (entry.get("options") or {}).items():
            assert option.get("description"), f"{role.name}:{entry_name}:{name} lacks a description"
            assert option.get("type"), f"{role.name}:{entry_name}:{name} lacks a type"


def test_main_reads_like_a_table_of_contents(role):
    tasks = _load(role / "tasks" / "main.yml")
    assert isinstance(tasks, list)
    assert tasks, f"{role.name}: empty tasks/main.yml"
    for task in tasks:
        actions = INCLUDES & set(task)
        assert actions, f"{role.name}: tasks/main.yml should only import/include task files, found {task.get('name')}"
        assert task.get("name"), f"{role.name}: unnamed include in tasks/main.yml"


def test_every_role_depends_on_the_shared_role(role):
    if role.name == "langsmith":
        pytest.skip("the shared role itself")
    deps = _load(role / "meta" / "main.yml").get("dependencies") or []
    names = [d["role"] if isinstance(d, dict) else d for d in deps]
    assert "langchain.langsmith_aws.langsmith" in names


def test_no_two_roles_define_the_same_variable():
    seen: dict[str, str] = {}
    for role in ROLES:
        for key in _defaults(role):
            assert key not in seen, f"{key} is defined by both {seen[key]} and {role.name}"
            seen[key] = role.name


def test_readme_documents_every_entry_point_and_variable_as_the_specs_say(role):
    """roles/<role>/README.md: a hand-written part, then the part tools/role_docs.py generates."""
    import role_docs  # tools/role_docs.py (tools is on sys.path through tests/conftest.py)

    readme = role / "README.md"
    assert readme.exists(), f"{role.name}: no README.md (run python tools/role_docs.py, then describe the role)"
    assert readme.read_text() == role_docs.render(role), (
        f"{role.name}: README.md differs from meta/argument_specs.yml; run python tools/role_docs.py"
    )
    assert "## Use" in readme.read_text(), f"{role.name}: README.md lacks its hand-written '## Use' section"

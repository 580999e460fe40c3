"""Write (or check) the generated part of every role's README from its meta/argument_specs.yml.

A role README has a hand-written part (what the role does, how to use it) and, from the heading
``## Entry points`` on, a part generated here: the entry points and every variable with its type,
default and description. The argument specs are the one home of that information; this keeps the
README equal to them (``tests/unit/test_roles.py`` fails when it is not).

    python tools/role_docs.py          # rewrite the generated part of every README
    python tools/role_docs.py --check  # exit 1 and name the READMEs that are out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GENERATED_HEADING = "## Entry points"
MARKUP = re.compile(r"\b([CIVOM])\(([^()]*)\)")  # ansible-doc markup: C(code), I(italic), O(option)...
NOTE = "<!-- Generated from meta/argument_specs.yml by tools/role_docs.py: edit the specs, then run it. -->"


def _text(value) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = " ".join(str(value or "").split()).replace("|", "\\|")
    return MARKUP.sub(lambda m: f"`{m.group(2)}`" if m.group(1) in "CVOM" else f"*{m.group(2)}*", text)


def _default(option: dict) -> str:
    if "default" not in option:
        return "(required)" if option.get("required") else "(computed)"
    value = option["default"]
    shown = value if isinstance(value, str) else json.dumps(value)
    shown = " ".join(shown.split())
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"`{shown}`" if shown else '`""`'


def _type(option: dict) -> str:
    kind = option.get("type", "str")
    if kind == "list" and option.get("elements"):
        kind = f"list of {option['elements']}"
    if option.get("choices"):
        kind += " (" + ", ".join(str(c) for c in option["choices"]) + ")"
    return kind


def _title(role: Path, main: dict) -> str:
    return f"# {role.name}\n\n{_text(main.get('short_description'))}\n\n{_text(main.get('description'))}\n"


def generated(role: Path) -> str:
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    lines = [GENERATED_HEADING, "", NOTE, "", "| entry point | what it does |", "|---|---|"]
    for name, entry in specs.items():
        how = "role" if name == "main" else f"`tasks_from: {name}`"
        lines.append(f"| {how} | {_text(entry.get('short_description'))} |")
    options = specs["main"].get("options") or {}
    lines += ["", "## Variables", ""]
    if not options:
        lines.append("None of its own; it reads the shared `langsmith_*` inputs.")
    else:
        lines += ["| variable | type | default | description |", "|---|---|---|---|"]
        for name in sorted(options):
            option = options[name]
            lines.append(f"| `{name}` | {_type(option)} | {_default(option)} | {_text(option.get('description'))} |")
    return "\n".join(lines) + "\n"


def render(role: Path) -> str:
    readme = role / "README.md"
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    written = readme.read_text() if readme.exists() else _title(role, specs["main"])
    hand = written.split(f"\n{GENERATED_HEADING}\n", 1)[0].rstrip() + "\n\n"
    return hand + generated(role)


def roles() -> list[Path]:
    return sorted(p for p in (ROOT / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report READMEs that are out of date")
    args = parser.parse_args(argv)
    stale = []
    for role in roles():
        readme = role / "README.md"
        text = render(role)
        if (readme.read_text() if readme.exists() else None) != text:
            stale.append(str(readme.relative_to(ROOT)))
            if not args.check:
                readme.write_text(text)
    if args.check and stale:
        print("out of date (run python tools/role_docs.py):", *stale, sep="\n  ")
        return 1
    if not args.check:
        print(f"role_docs: {len(stale)} README(s) written")
    return 0


if __name__ == "__main__":
    sys.exit(main())

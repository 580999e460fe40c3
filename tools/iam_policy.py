"""Generate docs/iam/deploy-policy-<stage>.json from roles/preflight/vars/iam.yml.

The data file is THE list of IAM actions each stage needs; preflight simulates it for the caller
and this tool renders it, with wildcards for account, region and environment names, into one
least-privilege policy document per stage (each fits IAM's 6144-character managed-policy limit).

    python tools/iam_policy.py            # write docs/iam/
    python tools/iam_policy.py --check    # exit 1 when docs/iam/ differs from the data

For one environment's documents (its account, region and names), run
``ansible-playbook playbooks/preflight.yml -e preflight_print_policy=true``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "roles" / "preflight" / "vars" / "iam.yml"
OUT = ROOT / "docs" / "iam"
PREFIX = "deploy-policy-"


def _iam_policy():
    """plugins/module_utils/iam_policy.py, loaded by path (pure Python, no collection loader needed)."""
    spec = importlib.util.spec_from_file_location("iam_policy", ROOT / "plugins" / "module_utils" / "iam_policy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_stages(path: Path = DATA) -> dict:
    return yaml.safe_load(path.read_text())["_preflight_iam_stages"]


def render(stages: dict) -> dict[str, str]:
    """``{file name: text}`` for every stage's generic policy document."""
    iam_policy = _iam_policy()
    files = {}
    for stage in stages:
        document = iam_policy.policy_document(stages, only=[stage])
        size = iam_policy.compact_size(document)
        if size > iam_policy.MANAGED_POLICY_MAX_CHARS:
            raise SystemExit(
                f"stage {stage}: {size} characters exceeds the managed policy limit "
                f"({iam_policy.MANAGED_POLICY_MAX_CHARS}); split the stage's statements"
            )
        files[f"{PREFIX}{stage}.json"] = iam_policy.document_json(document)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    files = render(load_stages())
    existing = {p.name: p.read_text() for p in OUT.glob(f"{PREFIX}*.json")}
    if args.check:
        stale = sorted(set(existing) ^ set(files) | {n for n in files if existing.get(n) != files[n]})
        if stale:
            print(f"docs/iam is out of date ({', '.join(stale)}): run python tools/iam_policy.py", file=sys.stderr)
            return 1
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in set(existing) - set(files):
        (OUT / name).unlink()
    for name, text in files.items():
        (OUT / name).write_text(text)
    print(f"wrote {len(files)} policy documents to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

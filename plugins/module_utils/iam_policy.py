# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deploy role's IAM permissions, from one data file (``roles/preflight/vars/iam.yml``).

The data lists, per stage, IAM policy statements (``sid``, ``actions``, ``resources``) whose
resource ARNs carry placeholders. The same data feeds two consumers:

* the preflight stage renders it for the target account and simulates every action for the
  caller (``iam_access_info``);
* ``tools/iam_policy.py`` renders it with wildcards into ``docs/iam/deploy-policy.json``, the
  least-privilege policy document for the role that runs the playbooks.

Placeholders: ``{partition}``, ``{account}``, ``{region}``, ``{prefix}`` (``langsmith_name_prefix``)
and ``{cluster}`` (``langsmith_cluster_name``). Pure Python (no Ansible imports) so the tool can
load it directly.
"""

from __future__ import annotations

import json
import re

PLACEHOLDERS = ("partition", "account", "region", "prefix", "cluster")
# The generic document: any account and region, any environment's names (<env>-langsmith-*).
GENERIC_VALUES = {
    "partition": "aws",
    "account": "*",
    "region": "*",
    "prefix": "*-langsmith",
    "cluster": "*-langsmith",
}
# IAM limit for a customer managed policy, counted without whitespace.
MANAGED_POLICY_MAX_CHARS = 6144

_ACTION_RE = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")
_SID_RE = re.compile(r"^[A-Za-z0-9]+$")
_PLACEHOLDER_RE = re.compile(r"\{([a-z]+)\}")


class PolicyDataError(ValueError):
    """The IAM data file is malformed."""


def partition_for_region(region: str) -> str:
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"


def validate(stages: dict) -> list[str]:
    """Problems in the data (empty when it is usable)."""
    problems = []
    sids = {}
    if not isinstance(stages, dict) or not stages:
        return ["stages must be a non-empty mapping of stage name -> statements"]
    for stage, body in stages.items():
        statements = (body or {}).get("statements")
        if not statements:
            problems.append(f"stage {stage}: no statements")
            continue
        for st in statements:
            sid = st.get("sid", "")
            where = f"stage {stage}, statement {sid or '?'}"
            if not _SID_RE.match(sid):
                problems.append(f"{where}: sid must be alphanumeric")
            actions = st.get("actions") or []
            resources = st.get("resources") or []
            if not actions:
                problems.append(f"{where}: no actions")
            for action in actions:
                if not _ACTION_RE.match(str(action)):
                    problems.append(f"{where}: {action!r} is not a concrete service:Action name (no wildcards)")
            if len(set(actions)) != len(actions):
                problems.append(f"{where}: duplicate actions")
            if not resources:
                problems.append(f"{where}: no resources")
            for resource in resources:
                for name in _PLACEHOLDER_RE.findall(str(resource)):
                    if name not in PLACEHOLDERS:
                        problems.append(f"{where}: unknown placeholder {{{name}}} in {resource}")
            previous = sids.setdefault(sid, sorted(resources))
            if previous != sorted(resources):
                problems.append(f"{where}: sid {sid} is used elsewhere with other resources; use another sid")
    return problems


def render(resource: str, values: dict) -> str:
    return _PLACEHOLDER_RE.sub(lambda m: str(values[m.group(1)]), resource)


def statements(stages: dict, values: dict, only=None) -> list[dict]:
    """Flat list of ``{stage, sid, actions, resources}`` with placeholders replaced by ``values``."""
    problems = validate(stages)
    if problems:
        raise PolicyDataError("; ".join(problems))
    missing = [p for p in PLACEHOLDERS if p not in values]
    if missing:
        raise PolicyDataError(f"missing placeholder values: {', '.join(missing)}")
    result = []
    for stage, body in stages.items():
        if only and stage not in only:
            continue
        for st in body["statements"]:
            result.append(
                {
                    "stage": stage,
                    "sid": st["sid"],
                    "actions": list(st["actions"]),
                    "resources": [render(r, values) for r in st["resources"]],
                }
            )
    return result


def policy_document(stages: dict, values: dict | None = None, only=None) -> dict:
    """The IAM policy document granting every stage's statements (merged by ``sid``).

    Statements sharing a ``sid`` (the data guarantees they share resources) are merged and
    their actions sorted and de-duplicated, so the document is stable and small.
    """
    merged = {}
    for st in statements(stages, values or GENERIC_VALUES, only=only):
        entry = merged.setdefault(st["sid"], {"actions": set(), "resources": st["resources"]})
        entry["actions"].update(st["actions"])
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": sorted(entry["actions"]),
                "Resource": entry["resources"][0] if len(entry["resources"]) == 1 else entry["resources"],
            }
            for sid, entry in merged.items()
        ],
    }


def document_json(document: dict) -> str:
    """The committed file's text: 2-space indent, trailing newline."""
    return json.dumps(document, indent=2) + "\n"


def compact_size(document: dict) -> int:
    """Characters IAM counts against the managed policy size limit (whitespace excluded)."""
    return len(json.dumps(document, separators=(",", ":")))


def actions_by_stage(stages: dict) -> dict:
    return {stage: sorted({a for st in body["statements"] for a in st["actions"]}) for stage, body in stages.items()}

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 decisions as pure functions (no AWS or cluster calls), used by the upgrade, backup and
teardown roles and the cluster upgrade of the eks role:

* chart versions: pinned or not, newer or not (``langsmith_chart_upgrade_problems``), and the version a
  deployed Helm release or a rendered values file carries;
* renamed chart keys the chart refuses to render (``langsmith_renamed_keys``, from a data list);
* the values diff shown before an upgrade (``langsmith_values_diff``);
* the EKS upgrade plan: one minor at a time, supported target, add-on pins (``eks_upgrade_plan``);
* snapshots: one record shape for RDS, EBS and ElastiCache snapshots (``day2_snapshot_records``) and
  which of ours a retention setting prunes (``day2_prune_plan``).
"""

from __future__ import annotations

import datetime
import difflib
import fnmatch
import json
import re

import yaml
from ansible.errors import AnsibleFilterError

_SEMVER = re.compile(
    r"^(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$"
)
_VALUES_HEADER = re.compile(r"^#.*\bchart (?P<ref>[^\s,]+) (?P<version>[^\s,]+?)\.?\s*$", re.M)


# ------------------------------------------------------------------ chart versions
def _semver(version):
    match = _SEMVER.match(str(version or "").strip())
    if not match:
        return None
    pre = match.group("pre")
    pre_key = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else None
    return int(match.group("major")), int(match.group("minor")), int(match.group("patch")), pre_key


def semver_compare(left, right):
    """-1, 0 or 1 by semantic-version precedence (a pre-release sorts before its release)."""
    a, b = _semver(left), _semver(right)
    if a is None or b is None:
        raise AnsibleFilterError(f"semver_compare: {left!r} or {right!r} is not a semantic version")
    if a[:3] != b[:3]:
        return -1 if a[:3] < b[:3] else 1
    if a[3] == b[3]:
        return 0
    if a[3] is None:
        return 1
    if b[3] is None:
        return -1
    return -1 if a[3] < b[3] else 1


def chart_upgrade_problems(target, deployed, allow_prerelease=False, variable="langsmith_chart_version"):
    """Why ``deployed`` -> ``target`` is not an upgrade to a pinned, newer chart version (empty when it is)."""
    target = "" if target is None else str(target).strip()
    parsed = _semver(target)
    if parsed is None:
        return [
            f"{variable}={target or '(empty)'} is not a pinned chart version: give one exact version "
            "(e.g. 0.16.12), never 'latest', a range (^0.16, ~0.16, >=0.16, 0.16.x) or empty. Upgrades "
            "are deliberate: pin the version you tested."
        ]
    if parsed[3] is not None and not allow_prerelease:
        return [
            f"{variable}={target} is a pre-release: pin a stable chart version, or set "
            "upgrade_allow_prerelease: true to take a release candidate on purpose (not for production)."
        ]
    if not deployed:
        return []
    if _semver(deployed) is None:
        return [f"the deployed chart version {deployed!r} is not a semantic version; cannot compare it with {target}."]
    order = semver_compare(target, deployed)
    if order == 0:
        return [
            f"chart {deployed} is already deployed: nothing to upgrade. Bump {variable} to the new version "
            "(playbooks/release.yml re-applies the same version)."
        ]
    if order < 0:
        return [
            f"{variable}={target} is older than the deployed chart {deployed}: LangSmith migrations cannot be "
            "reversed, so a downgrade is refused. To go back, restore the pre-upgrade snapshots "
            "(docs/OPERATIONS.md, 'Restore')."
        ]
    return []


def chart_version_from_values(text, chart_ref="langsmith"):
    """The chart version a rendered values file was rendered for (its header line), '' when absent."""
    for match in _VALUES_HEADER.finditer(text or ""):
        if match.group("ref") == chart_ref and _semver(match.group("version")):
            return match.group("version")
    return ""


def chart_version_from_release(chart, chart_ref="langsmith"):
    """``langsmith-0.16.11`` (helm list's ``chart`` column) -> ``0.16.11``; '' when it is another chart."""
    chart = str(chart or "")
    prefix = f"{chart_ref}-"
    if not chart.startswith(prefix):
        return ""
    version = chart[len(prefix) :]
    return version if _semver(version) else ""


# ------------------------------------------------------------------ values
def _paths(values, prefix=""):
    out = []
    for key, value in (values or {}).items():
        path = f"{prefix}{key}"
        out.append(path)
        if isinstance(value, dict):
            out.extend(_paths(value, path + "."))
    return out


def renamed_keys(values, renames, where="release_extra_values"):
    """Problems for keys of ``values`` the chart renamed or removed (it fails rendering on them).

    ``renames``: list of ``{old, new}``; ``old`` is a dotted key path where ``*`` matches one key
    (``*.autoscaling.enabled``); ``new`` '' means removed. A key counts as present when the path
    exists, whatever its value (the chart tests hasKey).
    """
    problems = []
    paths = _paths(values)
    for rename in renames or []:
        old = str(rename.get("old", ""))
        depth = old.count(".") + 1
        for path in paths:
            if path.count(".") + 1 != depth or not fnmatch.fnmatchcase(path, old.replace("[", "[[]")):
                continue
            new = str(rename.get("new") or "")
            if "*" in new:
                head = path.split(".")[0]
                new = new.replace("*", head, 1)
            fix = f"use {new}" if new else "remove it (the chart dropped it)"
            note = f" ({rename['note']})" if rename.get("note") else ""
            problems.append(f"{where}: {path} was renamed or removed by the chart and fails rendering: {fix}{note}.")
    return problems


def _plain(data):
    """Plain dicts/lists/scalars (Ansible hands filters its own tagged container types)."""
    return json.loads(json.dumps(data or {}, default=str))


def _dump(values):
    return yaml.safe_dump(_plain(values), default_flow_style=False, sort_keys=True, width=1000).splitlines()


def values_diff(old, new, from_label="deployed", to_label="new"):
    """Unified diff (list of lines) between two values dicts, keys sorted; [] when equal."""
    return list(difflib.unified_diff(_dump(old), _dump(new), fromfile=from_label, tofile=to_label, lineterm=""))


# ------------------------------------------------------------------ EKS
def _minor(version):
    parts = str(version or "").split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def eks_upgrade_plan(current, target, versions, addon_names):
    """``{from, to, control_plane, problems}``: is ``current`` -> ``target`` one supported minor step?

    ``control_plane`` is true when the control plane must move; equal versions are no problem (the
    add-ons and node groups may still lag behind after an interrupted upgrade).
    """
    target = str(target)
    supported = sorted((str(v) for v in versions or {}), key=lambda v: _minor(v) or (0, 0))
    plan = {"from": str(current or ""), "to": target, "control_plane": False, "problems": []}
    problems = plan["problems"]
    if target not in supported:
        problems.append(
            f"eks_kubernetes_version={target} is not supported by this collection: use one of "
            f"{', '.join(supported)} (roles/eks/vars/main.yml pins the add-ons per version)."
        )
        return plan
    missing = sorted(set(addon_names or []) - set((versions or {}).get(target) or {}))
    if missing:
        problems.append(
            f"no add-on versions are pinned for Kubernetes {target}: {', '.join(missing)} "
            "(add them to _eks_versions in roles/eks/vars/main.yml)."
        )
    if not current:
        problems.append("the cluster does not exist: there is nothing to upgrade (playbooks/cluster.yml creates it).")
        return plan
    have, want = _minor(current), _minor(target)
    if have is None:
        problems.append(f"the cluster reports Kubernetes {current!r}, which is not <major>.<minor>.")
    elif want < have:
        problems.append(
            f"the cluster runs Kubernetes {current}; {target} would be a downgrade, which EKS does not support. "
            f'Set eks_kubernetes_version: "{current}" (or the next minor to upgrade).'
        )
    elif want != have and (want[0] != have[0] or want[1] != have[1] + 1):
        problems.append(
            f"the cluster runs Kubernetes {current}; EKS upgrades one minor version at a time: set "
            f'eks_kubernetes_version: "{have[0]}.{have[1] + 1}" first, run this playbook, then go on to {target}.'
        )
    else:
        plan["control_plane"] = want != have
    return plan


def nodegroup_upgrade_problems(nodegroups, current, target):
    """Why the node groups keep the cluster from moving ``current`` -> ``target`` (empty when none).

    Each group must be ACTIVE without health issues, and on the control plane's version before the
    control plane moves; when it already runs ``target`` (an interrupted upgrade), groups may still be
    one minor behind.
    """
    problems = []
    have = _minor(current)
    allowed = {str(current)}
    if str(current) == str(target) and have:
        allowed.add(f"{have[0]}.{have[1] - 1}")
    for group in nodegroups or []:
        name = group.get("nodegroup_name", "?")
        status = group.get("status")
        if status != "ACTIVE":
            problems.append(f"node group {name} is {status}, not ACTIVE (wait for its update to finish).")
        issues = ((group.get("health") or {}).get("issues")) or []
        if issues:
            listed = "; ".join(f"{i.get('code')}: {i.get('message')}" for i in issues)
            problems.append(f"node group {name} reports health issues ({listed}): fix them first.")
        version = str(group.get("version") or "")
        if version and version not in allowed:
            problems.append(
                f"node group {name} runs Kubernetes {version} while the control plane runs {current}: "
                f"the nodes must be on {' or '.join(sorted(allowed))} before the upgrade to {target}."
            )
    return problems


# ------------------------------------------------------------------ snapshots
def _when(value):
    if isinstance(value, datetime.datetime):
        stamp = value
    else:
        text = str(value or "").strip()
        if not text:
            return None
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            stamp = datetime.datetime.fromisoformat(text)
        except ValueError:
            return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    return stamp


def _tags(item):
    """An item's tags as a dict: its ``tags`` dict, completed from a ``tag_list`` of {key, value}."""
    tags = {}
    for entry in item.get("tag_list") or []:
        key = entry.get("key", entry.get("Key"))
        if key is not None:
            tags[key] = entry.get("value", entry.get("Value", ""))
    tags.update(item.get("tags") or {})
    return tags


# Per snapshot type: id, target, creation time (first one set), status, as the info modules return them.
_SNAPSHOT_FIELDS = {
    "rds": (
        "db_snapshot_identifier",
        "db_instance_identifier",
        ("snapshot_create_time", "original_snapshot_create_time"),
        "status",
    ),
    "ebs": ("snapshot_id", "volume_id", ("start_time",), "state"),
    "redis": ("snapshot_name", "replication_group_id", ("create_time",), "snapshot_status"),
}


def snapshot_records(rds=None, ebs=None, redis=None):
    """One shape for the three snapshot kinds, oldest first:
    ``{type, id, source, kind, created, status, tags, target}``.

    ``source`` groups snapshots for retention (``postgres``, ``redis``, ``clickhouse:<pvc>``) and
    ``kind`` is the ``langsmith:backup-kind`` tag (on-demand, pre-upgrade, final).
    """
    out = []
    for kind, snaps in (("rds", rds), ("ebs", ebs), ("redis", redis)):
        id_key, target_key, created_keys, status_key = _SNAPSHOT_FIELDS[kind]
        for snap in snaps or []:
            created = next((snap[key] for key in created_keys if snap.get(key)), "")
            out.append(
                {
                    "type": kind,
                    "id": snap.get(id_key, ""),
                    "target": snap.get(target_key, ""),
                    "created": str(created),
                    "status": snap.get(status_key, ""),
                    "tags": _tags(snap),
                }
            )
    for record in out:
        if not _when(record["created"]):
            record["created"] = record["tags"].get("langsmith:created-at", "")
        record["source"] = record["tags"].get("langsmith:source", record["type"])
        record["kind"] = record["tags"].get("langsmith:backup-kind", "")
    return sorted(
        out, key=lambda r: (_when(r["created"]) or datetime.datetime.min.replace(tzinfo=datetime.timezone.utc), r["id"])
    )


def prune_plan(records, keep_count=0, keep_days=0, now=None, kinds=("on-demand", "pre-upgrade")):
    """The records a retention setting deletes, each with a ``reason``.

    Per (``source``, ``kind``) group, newest first: beyond the newest ``keep_count`` (0 = no count
    limit), or older than ``keep_days`` days (0 = no age limit). The newest snapshot of a group is
    always kept, only the ``kinds`` given are considered (final snapshots never are), and a record
    without a creation time or not ``available``/``completed`` is never pruned.
    """
    keep_count, keep_days = int(keep_count or 0), int(keep_days or 0)
    current = _when(now) if now else datetime.datetime.now(datetime.timezone.utc)
    groups = {}
    for record in records or []:
        if record.get("kind") not in kinds:
            continue
        groups.setdefault((record.get("source"), record.get("kind")), []).append(record)
    doomed = []
    for _group, members in sorted(groups.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
        dated = [(m, _when(m.get("created"))) for m in members]
        dated = sorted((d for d in dated if d[1] is not None), key=lambda d: (d[1], d[0].get("id")), reverse=True)
        for rank, (record, created) in enumerate(dated):
            if rank == 0 or record.get("status") not in ("available", "completed"):
                continue
            reasons = []
            if keep_count and rank >= keep_count:
                reasons.append(f"beyond the newest {keep_count}")
            age = (current - created).total_seconds() / 86400
            if keep_days and age > keep_days:
                reasons.append(f"{int(age)} days old (keep {keep_days})")
            if reasons:
                doomed.append({**record, "reason": ", ".join(reasons)})
    return doomed


def with_tags(items, tags):
    """The items (dicts with a ``tags`` dict) carrying every one of ``tags`` with the same value."""
    wanted = {str(k): str(v) for k, v in (tags or {}).items()}
    out = []
    for item in items or []:
        have = _tags(item)
        if all(have.get(k) == v for k, v in wanted.items()):
            out.append({**item, "tags": have})
    return out


def ebs_taken(results):
    """Records of the EBS snapshots an ec2_snapshot loop over ClickHouse volumes started."""
    taken = []
    for result in results or []:
        if not result.get("changed"):
            continue
        volume = result.get("item") or {}
        pvc = (volume.get("tags") or {}).get("kubernetes.io/created-for/pvc/name", volume.get("id", ""))
        taken.append(
            {
                "type": "ebs",
                "id": result.get("snapshot_id") or "(check mode)",
                "source": f"clickhouse:{pvc}",
                "target": volume.get("id", ""),
                "pvc": pvc,
                "zone": volume.get("zone", ""),
                "volume_type": volume.get("type", ""),
                "iops": volume.get("iops"),
                "throughput": volume.get("throughput"),
            }
        )
    return taken


def snapshot_line(record, verb="found"):
    """One summary line for a snapshot record."""
    kinds = {"rds": "PostgreSQL", "ebs": "ClickHouse volume", "redis": "Redis"}
    what = kinds.get(record.get("type"), record.get("type", "?"))
    line = f"backup: {verb} {what} snapshot {record.get('id')} ({record.get('source')}"
    if record.get("target"):
        line += f" of {record['target']}"
    line += ")"
    if record.get("reason"):
        line += f": {record['reason']}"
    return line


def count_line(sources):
    """``['postgres', 'redis', 'postgres']`` -> ``'postgres 2, redis 1'``."""
    counts = {}
    for source in sources or []:
        counts[source] = counts.get(source, 0) + 1
    return ", ".join(f"{source} {count}" for source, count in sorted(counts.items()))


# ------------------------------------------------------------------ teardown
def _fqdn(name):
    name = str(name or "").lower()
    return name if name.endswith(".") else name + "."


def teardown_records(record_sets, hostname, validation_records=None, foreign_validation_records=None):
    """Route 53 records the deploy made, as amazon.aws.route53 ``state: absent`` arguments.

    The alias A/AAAA records of ``hostname`` that point at a load balancer (the edge stage's alias to
    the ALB) and the ACM validation CNAMEs of our certificate, unless another certificate of the
    account (``foreign_validation_records``) validates through the same record.
    """
    ours = {_fqdn(r.get("name")) for r in validation_records or []}
    foreign = {_fqdn(r.get("name")) for r in foreign_validation_records or []}
    out = []
    for record in record_sets or []:
        name, kind = _fqdn(record.get("name")), record.get("type")
        alias = record.get("alias_target") or {}
        if kind in ("A", "AAAA") and name == _fqdn(hostname) and "elb.amazonaws.com" in str(alias.get("dns_name", "")):
            out.append(
                {
                    "record": name,
                    "type": kind,
                    "value": [alias.get("dns_name")],
                    "alias": True,
                    "alias_hosted_zone_id": alias.get("hosted_zone_id"),
                    "alias_evaluate_target_health": bool(alias.get("evaluate_target_health")),
                }
            )
        elif kind == "CNAME" and name in ours and name not in foreign:
            out.append(
                {
                    "record": name,
                    "type": kind,
                    "ttl": record.get("ttl"),
                    "value": [v.get("value") for v in record.get("resource_records") or []],
                    "alias": False,
                }
            )
    return out


def zone_left_over(record_sets, zone_name, deleting=None):
    """Records of a zone other than its apex NS/SOA and the ones being deleted (names and types)."""
    apex = _fqdn(zone_name)
    gone = {(_fqdn(r.get("record")), r.get("type")) for r in deleting or []}
    left = []
    for record in record_sets or []:
        key = (_fqdn(record.get("name")), record.get("type"))
        if key[0] == apex and key[1] in ("NS", "SOA"):
            continue
        if key not in gone:
            left.append(f"{key[0]} {key[1]}")
    return left


def zone_deletions(results, hostname, validation_records=None, foreign_validation_records=None):
    """Per zone (route53_info record_sets loop results): ``{zone_id, doomed, left_over}``.

    ``doomed`` are the records we made (``teardown_records``); ``left_over`` what else the zone holds
    besides its apex NS and SOA (a zone we created is deleted only when this is empty).
    """
    out = []
    for result in results or []:
        sets = result.get("resource_record_sets") or []
        apex = next((r.get("name") for r in sets if r.get("type") == "SOA"), "")
        doomed = teardown_records(sets, hostname, validation_records, foreign_validation_records)
        out.append({"zone_id": result.get("item"), "doomed": doomed, "left_over": zone_left_over(sets, apex, doomed)})
    return out


def route53_tag_sets(tag_sets, wanted):
    """Resource ids of Route 53 tag sets (list_tags_for_resources, either key case) carrying ``wanted``."""
    ids = []
    for tag_set in tag_sets or []:
        raw = tag_set.get("tags", tag_set.get("Tags")) or []
        tags = {t.get("key", t.get("Key")): t.get("value", t.get("Value")) for t in raw}
        if all(tags.get(k) == str(v) for k, v in (wanted or {}).items()):
            ids.append(tag_set.get("resource_id", tag_set.get("ResourceId")))
    return ids


def tagged(items, env, stages=None, tag_key="tags"):
    """Items tagged langsmith:env=``env`` and langsmith:managed-by=ansible (and, if given, a stage in ``stages``)."""
    out = []
    for item in items or []:
        tags = _tags(item) if tag_key == "tags" else (item.get(tag_key) or {})
        if tags.get("langsmith:env") != str(env) or tags.get("langsmith:managed-by") != "ansible":
            continue
        if stages is not None and tags.get("langsmith:stage") not in stages:
            continue
        out.append(item)
    return out


def security_groups_to_delete(groups, prefix, env, cluster, byo=False):
    """The security groups of a VPC to delete, in an order that lets each go: ours for the data
    stores, then for the nodes (they reference each other that way), then every other non-default
    group of our VPC (the load balancer controller's, leftovers). In a bring-your-own VPC only ours
    and the controller's groups for ``cluster`` are deleted."""
    first = {f"{prefix}-data": 0, f"{prefix}-nodes": 1}
    picked = []
    for group in groups or []:
        if group.get("group_name") == "default":
            continue
        tags = _tags(group)
        ours = tags.get("langsmith:env") == str(env) and tags.get("langsmith:managed-by") == "ansible"
        controllers = tags.get("elbv2.k8s.aws/cluster") == str(cluster)
        if byo and not (ours or controllers or group.get("group_name") in first):
            continue
        picked.append(group)
    return sorted(picked, key=lambda g: (first.get(g.get("group_name"), 2), g.get("group_name", "")))


def non_main_route_tables(route_tables):
    """Route tables that are not a VPC's main route table (that one goes with the VPC)."""
    return [rt for rt in route_tables or [] if not any(a.get("main") for a in rt.get("associations") or [])]


class FilterModule:
    def filters(self):
        return {
            "semver_compare": semver_compare,
            "langsmith_chart_upgrade_problems": chart_upgrade_problems,
            "langsmith_chart_version_from_values": chart_version_from_values,
            "langsmith_chart_version_from_release": chart_version_from_release,
            "langsmith_renamed_keys": renamed_keys,
            "langsmith_values_diff": values_diff,
            "eks_upgrade_plan": eks_upgrade_plan,
            "eks_nodegroup_upgrade_problems": nodegroup_upgrade_problems,
            "day2_snapshot_records": snapshot_records,
            "day2_prune_plan": prune_plan,
            "day2_with_tags": with_tags,
            "day2_ebs_taken": ebs_taken,
            "day2_snapshot_line": snapshot_line,
            "day2_count_line": count_line,
            "day2_teardown_records": teardown_records,
            "day2_zone_left_over": zone_left_over,
            "day2_tagged": tagged,
            "day2_zone_deletions": zone_deletions,
            "day2_route53_tag_sets": route53_tag_sets,
            "day2_security_groups_to_delete": security_groups_to_delete,
            "day2_non_main_route_tables": non_main_route_tables,
        }

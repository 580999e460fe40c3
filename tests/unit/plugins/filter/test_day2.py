"""Day-2 decisions (plugins/filter/day2.py): chart version gates, renamed keys, values diff, the EKS
upgrade plan, snapshot records and retention, and what a teardown deletes in DNS and security groups."""

from __future__ import annotations

import pytest
import yaml
from conftest import ROOT

from ansible_collections.langchain.langsmith_aws.plugins.filter import day2

RENAMES = yaml.safe_load((ROOT / "roles/upgrade/vars/main.yml").read_text())["_upgrade_builtin_renamed_keys"]
EKS_VARS = yaml.safe_load((ROOT / "roles/eks/vars/main.yml").read_text())
VERSIONS = EKS_VARS["_eks_versions"]
ADDONS = [a["name"] for a in EKS_VARS["_eks_addons"]]


# ------------------------------------------------------------------ chart versions
@pytest.mark.parametrize(
    ("left", "right", "order"),
    [
        ("0.16.12", "0.16.11", 1),
        ("0.16.9", "0.16.11", -1),
        ("0.17.0", "0.16.99", 1),
        ("1.0.0", "0.99.99", 1),
        ("0.17.0-rc.1", "0.17.0", -1),
        ("0.17.0-rc.2", "0.17.0-rc.10", -1),
        ("0.16.11", "0.16.11", 0),
    ],
)
def test_semver_order(left, right, order):
    assert day2.semver_compare(left, right) == order


@pytest.mark.parametrize("target", ["latest", "", None, "^0.16", "~0.16.11", ">=0.16.11", "0.16.x", "0.16", "v0.16.12"])
def test_unpinned_targets_are_refused(target):
    [problem] = day2.chart_upgrade_problems(target, "0.16.11")
    assert "is not a pinned chart version" in problem
    assert "never 'latest', a range" in problem


def test_newer_target_passes_and_older_or_equal_is_refused():
    assert day2.chart_upgrade_problems("0.16.12", "0.16.11") == []
    assert "already deployed: nothing to upgrade" in day2.chart_upgrade_problems("0.16.11", "0.16.11")[0]
    downgrade = day2.chart_upgrade_problems("0.16.10", "0.16.11")[0]
    assert "older than the deployed chart 0.16.11" in downgrade
    assert "migrations cannot be reversed" in downgrade


def test_prereleases_only_on_purpose():
    assert "is a pre-release" in day2.chart_upgrade_problems("0.17.0-rc.1", "0.16.11")[0]
    assert day2.chart_upgrade_problems("0.17.0-rc.1", "0.16.11", allow_prerelease=True) == []


def test_deployed_version_from_the_rendered_header_and_from_helm():
    text = (
        "#\n# Ansible managed\n#\n# LangSmith Helm values for demo (dev tier), chart langsmith 0.16.11.\nconfig: {}\n"
    )
    assert day2.chart_version_from_values(text) == "0.16.11"
    assert day2.chart_version_from_values(text, "other") == ""
    assert day2.chart_version_from_values("config: {}\n") == ""
    assert day2.chart_version_from_release("langsmith-0.16.11") == "0.16.11"
    assert day2.chart_version_from_release("langsmith-0.17.0-rc.1") == "0.17.0-rc.1"
    assert day2.chart_version_from_release("external-secrets-1.0.0") == ""
    assert day2.chart_version_from_release(None) == ""


# ------------------------------------------------------------------ renamed keys
@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        (
            {"ingress": {"hostname": "x"}},
            "ingress.hostname was renamed or removed by the chart and fails rendering: use config.hostname",
        ),
        ({"backend": {"autoscaling": {"enabled": True}}}, "backend.autoscaling.enabled"),
        ({"queue": {"autoscaling": {"createHpa": False}}}, "use queue.autoscaling.hpa.enabled"),
        ({"backend": {"agentBootstrap": {}}}, "remove it (the chart dropped it)"),
        ({"config": {"deployment": {"rootDomain": "a.b"}}}, "use config.hostname"),
        ({"insights": {"postgres": {"external": {}}}}, "use engineInsightsAgent.postgres"),
    ],
)
def test_renamed_keys_are_named_with_their_replacement(values, fragment):
    problems = day2.renamed_keys(values, RENAMES)
    assert len(problems) == 1
    assert fragment in problems[0]
    assert problems[0].startswith("release_extra_values: ")


def test_current_keys_pass_and_wildcards_match_one_level_only():
    current = {
        "config": {"hostname": "https://x", "deployment": {"enabled": False}},
        "backend": {"autoscaling": {"hpa": {"enabled": True}}},
        "insights": {"enabled": False},
        # a key deeper down that merely ends the same way is not the renamed key
        "a": {"b": {"autoscaling": {"enabled": True}}},
    }
    assert day2.renamed_keys(current, RENAMES) == []


# ------------------------------------------------------------------ values diff
def test_values_diff_is_a_sorted_unified_diff_and_empty_when_equal():
    old = {"backend": {"deployment": {"replicas": 1}}, "config": {"hostname": "https://a"}}
    new = {"backend": {"deployment": {"replicas": 3}}, "config": {"hostname": "https://a"}}
    diff = day2.values_diff(old, new, "old", "new")
    assert diff[:2] == ["--- old", "+++ new"]
    assert "-    replicas: 1" in diff
    assert "+    replicas: 3" in diff
    assert day2.values_diff(new, new) == []


# ------------------------------------------------------------------ EKS
def test_upgrade_plan_one_minor_up():
    plan = day2.eks_upgrade_plan("1.33", "1.34", VERSIONS, ADDONS)
    assert plan == {"from": "1.33", "to": "1.34", "control_plane": True, "problems": []}


def test_upgrade_plan_same_version_finishes_an_interrupted_upgrade():
    plan = day2.eks_upgrade_plan("1.34", "1.34", VERSIONS, ADDONS)
    assert plan["problems"] == []
    assert plan["control_plane"] is False


@pytest.mark.parametrize(
    ("current", "target", "fragment"),
    [
        ("1.34", "1.33", "1.33 would be a downgrade"),
        ("1.32", "1.34", 'set eks_kubernetes_version: "1.33" first'),
        ("1.34", "1.35", "eks_kubernetes_version=1.35 is not supported by this collection"),
        ("", "1.34", "the cluster does not exist"),
    ],
)
def test_upgrade_plan_refusals(current, target, fragment):
    plan = day2.eks_upgrade_plan(current, target, VERSIONS, ADDONS)
    assert plan["control_plane"] is False
    assert any(fragment in p for p in plan["problems"]), plan["problems"]


def test_upgrade_plan_needs_every_addon_pinned():
    versions = {"1.34": {"vpc-cni": "v1"}, "1.33": {}}
    plan = day2.eks_upgrade_plan("1.33", "1.34", versions, ["vpc-cni", "coredns"])
    assert plan["problems"] == [
        "no add-on versions are pinned for Kubernetes 1.34: coredns "
        "(add them to _eks_versions in roles/eks/vars/main.yml)."
    ]


def test_nodegroup_prechecks():
    good = {"nodegroup_name": "general", "status": "ACTIVE", "version": "1.33"}
    assert day2.nodegroup_upgrade_problems([good], "1.33", "1.34") == []
    problems = day2.nodegroup_upgrade_problems(
        [
            {"nodegroup_name": "general", "status": "UPDATING", "version": "1.33"},
            {
                "nodegroup_name": "clickhouse",
                "status": "ACTIVE",
                "version": "1.32",
                "health": {"issues": [{"code": "Ec2LaunchTemplateNotFound", "message": "gone"}]},
            },
        ],
        "1.33",
        "1.34",
    )
    assert problems == [
        "node group general is UPDATING, not ACTIVE (wait for its update to finish).",
        "node group clickhouse reports health issues (Ec2LaunchTemplateNotFound: gone): fix them first.",
        "node group clickhouse runs Kubernetes 1.32 while the control plane runs 1.33: the nodes must be on "
        "1.33 before the upgrade to 1.34.",
    ]
    # After the control plane moved, groups one minor behind are what the run finishes.
    assert day2.nodegroup_upgrade_problems([good], "1.34", "1.34") == []


# ------------------------------------------------------------------ snapshots
OURS = {"langsmith:env": "demo", "langsmith:managed-by": "ansible", "langsmith:stage": "backup"}


def rds(name, created, kind="on-demand", status="available"):
    return {
        "db_snapshot_identifier": name,
        "db_instance_identifier": "demo-langsmith-postgres",
        "snapshot_create_time": created,
        "status": status,
        "tag_list": [
            {"key": k, "value": v}
            for k, v in {**OURS, "langsmith:backup-kind": kind, "langsmith:source": "postgres"}.items()
        ],
        "tags": {},
    }


def test_records_take_tags_from_either_shape_and_fall_back_to_our_created_at_tag():
    records = day2.snapshot_records(
        rds=[rds("pg-1", "2026-09-02T00:00:00+00:00")],
        ebs=[
            {
                "snapshot_id": "snap-1",
                "volume_id": "vol-1",
                "start_time": "2026-09-01T00:00:00+00:00",
                "state": "completed",
                "tags": {**OURS, "langsmith:source": "clickhouse:data-langsmith-clickhouse-0"},
            }
        ],
        redis=[
            {
                "snapshot_name": "redis-1",
                "replication_group_id": "demo-langsmith-redis",
                "create_time": "",
                "snapshot_status": "available",
                "tags": {**OURS, "langsmith:source": "redis", "langsmith:created-at": "2026-09-03T00:00:00Z"},
            }
        ],
    )
    assert [(r["type"], r["id"], r["source"]) for r in records] == [
        ("ebs", "snap-1", "clickhouse:data-langsmith-clickhouse-0"),
        ("rds", "pg-1", "postgres"),
        ("redis", "redis-1", "redis"),
    ]
    assert records[1]["tags"]["langsmith:stage"] == "backup"
    assert records[2]["created"] == "2026-09-03T00:00:00Z"


def test_prune_keeps_the_newest_per_source_and_kind():
    snaps = [rds(f"pg-{d}", f"2026-09-{d:02d}T00:00:00+00:00") for d in range(1, 6)]
    snaps.append(rds("pg-pre", "2026-08-01T00:00:00+00:00", kind="pre-upgrade"))
    snaps.append(rds("pg-final", "2026-07-01T00:00:00+00:00", kind="final"))
    records = day2.snapshot_records(rds=snaps)
    doomed = day2.prune_plan(records, keep_count=2, now="2026-09-10T00:00:00+00:00")
    assert sorted(d["id"] for d in doomed) == ["pg-1", "pg-2", "pg-3"]
    assert all(d["reason"] == "beyond the newest 2" for d in doomed)


def test_prune_by_age_never_takes_the_newest_or_unfinished_ones():
    records = day2.snapshot_records(
        rds=[
            rds("old-1", "2026-01-01T00:00:00+00:00"),
            rds("old-2", "2026-01-02T00:00:00+00:00", status="creating"),
            rds("old-3", "2026-01-03T00:00:00+00:00"),
        ]
    )
    doomed = day2.prune_plan(records, keep_days=30, now="2026-09-10T00:00:00+00:00")
    assert [d["id"] for d in doomed] == ["old-1"]
    assert "days old (keep 30)" in doomed[0]["reason"]
    assert day2.prune_plan(records, now="2026-09-10T00:00:00+00:00") == []


def test_with_tags_requires_every_tag():
    items = [{"id": 1, "tags": OURS}, {"id": 2, "tags": {"langsmith:env": "demo"}}, {"id": 3}]
    assert [i["id"] for i in day2.with_tags(items, {"langsmith:env": "demo", "langsmith:managed-by": "ansible"})] == [1]


# ------------------------------------------------------------------ teardown
ZONE = [
    {"name": "demo.example.com.", "type": "NS", "resource_records": [{"value": "ns-1."}]},
    {"name": "demo.example.com.", "type": "SOA", "resource_records": [{"value": "soa"}]},
    {
        "name": "langsmith.demo.example.com.",
        "type": "A",
        "alias_target": {
            "dns_name": "k8s-demo-123.us-east-1.elb.amazonaws.com.",
            "hosted_zone_id": "Z35SXDOTRQ7X7K",
            "evaluate_target_health": True,
        },
    },
    {
        "name": "_abc.langsmith.demo.example.com.",
        "type": "CNAME",
        "ttl": 300,
        "resource_records": [{"value": "_x.acm-validations.aws."}],
    },
    {
        "name": "_shared.langsmith.demo.example.com.",
        "type": "CNAME",
        "ttl": 300,
        "resource_records": [{"value": "_y."}],
    },
    {"name": "other.demo.example.com.", "type": "A", "ttl": 60, "resource_records": [{"value": "192.0.2.1"}]},
]


def test_teardown_deletes_only_our_alias_and_unshared_validation_records():
    ours = [{"name": "_abc.langsmith.demo.example.com."}, {"name": "_shared.langsmith.demo.example.com."}]
    foreign = [{"name": "_shared.langsmith.demo.example.com."}]
    [plan] = day2.zone_deletions(
        [{"item": "Z1", "resource_record_sets": ZONE}], "langsmith.demo.example.com", ours, foreign
    )
    assert plan["zone_id"] == "Z1"
    assert [(r["type"], r["record"]) for r in plan["doomed"]] == [
        ("A", "langsmith.demo.example.com."),
        ("CNAME", "_abc.langsmith.demo.example.com."),
    ]
    assert plan["doomed"][0]["alias"] is True
    assert plan["doomed"][0]["alias_hosted_zone_id"] == "Z35SXDOTRQ7X7K"
    assert plan["left_over"] == ["_shared.langsmith.demo.example.com. CNAME", "other.demo.example.com. A"]


def test_a_hostname_record_not_pointing_at_a_load_balancer_stays():
    record = {
        "name": "langsmith.demo.example.com.",
        "type": "A",
        "ttl": 60,
        "resource_records": [{"value": "192.0.2.9"}],
    }
    assert day2.teardown_records([record], "langsmith.demo.example.com") == []


def test_security_groups_in_an_order_that_lets_each_go():
    groups = [
        {"group_name": "default", "group_id": "sg-0"},
        {"group_name": "k8s-traffic", "group_id": "sg-3", "tags": {"elbv2.k8s.aws/cluster": "demo-langsmith"}},
        {
            "group_name": "demo-langsmith-nodes",
            "group_id": "sg-2",
            "tags": {"langsmith:env": "demo", "langsmith:managed-by": "ansible"},
        },
        {
            "group_name": "demo-langsmith-data",
            "group_id": "sg-1",
            "tags": {"langsmith:env": "demo", "langsmith:managed-by": "ansible"},
        },
        {"group_name": "someone-else", "group_id": "sg-4"},
    ]
    own = day2.security_groups_to_delete(groups, "demo-langsmith", "demo", "demo-langsmith")
    assert [g["group_id"] for g in own] == ["sg-1", "sg-2", "sg-3", "sg-4"]
    byo = day2.security_groups_to_delete(groups, "demo-langsmith", "demo", "demo-langsmith", byo=True)
    assert [g["group_id"] for g in byo] == ["sg-1", "sg-2", "sg-3"]


def test_main_route_table_is_left_to_the_vpc():
    tables = [
        {"id": "rtb-main", "associations": [{"main": True}]},
        {"id": "rtb-1", "associations": [{"main": False}]},
        {"id": "rtb-2"},
    ]
    assert [t["id"] for t in day2.non_main_route_tables(tables)] == ["rtb-1", "rtb-2"]


def test_route53_tag_sets_in_either_key_case():
    sets = [
        {
            "ResourceId": "hc-1",
            "Tags": [{"Key": "Name", "Value": "demo-langsmith-health"}, {"Key": "langsmith:env", "Value": "demo"}],
        },
        {
            "resource_id": "hc-2",
            "tags": [{"key": "Name", "value": "demo-langsmith-health"}, {"key": "langsmith:env", "value": "prod"}],
        },
    ]
    assert day2.route53_tag_sets(sets, {"Name": "demo-langsmith-health", "langsmith:env": "demo"}) == ["hc-1"]


def test_tagged_filters_env_owner_and_stage():
    roles = [
        {
            "role_name": "a",
            "tags": {"langsmith:env": "demo", "langsmith:managed-by": "ansible", "langsmith:stage": "cluster"},
        },
        {
            "role_name": "b",
            "tags": {"langsmith:env": "demo", "langsmith:managed-by": "ansible", "langsmith:stage": "secrets"},
        },
        {"role_name": "c", "tags": {"langsmith:env": "demo"}},
        {
            "role_name": "d",
            "tags": {"langsmith:env": "prod", "langsmith:managed-by": "ansible", "langsmith:stage": "cluster"},
        },
    ]
    assert [r["role_name"] for r in day2.tagged(roles, "demo", ["cluster"])] == ["a"]
    assert [r["role_name"] for r in day2.tagged(roles, "demo")] == ["a", "b"]

"""Filters of the edge role (plugins/filter/edge.py): input rules, certificate checks, WAF rules, selection."""

from __future__ import annotations

import pytest

from ansible_collections.langchain.langsmith_aws.plugins.filter import edge

HOST = "langsmith.example.com"
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f4d5d4e-1b8a-4a5e-9c1e-0123456789ab"


def settings(**overrides):
    base = {
        "hostname": HOST,
        "zone": "example.com",
        "exposure": "internet",
        "region": "us-east-1",
        "certificate_arn": "",
        "create_zone": False,
        "health_check": True,
        "rate_limit": 10000,
        "rate_limit_action": "block",
        "count_rules": ["SizeRestrictions_BODY"],
        "alarm_sns_topic_arn": "",
        "health_check_path": "/api/v1/health",
        "health_check_failure_threshold": 3,
    }
    base.update(overrides)
    return base


# --------------------------------------------------------------------------- edge_input_problems
def test_good_inputs_have_no_problems():
    assert edge.edge_input_problems(settings()) == []
    assert edge.edge_input_problems(settings(certificate_arn=ARN)) == []
    assert edge.edge_input_problems(settings(zone=HOST)) == []  # the hostname may be the zone apex
    assert edge.edge_input_problems(settings(zone="Example.COM.")) == []
    assert edge.edge_input_problems(settings(exposure="private", health_check=False)) == []
    assert edge.edge_input_problems(settings(count_rules=[], rate_limit_action="count", rate_limit="10")) == []
    assert edge.edge_input_problems(settings(alarm_sns_topic_arn="arn:aws:sns:us-east-1:123456789012:alerts")) == []
    gov = "arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/0f4d5d4e-1b8a-4a5e-9c1e-0123456789ab"
    assert edge.edge_input_problems(settings(certificate_arn=gov, region="us-gov-west-1")) == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"hostname": ""}, "langsmith_hostname is empty"),
        ({"zone": ""}, "edge_route53_zone is empty"),
        ({"zone": "https://example.com"}, "edge_route53_zone=https://example.com is not a DNS zone name"),
        (
            {"zone": "example.org"},
            "langsmith_hostname=langsmith.example.com is not inside edge_route53_zone=example.org",
        ),
        ({"zone": "ample.com"}, "is not inside edge_route53_zone=ample.com"),  # suffix, not a parent domain
        ({"certificate_arn": "arn:aws:acm:us-east-1:cert/abc"}, "is not an ACM certificate ARN"),
        ({"certificate_arn": ARN.replace("acm", "iam")}, "is not an ACM certificate ARN"),
        ({"certificate_arn": ARN.replace("us-east-1", "eu-west-1")}, "is in eu-west-1 but langsmith_region=us-east-1"),
        (
            {"exposure": "private", "create_zone": True, "health_check": False},
            "edge_create_zone: true creates a public",
        ),
        ({"exposure": "private"}, "edge_health_check: true with langsmith_exposure=private"),
        ({"rate_limit": 9}, "edge_rate_limit=9 must be an integer from 10 to 2000000000"),
        ({"rate_limit": 2_000_000_001}, "edge_rate_limit=2000000001 must be"),
        ({"rate_limit": "lots"}, "edge_rate_limit=lots must be"),
        ({"rate_limit_action": "captcha"}, "edge_rate_limit_action=captcha must be block or count"),
        ({"count_rules": ["SizeRestrictions_BODY", "Nope"]}, "does not have: ['Nope']"),
        ({"health_check_path": "api/v1/health"}, "edge_health_check_path=api/v1/health must be a URL path"),
        (
            {"health_check_failure_threshold": 11},
            "edge_health_check_failure_threshold=11 must be an integer from 1 to 10",
        ),
        ({"health_check_failure_threshold": 0}, "edge_health_check_failure_threshold=0"),
        ({"alarm_sns_topic_arn": "alerts"}, "edge_alarm_sns_topic_arn=alerts is not an SNS topic ARN"),
        ({"alarm_sns_topic_arn": "arn:aws:sns:eu-west-1:123456789012:alerts"}, "is in eu-west-1 but langsmith_region"),
    ],
)
def test_each_mistake_is_named_with_its_fix(overrides, fragment):
    problems = edge.edge_input_problems(settings(**overrides))
    assert len(problems) == 1, problems
    assert fragment in problems[0]


def test_several_mistakes_are_reported_together():
    problems = edge.edge_input_problems(settings(hostname="", rate_limit=1, exposure="private", create_zone=True))
    assert len(problems) == 4


# --------------------------------------------------------------------------- coverage and zones
@pytest.mark.parametrize(
    ("names", "hostname", "covered"),
    [
        ([HOST], HOST, True),
        (["LangSmith.Example.com."], HOST, True),
        (["*.example.com"], HOST, True),
        (["*.example.com"], "example.com", False),
        (["*.example.com"], "a.langsmith.example.com", False),
        (["*.langsmith.example.com"], HOST, False),
        (["other.example.com", HOST], HOST, True),
        ([], HOST, False),
    ],
)
def test_certificate_coverage_follows_wildcard_rules(names, hostname, covered):
    assert edge.edge_certificate_covers(names, hostname) is covered


@pytest.mark.parametrize(
    ("hostname", "zone", "inside"),
    [(HOST, "example.com", True), (HOST, HOST, True), (HOST, "ample.com", False), ("", "example.com", False)],
)
def test_in_zone(hostname, zone, inside):
    assert edge.edge_in_zone(hostname, zone) is inside


def test_zone_pick_matches_name_and_visibility_and_strips_the_id_prefix():
    zones = [
        {"id": "/hostedzone/ZPUBLIC", "name": "example.com.", "config": {"private_zone": False}},
        {"id": "/hostedzone/ZPRIVATE", "name": "example.com.", "config": {"private_zone": True}},
        {"id": "/hostedzone/ZSUB", "name": "sub.example.com.", "config": {"private_zone": False}},
    ]
    assert edge.edge_zone_pick(zones, "example.com", False)["id"] == "ZPUBLIC"
    assert edge.edge_zone_pick(zones, "Example.com.", True)["id"] == "ZPRIVATE"
    assert edge.edge_zone_pick(zones, "other.com", False) == {}
    assert edge.edge_zone_pick(zones[:1], "example.com", True) == {}


# --------------------------------------------------------------------------- operator certificate
def cert(**overrides):
    base = {"certificate_arn": ARN, "domain_name": HOST, "subject_alternative_names": [HOST], "status": "ISSUED"}
    base.update(overrides)
    return base


def test_an_issued_covering_certificate_has_no_problems():
    assert edge.edge_certificate_problems([cert()], ARN, HOST) == []
    assert (
        edge.edge_certificate_problems([cert(domain_name="*.example.com", subject_alternative_names=[])], ARN, HOST)
        == []
    )


@pytest.mark.parametrize(
    ("certificates", "fragments"),
    [
        ([], ["does not exist in this account and region"]),
        ([cert(certificate_arn=ARN + "0")], ["does not exist"]),
        ([cert(status="PENDING_VALIDATION")], ["is PENDING_VALIDATION, not ISSUED", "DNS validation records"]),
        ([cert(status="EXPIRED")], ["is EXPIRED, not ISSUED", "Renew or replace it"]),
        (
            [cert(domain_name="other.example.org", subject_alternative_names=["other.example.org"])],
            ["covers other.example.org, not langsmith_hostname=langsmith.example.com"],
        ),
    ],
)
def test_certificate_problems(certificates, fragments):
    problems = " ".join(edge.edge_certificate_problems(certificates, ARN, HOST))
    for fragment in fragments:
        assert fragment in problems


def test_a_certificate_can_have_two_problems():
    problems = edge.edge_certificate_problems(
        [cert(status="REVOKED", domain_name="x.example.org", subject_alternative_names=[])], ARN, HOST
    )
    assert len(problems) == 2


def test_pick_certificate_prefers_issued_then_newest_and_ignores_failures():
    certs = [
        {"certificate_arn": "failed", "status": "FAILED", "created_at": "2026-03-01"},
        {"certificate_arn": "pending-new", "status": "PENDING_VALIDATION", "created_at": "2026-02-01"},
        {"certificate_arn": "issued-old", "status": "ISSUED", "created_at": "2026-01-01"},
    ]
    assert edge.edge_pick_certificate(certs)["certificate_arn"] == "issued-old"
    assert edge.edge_pick_certificate(certs[:2])["certificate_arn"] == "pending-new"
    assert edge.edge_pick_certificate(certs[:1]) == {}


# --------------------------------------------------------------------------- WAF rules
def test_waf_rules_managed_groups_body_count_and_rate_limit():
    rules = edge.edge_waf_rules("prod-langsmith", 2000, "block", ["SizeRestrictions_BODY", "SizeRestrictions_BODY"])
    by_name = {r["name"]: r for r in rules}
    assert [r["priority"] for r in rules] == [0, 1, 2, 3]
    assert sorted(by_name) == [
        "aws-AmazonIpReputationList",
        "aws-CommonRuleSet",
        "aws-KnownBadInputsRuleSet",
        "rate-limit-per-ip",
    ]
    common = by_name["aws-CommonRuleSet"]["statement"]["managed_rule_group_statement"]
    assert common["rule_action_overrides"] == [{"name": "SizeRestrictions_BODY", "action_to_use": {"count": {}}}]
    assert (
        "rule_action_overrides" not in by_name["aws-KnownBadInputsRuleSet"]["statement"]["managed_rule_group_statement"]
    )
    rate = by_name["rate-limit-per-ip"]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rate_based_statement"] == {
        "limit": 2000,
        "aggregate_key_type": "IP",
        "evaluation_window_sec": 300,
    }
    for rule in rules:
        assert ("action" in rule) != ("override_action" in rule)
        assert rule["visibility_config"]["metric_name"].startswith("prod-langsmith-")
        assert rule["visibility_config"]["cloud_watch_metrics_enabled"] is True


def test_waf_rules_without_overrides_and_with_a_counting_rate_rule():
    rules = {r["name"]: r for r in edge.edge_waf_rules("p", "500", "count", [])}
    assert "rule_action_overrides" not in rules["aws-CommonRuleSet"]["statement"]["managed_rule_group_statement"]
    assert rules["rate-limit-per-ip"]["action"] == {"count": {}}
    assert rules["rate-limit-per-ip"]["statement"]["rate_based_statement"]["limit"] == 500


# --------------------------------------------------------------------------- ALB selection
def lb(name, cluster="prod-langsmith", stack="prod-langsmith", **extra):
    return {
        "load_balancer_name": name,
        "type": "application",
        "state": {"code": "active"},
        "tags": {edge.ALB_CLUSTER_TAG: cluster, edge.ALB_STACK_TAG: stack},
        **extra,
    }


def test_ingress_albs_match_cluster_and_group_tags():
    lbs = [
        lb("ours"),
        lb("other-cluster", cluster="staging-langsmith"),
        lb("other-group", stack="langsmith/langsmith-ingress"),
        lb("broken", state={"code": "failed"}),
        {"load_balancer_name": "untagged", "tags": {}},
    ]
    assert [x["load_balancer_name"] for x in edge.edge_ingress_albs(lbs, "prod-langsmith", "prod-langsmith")] == [
        "ours"
    ]
    assert edge.edge_ingress_albs([], "prod-langsmith", "prod-langsmith") == []


@pytest.mark.parametrize(
    ("arn", "dimension"),
    [
        (
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/k8s-prod-abc/0123456789abcdef",
            "app/k8s-prod-abc/0123456789abcdef",
        ),
        (
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/k8s-prod-fe/0123456789abcdef",
            "targetgroup/k8s-prod-fe/0123456789abcdef",
        ),
    ],
)
def test_cloudwatch_dimension_of_an_elbv2_arn(arn, dimension):
    assert edge.edge_cloudwatch_dimension(arn) == dimension

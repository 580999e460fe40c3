"""The edge stage against the emulator: certificate, web ACL, zone, the dns step, checks and bad input.

Every assertion comes from our own boto3 queries of the emulator, not from the role's word.
The first group shares one converge (the emulator issues a requested certificate only after
60 s, like ACM after DNS validation); later tests reset the emulator and use an operator
certificate (imported, so ISSUED at once) to stay fast.
"""

from __future__ import annotations

import datetime
import re
import time

import pytest
from conftest import run_playbook
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ENV = "demo"  # inventories/local
PREFIX = f"{ENV}-langsmith"
HOST = "langsmith.demo.example.com"
ZONE = "demo.example.com"
WEB_ACL = f"{PREFIX}-waf"
DNS_PLAYBOOK = "../tests/integration/playbooks/edge_dns.yml"
CLUSTER_TAG = "elbv2.k8s.aws/cluster"
STACK_TAG = "ingress.k8s.aws/stack"


# --------------------------------------------------------------------------- helpers
def _tags(tag_list):
    return {t["Key"]: t["Value"] for t in tag_list or []}


def _zones(aws, private=None):
    zones = aws.client("route53").list_hosted_zones()["HostedZones"]
    return [z for z in zones if private is None or z["Config"].get("PrivateZone", False) is private]


def _zone_id(aws, private=False):
    (zone,) = [z for z in _zones(aws, private) if z["Name"] == ZONE + "."]
    return zone["Id"].rsplit("/", 1)[-1]


def _records(aws, zone_id):
    sets = aws.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {(r["Name"].rstrip("."), r["Type"]): r for r in sets}


def _web_acls(aws):
    return aws.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]


def _web_acl(aws):
    waf = aws.client("wafv2")
    (summary,) = [a for a in _web_acls(aws) if a["Name"] == WEB_ACL]
    acl = waf.get_web_acl(Name=WEB_ACL, Scope="REGIONAL", Id=summary["Id"])["WebACL"]
    acl["Tags"] = _tags(waf.list_tags_for_resource(ResourceARN=summary["ARN"])["TagInfoForResource"]["TagList"])
    return acl


def _certificates(aws, region=None):
    acm = aws.client("acm", region=region)
    summaries = acm.list_certificates()["CertificateSummaryList"]
    return [acm.describe_certificate(CertificateArn=s["CertificateArn"])["Certificate"] for s in summaries]


def _health_checks(aws):
    r53 = aws.client("route53")
    checks = r53.list_health_checks()["HealthChecks"]
    for check in checks:
        tags = r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=check["Id"])["ResourceTagSet"]
        check["Tags"] = _tags(tags["Tags"])
    return checks


def _alarms(aws):
    return {a["AlarmName"]: a for a in aws.client("cloudwatch").describe_alarms()["MetricAlarms"]}


def _untouched(aws):
    """Nothing the edge stage creates exists."""
    assert _zones(aws) == []
    assert _web_acls(aws) == []
    assert _certificates(aws) == []
    assert _health_checks(aws) == []


def _self_signed(names):
    """A certificate for ``names`` valid for a year (PEM cert, PEM key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _import_certificate(aws, names, region=None):
    cert, key = _self_signed(names)
    return aws.client("acm", region=region).import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]


def _alb(aws, *, scheme="internet-facing", ip_type="dualstack", group=PREFIX, web_acl_arn=None, name="k8s-demo"):
    """An ALB tagged the way the AWS Load Balancer Controller tags the one of an ingress group."""
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        for i, az in enumerate(["us-east-1a", "us-east-1b"])
    ]
    sg = ec2.create_security_group(GroupName=f"{name}-alb", Description="alb", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(
        Name=f"{name}-0123456789",
        Subnets=subnets,
        SecurityGroups=[sg],
        Scheme=scheme,
        Type="application",
        IpAddressType=ip_type,
        Tags=[
            {"Key": CLUSTER_TAG, "Value": PREFIX},
            {"Key": STACK_TAG, "Value": group},
            {"Key": "ingress.k8s.aws/resource", "Value": "LoadBalancer"},
        ],
    )["LoadBalancers"][0]
    tg = elb.create_target_group(Name=f"{name}-frontend-01234", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")[
        "TargetGroups"
    ][0]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    if web_acl_arn:
        aws.client("wafv2").associate_web_acl(WebACLArn=web_acl_arn, ResourceArn=lb["LoadBalancerArn"])
    return {"lb": lb, "tg": tg, "vpc": vpc}


def _run(aws, tmp_path_factory, playbook="edge.yml", **kwargs):
    kwargs.setdefault("tmp_path", tmp_path_factory.mktemp("vars"))
    return run_playbook(playbook, endpoint=aws.endpoint, **kwargs)


def _text(run):
    return " ".join(run.output.split())


# --------------------------------------------------------------------------- one converge (requested certificate)
@pytest.fixture(scope="module")
def converged(emulator_server, tmp_path_factory):
    emulator_server.reset()
    run = _run(emulator_server, tmp_path_factory).assert_ok()
    return {"run": run, "aws": emulator_server, "tmp": tmp_path_factory}


def test_converge_prints_the_summary(converged):
    out = _text(converged["run"])
    zone_id = _zone_id(converged["aws"])
    assert f"edge: zone {ZONE}: public {zone_id} (created by the edge stage because edge_create_zone is true" in out
    (cert,) = _certificates(converged["aws"])
    assert f"edge: certificate for {HOST}: {cert['CertificateArn']} ISSUED (requested by the edge stage" in out
    assert f"edge: web ACL {WEB_ACL}: AWS IP reputation, rate limit 10000 per 5 min per IP (block)" in out
    assert "count only: SizeRestrictions_BODY" in out


def test_the_public_zone_is_created_tagged_and_marked(converged):
    aws = converged["aws"]
    (zone,) = _zones(aws)
    assert zone["Name"] == ZONE + "."
    assert zone["Config"]["PrivateZone"] is False
    assert "created by the edge stage" in zone["Config"]["Comment"]
    tags = aws.client("route53").list_tags_for_resource(ResourceType="hostedzone", ResourceId=_zone_id(aws))
    tags = _tags(tags["ResourceTagSet"]["Tags"])
    assert tags["langsmith:env"] == ENV
    assert tags["langsmith:stage"] == "edge"
    assert tags["Name"] == f"{PREFIX}-zone"


def test_requested_certificate_is_issued_for_the_hostname_only_and_tagged(converged):
    aws = converged["aws"]
    (cert,) = _certificates(aws)
    assert cert["Status"] == "ISSUED"
    assert cert["Type"] == "AMAZON_ISSUED"
    assert cert["DomainName"] == HOST
    assert cert["SubjectAlternativeNames"] == [HOST]
    assert cert["KeyAlgorithm"] in ("RSA_2048", "RSA-2048")
    assert {o["ValidationMethod"] for o in cert["DomainValidationOptions"]} == {"DNS"}
    tags = _tags(aws.client("acm").list_tags_for_certificate(CertificateArn=cert["CertificateArn"])["Tags"])
    assert tags == {
        "Name": f"{PREFIX}-cert",
        "langsmith:env": ENV,
        "langsmith:stage": "edge",
        "langsmith:managed-by": "ansible",
    }


def test_validation_records_are_in_the_public_zone(converged):
    aws = converged["aws"]
    (cert,) = _certificates(aws)
    records = _records(aws, _zone_id(aws))
    for option in cert["DomainValidationOptions"]:
        wanted = option["ResourceRecord"]
        found = records[(wanted["Name"].rstrip("."), "CNAME")]
        assert [r["Value"].rstrip(".") for r in found["ResourceRecords"]] == [wanted["Value"].rstrip(".")]
        assert found["TTL"] == 300


def test_web_acl_has_the_managed_rules_the_body_size_count_and_the_rate_rule(converged):
    acl = _web_acl(converged["aws"])
    assert acl["DefaultAction"] == {"Allow": {}}
    assert acl["VisibilityConfig"] == {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": WEB_ACL,
    }
    rules = {r["Name"]: r for r in acl["Rules"]}
    managed = {
        name: r["Statement"]["ManagedRuleGroupStatement"]
        for name, r in rules.items()
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert sorted(m["Name"] for m in managed.values()) == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    ]
    assert {m["VendorName"] for m in managed.values()} == {"AWS"}
    common = next(m for m in managed.values() if m["Name"] == "AWSManagedRulesCommonRuleSet")
    assert common["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    for name in managed:
        assert rules[name]["OverrideAction"] == {"None": {}}, name
    (rate,) = [r for r in rules.values() if "RateBasedStatement" in r["Statement"]]
    assert rate["Statement"]["RateBasedStatement"] == {
        "Limit": 10000,
        "AggregateKeyType": "IP",
        "EvaluationWindowSec": 300,
    }
    assert rate["Action"] == {"Block": {}}
    # IP reputation first, then the rate limit, before the heavier rule groups.
    by_priority = [r["Name"] for r in sorted(acl["Rules"], key=lambda r: r["Priority"])]
    assert by_priority[:2] == ["aws-AmazonIpReputationList", "rate-limit-per-ip"]
    assert len({r["Priority"] for r in acl["Rules"]}) == 4
    for rule in acl["Rules"]:
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
        assert rule["VisibilityConfig"]["MetricName"].startswith(PREFIX + "-")
    assert acl["Tags"]["Name"] == WEB_ACL
    assert acl["Tags"]["langsmith:env"] == ENV


def test_second_converge_changes_nothing_and_creates_no_duplicates(converged):
    aws = converged["aws"]
    _run(aws, converged["tmp"]).assert_idempotent()
    assert len(_certificates(aws)) == 1
    assert len(_zones(aws)) == 1
    assert [a["Name"] for a in _web_acls(aws)] == [WEB_ACL]


def test_check_mode_on_an_existing_stack_reports_no_change(converged):
    _run(converged["aws"], converged["tmp"], check=True).assert_idempotent()


# --------------------------------------------------------------------------- site.yml's entry points
START_MAIN_PLAYBOOK = "../tests/integration/playbooks/edge_start_main.yml"


def test_start_then_main_in_one_play_converges_once_and_again_changes_nothing(aws, tmp_path_factory):
    run = _run(aws, tmp_path_factory, START_MAIN_PLAYBOOK).assert_ok()
    out = run.output
    # start did the zone, the request, its validation records and the web ACL; main only waited
    for task in ("Request (or find) the DNS-validated certificate", "WAFv2 web ACL", "Create the public hosted zone"):
        assert len(re.findall(rf"^TASK \[langchain\.langsmith_aws\.edge : {re.escape(task)}", out, re.M)) == 1, task
    assert out.index("edge : WAFv2 web ACL") < out.index("edge : Wait until ACM has issued the certificate")
    (cert,) = _certificates(aws)
    assert cert["Status"] == "ISSUED"
    assert f"edge: certificate for {HOST}: {cert['CertificateArn']} ISSUED" in _text(run)
    records = _records(aws, _zone_id(aws))
    for option in cert["DomainValidationOptions"]:
        assert (option["ResourceRecord"]["Name"].rstrip("."), "CNAME") in records
    assert [a["Name"] for a in _web_acls(aws)] == [WEB_ACL]
    _run(aws, tmp_path_factory, START_MAIN_PLAYBOOK).assert_idempotent()
    _run(aws, tmp_path_factory).assert_idempotent()  # the stage playbook alone agrees
    assert len(_certificates(aws)) == 1
    assert len(_zones(aws)) == 1


# --------------------------------------------------------------------------- the dns step (after the release)
@pytest.fixture(scope="module")
def dns_runs(converged):
    """The dns step before the ingress has an ALB (render mode), then with one, then again."""
    aws, tmp = converged["aws"], converged["tmp"]
    without = _run(aws, tmp, DNS_PLAYBOOK).assert_ok()
    records_without = _records(aws, _zone_id(aws))
    alarms_without = _alarms(aws)
    alb = _alb(aws, web_acl_arn=_web_acl(aws)["ARN"])
    first = _run(aws, tmp, DNS_PLAYBOOK).assert_ok()
    again = _run(aws, tmp, DNS_PLAYBOOK)
    check = _run(aws, tmp, DNS_PLAYBOOK, check=True)
    return {
        "aws": aws,
        "without": without,
        "records_without": records_without,
        "alarms_without": alarms_without,
        "alb": alb,
        "first": first,
        "again": again,
        "check": check,
    }


def test_dns_without_an_alb_skips_the_record_and_the_alarms_and_says_why(dns_runs):
    out = _text(dns_runs["without"])
    assert f"edge: no DNS record for {HOST} yet: no ALB for ingress group {PREFIX}" in out
    assert "render mode: langsmith_k8s_apply is false" in out
    assert "emulator skip: edge dns: no ALB" in out
    assert (HOST, "A") not in dns_runs["records_without"]
    assert dns_runs["alarms_without"] == {}


def test_dns_aliases_the_hostname_to_the_ingress_alb_a_and_aaaa(dns_runs):
    aws, lb = dns_runs["aws"], dns_runs["alb"]["lb"]
    records = _records(aws, _zone_id(aws))
    for kind in ("A", "AAAA"):  # the ALB is dualstack
        target = records[(HOST, kind)]["AliasTarget"]
        assert target["DNSName"].rstrip(".").lower() == lb["DNSName"].lower()
        assert target["HostedZoneId"] == lb["CanonicalHostedZoneId"]
        assert target["EvaluateTargetHealth"] is True
    out = _text(dns_runs["first"])
    assert f"edge: https://{HOST} -> ALB {lb['LoadBalancerName']}" in out
    assert "alias A+AAAA in public zone" in out


def test_dns_health_check_probes_the_health_endpoint_over_https(dns_runs):
    (check,) = _health_checks(dns_runs["aws"])
    config = check["HealthCheckConfig"]
    assert config["Type"] == "HTTPS"
    assert config["FullyQualifiedDomainName"] == HOST
    assert config["Port"] == 443
    assert config["ResourcePath"] == "/api/v1/health"
    assert config["FailureThreshold"] == 3
    assert config["Disabled"] is False
    assert check["Tags"]["Name"] == f"{PREFIX}-health"
    assert check["Tags"]["langsmith:env"] == ENV
    # created by the run without an ALB already, and found again by its tag afterwards
    assert "Route 53 health check" in _text(dns_runs["without"])


def test_dns_alarms_watch_unhealthy_targets_and_5xx(dns_runs):
    alb = dns_runs["alb"]
    lb_dim = alb["lb"]["LoadBalancerArn"].split(":loadbalancer/")[1]
    tg_dim = alb["tg"]["TargetGroupArn"].split(":")[-1]
    alarms = _alarms(dns_runs["aws"])
    unhealthy = alarms[f"{PREFIX}-alb-unhealthy-{alb['tg']['TargetGroupName']}"]
    assert unhealthy["Namespace"] == "AWS/ApplicationELB"
    assert unhealthy["MetricName"] == "UnHealthyHostCount"
    assert {d["Name"]: d["Value"] for d in unhealthy["Dimensions"]} == {"TargetGroup": tg_dim, "LoadBalancer": lb_dim}
    assert unhealthy["ComparisonOperator"] == "GreaterThanThreshold"
    assert unhealthy["Threshold"] == 0
    for suffix, metric in (("target-5xx", "HTTPCode_Target_5XX_Count"), ("elb-5xx", "HTTPCode_ELB_5XX_Count")):
        alarm = alarms[f"{PREFIX}-alb-{suffix}"]
        assert alarm["MetricName"] == metric
        assert alarm["Statistic"] == "Sum"
        assert alarm["Threshold"] == 25
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {"LoadBalancer": lb_dim}
    assert len(alarms) == 3


def test_dns_second_run_and_check_mode_change_nothing(dns_runs):
    dns_runs["again"].assert_idempotent()
    dns_runs["check"].assert_idempotent()
    assert len(_health_checks(dns_runs["aws"])) == 1


# --------------------------------------------------------------------------- the operator's certificate
def test_operator_wildcard_certificate_is_used_and_nothing_is_requested(aws, tmp_path_factory):
    arn = _import_certificate(aws, [f"*.{ZONE}"])
    run = _run(aws, tmp_path_factory, extra_vars={"edge_certificate_arn": arn}).assert_ok()
    assert f"edge: certificate for {HOST}: {arn} ISSUED (edge_certificate_arn)" in _text(run)
    assert [c["CertificateArn"] for c in _certificates(aws)] == [arn]
    # the operator's certificate is read, never tagged
    assert aws.client("acm").list_tags_for_certificate(CertificateArn=arn)["Tags"] == []
    _run(aws, tmp_path_factory, extra_vars={"edge_certificate_arn": arn}).assert_idempotent()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda aws: _import_certificate(aws, ["langsmith.other.example.org"]),
            f"covers langsmith.other.example.org, not langsmith_hostname={HOST}",
        ),
        (  # a wildcard covers one label only
            lambda aws: _import_certificate(aws, ["*.example.com"]),
            f"covers *.example.com, not langsmith_hostname={HOST}",
        ),
        (
            lambda aws: aws.client("acm").request_certificate(DomainName=HOST, ValidationMethod="DNS")[
                "CertificateArn"
            ],
            "is PENDING_VALIDATION, not ISSUED",
        ),
        (
            lambda aws: "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
            "does not exist in this account and region",
        ),
    ],
    ids=["other-name", "wildcard-too-shallow", "pending-validation", "missing"],
)
def test_unusable_operator_certificate_fails_before_any_change(aws, tmp_path_factory, make, message):
    arn = make(aws)
    certificates_before = len(_certificates(aws))
    run = _run(aws, tmp_path_factory, extra_vars={"edge_certificate_arn": arn})
    assert run.rc != 0
    assert message in _text(run), run.output[-3000:]
    assert _zones(aws) == []
    assert _web_acls(aws) == []
    assert len(_certificates(aws)) == certificates_before


# --------------------------------------------------------------------------- bad input: fail before any AWS change
@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        (
            {"edge_certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/0f4d5d4e-1b8a-4a5e-9c1e-01234567"},
            "edge_certificate_arn is in eu-west-1 but langsmith_region=us-east-1",
        ),
        ({"edge_certificate_arn": "arn:aws:acm:us-east-1:cert/abc"}, "is not an ACM certificate ARN"),
        (
            {"edge_route53_zone": "example.org"},
            f"langsmith_hostname={HOST} is not inside edge_route53_zone=example.org",
        ),
        ({"langsmith_hostname": ""}, "langsmith_hostname is empty"),
        ({"langsmith_exposure": "private"}, "edge_create_zone: true creates a public hosted zone"),
        (
            {"langsmith_exposure": "private", "edge_create_zone": False, "edge_health_check": True},
            "Route 53 health checkers probe from the internet",
        ),
        ({"edge_rate_limit": 5}, "edge_rate_limit=5 must be an integer from 10"),
        ({"edge_waf_count_rules": ["SizeRestriction_BODY"]}, "does not have: ['SizeRestriction_BODY']"),
    ],
    ids=[
        "arn-other-region",
        "arn-malformed",
        "hostname-outside-zone",
        "no-hostname",
        "private-with-public-zone",
        "private-with-health-check",
        "rate-limit-too-low",
        "unknown-count-rule",
    ],
)
def test_bad_input_fails_before_any_aws_call(aws, tmp_path_factory, extra_vars, message):
    run = _run(aws, tmp_path_factory, extra_vars=extra_vars)
    assert run.rc != 0
    assert message in _text(run), run.output[-3000:]
    _untouched(aws)


def test_a_missing_zone_fails_before_any_change_when_the_stage_may_not_create_it(aws, tmp_path_factory):
    run = _run(aws, tmp_path_factory, extra_vars={"edge_create_zone": False})
    assert run.rc != 0
    assert f"No public hosted zone named {ZONE} in this account" in _text(run)
    _untouched(aws)


def test_check_mode_on_an_empty_account_reports_changes_and_creates_nothing(aws, tmp_path_factory):
    run = _run(aws, tmp_path_factory, check=True).assert_ok()
    assert run.changed > 0
    assert f"the zone {ZONE} and the certificate for {HOST} would be created" in _text(run)
    assert "edge: certificate for langsmith.demo.example.com: none yet" in _text(run)
    _untouched(aws)


# --------------------------------------------------------------------------- the dns step refuses unsafe ALBs
@pytest.fixture
def operator_stack(aws, tmp_path_factory):
    """Zone + web ACL from the stage, with an imported certificate (no 60 s validation wait)."""
    arn = _import_certificate(aws, [HOST])
    extra = {"edge_certificate_arn": arn}
    _run(aws, tmp_path_factory, extra_vars=extra).assert_ok()
    return {"aws": aws, "extra": extra, "web_acl_arn": _web_acl(aws)["ARN"]}


def test_dns_refuses_an_alb_the_web_acl_does_not_protect(operator_stack, tmp_path_factory):
    aws = operator_stack["aws"]
    _alb(aws, web_acl_arn=None)
    run = _run(aws, tmp_path_factory, DNS_PLAYBOOK, extra_vars=operator_stack["extra"])
    assert run.rc != 0
    assert "is protected by no web ACL" in _text(run)
    assert "alb.ingress.kubernetes.io/wafv2-acl-arn" in _text(run)
    assert (HOST, "A") not in _records(aws, _zone_id(aws))


def test_dns_refuses_an_internal_alb_for_internet_exposure(operator_stack, tmp_path_factory):
    aws = operator_stack["aws"]
    _alb(aws, scheme="internal", web_acl_arn=operator_stack["web_acl_arn"])
    run = _run(aws, tmp_path_factory, DNS_PLAYBOOK, extra_vars=operator_stack["extra"])
    assert run.rc != 0
    assert "is internal but langsmith_exposure=internet needs internet-facing" in _text(run)
    assert (HOST, "A") not in _records(aws, _zone_id(aws))


def test_dns_ignores_albs_of_other_ingress_groups(operator_stack, tmp_path_factory):
    aws = operator_stack["aws"]
    _alb(aws, group="someone-else", web_acl_arn=operator_stack["web_acl_arn"])
    run = _run(aws, tmp_path_factory, DNS_PLAYBOOK, extra_vars=operator_stack["extra"]).assert_ok()
    assert f"no ALB for ingress group {PREFIX}" in _text(run)
    assert (HOST, "A") not in _records(aws, _zone_id(aws))


# --------------------------------------------------------------------------- private exposure
PRIVATE = {"langsmith_exposure": "private", "edge_create_zone": False}


def _private_zone(aws, vpc_id):
    aws.client("route53").create_hosted_zone(
        Name=ZONE,
        CallerReference=f"test-{time.monotonic_ns()}",
        HostedZoneConfig={"Comment": "private", "PrivateZone": True},
        VPC={"VPCRegion": "us-east-1", "VPCId": vpc_id},
    )


def test_private_exposure_puts_the_alias_in_the_private_zone_without_a_health_check(aws, tmp_path_factory):
    vpc = aws.client("ec2").create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    _private_zone(aws, vpc)
    arn = _import_certificate(aws, [HOST])
    extra = {**PRIVATE, "edge_certificate_arn": arn}
    run = _run(aws, tmp_path_factory, extra_vars=extra).assert_ok()
    assert f"edge: zone {ZONE}: private {_zone_id(aws, private=True)}" in _text(run)
    alb = _alb(aws, scheme="internal", ip_type="ipv4", web_acl_arn=_web_acl(aws)["ARN"])
    run = _run(aws, tmp_path_factory, DNS_PLAYBOOK, extra_vars=extra).assert_ok()
    records = _records(aws, _zone_id(aws, private=True))
    assert records[(HOST, "A")]["AliasTarget"]["DNSName"].rstrip(".").lower() == alb["lb"]["DNSName"].lower()
    assert (HOST, "AAAA") not in records  # ipv4-only ALB
    assert _zones(aws, private=False) == []
    assert _health_checks(aws) == []
    assert "alias A in private zone" in _text(run)


def test_private_exposure_cannot_request_a_certificate_without_a_public_zone(aws, tmp_path_factory):
    vpc = aws.client("ec2").create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    _private_zone(aws, vpc)
    run = _run(aws, tmp_path_factory, extra_vars=PRIVATE)
    assert run.rc != 0
    assert "ACM validates certificates through public DNS" in _text(run)
    assert _certificates(aws) == []
    assert _web_acls(aws) == []

"""Unit tests for the preflight filters: inventory rules, quota/permission/DNS rows, the table."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from ansible_collections.langchain.langsmith_aws.plugins.filter.preflight import (
    acm_covering,
    hostname_covered,
    iam_policy_documents,
    iam_statements,
    preflight_capacity_rows,
    preflight_dns_tls_rows,
    preflight_failures,
    preflight_identity_rows,
    preflight_inventory_rules,
    preflight_permission_rows,
    preflight_quota_rows,
    preflight_sizing_rows,
    preflight_table,
    route53_zone_match,
)
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.sizing import node_allocatable

ROOT = Path(__file__).resolve().parents[4]
PRESETS = yaml.safe_load((ROOT / "roles/langsmith/defaults/main/tiers.yml").read_text())["langsmith_tier_presets"]
IAM = yaml.safe_load((ROOT / "roles/preflight/vars/iam.yml").read_text())


def base_inputs(tier="production"):
    """What roles/preflight/vars/main.yml assembles for a valid production inventory."""
    return {
        "env": "prod",
        "region": "us-east-1",
        "tier": tier,
        "production": PRESETS[tier]["production"],
        "presets": copy.deepcopy(PRESETS),
        "hostname": "langsmith.example.com",
        "exposure": "internet",
        "clickhouse_mode": "in_cluster",
        "chart_version": "0.16.11",
        "chart_lines": ["0.16"],
        "network": {"nat_gateways": "per_az"},
        "eks": {
            "kubernetes_version": "1.34",
            "supported_versions": ["1.33", "1.34"],
            "endpoint_public_access": True,
            "public_access_cidrs": ["203.0.113.0/24"],
            "allow_public_endpoint_from_anywhere": False,
            "admin_principal_arns": ["arn:aws:iam::123456789012:role/Admin"],
            "general": dict(PRESETS[tier]["eks"]["general"]),
        },
        "edge": {"route53_zone": "example.com", "certificate_arn": ""},
        "datastores": {"postgres_engine_version": "16", "redis_engine_version": "7.1"},
        "alb_schemes": {"release_alb_scheme": None},
    }


def by_id(rows):
    return {r["id"]: r for r in rows}


def _set(data, path, value):
    keys = path.split(".")
    for key in keys[:-1]:
        data = data[key]
    data[keys[-1]] = value


# ----------------------------------------------------------------------------- inventory rules
def test_valid_inventory_has_no_failures():
    rows = preflight_inventory_rules(base_inputs())
    assert [r for r in rows if r["status"] in ("fail", "warn")] == []
    assert {"inventory.hostname", "inventory.route53_zone", "inventory.eks_version"} <= set(by_id(rows))


@pytest.mark.parametrize("tier", ["dev", "production", "production_large"])
def test_shipped_presets_are_complete(tier):
    inputs = base_inputs(tier)
    inputs["network"]["nat_gateways"] = PRESETS[tier]["network"]["nat_gateways"]
    rows = by_id(preflight_inventory_rules(inputs))
    assert rows["inventory.tier_preset"]["status"] == "pass"


# (path, value, row id, status, text in detail, text in fix)
INVENTORY_CASES = [
    ("hostname", "", "inventory.hostname", "fail", "langsmith_hostname is empty", "set langsmith_hostname"),
    (
        "edge.route53_zone",
        "other.org",
        "inventory.route53_zone",
        "fail",
        "is not inside edge_route53_zone=other.org",
        "set edge_route53_zone to the zone that holds langsmith.example.com",
    ),
    ("edge.route53_zone", "", "inventory.route53_zone", "fail", "edge_route53_zone is empty", "set edge_route53_zone"),
    (
        "edge.route53_zone",
        "not a zone",
        "inventory.route53_zone",
        "fail",
        "is not a DNS zone name",
        "edge_route53_zone:",
    ),
    (
        "edge.certificate_arn",
        "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab",
        "inventory.certificate_arn",
        "fail",
        "is in eu-west-1 but langsmith_region=us-east-1",
        "in us-east-1",
    ),
    (
        "edge.certificate_arn",
        "my-cert",
        "inventory.certificate_arn",
        "fail",
        "is not an ACM certificate ARN",
        "arn:aws:acm:<region>",
    ),
    (
        "alb_schemes.release_alb_scheme",
        "internal",
        "inventory.alb_scheme.release_alb_scheme",
        "fail",
        "release_alb_scheme=internal contradicts langsmith_exposure=internet",
        "remove release_alb_scheme",
    ),
    (
        "eks.public_access_cidrs",
        ["0.0.0.0/0"],
        "inventory.eks_endpoint.anywhere",
        "fail",
        "contains 0.0.0.0/0 on the production tier",
        "eks_allow_public_endpoint_from_anywhere: true",
    ),
    (
        "eks.public_access_cidrs",
        [],
        "inventory.eks_endpoint.cidrs",
        "fail",
        "eks_public_access_cidrs is empty",
        "eks_endpoint_public_access: false",
    ),
    (
        "eks.public_access_cidrs",
        ["10.0.0.1/8"],
        "inventory.eks_endpoint.cidrs",
        "fail",
        "invalid CIDRs: 10.0.0.1/8",
        "203.0.113.0/24",
    ),
    (
        "exposure",
        "private",
        "inventory.eks_endpoint.exposure",
        "fail",
        "langsmith_exposure=private but eks_endpoint_public_access=true",
        "eks_endpoint_public_access: false",
    ),
    (
        "eks.admin_principal_arns",
        ["alice"],
        "inventory.admin_principals",
        "fail",
        "not IAM role or user ARNs: alice",
        "arn:aws:iam::<account>:role/<name>",
    ),
    (
        "eks.kubernetes_version",
        "1.29",
        "inventory.eks_version",
        "fail",
        "eks_kubernetes_version=1.29 is not a supported",
        "one of 1.33, 1.34",
    ),
    (
        "chart_version",
        "~0.16",
        "inventory.chart_version",
        "fail",
        "is not an exact chart version",
        "langsmith_chart_version: 0.16.11",
    ),
    ("chart_version", "0.15.3", "inventory.chart_version", "warn", "outside the chart lines", "0.16.x"),
    (
        "datastores.postgres_engine_version",
        "13.4",
        "inventory.postgres_engine_version",
        "fail",
        "PostgreSQL 14 or newer",
        'datastores_postgres_engine_version: "16"',
    ),
    (
        "datastores.redis_engine_version",
        "4.0.10",
        "inventory.redis_engine_version",
        "fail",
        "Redis OSS 5 or newer",
        "datastores_redis_engine_version",
    ),
    (
        "network.nat_gateways",
        "single",
        "inventory.nat_gateways",
        "warn",
        "one NAT gateway on the production tier",
        "network_nat_gateways: per_az",
    ),
    ("eks.general.min_size", 5, "inventory.node_group_sizes", "fail", "min=5 desired=3 max=10", "eks_general_min_size"),
    (
        "eks.general.instance_types",
        [],
        "inventory.node_group_types",
        "fail",
        "eks_general_instance_types is empty",
        "m6i.4xlarge",
    ),
]


@pytest.mark.parametrize(("path", "value", "rid", "status", "detail", "fix"), INVENTORY_CASES)
def test_inventory_rule_reports_variable_and_fix(path, value, rid, status, detail, fix):  # noqa: PLR0917
    inputs = base_inputs()
    _set(inputs, path, value)
    rows = by_id(preflight_inventory_rules(inputs))
    assert rid in rows, sorted(rows)
    assert rows[rid]["status"] == status
    assert detail in rows[rid]["detail"]
    assert fix in rows[rid]["fix"]


def test_incomplete_tier_preset_names_missing_keys():
    inputs = base_inputs()
    del inputs["presets"]["production"]["clickhouse"]["storage"]
    del inputs["presets"]["production"]["datastores"]["redis"]
    row = by_id(preflight_inventory_rules(inputs))["inventory.tier_preset"]
    assert row["status"] == "fail"
    assert "clickhouse.storage.size" in row["detail"]
    assert "datastores.redis.node_type" in row["detail"]
    assert "tiers.yml" in row["fix"]


def test_anywhere_on_dev_or_with_override_only_warns():
    dev = base_inputs("dev")
    dev["eks"]["public_access_cidrs"] = ["0.0.0.0/0"]
    assert by_id(preflight_inventory_rules(dev))["inventory.eks_endpoint.anywhere"]["status"] == "warn"
    prod = base_inputs()
    prod["eks"]["public_access_cidrs"] = ["0.0.0.0/0"]
    prod["eks"]["allow_public_endpoint_from_anywhere"] = True
    assert by_id(preflight_inventory_rules(prod))["inventory.eks_endpoint.anywhere"]["status"] == "warn"


def test_rules_of_roles_not_in_the_build_are_skipped_not_passed():
    inputs = base_inputs()
    inputs["eks"]["endpoint_public_access"] = None
    inputs["datastores"] = {"postgres_engine_version": None, "redis_engine_version": None}
    rows = by_id(preflight_inventory_rules(inputs))
    for rid in ("inventory.eks_endpoint", "inventory.postgres_engine_version", "inventory.redis_engine_version"):
        assert rows[rid]["status"] == "skip"


def test_private_exposure_with_internal_scheme_and_private_endpoint_passes():
    inputs = base_inputs()
    inputs["exposure"] = "private"
    inputs["eks"]["endpoint_public_access"] = False
    inputs["alb_schemes"]["release_alb_scheme"] = "internal"
    rows = preflight_inventory_rules(inputs)
    assert [r for r in rows if r["status"] == "fail"] == []


# ----------------------------------------------------------------------------- identity
CALLER = {"account": "123456789012", "arn": "arn:aws:iam::123456789012:user/deployer", "account_alias": ""}
REGIONS = {"regions": [{"region_name": "us-east-1", "opt_in_status": "opt-in-not-required"}]}
AZS = {"availability_zones": []}


def identity(caller=None, regions=None, azs=None, **settings):
    base = {
        "region": "us-east-1",
        "env_regions": ["", ""],
        "sandbox_pattern": r"(?i)sandbox",
        "usable_azs": ["us-east-1a", "us-east-1b"],
    }
    return by_id(
        preflight_identity_rows(
            CALLER if caller is None else caller,
            REGIONS if regions is None else regions,
            azs or AZS,
            {**base, **settings},
        )
    )


def test_identity_all_good():
    rows = identity()
    assert {r["status"] for r in rows.values()} == {"pass"}
    assert rows["identity.sandbox"]["detail"] == "no alias"
    assert rows["identity.availability_zones"]["detail"] == "2 usable for EKS (us-east-1a, us-east-1b)"


def test_identity_without_credentials_fails_and_skips_the_rest():
    rows = identity(caller={"msg": "Unable to locate credentials"})
    assert rows["identity.caller"]["status"] == "fail"
    assert "Unable to locate credentials" in rows["identity.caller"]["detail"]
    assert "aws sts get-caller-identity" in rows["identity.caller"]["fix"]
    assert rows["identity.region"]["status"] == "skip"


def test_identity_root_sandbox_and_unknown_alias():
    root = identity(caller={**CALLER, "arn": "arn:aws:iam::123456789012:root", "account_alias": "acme-sandbox"})
    assert root["identity.root"]["status"] == "warn"
    assert "acme-sandbox looks like a sandbox" in root["identity.sandbox"]["detail"]
    denied = identity(caller={k: v for k, v in CALLER.items() if k != "account_alias"})
    assert "iam:ListAccountAliases denied" in denied["identity.sandbox"]["detail"]


def test_identity_region_mismatch_in_the_shell_warns():
    rows = identity(env_regions=["eu-west-1", "us-east-1"])
    assert rows["identity.region_consistency"]["status"] == "warn"
    assert "AWS_REGION/AWS_DEFAULT_REGION=eu-west-1" in rows["identity.region_consistency"]["detail"]


@pytest.mark.parametrize(
    ("regions", "detail", "fix"),
    [
        (
            {"regions": [{"region_name": "us-east-1", "opt_in_status": "not-opted-in"}]},
            "opt-in region that is not enabled",
            "enable us-east-1",
        ),
        ({"regions": []}, "us-east-1 is not a region of this account", "aws ec2 describe-regions"),
        (
            {"msg": "Could not connect to the endpoint URL"},
            "ec2:DescribeRegions failed in us-east-1: Could not connect",
            "aws ec2 describe-regions",
        ),
    ],
)
def test_identity_unusable_region(regions, detail, fix):
    rows = identity(regions=regions)
    assert rows["identity.region"]["status"] == "fail"
    assert detail in rows["identity.region"]["detail"]
    assert fix in rows["identity.region"]["fix"]
    assert "identity.availability_zones" not in rows


def test_identity_needs_two_usable_azs():
    rows = identity(usable_azs=["us-east-1a"])
    assert rows["identity.availability_zones"]["status"] == "fail"


# ----------------------------------------------------------------------------- capacity
@pytest.fixture(scope="module")
def instance_facts(emulator_server):
    ec2 = emulator_server.client("ec2")
    types = ec2.describe_instance_types(InstanceTypes=["m6i.large", "m6i.2xlarge", "m6i.4xlarge"])["InstanceTypes"]
    return {t["InstanceType"]: node_allocatable(t) for t in types}


def test_capacity_passes_for_the_dev_preset(instance_facts):
    general = {"instance_types": ["m6i.2xlarge"], "min_size": 3}
    (row,) = preflight_capacity_rows(instance_facts, general, {"cpu": 16, "memory": "64Gi"})
    assert row["status"] == "pass"
    assert "3 x m6i.2xlarge = 23.73 vCPU" in row["detail"]


def test_capacity_fails_below_the_floor_and_says_how_many_nodes(instance_facts):
    general = {"instance_types": ["m6i.4xlarge", "m6i.large"], "min_size": 3}
    (row,) = preflight_capacity_rows(instance_facts, general, {"cpu": 16, "memory": "64Gi"})
    assert row["status"] == "fail"
    assert "3 x m6i.large" in row["detail"]  # the smallest type the autoscaler may pick
    # m6i.large: 1.93 vCPU / 6.74 GiB allocatable; memory decides: ceil(64 / 6.74) = 10 nodes.
    assert "raise eks_general_min_size to 10" in row["fix"]


def test_capacity_unknown_instance_type_fails():
    (row,) = preflight_capacity_rows(
        {"m9x.huge": {"error": "m9x.huge is not an EC2 instance type offered in this region"}},
        {"instance_types": ["m9x.huge"], "min_size": 3},
        {"cpu": 16, "memory": "64Gi"},
    )
    assert row["status"] == "fail"
    assert "not an EC2 instance type" in row["detail"]


# ----------------------------------------------------------------------------- quotas
DEFS = [
    {"key": "vpcs", "name": "VPCs per Region", "query": {"service_code": "vpc", "quota_code": "L-F678F1CE"}},
    {
        "key": "nat_gateways",
        "name": "NAT gateways per AZ",
        "query": {"service_code": "vpc", "quota_code": "L-FE5A380F"},
    },
    {"key": "vcpus", "name": "On-Demand vCPUs", "query": {"service_code": "ec2", "quota_code": "L-1216C47A"}},
]


def quota(value, usage, owned=0, source="applied", **extra):
    return {"value": value, "usage": usage, "usage_owned": owned, "source": source, "error": None, **extra}


def test_quota_fits():
    rows = preflight_quota_rows([quota(5.0, 2)], DEFS[:1], {"vpcs": 1}, "us-east-1")
    assert rows[0]["status"] == "pass"
    assert rows[0]["detail"] == "limit 5 (applied), in use 2, this deploy adds 1 -> 3"


def test_quota_does_not_fit_and_names_the_increase_request():
    (row,) = preflight_quota_rows([quota(5.0, 5)], DEFS[:1], {"vpcs": 1}, "us-east-1")
    assert row["status"] == "fail"
    assert "in use 5, this deploy adds 1 -> 6" in row["detail"]
    assert "--service-code vpc --quota-code L-F678F1CE --desired-value 6 --region us-east-1" in row["fix"]


def test_quota_does_not_count_what_the_deployment_already_owns():
    (row,) = preflight_quota_rows([quota(5.0, 5, owned=1)], DEFS[:1], {"vpcs": 1}, "us-east-1")
    assert row["status"] == "pass"
    assert "(this deployment: 1), this deploy adds 0 -> 5" in row["detail"]


def test_vcpu_quota_counts_planned_vcpus():
    (row,) = preflight_quota_rows([quota(64.0, 16, owned=0)], DEFS[2:], {"vcpus": 52}, "us-east-1")
    assert row["status"] == "fail"
    assert "-> 68" in row["detail"]


def test_per_az_quota_checks_every_planned_az():
    found = quota(5.0, 5, usage_by_az={"us-east-1a": 2, "us-east-1b": 5}, owned_by_az={})
    plan = {"nat_gateways": {"us-east-1a": 1, "us-east-1b": 1}}
    (row,) = preflight_quota_rows([found], DEFS[1:2], plan, "us-east-1")
    assert row["status"] == "fail"
    assert "us-east-1b would need 6" in row["fix"]
    found["usage_by_az"]["us-east-1b"] = 4
    assert preflight_quota_rows([found], DEFS[1:2], plan)[0]["status"] == "pass"


def test_unknown_quota_value_warns_on_aws_and_skips_on_the_emulator():
    found = [quota(None, 3, source=None, error="AccessDeniedException: no")]
    (aws_row,) = preflight_quota_rows(found, DEFS[:1], {"vpcs": 1})
    assert aws_row["status"] == "warn"
    assert "servicequotas:GetServiceQuota" in aws_row["fix"]
    (emu_row,) = preflight_quota_rows(found, DEFS[:1], {"vpcs": 1}, emulator=True)
    assert emu_row["status"] == "skip"
    assert "Stubber" in emu_row["emulator_skip"]


def test_unknown_usage_warns():
    found = [{**quota(5.0, None), "usage_error": "AccessDenied: ec2:DescribeVpcs"}]
    (row,) = preflight_quota_rows(found, DEFS[:1], {"vpcs": 1})
    assert row["status"] == "warn"
    assert "ec2:DescribeVpcs" in row["detail"]


def test_quota_without_plan_is_not_reported():
    assert preflight_quota_rows([quota(5.0, 1)], DEFS[:1], {}) == []


# ----------------------------------------------------------------------------- permissions
STAGES = IAM["_preflight_iam_stages"]


def sim(stage, action, allowed=True, **extra):
    return {"stage": stage, "sid": "S", "action": action, "allowed": allowed, **extra}


def test_simulation_all_allowed_passes_every_stage():
    access = {
        "method": "simulation",
        "principal_arn": "arn:aws:iam::1:role/D",
        "results": [sim("network", "ec2:CreateVpc")],
    }
    rows = by_id(preflight_permission_rows(access, STAGES))
    assert set(rows) == {f"permissions.{s}" for s in STAGES}
    assert all(r["status"] == "pass" for r in rows.values())


def test_simulation_denials_name_actions_scp_and_policy_file():
    access = {
        "method": "simulation",
        "principal_arn": "arn:aws:iam::1:role/D",
        "results": [
            sim("cluster", "eks:CreateCluster", False, denied_by_organizations=True),
            sim("cluster", "iam:CreateRole", False),
            sim("network", "ec2:CreateVpc"),
        ],
    }
    rows = by_id(preflight_permission_rows(access, STAGES))
    cluster = rows["permissions.cluster"]
    assert cluster["status"] == "fail"
    assert "2 denied for arn:aws:iam::1:role/D: eks:CreateCluster, iam:CreateRole" in cluster["detail"]
    assert "denied by an Organizations SCP: eks:CreateCluster" in cluster["detail"]
    assert "docs/iam/deploy-policy-cluster.json" in cluster["fix"]
    assert "Organizations administrator" in cluster["fix"]
    assert rows["permissions.network"]["status"] == "pass"


def test_probes_after_denied_simulation_fail_per_denied_service():
    access = {
        "method": "probes",
        "caller_arn": "arn:aws:iam::1:user/u",
        "simulation_error": "simulation denied: AccessDenied: no",
        "probes": [
            {"service": "ec2", "operation": "DescribeVpcs", "allowed": True, "error": ""},
            {"service": "eks", "operation": "ListClusters", "allowed": False, "error": "AccessDeniedException: no"},
        ],
    }
    rows = by_id(preflight_permission_rows(access, STAGES, emulator=True))
    assert rows["permissions.simulation"]["status"] == "warn"
    assert "emulator_skip" not in rows["permissions.simulation"]  # a real denial, not an emulator gap
    assert "iam:SimulatePrincipalPolicy" in rows["permissions.simulation"]["fix"]
    eks = rows["permissions.probe.eks"]
    assert eks["status"] == "fail"
    assert "needed by stage(s) preflight, cluster" in eks["detail"]
    assert "docs/iam/deploy-policy-cluster.json" in eks["fix"]
    assert rows["permissions.probes"]["detail"] == "read access to ec2"


def test_unavailable_simulation_on_the_emulator_is_an_emulator_skip():
    access = {"method": "probes", "simulation_error": "simulation unavailable: 500", "probes": []}
    (row,) = preflight_permission_rows(access, STAGES, emulator=True)
    assert "SimulatePrincipalPolicy" in row["emulator_skip"]


# ----------------------------------------------------------------------------- DNS and TLS
ZONE_PUBLIC = {"id": "/hostedzone/Z1", "name": "example.com.", "config": {"private_zone": False}}
ZONE_PRIVATE = {"id": "/hostedzone/Z2", "name": "example.com.", "config": {"private_zone": True}}
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab"


def settings(**overrides):
    base = {
        "hostname": "langsmith.example.com",
        "zone": "example.com",
        "exposure": "internet",
        "certificate_arn": "",
        "region": "us-east-1",
        "min_days": 30,
        "now": "2026-11-27T00:00:00",
    }
    return {**base, **overrides}


def cert(**overrides):
    base = {
        "certificate_arn": ARN,
        "domain_name": "langsmith.example.com",
        "subject_alternative_names": ["langsmith.example.com"],
        "status": "ISSUED",
        "not_after": "2027-06-01T00:00:00+00:00",
    }
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("zones", "exposure", "status", "text"),
    [
        ([], "internet", "fail", "no hosted zone named example.com"),
        ([ZONE_PRIVATE], "internet", "fail", "only a private zone"),
        ([ZONE_PUBLIC], "private", "warn", "would publish private addresses"),
        ([ZONE_PUBLIC, ZONE_PRIVATE], "private", "pass", "private zone /hostedzone/Z2"),
        ([ZONE_PUBLIC], "internet", "pass", "public zone /hostedzone/Z1"),
    ],
)
def test_zone_rows(zones, exposure, status, text):
    rows = by_id(preflight_dns_tls_rows({"hosted_zones": zones}, {"certificates": []}, settings(exposure=exposure)))
    assert rows["dns.zone"]["status"] == status
    assert text in rows["dns.zone"]["detail"]
    if status == "fail":
        assert "create-hosted-zone" in rows["dns.zone"]["fix"]


@pytest.mark.parametrize(
    ("certs", "status", "text"),
    [
        ([], "fail", "edge_certificate_arn=" + ARN + " not found in us-east-1"),
        ([cert(status="PENDING_VALIDATION")], "fail", "is PENDING_VALIDATION, not ISSUED"),
        ([cert(domain_name="other.example.com", subject_alternative_names=[])], "fail", "not langsmith.example.com"),
        ([cert(not_after="2026-12-10T00:00:00+00:00")], "warn", "expires in 13 days"),
        ([cert()], "pass", "ISSUED, covers langsmith.example.com"),
        ([cert(domain_name="*.example.com", subject_alternative_names=["*.example.com"])], "pass", "ISSUED"),
    ],
)
def test_given_certificate_rows(certs, status, text):
    rows = by_id(
        preflight_dns_tls_rows({"hosted_zones": [ZONE_PUBLIC]}, {"certificates": certs}, settings(certificate_arn=ARN))
    )
    assert rows["tls.certificate"]["status"] == status
    assert text in rows["tls.certificate"]["detail"]
    if status == "fail":
        assert rows["tls.certificate"]["fix"]


def test_missing_certificate_lookup_error_fails_with_request_command():
    rows = by_id(
        preflight_dns_tls_rows(
            {"hosted_zones": [ZONE_PUBLIC]}, {"msg": "ResourceNotFoundException"}, settings(certificate_arn=ARN)
        )
    )
    assert rows["tls.certificate"]["status"] == "fail"
    assert "aws acm request-certificate --domain-name langsmith.example.com" in rows["tls.certificate"]["fix"]


def test_no_certificate_is_fine_when_the_edge_can_validate_one():
    rows = by_id(preflight_dns_tls_rows({"hosted_zones": [ZONE_PUBLIC]}, {"certificates": []}, settings()))
    assert rows["tls.certificate"]["status"] == "pass"
    assert "the edge stage requests one" in rows["tls.certificate"]["detail"]


def test_no_certificate_and_no_public_zone_fails():
    rows = by_id(preflight_dns_tls_rows({"hosted_zones": []}, {"certificates": []}, settings()))
    assert rows["tls.certificate"]["status"] == "fail"
    assert "no public Route 53 zone" in rows["tls.certificate"]["detail"]


def test_existing_covering_certificate_is_pointed_out():
    certs = {"certificates": [cert(domain_name="*.example.com", subject_alternative_names=[])]}
    rows = by_id(preflight_dns_tls_rows({"hosted_zones": []}, certs, settings()))
    assert rows["tls.certificate"]["status"] == "pass"
    assert ARN in rows["tls.certificate"]["detail"]


@pytest.mark.parametrize(
    ("host", "names", "covered"),
    [
        ("langsmith.example.com", ["langsmith.example.com"], True),
        ("LangSmith.Example.com.", ["langsmith.example.com"], True),
        ("langsmith.example.com", ["*.example.com"], True),
        ("a.langsmith.example.com", ["*.example.com"], False),
        ("example.com", ["*.example.com"], False),
        ("langsmith.example.com", ["example.com", "*.other.com"], False),
    ],
)
def test_hostname_covered(host, names, covered):
    assert hostname_covered(host, names) is covered


def test_acm_covering_and_zone_match():
    certs = [cert(), cert(certificate_arn="x", domain_name="a.b", subject_alternative_names=[])]
    assert [c["certificate_arn"] for c in acm_covering(certs, "langsmith.example.com")] == [ARN]
    assert route53_zone_match([ZONE_PUBLIC, {"name": "xexample.com."}], "Example.com.") == [ZONE_PUBLIC]


# ----------------------------------------------------------------------------- sizing, table
def test_sizing_rows_map_severities():
    outputs = {
        "mode": "in_cluster_single",
        "findings": [
            {"id": "schedule.requests", "severity": "error", "message": "does not fit", "fix": "use r6i.4xlarge"},
            {"id": "topology.replicas", "severity": "warning", "message": "one replica", "fix": "3 replicas"},
            {"id": "info.x", "severity": "info", "message": "fine", "fix": ""},
        ],
    }
    rows = preflight_sizing_rows(outputs)
    assert [(r["id"], r["status"]) for r in rows] == [
        ("sizing.schedule.requests", "fail"),
        ("sizing.topology.replicas", "warn"),
    ]
    assert preflight_sizing_rows({"findings": [], "mode": "external"})[0]["status"] == "pass"


def test_table_prints_fix_under_failures_and_counts():
    rows = [
        {"id": "a", "area": "dns", "check": "zone", "status": "fail", "detail": "missing", "fix": "create it"},
        {"id": "b", "area": "identity", "check": "caller", "status": "pass", "detail": "ok", "fix": "ignored"},
    ]
    lines = preflight_table(rows)
    assert lines[0].startswith("FAIL  dns")
    assert lines[1].strip() == "-> fix: create it"
    assert "ignored" not in "\n".join(lines)
    assert lines[-1] == "preflight: 1 pass, 0 warn, 1 fail, 0 skipped"
    assert [r["id"] for r in preflight_failures(rows)] == ["a"]


# ----------------------------------------------------------------------------- IAM
def test_iam_statements_render_placeholders():
    values = {
        "partition": "aws",
        "account": "123456789012",
        "region": "eu-west-1",
        "prefix": "prod-langsmith",
        "cluster": "prod-langsmith",
    }
    statements = iam_statements(STAGES, values)
    resources = {r for st in statements for r in st["resources"]}
    assert "arn:aws:iam::123456789012:role/prod-langsmith-*" in resources
    assert "arn:aws:eks:eu-west-1:123456789012:cluster/prod-langsmith" in resources
    assert not any("{" in r for r in resources)
    docs = iam_policy_documents(STAGES, values)
    assert set(docs) == set(STAGES)

"""Preflight stage against the emulator: every failing condition reported with its fix, and proof
that preflight never changes anything (the emulator's full state before and after is identical).

Each test is one run of playbooks/preflight.yml; a run checks everything at once, so one bad
inventory exercises every inventory rule. Assertions read the printed table (status, area,
check, detail and the fix line under it).
"""

from __future__ import annotations

import datetime
import os
import re
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from emulator_state import differences, enforce_iam, iam_user, snapshot, warm_up

HOSTNAME = "langsmith.demo.example.com"  # inventories/local
ZONE = "demo.example.com"
ACCOUNT = "123456789012"
ROW = re.compile(r"^\s*(PASS|WARN|FAIL|SKIP)  (\S+)\s+(.*)$")
FIX = re.compile(r"^\s+-> fix: (.*)$")


# ----------------------------------------------------------------------------- helpers
def table(output: str) -> list[dict]:
    """The rows of the printed preflight table: status, area, text (check + detail), fix."""
    start = output.index("TASK [langchain.langsmith_aws.preflight : Preflight checks]")
    rows = []
    for line in output[start:].splitlines()[3:]:
        if line.strip().startswith("preflight: "):
            break
        if match := ROW.match(line):
            rows.append({"status": match.group(1), "area": match.group(2), "text": match.group(3), "fix": ""})
        elif (match := FIX.match(line)) and rows:
            rows[-1]["fix"] = match.group(1)
    assert rows, output[-4000:]
    return rows


def row(rows: list[dict], area: str, check: str) -> dict:
    found = [r for r in rows if r["area"] == area and r["text"].startswith(check)]
    assert len(found) == 1, f"{area}/{check}: {[r['text'][:60] for r in rows if r['area'] == area]}"
    return found[0]


def seed_zone(aws, name=ZONE, private=False):
    kwargs = (
        {"VPC": {"VPCRegion": "us-east-1", "VPCId": aws.client("ec2").describe_vpcs()["Vpcs"][0]["VpcId"]}}
        if private
        else {}
    )
    return aws.client("route53").create_hosted_zone(
        Name=name, CallerReference=f"test-{name}-{private}", HostedZoneConfig={"PrivateZone": private}, **kwargs
    )["HostedZone"]["Id"]


def import_certificate(aws, hostname=HOSTNAME):
    """A self-signed certificate for ``hostname`` imported into the emulator's ACM (status ISSUED)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return aws.client("acm").import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )["CertificateArn"]


def fake_tools(directory: Path, kubectl: str | None, helm: str | None, aws_cli: str | None = None) -> Path:
    """Fake ``kubectl`` / ``helm`` / ``aws`` answering the version commands preflight runs."""
    directory.mkdir(parents=True, exist_ok=True)
    if kubectl:
        (directory / "kubectl").write_text(
            "#!/bin/sh\n"
            f'echo \'{{"clientVersion": {{"major": "1", "gitVersion": "v{kubectl}"}}, '
            '"kustomizeVersion": "v5.0.4"}\'\n'
        )
        (directory / "kubectl").chmod(0o755)
    if helm:
        (directory / "helm").write_text(f"#!/bin/sh\necho 'v{helm}+g13654a5'\n")
        (directory / "helm").chmod(0o755)
    if aws_cli:
        (directory / "aws").write_text(
            f"#!/bin/sh\necho 'aws-cli/{aws_cli} Python/3.13.7 Linux/6.8.0 exe/x86_64.debian.12'\n"
        )
        (directory / "aws").chmod(0o755)
    return directory


def system_path() -> str:
    return os.environ.get("PATH", "/usr/bin:/bin")


# ----------------------------------------------------------------------------- tests
def test_ready_account_passes_and_nothing_changes(aws, playbook, tmp_path):
    seed_zone(aws)
    cert_arn = import_certificate(aws)
    bin_dir = fake_tools(tmp_path / "bin", kubectl="1.34.1", helm="3.16.2", aws_cli="2.31.4")
    warm_up(aws)
    before = snapshot(aws.endpoint)

    run = playbook(
        "preflight.yml",
        extra_vars={"edge_certificate_arn": cert_arn, "langsmith_k8s_apply": True, "preflight_print_policy": True},
        env={"PATH": f"{bin_dir}:{system_path()}"},
    )

    assert differences(before, snapshot(aws.endpoint)) == []
    run.assert_ok()
    assert run.changed == 0
    rows = table(run.output)
    assert [r for r in rows if r["status"] == "FAIL"] == []
    assert row(rows, "dns", f"Route 53 zone {ZONE}")["status"] == "PASS"
    assert cert_arn in row(rows, "tls", f"ACM certificate for {HOSTNAME}")["text"]
    assert "kubectl 1.34.1 for Kubernetes 1.34" in row(rows, "tools", "kubectl")["text"]
    assert "helm 3.16.2" in row(rows, "tools", "helm")["text"]
    assert "aws CLI 2.31.4" in row(rows, "tools", "aws CLI")["text"]
    assert row(rows, "quotas", "VPCs per Region")["status"] == "PASS"
    assert "3 x m6i.2xlarge" in row(rows, "capacity", "general node group capacity")["text"]
    # The ClickHouse sizing gate (clickhouse_sizing role) ran: the dev profile passes with warnings.
    assert row(rows, "sizing", "ClickHouse baseline.cpu")["status"] == "WARN"
    # This environment's policy documents (JSON, one per stage), rendered for the account and names.
    assert "(item=demo-langsmith-deploy-cluster)" in run.output
    assert f'"Resource": "arn:aws:iam::{ACCOUNT}:role/demo-langsmith-*"' in run.output
    assert f'"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/demo-langsmith"' in run.output
    # Emulator-only gaps are listed in the run summary.
    assert "emulator skip: IAM policy simulation" in run.output


def test_check_mode_reports_the_same(aws, playbook):
    seed_zone(aws)
    run = playbook("preflight.yml", check=True)
    run.assert_ok()
    assert run.changed == 0
    assert re.search(r"preflight: \d+ pass, \d+ warn, 0 fail", run.output)


BAD_INVENTORY = {
    "langsmith_tier": "production",
    "langsmith_chart_version": "0.16",
    "langsmith_k8s_apply": True,
    "network_vpc_cidr": "10.0.0.0/20",
    "network_nat_gateways": "sometimes",
    "edge_route53_zone": "other.org",
    "edge_certificate_arn": f"arn:aws:acm:eu-west-1:{ACCOUNT}:certificate/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab",
    "release_alb_scheme": "internal",
    "eks_kubernetes_version": "1.29",
    "eks_endpoint_public_access": True,
    "eks_public_access_cidrs": ["0.0.0.0/0"],
    "eks_admin_principal_arns": ["bob"],
    "eks_general_min_size": 12,
    "datastores_postgres_engine_version": "13",
    "datastores_redis_engine_version": "4.0",
}

# (area, check prefix, text in the row, text in the fix)
BAD_INVENTORY_ROWS = [
    ("inventory", "network rules", "network_vpc_cidr=10.0.0.0/20 is smaller than /16", "network"),
    ("inventory", "network argument spec", "network_nat_gateways must be one of: single, per_az", "argument_specs"),
    (
        "inventory",
        "hostname in edge_route53_zone",
        f"{HOSTNAME} is not inside edge_route53_zone=other.org",
        f"set edge_route53_zone to the zone that holds {HOSTNAME}",
    ),
    ("inventory", "edge_certificate_arn", "is in eu-west-1 but langsmith_region=us-east-1", "in us-east-1"),
    (
        "inventory",
        "release_alb_scheme vs langsmith_exposure",
        "contradicts langsmith_exposure=internet",
        "remove release_alb_scheme",
    ),
    (
        "inventory",
        "EKS public endpoint",
        "contains 0.0.0.0/0 on the production tier",
        "eks_allow_public_endpoint_from_anywhere",
    ),
    ("inventory", "eks_admin_principal_arns", "not IAM role or user ARNs: bob", "arn:aws:iam::<account>:role"),
    (
        "inventory",
        "eks_kubernetes_version",
        "eks_kubernetes_version=1.29 is not a supported version",
        "set eks_kubernetes_version to one of",
    ),
    ("inventory", "langsmith_chart_version", "is not an exact chart version", "langsmith_chart_version: 0.16.11"),
    (
        "inventory",
        "datastores_postgres_engine_version",
        "PostgreSQL 14 or newer",
        'datastores_postgres_engine_version: "16"',
    ),
    ("inventory", "datastores_redis_engine_version", "Redis OSS 5 or newer", "datastores_redis_engine_version"),
    ("inventory", "eks_general_{min,desired,max}_size", "min=12 desired=3 max=10", "eks_general_min_size"),
    (
        "tools",
        "kubectl",
        "kubectl 1.27.0 for Kubernetes 1.29 (skew 2 minor versions, at most 1 allowed)",
        "install kubectl 1.29.x",
    ),
    ("tools", "helm", "helm not found", "install helm 3.12.0 or newer"),
    ("tools", "aws CLI", "aws CLI not found", "install the AWS CLI v2"),
]


def test_every_inventory_rule_and_tool_fails_with_its_fix(aws, playbook, tmp_path):
    seed_zone(aws)
    bin_dir = fake_tools(tmp_path / "bin", kubectl="1.27.0", helm=None)

    run = playbook("preflight.yml", extra_vars=BAD_INVENTORY, env={"PATH": str(bin_dir)})

    assert run.rc != 0
    assert "Preflight failed" in run.output
    rows = table(run.output)
    for area, check, text, fix in BAD_INVENTORY_ROWS:
        found = row(rows, area, check)
        assert found["status"] == "FAIL", (check, found)
        assert text in found["text"], (check, found)
        assert fix in found["fix"], (check, found)
    assert row(rows, "inventory", "network_nat_gateways")["status"] == "PASS"


def test_missing_zone_missing_certificate_full_quota_and_sandbox(aws, playbook):
    ec2 = aws.client("ec2")
    for n in range(5 - len(ec2.describe_vpcs()["Vpcs"])):
        ec2.create_vpc(CidrBlock=f"10.{100 + n}.0.0/16")
    aws.client("iam").create_account_alias(AccountAlias="acme-sandbox-42")
    missing = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000"
    warm_up(aws)
    before = snapshot(aws.endpoint)

    run = playbook("preflight.yml", extra_vars={"edge_certificate_arn": missing}, env={"AWS_REGION": "eu-west-1"})

    assert differences(before, snapshot(aws.endpoint)) == []
    assert run.rc != 0
    rows = table(run.output)
    zone = row(rows, "dns", f"Route 53 zone {ZONE}")
    assert zone["status"] == "FAIL"
    assert f"no hosted zone named {ZONE}" in zone["text"]
    assert f"aws route53 create-hosted-zone --name {ZONE}" in zone["fix"]
    cert = row(rows, "tls", f"ACM certificate for {HOSTNAME}")
    assert cert["status"] == "FAIL"
    assert f"edge_certificate_arn={missing} not found in us-east-1" in cert["text"]
    assert f"aws acm request-certificate --domain-name {HOSTNAME} --validation-method DNS" in cert["fix"]
    vpcs = row(rows, "quotas", "VPCs per Region")
    assert vpcs["status"] == "FAIL"
    assert "limit 5 (applied), in use 5, this deploy adds 1 -> 6" in vpcs["text"]
    assert "--service-code vpc --quota-code L-F678F1CE --desired-value 6 --region us-east-1" in vpcs["fix"]
    alias = row(rows, "identity", "account alias")
    assert alias["status"] == "WARN"
    assert "acme-sandbox-42 looks like a sandbox" in alias["text"]
    region = row(rows, "identity", "region consistency")
    assert region["status"] == "WARN"
    assert "export AWS_REGION=us-east-1" in region["fix"]


def test_shared_input_mistakes_stop_before_any_aws_call(aws, playbook):
    run = playbook("preflight.yml", extra_vars={"langsmith_env": "Prod_1"})
    assert run.rc != 0
    assert "langsmith_env=Prod_1 is not usable in AWS resource names" in run.output
    assert "Read the account, region" not in run.output


@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        ({"langsmith_teir": "production"}, "langsmith_teir is not a variable of this collection"),
        ({"netwrok_vpc_cidr": "10.1.0.0/16"}, "netwrok_vpc_cidr looks like a misspelt network_vpc_cidr"),
        ({"release_blob_storage_enabled": False}, "release_blob_storage_enabled is not a variable of this collection"),
        ({"eks_general_instance_types": "m6i.2xlarge,m6i.4xlarge"}, "eks_general_instance_types must be a list"),
        ({"network_az_count": "three"}, "network_az_count must be an integer"),
    ],
    ids=["typo-in-name", "typo-in-prefix", "no-such-option", "string-for-list", "word-for-number"],
)
def test_unknown_and_mistyped_variables_stop_before_any_aws_call(aws, playbook, extra_vars, message):
    run = playbook("preflight.yml", extra_vars=extra_vars)
    assert run.rc != 0
    assert message in " ".join(run.output.split())
    assert "Read the account, region" not in run.output


def test_a_deliberate_extra_variable_is_accepted_when_listed(aws, playbook):
    seed_zone(aws)
    run = playbook(
        "preflight.yml", extra_vars={"network_team_note": "x", "langsmith_extra_variables": ["network_team_note"]}
    )
    assert "network_team_note" not in " ".join(run.output.split()).replace("langsmith_extra_variables", "")
    assert "Read the account, region" in run.output


def test_unsupported_region(aws, playbook):
    run = playbook("preflight.yml", extra_vars={"langsmith_region": "ap-east-1"})
    assert run.rc != 0
    rows = table(run.output)
    region = row(rows, "identity", "region ap-east-1")
    assert region["status"] == "FAIL"
    assert "opt-in region that is not enabled for this account" in region["text"]
    assert "enable ap-east-1" in region["fix"]
    assert row(rows, "quotas", "service quotas")["status"] == "SKIP"
    assert row(rows, "sizing", "ClickHouse sizing gate")["status"] == "SKIP"


# An identity that may read EC2, ACM, its account alias and the quotas, and nothing else.
RESTRICTED_ACTIONS = [
    "sts:GetCallerIdentity",
    "ec2:Describe*",
    "iam:ListAccountAliases",
    "acm:List*",
    "acm:Describe*",
    "servicequotas:*",
]
# Probes whose denial the emulator derives from the policy (the message names the action).
# Emulator gap: with IAM enforced, the emulator cannot verify the request signature of the
# REST services (EKS, Route 53), which then answer 403 whatever the policy says; they are not
# asserted here (the probe logic is unit-tested with Stubber).
DENIED_PROBES = [
    ("rds", "rds:DescribeDBInstances", "datastores"),
    ("elasticache", "elasticache:DescribeReplicationGroups", "datastores"),
    ("elasticloadbalancing", "elasticloadbalancing:DescribeLoadBalancers", "edge"),
    ("wafv2", "wafv2:ListWebACLs", "edge"),
    ("secretsmanager", "secretsmanager:ListSecrets", "secrets"),
]


def test_denied_actions_are_reported_per_service(aws, playbook):
    credentials = iam_user(aws, "deployer", RESTRICTED_ACTIONS)
    environment = {
        "AWS_ENDPOINT_URL": aws.endpoint,
        "AWS_ACCESS_KEY_ID": credentials["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": "",
        "AWS_SECURITY_TOKEN": "",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    warm_up(aws)
    before = snapshot(aws.endpoint)
    with enforce_iam(aws.endpoint):
        # The play environment carries the restricted user's keys instead of the emulator's defaults.
        run = playbook("preflight.yml", extra_vars={"langsmith_aws_environment": environment})
    # AWS records when an access key was last used; so does the emulator. Nothing else may differ.
    assert differences(before, snapshot(aws.endpoint), ignore={("AccessKey", "last_used")}) == []
    assert run.rc != 0
    rows = table(run.output)
    assert f"arn:aws:iam::{ACCOUNT}:user/deployer" in row(rows, "identity", "credentials")["text"]
    assert "alias unknown" not in row(rows, "identity", "account alias")["text"]  # allowed: read
    simulation = row(rows, "permissions", "policy simulation")
    assert simulation["status"] == "WARN"
    assert "simulation denied: AccessDenied" in simulation["text"]
    assert "iam:SimulatePrincipalPolicy" in simulation["fix"]
    for service, action, stage in DENIED_PROBES:
        denied = row(rows, "permissions", f"{service} read access")
        assert denied["status"] == "FAIL", denied
        assert f"not authorized to perform: {action}" in denied["text"], denied
        assert f"docs/iam/deploy-policy-{stage}.json" in denied["fix"]
    allowed = row(rows, "permissions", "read-only probes")
    assert allowed["text"].endswith("read access to acm, ec2, servicequotas")
    # Usage the identity may not count is a warning naming the missing permission.
    rds = row(rows, "quotas", "RDS DB instances")
    assert rds["status"] == "SKIP"  # the emulator has no RDS quota data: the value decides first


def test_internet_exposure_needs_a_public_zone(aws, playbook):
    seed_zone(aws, private=True)
    run = playbook("preflight.yml")
    assert run.rc != 0
    zone = row(table(run.output), "dns", f"Route 53 zone {ZONE}")
    assert zone["status"] == "FAIL"
    assert "only a private zone" in zone["text"]

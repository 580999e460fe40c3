"""iam_access_info: principal discovery, policy simulation, read-only probes.

The emulator has no SimulatePrincipalPolicy (HTTP 500), so the simulation is tested with
botocore's Stubber; the fallback probes and the end-to-end "simulation unavailable" path run
against the emulator, including an emulator identity whose policy denies some services.
"""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import iam_access as ia

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "support"))
from emulator_state import enforce_iam, iam_user

ROLE = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_abc"


def stubbed(service):
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def evaluation(action, decision="allowed", *, orgs=None, boundary=None, resources=None, missing=None):
    result = {"EvalActionName": action, "EvalDecision": decision}
    if orgs is not None:
        result["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": orgs}
    if boundary is not None:
        result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": boundary}
    if resources:
        result["ResourceSpecificResults"] = [
            {"EvalResourceName": name, "EvalResourceDecision": dec} for name, dec in resources
        ]
    if missing:
        result["MissingContextValues"] = missing
    return result


# ----------------------------------------------------------------------------- principal
@pytest.mark.parametrize(
    ("caller", "principal", "note"),
    [
        ("arn:aws:iam::123456789012:user/deployer", "arn:aws:iam::123456789012:user/deployer", ""),
        ("arn:aws:iam::123456789012:role/ci", "arn:aws:iam::123456789012:role/ci", ""),
        ("arn:aws:sts::123456789012:user/moto", "arn:aws:iam::123456789012:user/moto", ""),
        ("arn:aws:iam::123456789012:root", "", "root user"),
        ("arn:aws:sts::123456789012:federated-user/bob", "", "federated-user"),
        ("not-an-arn", "", "cannot parse"),
    ],
)
def test_principal_without_lookup(caller, principal, note):
    got, got_note = ia.principal_from_caller(caller, iam_client=None)
    assert got == principal
    assert note in got_note


def test_assumed_role_maps_to_the_role_with_its_path():
    iam, stub = stubbed("iam")
    stub.add_response(
        "get_role",
        {
            "Role": {
                "Path": "/aws-reserved/sso.amazonaws.com/",
                "RoleName": "AWSReservedSSO_Admin_abc",
                "RoleId": "AROAEXAMPLEEXAMPLE1",
                "Arn": ROLE,
                "CreateDate": "2026-01-01T00:00:00Z",
            }
        },
        {"RoleName": "AWSReservedSSO_Admin_abc"},
    )
    with stub:
        got = ia.principal_from_caller("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_abc/alice", iam)
    assert got == (ROLE, "")


def test_assumed_role_without_get_role_assumes_root_path():
    iam, stub = stubbed("iam")
    stub.add_client_error("get_role", "AccessDenied", "no", http_status_code=403)
    with stub:
        arn, note = ia.principal_from_caller("arn:aws:sts::123456789012:assumed-role/Deployer/s", iam)
    assert arn == "arn:aws:iam::123456789012:role/Deployer"
    assert "role path is assumed" in note


# ----------------------------------------------------------------------------- simulation (Stubber)
STATEMENTS = [
    {"stage": "network", "sid": "Ec2", "actions": ["ec2:CreateVpc", "ec2:CreateSubnet"], "resources": ["*"]},
    {"stage": "cluster", "sid": "Ec2", "actions": ["ec2:CreateVpc"], "resources": ["*"]},
    {
        "stage": "cluster",
        "sid": "Eks",
        "actions": ["eks:CreateCluster"],
        "resources": [
            "arn:aws:eks:us-east-1:123456789012:cluster/demo",
            "arn:aws:eks:us-east-1:123456789012:nodegroup/demo/*/*",
        ],
    },
]


def test_simulation_results_per_stage_with_scp_and_boundary():
    iam, stub = stubbed("iam")
    stub.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                evaluation("ec2:CreateSubnet", "implicitDeny", boundary=False),
                evaluation("ec2:CreateVpc", "explicitDeny", orgs=False),
            ],
            "IsTruncated": False,
        },
        {"PolicySourceArn": ROLE, "ActionNames": ["ec2:CreateSubnet", "ec2:CreateVpc"], "ResourceArns": ["*"]},
    )
    stub.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                evaluation(
                    "eks:CreateCluster",
                    "implicitDeny",
                    resources=[("cluster", "allowed"), ("nodegroup", "implicitDeny")],
                    missing=["aws:RequestTag/env"],
                )
            ],
            "IsTruncated": False,
        },
        {"PolicySourceArn": ROLE, "ActionNames": ["eks:CreateCluster"], "ResourceArns": STATEMENTS[2]["resources"]},
    )
    with stub:
        results = ia.simulate_statements(iam, ROLE, STATEMENTS)
    stub.assert_no_pending_responses()  # ec2:CreateVpc is simulated once for both stages
    by_key = {(r["stage"], r["action"]): r for r in results}
    assert len(results) == 4
    vpc = by_key[("cluster", "ec2:CreateVpc")]
    assert (vpc["allowed"], vpc["decision"], vpc["denied_by_organizations"]) == (False, "explicitDeny", True)
    subnet = by_key[("network", "ec2:CreateSubnet")]
    assert (subnet["allowed"], subnet["denied_by_permissions_boundary"]) == (False, True)
    # Allowed on one of the statement's resources counts as allowed.
    eks = by_key[("cluster", "eks:CreateCluster")]
    assert (eks["allowed"], eks["decision"], eks["missing_context_values"]) == (True, "allowed", ["aws:RequestTag/env"])


def test_simulation_follows_pages_and_chunks_actions():
    actions = [f"ec2:Action{i:03d}" for i in range(ia.ACTIONS_PER_CALL + 5)]
    iam, stub = stubbed("iam")
    first = actions[: ia.ACTIONS_PER_CALL]
    stub.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [evaluation(a) for a in first[:10]], "IsTruncated": True, "Marker": "m1"},
        {"PolicySourceArn": ROLE, "ActionNames": first, "ResourceArns": ["*"]},
    )
    stub.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [evaluation(a) for a in first[10:]], "IsTruncated": False},
        {"PolicySourceArn": ROLE, "ActionNames": first, "ResourceArns": ["*"], "Marker": "m1"},
    )
    stub.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [evaluation(a, "implicitDeny") for a in actions[ia.ACTIONS_PER_CALL :]]},
        {"PolicySourceArn": ROLE, "ActionNames": actions[ia.ACTIONS_PER_CALL :], "ResourceArns": ["*"]},
    )
    with stub:
        results = ia.simulate_statements(iam, ROLE, [{"stage": "s", "sid": "S", "actions": actions}])
    assert sum(r["allowed"] for r in results) == ia.ACTIONS_PER_CALL
    assert [r["action"] for r in results if not r["allowed"]] == actions[ia.ACTIONS_PER_CALL :]


def test_action_missing_from_the_answer_counts_as_denied():
    iam, stub = stubbed("iam")
    stub.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": []},
        {"PolicySourceArn": ROLE, "ActionNames": ["ec2:CreateVpc"], "ResourceArns": ["*"]},
    )
    with stub:
        (result,) = ia.simulate_statements(iam, ROLE, [{"stage": "s", "sid": "S", "actions": ["ec2:CreateVpc"]}])
    assert result["allowed"] is False


def test_denied_simulation_falls_back_to_probes():
    sts, sts_stub = stubbed("sts")
    sts_stub.add_response("get_caller_identity", {"UserId": "AIDA", "Account": "123456789012", "Arn": ROLE})
    iam, iam_stub = stubbed("iam")
    iam_stub.add_client_error(
        "simulate_principal_policy",
        "AccessDenied",
        "not authorized to perform iam:SimulatePrincipalPolicy",
        http_status_code=403,
    )
    eks, eks_stub = stubbed("eks")
    eks_stub.add_client_error("list_clusters", "AccessDeniedException", "eks denied", http_status_code=403)
    ec2, ec2_stub = stubbed("ec2")
    ec2_stub.add_response("describe_vpcs", {"Vpcs": []}, {"MaxResults": 5})
    clients = {"sts": sts, "iam": iam, "eks": eks, "ec2": ec2}
    probes = {
        "ec2": {"client": "ec2", "operation": "DescribeVpcs", "params": {"MaxResults": 5}},
        "eks": {"client": "eks", "operation": "ListClusters", "params": {}},
    }
    with sts_stub, iam_stub, eks_stub, ec2_stub:
        result = ia.check_access(clients.__getitem__, STATEMENTS[:1], probes=probes)
    assert result["method"] == "probes"
    assert result["principal_arn"] == ROLE
    assert result["simulation_error"].startswith("simulation denied: AccessDenied")
    assert result["results"] == []
    assert result["probes"] == [
        {"service": "ec2", "operation": "DescribeVpcs", "allowed": True, "error": ""},
        {"service": "eks", "operation": "ListClusters", "allowed": False, "error": "AccessDeniedException: eks denied"},
    ]


def test_allowed_simulation_reports_denied_list():
    sts, sts_stub = stubbed("sts")
    sts_stub.add_response("get_caller_identity", {"UserId": "AIDA", "Account": "123456789012", "Arn": ROLE})
    iam, iam_stub = stubbed("iam")
    iam_stub.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": [evaluation("ec2:CreateVpc"), evaluation("ec2:CreateSubnet", "implicitDeny")]},
        {"PolicySourceArn": ROLE, "ActionNames": ANY, "ResourceArns": ["*"]},
    )
    with sts_stub, iam_stub:
        result = ia.check_access({"sts": sts, "iam": iam}.__getitem__, STATEMENTS[:1], probes={"x": {}})
    assert result["method"] == "simulation"
    assert [d["action"] for d in result["denied"]] == ["ec2:CreateSubnet"]
    assert result["probes"] == []


def test_probes_refuse_anything_but_describe_and_list():
    (refused,) = ia.run_probes(lambda name: None, {"ec2": {"client": "ec2", "operation": "CreateVpc"}})
    assert refused["allowed"] is None
    assert "refused" in refused["error"]


# ----------------------------------------------------------------------------- emulator
def _emulator_clients(aws, **credentials):
    cache = {}

    def clients(name):
        if name not in cache:
            session = boto3.session.Session(region_name="us-east-1", **credentials) if credentials else None
            cache[name] = session.client(name, endpoint_url=aws.endpoint) if session else aws.client(name)
        return cache[name]

    return clients


PROBES = {
    "ec2": {"client": "ec2", "operation": "DescribeVpcs", "params": {"MaxResults": 5}},
    "eks": {"client": "eks", "operation": "ListClusters", "params": {}},
    "rds": {"client": "rds", "operation": "DescribeDBInstances", "params": {}},
}


def test_emulator_without_simulation_uses_probes(aws):
    result = ia.check_access(_emulator_clients(aws), STATEMENTS, probes=PROBES)
    assert result["principal_arn"] == "arn:aws:iam::123456789012:user/moto"
    assert result["method"] == "probes"
    assert result["simulation_error"].startswith("simulation unavailable")
    assert [p["allowed"] for p in result["probes"]] == [True, True, True]


@pytest.fixture
def restricted_user(aws):
    """An emulator IAM user allowed EC2 reads only, with the emulator enforcing IAM during the test."""
    credentials = iam_user(aws, "restricted", ["ec2:Describe*", "sts:GetCallerIdentity"])
    with enforce_iam(aws.endpoint):
        yield credentials


def test_emulator_identity_with_restricted_policy(aws, restricted_user):
    result = ia.check_access(_emulator_clients(aws, **restricted_user), STATEMENTS, probes=PROBES)
    assert result["principal_arn"] == "arn:aws:iam::123456789012:user/restricted"
    assert result["simulation_error"].startswith("simulation denied")
    probes = {p["service"]: p for p in result["probes"]}
    assert probes["ec2"]["allowed"] is True
    assert probes["eks"]["allowed"] is False
    assert probes["rds"]["allowed"] is False
    assert "rds:DescribeDBInstances" in probes["rds"]["error"]

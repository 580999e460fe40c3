"""The IAM data file (roles/preflight/vars/iam.yml) and the policy documents generated from it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
import yaml

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import iam_policy

ROOT = Path(__file__).resolve().parents[4]
DATA = yaml.safe_load((ROOT / "roles/preflight/vars/iam.yml").read_text())
STAGES = DATA["_preflight_iam_stages"]
DEPLOY_ORDER = ["preflight", "network", "cluster", "datastores", "secrets", "platform", "edge", "release"]

# IAM actions that are not API operation names (authorization-only actions, or S3's IAM names
# for API calls such as GetBucketEncryption). Everything else must exist in botocore's models.
IAM_ONLY_ACTIONS = {
    "elasticloadbalancing:SetWebAcl",
    "iam:PassRole",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:ListAllMyBuckets",
    "s3:ListBucket",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
}
BOTOCORE_NAMES = {"elasticloadbalancing": "elbv2", "servicequotas": "service-quotas"}


def test_data_is_valid_and_covers_every_stage_in_deploy_order():
    assert iam_policy.validate(STAGES) == []
    assert list(STAGES) == DEPLOY_ORDER


def test_every_action_is_a_real_operation():
    session = botocore.session.get_session()
    unknown = []
    for body in STAGES.values():
        for statement in body["statements"]:
            for action in statement["actions"]:
                prefix, operation = action.split(":")
                model = session.get_service_model(BOTOCORE_NAMES.get(prefix, prefix))
                if operation not in model.operation_names and action not in IAM_ONLY_ACTIONS:
                    unknown.append(action)
    assert unknown == []


def test_preflight_stage_is_read_only():
    actions = iam_policy.actions_by_stage(STAGES)["preflight"]
    writes = [a for a in actions if not a.split(":")[1].startswith(("Describe", "List", "Get", "Simulate"))]
    assert writes == []
    assert "iam:SimulatePrincipalPolicy" in actions


def test_probes_are_read_only_and_cover_the_services_used():
    probes = DATA["_preflight_iam_probes"]
    assert all(p["operation"].startswith(("Describe", "List")) for p in probes.values())
    services = {a.split(":")[0] for body in STAGES.values() for st in body["statements"] for a in st["actions"]}
    assert services - {"sts"} <= set(probes)


def test_committed_documents_equal_the_generator_output():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools/iam_policy.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in (ROOT / "docs/iam").glob("deploy-policy-*.json"))
    assert files == sorted(f"deploy-policy-{s}.json" for s in STAGES)
    for stage in STAGES:
        committed = json.loads((ROOT / f"docs/iam/deploy-policy-{stage}.json").read_text())
        assert committed == iam_policy.policy_document(STAGES, only=[stage])
        assert iam_policy.compact_size(committed) <= iam_policy.MANAGED_POLICY_MAX_CHARS


def test_generic_documents_scope_resources_to_langsmith_names():
    doc = iam_policy.policy_document(STAGES, only=["cluster"])
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["IamRoles"]["Resource"] == "arn:aws:iam::*:role/*-langsmith-*"
    assert "iam:PassRole" in by_sid["IamRoles"]["Action"]
    assert "arn:aws:eks:*:*:cluster/*-langsmith" in by_sid["EksCluster"]["Resource"]


def test_environment_values_render_every_placeholder():
    values = {
        "partition": "aws-us-gov",
        "account": "111122223333",
        "region": "us-gov-west-1",
        "prefix": "p-langsmith",
        "cluster": "p-langsmith",
    }
    text = json.dumps(iam_policy.policy_document(STAGES, values))
    assert re.search(r"\{[a-z]+\}", text) is None
    assert "arn:aws-us-gov:iam::111122223333:role/p-langsmith-*" in text


def test_statements_sharing_a_sid_are_merged():
    stages = {
        "a": {"statements": [{"sid": "S", "actions": ["ec2:B", "ec2:A"], "resources": ["*"]}]},
        "b": {"statements": [{"sid": "S", "actions": ["ec2:A", "ec2:C"], "resources": ["*"]}]},
    }
    doc = iam_policy.policy_document(stages)
    assert doc["Statement"] == [{"Sid": "S", "Effect": "Allow", "Action": ["ec2:A", "ec2:B", "ec2:C"], "Resource": "*"}]


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ({"sid": "S", "actions": ["ec2:Describe*"], "resources": ["*"]}, "no wildcards"),
        ({"sid": "S-1", "actions": ["ec2:CreateVpc"], "resources": ["*"]}, "alphanumeric"),
        ({"sid": "S", "actions": [], "resources": ["*"]}, "no actions"),
        ({"sid": "S", "actions": ["ec2:CreateVpc"], "resources": []}, "no resources"),
        ({"sid": "S", "actions": ["ec2:CreateVpc", "ec2:CreateVpc"], "resources": ["*"]}, "duplicate"),
        ({"sid": "S", "actions": ["ec2:CreateVpc"], "resources": ["arn:{nope}:x"]}, "unknown placeholder {nope}"),
    ],
)
def test_validate_rejects(statement, problem):
    problems = iam_policy.validate({"s": {"statements": [statement]}})
    assert any(problem in p for p in problems), problems


def test_validate_rejects_a_sid_reused_with_other_resources():
    stages = {
        "a": {"statements": [{"sid": "S", "actions": ["ec2:A"], "resources": ["*"]}]},
        "b": {"statements": [{"sid": "S", "actions": ["ec2:A"], "resources": ["arn:aws:x"]}]},
    }
    assert any("used elsewhere" in p for p in iam_policy.validate(stages))
    with pytest.raises(iam_policy.PolicyDataError):
        iam_policy.statements(stages, iam_policy.GENERIC_VALUES)

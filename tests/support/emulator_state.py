"""Emulator helpers for the read-only preflight tests: IAM enforcement and state snapshots.

* ``enforce_iam`` turns on the emulator's IAM authorization (moto's ``/moto-api/reset-auth``):
  while it is on, every request must be signed by an emulator IAM user whose policies allow the
  action, so a restricted identity really is denied. Always turned off again on exit.
* ``iam_user`` creates an emulator IAM user with an inline policy and returns its access key.
* ``snapshot`` returns every resource the emulator holds (``/moto-api/data.json``), to prove a
  run changed nothing.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request

# Services preflight reads: touching them first makes the emulator create its lazy per-region
# defaults (default VPC, ...) before a "before" snapshot, so only real writes show up as a diff.
PREFLIGHT_SERVICES = (
    ("sts", "get_caller_identity", {}),
    ("iam", "list_account_aliases", {}),
    ("ec2", "describe_vpcs", {}),
    ("eks", "list_clusters", {}),
    ("rds", "describe_db_instances", {}),
    ("elasticache", "describe_replication_groups", {}),
    ("elbv2", "describe_load_balancers", {}),
    ("acm", "list_certificates", {}),
    ("route53", "list_hosted_zones", {}),
    ("wafv2", "list_web_acls", {"Scope": "REGIONAL"}),
    ("kms", "list_aliases", {}),
    ("secretsmanager", "list_secrets", {}),
    ("s3", "list_buckets", {}),
    ("logs", "describe_log_groups", {}),
    ("cloudwatch", "describe_alarms", {}),
    ("service-quotas", "list_aws_default_service_quotas", {"ServiceCode": "vpc"}),
)


def _post(endpoint: str, path: str, body: bytes) -> dict:
    if not endpoint.startswith(("http://127.", "http://localhost")):
        raise ValueError(f"refusing non-loopback endpoint {endpoint}")
    # Loopback only (checked above), so the URL scheme is always http.
    request = urllib.request.Request(  # noqa: S310
        f"{endpoint}{path}", data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


@contextlib.contextmanager
def enforce_iam(endpoint: str):
    """Make the emulator authorize every request against its IAM policies while inside."""
    _post(endpoint, "/moto-api/reset-auth", b"0")
    try:
        yield
    finally:
        _post(endpoint, "/moto-api/reset-auth", b"inf")


def iam_user(aws, name: str, actions: list[str]) -> dict:
    """Create emulator IAM user ``name`` allowed ``actions`` on ``*``; return its credentials."""
    iam = aws.client("iam")
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def warm_up(aws, region: str = "us-east-1") -> None:
    """Read once from every service preflight reads (see PREFLIGHT_SERVICES)."""
    for service, operation, params in PREFLIGHT_SERVICES:
        getattr(aws.client(service, region=region), operation)(**params)


def snapshot(endpoint: str) -> dict:
    """Every model instance the emulator holds, as JSON-able data."""
    if not endpoint.startswith(("http://127.", "http://localhost")):
        raise ValueError(f"refusing non-loopback endpoint {endpoint}")
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=60) as response:  # noqa: S310
        return json.loads(response.read())


_MISSING = object()


def differences(before: dict, after: dict, ignore=()) -> list[str]:
    """Paths (service/model/index/attribute) whose values differ, minus ``ignore`` (``(model, attribute)`` pairs)."""
    found = []
    for service in sorted(set(before) | set(after)):
        models_b, models_a = before.get(service, {}), after.get(service, {})
        for model in sorted(set(models_b) | set(models_a)):
            items_b, items_a = models_b.get(model, []), models_a.get(model, [])
            if len(items_b) != len(items_a):
                found.append(f"{service}/{model}: {len(items_b)} -> {len(items_a)} instances")
                continue
            for index, (item_b, item_a) in enumerate(zip(items_b, items_a)):
                for attribute in sorted(set(item_b) | set(item_a)):
                    if (model, attribute) in ignore:
                        continue
                    if item_b.get(attribute, _MISSING) != item_a.get(attribute, _MISSING):
                        found.append(f"{service}/{model}[{index}].{attribute}")
    return found

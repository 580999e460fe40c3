# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM roles for service accounts (IRSA): the one trust-policy builder, reads and comparisons.

Every IRSA role of the collection (EKS add-ons, External Secrets, LangSmith blob storage, the load
balancer controller, cluster-autoscaler) is built here: trusted by the cluster's OIDC provider for
exactly the named service accounts (``StringEquals`` on ``:sub``, never a wildcard) and the STS
audience. ``iam_irsa_role`` uses these functions to change a role; the roles' stage reads use
``read_role`` and ``role_changes`` to decide whether it needs to run at all.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.common import paginate, tag_dict

STS_AUDIENCE = "sts.amazonaws.com"
SUBJECT_PREFIX = "system:serviceaccount:"


class IrsaError(ValueError):
    """An IRSA role that must not be built (missing provider, wildcard or malformed subject)."""


def issuer_host(issuer):
    """``https://oidc.eks.../id/X`` -> ``oidc.eks.../id/X`` (how IAM names the condition keys)."""
    host = str(issuer or "")
    for scheme in ("https://", "http://"):
        if host.lower().startswith(scheme):
            host = host[len(scheme) :]
    return host.rstrip("/")


def subjects(namespace, service_accounts):
    """``system:serviceaccount:<namespace>:<name>`` for one name or a list of names."""
    names = [service_accounts] if isinstance(service_accounts, str) else list(service_accounts or [])
    return [f"{SUBJECT_PREFIX}{namespace}:{name}" for name in names]


def trust_policy(provider_arn, issuer, subject_list, audience=STS_AUDIENCE):
    """Trust policy letting exactly ``subject_list`` assume the role through the OIDC provider."""
    wanted = sorted(set(subject_list or []))
    if not provider_arn or not issuer:
        raise IrsaError("an IRSA trust policy needs the OIDC provider ARN and the issuer")
    if not wanted:
        raise IrsaError("an IRSA trust policy needs at least one service account subject")
    bad = [s for s in wanted if not s.startswith(SUBJECT_PREFIX) or "*" in s or "?" in s or s.count(":") != 3]
    if bad:
        raise IrsaError(f"IRSA subjects must be system:serviceaccount:<namespace>:<name> without wildcards: {bad}")
    host = issuer_host(issuer)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TrustNamedServiceAccounts",
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{host}:sub": wanted if len(wanted) > 1 else wanted[0],
                        f"{host}:aud": audience,
                    }
                },
            }
        ],
    }


def _document(value):
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value or {}


def read_role(client, name):
    """The role ``name`` as ``{name, arn, description, max_session_duration, permissions_boundary,
    trust_policy, managed_policies, inline_policies, tags}``, or ``None`` when it does not exist."""
    try:
        role = client.get_role(aws_retry=True, RoleName=name)["Role"]
    except is_boto3_error_code("NoSuchEntity"):
        return None
    attached = paginate(client, "list_attached_role_policies", RoleName=name)["AttachedPolicies"]
    inline = {}
    for policy_name in paginate(client, "list_role_policies", RoleName=name)["PolicyNames"]:
        document = client.get_role_policy(aws_retry=True, RoleName=name, PolicyName=policy_name)["PolicyDocument"]
        inline[policy_name] = _document(document)
    return {
        "name": role["RoleName"],
        "arn": role["Arn"],
        "description": role.get("Description", ""),
        "max_session_duration": role.get("MaxSessionDuration", 3600),
        "permissions_boundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""),
        "trust_policy": _document(role.get("AssumeRolePolicyDocument")),
        "managed_policies": sorted(p["PolicyArn"] for p in attached),
        "inline_policies": inline,
        "tags": tag_dict(role.get("Tags")),
    }


def role_changes(role, want):
    """What ``iam_irsa_role`` would change on ``role`` (a ``read_role`` record) to match ``want``.

    ``want`` has the module's options: ``trust_policy``, ``managed_policies``, ``inline_policies``
    (name -> document; others are removed), ``description``, ``max_session_duration``,
    ``permissions_boundary`` and ``tags`` (purged).
    """
    if not role:
        return ["missing"]
    reasons = []
    if compare_policies(role["trust_policy"], want["trust_policy"]):
        reasons.append("trust policy")
    if role["managed_policies"] != sorted(want.get("managed_policies") or []):
        reasons.append(f"managed policies {role['managed_policies']}")
    inline = want.get("inline_policies") or {}
    for name in sorted(set(role["inline_policies"]) | set(inline)):
        if name not in inline:
            reasons.append(f"extra inline policy {name}")
        elif name not in role["inline_policies"] or compare_policies(role["inline_policies"][name], inline[name]):
            reasons.append(f"inline policy {name}")
    if role["description"] != (want.get("description") or ""):
        reasons.append("description")
    if int(role["max_session_duration"]) != int(want.get("max_session_duration") or 3600):
        reasons.append("max session duration")
    if role["permissions_boundary"] != (want.get("permissions_boundary") or ""):
        reasons.append("permissions boundary")
    to_set, to_unset = compare_aws_tags(role["tags"], want.get("tags") or {}, purge_tags=True)
    if to_set or to_unset:
        reasons.append("tags")
    return reasons


def trust_conditions(document, key):
    """Sorted values of every ``<issuer>:<key>`` condition (StringEquals or StringLike) in a trust policy.

    ``key`` is ``sub`` or ``aud``; a StringLike value is returned as-is so a wildcard shows up.
    """
    document = _document(document)
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    values = []
    for statement in statements:
        for operator in ("StringEquals", "StringLike"):
            for name, value in ((statement.get("Condition") or {}).get(operator) or {}).items():
                if name.endswith(f":{key}"):
                    values.extend(value if isinstance(value, list) else [value])
    return sorted(values)

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deploy permissions: IAM policy simulation of the caller, read-only probes as fallback.

Used by iam_access_info and langsmith_preflight_info.
"""

from __future__ import annotations

try:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.preflight import (
    error_summary,
    is_access_denied,
    is_read_only_operation,
    method_for_operation,
)

# SimulatePrincipalPolicy has no documented cap on ActionNames; stay well below any practical one.
ACTIONS_PER_CALL = 40
DECISION_RANK = {"allowed": 0, "implicitDeny": 1, "explicitDeny": 2}


# Fail fast on an endpoint that errors: AWSRetry (on the calls) still retries throttling.
CLIENT_CONFIG = {"retries": {"mode": "standard", "max_attempts": 2}}


def boto_errors():
    # ResponseParserError is not a BotoCoreError: an endpoint answering with something other than
    # an AWS response (a proxy's error page, an emulator without the API) raises it.
    return (BotoCoreError, ClientError, ResponseParserError)


class SimulationUnavailable(Exception):
    """The simulation could not run (denied, unsupported, or the principal is unknown)."""


@AWSRetry.jittered_backoff()
def _get_caller_identity(client):
    return client.get_caller_identity()


@AWSRetry.jittered_backoff()
def _get_role(client, name):
    return client.get_role(RoleName=name)["Role"]


def principal_from_caller(caller_arn, iam_client):
    """``(principal_arn, note)`` for the IAM entity behind ``caller_arn``.

    An assumed-role session maps to its role; the role's path (e.g. SSO roles live under
    ``/aws-reserved/sso.amazonaws.com/``) comes from ``iam:GetRole`` when allowed.
    """
    parts = caller_arn.split(":", 5)
    if len(parts) != 6:
        return "", f"cannot parse caller ARN {caller_arn}"
    partition, service, account, resource = parts[1], parts[2], parts[4], parts[5]
    if service == "iam" and resource == "root":
        return "", "the caller is the account root user, which the policy simulator cannot evaluate"
    if service == "iam" and resource.startswith(("user/", "role/")):
        return caller_arn, ""
    if service == "sts" and resource.startswith("user/"):
        # Not what AWS returns for an IAM user, but some AWS-compatible endpoints do.
        return f"arn:{partition}:iam::{account}:{resource}", ""
    if service == "sts" and resource.startswith("assumed-role/"):
        role_name = resource.split("/")[1]
        try:
            return _get_role(iam_client, role_name)["Arn"], ""
        except boto_errors() as e:
            return (
                f"arn:{partition}:iam::{account}:role/{role_name}",
                f"iam:GetRole on {role_name} failed ({error_summary(e, 120)}); the role path is assumed to be /",
            )
    if service == "sts" and resource.startswith("federated-user/"):
        return "", "federated-user sessions cannot be simulated; run preflight with a role or user"
    return "", f"cannot map {caller_arn} to an IAM user or role"


@AWSRetry.jittered_backoff()
def _simulate_page(client, params):
    return client.simulate_principal_policy(**params)


def _simulate(client, principal_arn, actions, resources):
    """Raw EvaluationResults for ``actions`` on ``resources`` (all pages)."""
    results = []
    for start in range(0, len(actions), ACTIONS_PER_CALL):
        params = {
            "PolicySourceArn": principal_arn,
            "ActionNames": actions[start : start + ACTIONS_PER_CALL],
            "ResourceArns": resources,
        }
        while True:
            page = _simulate_page(client, params)
            results.extend(page.get("EvaluationResults", []))
            if not page.get("IsTruncated"):
                break
            params["Marker"] = page["Marker"]
    return results


def _summarise(evaluation):
    """One action's EvaluationResult -> ``{allowed, decision, denied_by_*, missing_context_values}``."""
    per_resource = evaluation.get("ResourceSpecificResults") or []
    decisions = [r.get("EvalResourceDecision") for r in per_resource] or [evaluation.get("EvalDecision")]
    best = min(decisions, key=lambda d: DECISION_RANK.get(d, 3))
    orgs = evaluation.get("OrganizationsDecisionDetail") or {}
    boundary = evaluation.get("PermissionsBoundaryDecisionDetail") or {}
    missing = set(evaluation.get("MissingContextValues") or [])
    for r in per_resource:
        missing.update(r.get("MissingContextValues") or [])
    return {
        "allowed": best == "allowed",
        "decision": best,
        "denied_by_organizations": orgs.get("AllowedByOrganizations") is False,
        "denied_by_permissions_boundary": boundary.get("AllowedByPermissionsBoundary") is False,
        "missing_context_values": sorted(missing),
    }


def simulate_statements(iam_client, principal_arn, statements):
    """Per statement and action results; raises SimulationUnavailable when any call fails.

    Actions are simulated once per distinct resource list, however many stages list them.
    """
    wanted = {}
    for st in statements:
        key = tuple(st.get("resources") or ["*"])
        wanted.setdefault(key, set()).update(st["actions"])
    outcome = {}
    for resources, actions in wanted.items():
        try:
            evaluations = _simulate(iam_client, principal_arn, sorted(actions), list(resources))
        except boto_errors() as e:
            kind = "denied" if is_access_denied(e) else "unavailable"
            raise SimulationUnavailable(f"simulation {kind}: {error_summary(e)}") from e
        for evaluation in evaluations:
            outcome[(resources, evaluation["EvalActionName"])] = _summarise(evaluation)
    results = []
    for st in statements:
        key = tuple(st.get("resources") or ["*"])
        for action in st["actions"]:
            found = outcome.get((key, action)) or _missing_result()
            results.append({"stage": st["stage"], "sid": st["sid"], "action": action, **found})
    return results


def _missing_result():
    return {
        "allowed": False,
        "decision": "implicitDeny",
        "denied_by_organizations": False,
        "denied_by_permissions_boundary": False,
        "missing_context_values": [],
    }


def run_probes(clients, probes):
    """Run each read-only probe; ``allowed`` is True, False (denied) or None (other error)."""
    results = []
    for service, spec in sorted((probes or {}).items()):
        operation = spec.get("operation", "")
        entry = {"service": service, "operation": operation, "allowed": None, "error": ""}
        if not is_read_only_operation(operation):
            entry["error"] = f"refused: {operation!r} is not a Describe*/List* operation"
            results.append(entry)
            continue
        try:
            client = clients(spec.get("client") or service)
            method = method_for_operation(client, operation)
            if method is None:
                entry["error"] = f"the {spec.get('client') or service} client has no operation {operation}"
            else:
                getattr(client, method)(**(spec.get("params") or {}))
                entry["allowed"] = True
        except boto_errors() as e:
            entry["allowed"] = False if is_access_denied(e) else None
            entry["error"] = error_summary(e)
        results.append(entry)
    return results


def check_access(clients, statements, policy_source_arn=None, simulate=True, probes=None):
    """The module's result (without ``changed``); raises botocore errors from STS only."""
    identity = _get_caller_identity(clients("sts"))
    caller_arn = identity["Arn"]
    result = {
        "caller_arn": caller_arn,
        "account": identity["Account"],
        "principal_arn": "",
        "principal_note": "",
        "method": "none",
        "simulation_error": "",
        "results": [],
        "denied": [],
        "probes": [],
    }
    if policy_source_arn:
        result["principal_arn"] = policy_source_arn
    else:
        result["principal_arn"], result["principal_note"] = principal_from_caller(caller_arn, clients("iam"))

    if not simulate:
        result["simulation_error"] = "simulation turned off"
    elif not result["principal_arn"]:
        result["simulation_error"] = f"simulation unavailable: {result['principal_note']}"
    else:
        try:
            result["results"] = simulate_statements(clients("iam"), result["principal_arn"], statements)
            result["method"] = "simulation"
        except SimulationUnavailable as e:
            result["simulation_error"] = str(e)

    if result["method"] == "simulation":
        result["denied"] = [r for r in result["results"] if not r["allowed"]]
    elif probes:
        result["probes"] = run_probes(clients, probes)
        result["method"] = "probes"
    return result

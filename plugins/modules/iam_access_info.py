#!/usr/bin/python

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_access_info
version_added: 0.1.0
short_description: Check whether the caller may perform a list of IAM actions, without performing them
description:
  - Finds the calling identity (STS C(GetCallerIdentity)) and the IAM principal behind it (for an
    assumed-role session, the role, including its path).
  - Simulates every action of O(statements) on the statement's resources for that principal with
    C(iam:SimulatePrincipalPolicy). The simulation evaluates identity policies, permissions
    boundaries and Organizations service control policies, so it reports actions an SCP blocks.
  - When the simulation itself is denied or unavailable, falls back to one read-only probe per
    service (O(probes)) - a C(Describe*) or C(List*) call whose only effect is reading metadata -
    and reports which services answer. Probes prove read access only.
  - Read-only. AWS errors are returned as results, never raised, except when the caller identity
    cannot be determined at all.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  statements:
    description:
      - The permissions to check, as IAM policy statements grouped by stage.
    type: list
    elements: dict
    required: true
    suboptions:
      stage:
        description: The stage (or any group label) the statement belongs to.
        type: str
        required: true
      sid:
        description: The statement id.
        type: str
        required: true
      actions:
        description: Concrete IAM action names (C(service:Action), no wildcards).
        type: list
        elements: str
        required: true
      resources:
        description:
          - Resource ARNs the actions apply to. An action counts as allowed when the simulation
            allows it on at least one of them.
        type: list
        elements: str
        default: ["*"]
  policy_source_arn:
    description:
      - The IAM user or role ARN to simulate. Default - the principal behind the caller's credentials.
    type: str
  simulate:
    description:
      - Run the policy simulation. V(false) runs the read-only probes only.
    type: bool
    default: true
  probes:
    description:
      - Read-only probe per service, used when the simulation is denied or unavailable. Keys are
        service labels; values give the boto3 C(client), the API C(operation) (only C(Describe*)
        and C(List*) operations are accepted) and its C(params).
    type: dict
    default: {}
notes:
  - The simulation does not see session policies or resource-based policies; a role session
    restricted by a session policy can be denied actions the simulation allows.
  - Conditions in the caller's policies that need request context (tags on the request, for
    example) evaluate as not met; such actions show up as denied with RV(results[].missing_context_values).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: Nothing to diff; the module is read-only.
"""

EXAMPLES = r"""
- name: Can the caller create the VPC and the EKS cluster?
  langchain.langsmith_aws.iam_access_info:
    statements:
      - stage: network
        sid: Ec2Network
        actions: [ec2:CreateVpc, ec2:CreateSubnet]
      - stage: cluster
        sid: EksCluster
        actions: [eks:CreateCluster]
        resources: ["arn:aws:eks:us-east-1:123456789012:cluster/prod-langsmith"]
    probes:
      ec2: {client: ec2, operation: DescribeVpcs, params: {MaxResults: 5}}
      eks: {client: eks, operation: ListClusters, params: {}}
  register: access

- name: Show denied actions
  ansible.builtin.debug:
    msg: "{{ access.denied | map(attribute='action') | list }}"
"""

RETURN = r"""
caller_arn:
  description: The ARN STS returned for the credentials in use.
  returned: always
  type: str
  sample: arn:aws:sts::123456789012:assumed-role/Deployer/alice
account:
  description: The AWS account id of the caller.
  returned: always
  type: str
  sample: "123456789012"
principal_arn:
  description: The IAM principal that was (or would be) simulated; empty for the root user.
  returned: always
  type: str
  sample: arn:aws:iam::123456789012:role/Deployer
principal_note:
  description: Why the principal ARN may be imprecise or why simulation was not possible.
  returned: always
  type: str
  sample: ""
method:
  description: C(simulation) when the simulation ran, C(probes) when the probes ran instead, C(none) when neither.
  returned: always
  type: str
  sample: simulation
simulation_error:
  description: Why the simulation did not run (empty when it ran).
  returned: always
  type: str
  sample: "AccessDenied: not authorized to perform iam:SimulatePrincipalPolicy"
results:
  description: One entry per statement and action (simulation only).
  returned: always
  type: list
  elements: dict
  contains:
    stage:
      description: The statement's stage.
      type: str
      sample: network
    sid:
      description: The statement id.
      type: str
      sample: Ec2Network
    action:
      description: The action.
      type: str
      sample: ec2:CreateVpc
    allowed:
      description: Whether the action is allowed on at least one of the statement's resources.
      type: bool
      sample: true
    decision:
      description: C(allowed), C(explicitDeny) or C(implicitDeny) (the best result over the resources).
      type: str
      sample: allowed
    denied_by_organizations:
      description: True when an Organizations service control policy denies the action.
      type: bool
      sample: false
    denied_by_permissions_boundary:
      description: True when the principal's permissions boundary denies the action.
      type: bool
      sample: false
    missing_context_values:
      description: Condition keys the simulation could not evaluate.
      type: list
      elements: str
      sample: []
denied:
  description: The entries of RV(results) that are not allowed.
  returned: always
  type: list
  elements: dict
  sample: []
probes:
  description: One entry per probe (only when RV(method=probes)).
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: The probe's service label.
      type: str
      sample: eks
    operation:
      description: The API operation called.
      type: str
      sample: ListClusters
    allowed:
      description: True when the call succeeded, false when it was denied, null on any other error.
      type: bool
      sample: false
    error:
      description: The error, if any.
      type: str
      sample: "AccessDeniedException: not authorized to perform eks:ListClusters"
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
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


def _boto_errors():
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
        except _boto_errors() as e:
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
        except _boto_errors() as e:
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
        except _boto_errors() as e:
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


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "statements": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "stage": {"type": "str", "required": True},
                    "sid": {"type": "str", "required": True},
                    "actions": {"type": "list", "elements": "str", "required": True},
                    "resources": {"type": "list", "elements": "str", "default": ["*"]},
                },
            },
            "policy_source_arn": {"type": "str"},
            "simulate": {"type": "bool", "default": True},
            "probes": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    for service, spec in module.params["probes"].items():
        if not isinstance(spec, dict) or not is_read_only_operation(spec.get("operation", "")):
            module.fail_json(msg=f"probes.{service}: only Describe*/List* operations may be probed, got {spec!r}")

    cache = {}

    def clients(name):
        if name not in cache:
            cache[name] = module.client(name, config=CLIENT_CONFIG)
        return cache[name]

    try:
        result = check_access(
            clients,
            module.params["statements"],
            policy_source_arn=module.params["policy_source_arn"],
            simulate=module.params["simulate"],
            probes=module.params["probes"],
        )
    except _boto_errors() as e:
        module.fail_json_aws(e, msg="Failed to determine the caller identity (sts:GetCallerIdentity)")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

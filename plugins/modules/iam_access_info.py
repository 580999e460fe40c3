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

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.iam_access import (
    CLIENT_CONFIG,
    boto_errors,
    check_access,
    is_read_only_operation,
)


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
    except boto_errors() as e:
        module.fail_json_aws(e, msg="Failed to determine the caller identity (sts:GetCallerIdentity)")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

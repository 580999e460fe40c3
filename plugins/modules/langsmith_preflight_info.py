#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: langsmith_preflight_info
version_added: 0.1.0
short_description: Everything the preflight stage reads from AWS, in one pass
description:
  - Read-only. The caller identity and account alias, the region's opt-in status and availability
    zones, the deploy permissions (IAM policy simulation, read-only probes as fallback), service quotas
    with their usage and the node instance types, the Route 53 hosted zone and the ACM certificates.
  - Each part has the shape of the module that reads the same data on its own
    (amazon.aws.aws_caller_info, aws_region_info, aws_az_info, route53_info, community.aws.acm_certificate_info,
    and this collection's iam_access_info and service_quota_info), or a dict with C(failed=true) and
    C(msg) when AWS refused it, so one missing permission becomes one row of the preflight table
    instead of a stop.
  - Parts that need an earlier one come back with C(skipped=true) when it failed; nothing but the
    identity is read without credentials, nothing region-bound without a usable region.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  statements:
    description:
      - The deploy statements to simulate (see langchain.langsmith_aws.iam_access_info).
      - The placeholder C({account}) in a resource ARN is replaced by the caller's account.
    type: list
    elements: dict
    default: []
    suboptions:
      stage:
        description: The stage the statement belongs to.
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
        description: Resource ARNs the actions apply to.
        type: list
        elements: str
        default: ["*"]
  policy_source_arn:
    description: Simulate this principal instead of the caller.
    type: str
  probes:
    description: Read-only probes per service when simulation is unavailable (see iam_access_info).
    type: dict
    default: {}
  quotas:
    description: Quotas to read (see langchain.langsmith_aws.service_quota_info).
    type: list
    elements: dict
    default: []
    suboptions:
      service_code:
        description: Service Quotas service code (e.g. C(vpc)).
        type: str
        required: true
      quota_code:
        description: Quota code (e.g. C(L-F678F1CE)).
        type: str
        required: true
      usage:
        description: Which usage counter to read next to the value.
        type: str
        default: none
        choices:
          - none
          - vpcs
          - elastic_ips
          - nat_gateways_per_az
          - on_demand_standard_vcpus
          - spot_standard_vcpus
          - rds_instances
          - eks_clusters
  owned_tags:
    description: Tags that mark resources of this environment (usage of our own resources).
    type: dict
    default: {}
  cluster_name:
    description: The EKS cluster name (its instances and the cluster count as ours).
    type: str
    default: ""
  instance_types:
    description: Instance types to describe (vCPUs, memory, allocatable capacity).
    type: list
    elements: str
    default: []
  vm_memory_overhead_percent:
    description: Memory the hypervisor keeps, in percent (EKS allocatable math).
    type: float
    default: 7.5
  zone_name:
    description: The Route 53 zone to look up (empty to skip).
    type: str
    default: ""
  certificate_arn:
    description: An operator certificate to describe; empty lists the ISSUED certificates of the region.
    type: str
    default: ""
  certificates:
    description: Whether to read ACM certificates at all.
    type: bool
    default: true
  sizing_instance_types:
    description:
      - Instance types of the ClickHouse nodes to describe for the sizing gate (with the sizing rules'
        candidate types, for its recommendation); empty to skip.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Read-only; there is nothing to compare.
"""

EXAMPLES = r"""
- name: Read what preflight judges
  langchain.langsmith_aws.langsmith_preflight_info:
    zone_name: example.com
    instance_types: [m6i.4xlarge]
    quotas:
      - {service_code: vpc, quota_code: L-F678F1CE, usage: vpcs}
  register: preflight_read
"""

RETURN = r"""
caller:
  description: Like amazon.aws.aws_caller_info (account, account_alias, arn, user_id), or failed with msg.
  returned: always
  type: dict
  sample: {account: "123456789012", account_alias: acme-prod, arn: "arn:aws:iam::123456789012:user/deploy"}
region:
  description: Like amazon.aws.aws_region_info filtered on the region (regions), or failed/skipped.
  returned: always
  type: dict
  sample: {regions: [{region_name: us-east-1, opt_in_status: opt-in-not-required}]}
availability_zones:
  description: Like amazon.aws.aws_az_info (availability_zones), or failed/skipped.
  returned: always
  type: dict
  sample: {availability_zones: [{zone_name: us-east-1a, zone_id: use1-az1}]}
access:
  description: Like langchain.langsmith_aws.iam_access_info, or failed/skipped.
  returned: always
  type: dict
  sample: {method: simulation, denied: []}
quotas:
  description: Like langchain.langsmith_aws.service_quota_info (quotas, instance_types), or skipped.
  returned: always
  type: dict
  sample: {quotas: [], instance_types: {}}
zones:
  description: Like amazon.aws.route53_info list_by_name (hosted_zones), or failed/skipped.
  returned: always
  type: dict
  sample: {hosted_zones: [{id: /hostedzone/Z1, name: example.com., config: {private_zone: false}}]}
sizing_instance_data:
  description:
    - DescribeInstanceTypes entries by name (the sizing types and the candidates the region offers), for
      the C(clickhouse_sizing_plan) filter; or failed (with msg) / skipped.
  returned: always
  type: dict
  sample: {r6i.2xlarge: {InstanceType: r6i.2xlarge, VCpuInfo: {DefaultVCpus: 8}, MemoryInfo: {SizeInMiB: 65536}}}
certificates:
  description: Like community.aws.acm_certificate_info (certificates), or failed/skipped.
  returned: always
  type: dict
  sample: {certificates: [{certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/abc", status: ISSUED}]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import clickhouse_sizing, preflight
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.common import retry
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.iam_access import (
    CLIENT_CONFIG,
    boto_errors,
    check_access,
    is_read_only_operation,
)
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.quotas import (
    USAGE_COUNTERS,
    instance_type_facts,
    read_quotas,
)

SKIPPED = {"skipped": True}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            statements=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    stage=dict(type="str", required=True),
                    sid=dict(type="str", required=True),
                    actions=dict(type="list", elements="str", required=True),
                    resources=dict(type="list", elements="str", default=["*"]),
                ),
            ),
            policy_source_arn=dict(type="str"),
            probes=dict(type="dict", default={}),
            quotas=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    service_code=dict(type="str", required=True),
                    quota_code=dict(type="str", required=True),
                    usage=dict(type="str", default="none", choices=list(USAGE_COUNTERS)),
                ),
            ),
            owned_tags=dict(type="dict", default={}),
            cluster_name=dict(type="str", default=""),
            instance_types=dict(type="list", elements="str", default=[]),
            vm_memory_overhead_percent=dict(type="float", default=7.5),
            zone_name=dict(type="str", default=""),
            certificate_arn=dict(type="str", default=""),
            certificates=dict(type="bool", default=True),
            sizing_instance_types=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for service, spec in params["probes"].items():
        if not isinstance(spec, dict) or not is_read_only_operation(spec.get("operation", "")):
            module.fail_json(msg=f"probes.{service}: only Describe*/List* operations may be probed, got {spec!r}")

    cache = {}

    def clients(name):
        if name not in cache:
            cache[name] = module.client(name, config=CLIENT_CONFIG, retry_decorator=retry())
        return cache[name]

    errors = boto_errors()
    parts = ("region", "availability_zones", "access", "quotas", "zones", "certificates", "sizing_instance_data")
    result = dict.fromkeys(parts, SKIPPED)
    result["caller"] = preflight.read_caller(clients, errors)
    if "account" in result["caller"]:
        result["region"] = preflight.read_region(clients, errors, module.region)
        account = result["caller"]["account"]
        statements = [
            {**st, "resources": [r.replace("{account}", account) for r in st.get("resources") or ["*"]]}
            for st in params["statements"]
        ]
        try:
            result["access"] = check_access(
                clients, statements, policy_source_arn=params["policy_source_arn"], probes=params["probes"]
            )
        except errors as e:
            result["access"] = {"failed": True, "msg": preflight.error_summary(e)}
        if params["zone_name"]:
            result["zones"] = preflight.read_hosted_zones(clients, errors, params["zone_name"])
    entry = next((r for r in result["region"].get("regions") or [] if r.get("region_name") == module.region), {})
    if entry.get("opt_in_status") in ("opt-in-not-required", "opted-in"):
        result["availability_zones"] = preflight.read_availability_zones(clients, errors)
        result["quotas"] = {
            "quotas": read_quotas(clients, params["quotas"], params["owned_tags"], params["cluster_name"]),
            "instance_types": instance_type_facts(
                clients, params["instance_types"], params["vm_memory_overhead_percent"]
            ),
        }
        if params["certificates"]:
            result["certificates"] = preflight.read_certificates(clients, errors, params["certificate_arn"])
        if params["sizing_instance_types"]:
            wanted = sorted(set(params["sizing_instance_types"]))
            candidates = sorted(set(clickhouse_sizing.DEFAULT_CANDIDATES) - set(wanted))
            try:
                result["sizing_instance_data"] = clickhouse_sizing.describe_instance_data(
                    clients("ec2"), wanted, candidates
                )
            except (clickhouse_sizing.SizingInputError, *errors) as e:
                result["sizing_instance_data"] = {"failed": True, "msg": str(e)}
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()

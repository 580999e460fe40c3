#!/usr/bin/python

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: service_quota_info
version_added: 0.1.0
short_description: Read AWS service quotas and what the account already uses of them
description:
  - Reads the value of each requested quota from the Service Quotas API (the applied value, else
    the AWS default), falling back to the service's own account attributes where one exists
    (EC2 C(DescribeAccountAttributes) for Elastic IPs, RDS C(DescribeAccountAttributes) for DB
    instances).
  - Optionally counts the current usage of each quota (VPCs, Elastic IPs, NAT gateways per
    Availability Zone, On-Demand or Spot standard vCPUs, RDS DB instances, EKS clusters), and how
    much of it belongs to one deployment (resources carrying O(owned_tags), or the nodes and
    cluster named O(cluster_name)).
  - Reports the vCPU count and EKS node allocatable capacity of O(instance_types).
  - Read-only. Every AWS error (access denied, quota unknown to the API) is returned per quota
    instead of failing the module, so a caller with partial permissions still gets every answer
    it is allowed to read.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  quotas:
    description:
      - The quotas to read.
    type: list
    elements: dict
    required: true
    suboptions:
      service_code:
        description: Service Quotas service code, for example C(vpc), C(ec2), C(rds), C(eks).
        type: str
        required: true
      quota_code:
        description: Service Quotas quota code, for example C(L-F678F1CE) (VPCs per Region).
        type: str
        required: true
      usage:
        description:
          - Which usage counter to run for this quota; V(none) skips counting.
          - V(nat_gateways_per_az) reports usage per Availability Zone.
          - V(on_demand_standard_vcpus) and V(spot_standard_vcpus) count the vCPUs of running
            and pending instances of the standard families (A, C, D, H, I, M, R, T, Z).
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
    description:
      - Tags that mark one deployment's resources, for example C(langsmith:env=prod). Usage
        carrying all of them is also reported as RV(quotas[].usage_owned).
      - NAT gateways count as owned when they sit in an owned VPC.
    type: dict
    default: {}
  cluster_name:
    description:
      - The deployment's EKS cluster name. Instances tagged C(eks:cluster-name) with it, and the
        cluster itself, count as owned usage.
    type: str
    default: ""
  instance_types:
    description:
      - EC2 instance types to describe (vCPUs, memory and EKS node allocatable capacity).
    type: list
    elements: str
    default: []
  vm_memory_overhead_percent:
    description:
      - Share of the nominal instance memory the kubelet does not see, used for the allocatable
        figures of O(instance_types).
    type: float
    default: 7.5
notes:
  - Usage counts cover the module's region only; VPC and EIP quotas are per Region.
  - AWS counts vCPU quotas from each instance type's default vCPUs.
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
- name: VPC, Elastic IP and vCPU quotas with usage
  langchain.langsmith_aws.service_quota_info:
    quotas:
      - {service_code: vpc, quota_code: L-F678F1CE, usage: vpcs}
      - {service_code: ec2, quota_code: L-0263D0A3, usage: elastic_ips}
      - {service_code: ec2, quota_code: L-1216C47A, usage: on_demand_standard_vcpus}
    owned_tags:
      "langsmith:env": prod
    cluster_name: prod-langsmith
    instance_types: [m6i.4xlarge, r6i.2xlarge]
  register: quotas

- name: Fail when fewer than 2 VPCs are left
  ansible.builtin.assert:
    that: quotas.quotas[0].value - quotas.quotas[0].usage >= 2
"""

RETURN = r"""
quotas:
  description: One entry per requested quota, in request order.
  returned: always
  type: list
  elements: dict
  contains:
    service_code:
      description: The service code asked for.
      type: str
      sample: vpc
    quota_code:
      description: The quota code asked for.
      type: str
      sample: L-F678F1CE
    quota_name:
      description: The quota's name, when the API returned one.
      type: str
      sample: VPCs per Region
    value:
      description: The quota value; null when it could not be read (see RV(quotas[].error)).
      type: float
      sample: 5.0
    source:
      description:
        - Where the value came from - C(applied), C(aws-default), C(ec2:DescribeAccountAttributes),
          C(rds:DescribeAccountAttributes), or null.
      type: str
      sample: applied
    adjustable:
      description: Whether the quota can be raised through Service Quotas (null if unknown).
      type: bool
      sample: true
    error:
      description: Why the value could not be read, when it could not.
      type: str
      sample: "AccessDeniedException: not authorized to perform servicequotas:GetServiceQuota"
    usage:
      description:
        - Current usage; for per-AZ quotas the highest usage of any Availability Zone.
        - Null when not counted or when counting failed (see RV(quotas[].usage_error)).
      type: int
      sample: 2
    usage_owned:
      description: The part of RV(quotas[].usage) that belongs to the deployment.
      type: int
      sample: 1
    usage_by_az:
      description: Usage per Availability Zone (per-AZ quotas only).
      type: dict
      sample: {"us-east-1a": 1}
    owned_by_az:
      description: Owned usage per Availability Zone (per-AZ quotas only).
      type: dict
      sample: {"us-east-1a": 1}
    usage_error:
      description: Why usage could not be counted, when it could not.
      type: str
      sample: "AccessDenied: not authorized to perform ec2:DescribeAddresses"
instance_types:
  description: Facts about O(instance_types), keyed by instance type; C(error) when one is unknown.
  returned: always
  type: dict
  sample:
    m6i.2xlarge:
      vcpus: 8
      memory_mib: 32768
      allocatable_cpu: 7.91
      allocatable_memory_gib: 27.7
      max_pods: 58
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.quotas import (
    CLIENT_CONFIG,
    USAGE_COUNTERS,
    instance_type_facts,
    read_quotas,
)


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "quotas": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "service_code": {"type": "str", "required": True},
                    "quota_code": {"type": "str", "required": True},
                    "usage": {"type": "str", "default": "none", "choices": list(USAGE_COUNTERS)},
                },
            },
            "owned_tags": {"type": "dict", "default": {}},
            "cluster_name": {"type": "str", "default": ""},
            "instance_types": {"type": "list", "elements": "str", "default": []},
            "vm_memory_overhead_percent": {"type": "float", "default": 7.5},
        },
        supports_check_mode=True,
    )
    cache = {}

    def clients(name):
        if name not in cache:
            cache[name] = module.client(name, config=CLIENT_CONFIG)
        return cache[name]

    quotas = read_quotas(clients, module.params["quotas"], module.params["owned_tags"], module.params["cluster_name"])
    types = instance_type_facts(clients, module.params["instance_types"], module.params["vm_memory_overhead_percent"])
    module.exit_json(changed=False, quotas=quotas, instance_types=types)


if __name__ == "__main__":
    main()

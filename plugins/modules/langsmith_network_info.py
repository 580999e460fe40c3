#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: langsmith_network_info
version_added: 0.1.0
short_description: Read the network of a LangSmith environment in one pass
description:
  - Read-only. Returns the region's availability zones and the VPC of the environment (found by its
    C(Name) and C(langsmith:env) tags, or the given O(vpc_id)) with its subnets, internet gateways,
    route tables, live NAT gateways, tagged Elastic IPs, the nodes and data security groups and the
    S3 gateway endpoint.
  - One call instead of one C(*_info) task per resource kind; the network role plans its changes from
    this result and calls the amazon.aws modules only for what differs.
  - When more than one VPC carries the name (a lost C(CreateVpc) response that was retried), the one
    holding subnets is returned in RV(vpcs) (none holds any, the lowest id) and read; the others are
    returned in RV(duplicate_vpcs) with their subnet count. When several hold subnets, RV(vpcs) is
    empty, all of them are in RV(duplicate_vpcs) and nothing inside them is read.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  name_prefix:
    description: Resource name prefix of the environment (C(<env>-langsmith)); the VPC is C(<name_prefix>-vpc).
    type: str
    required: true
  env:
    description: The environment name (value of the C(langsmith:env) tag).
    type: str
    required: true
  vpc_id:
    description: An existing VPC to read instead of the tagged one (bring your own VPC).
    type: str
    default: ""
  subnet_ids:
    description: With O(vpc_id), the subnets to read (default every subnet of the VPC).
    type: list
    elements: str
    default: []
  security_group_names:
    description: Security group names to read (default C(<name_prefix>-nodes) and C(<name_prefix>-data)).
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
- name: Read the network of the prod environment
  langchain.langsmith_aws.langsmith_network_info:
    name_prefix: prod-langsmith
    env: prod
  register: network_state

- name: Read a VPC the operator brought
  langchain.langsmith_aws.langsmith_network_info:
    name_prefix: prod-langsmith
    env: prod
    vpc_id: vpc-0123456789abcdef0
    subnet_ids: [subnet-0a, subnet-0b, subnet-0c, subnet-0d]
  register: network_state
"""

RETURN = r"""
availability_zones:
  description: Available zones of the region (DescribeAvailabilityZones, snake_cased).
  returned: always
  type: list
  elements: dict
  sample: [{zone_name: us-east-1a, zone_id: use1-az1, state: available}]
vpcs:
  description: The VPCs found (normally one), with C(enable_dns_hostnames) and C(enable_dns_support).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: vpc-0123, cidr_block: 10.0.0.0/16, enable_dns_hostnames: true, enable_dns_support: true, tags: {}}
duplicate_vpcs:
  description:
    - The other VPCs carrying the name, each with C(subnet_count); empty normally and with O(vpc_id).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: vpc-0456, cidr_block: 10.0.0.0/16, subnet_count: 0, tags: {Name: dev-langsmith-vpc}}
subnets:
  description: Subnets of the VPC (or the given O(subnet_ids)), ordered by AZ and CIDR.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: subnet-0a, cidr_block: 10.0.0.0/19, availability_zone: us-east-1a, map_public_ip_on_launch: false}
internet_gateways:
  description: Internet gateways attached to the VPC.
  returned: always
  type: list
  elements: dict
  sample: [{id: igw-0123, attachments: [{vpc_id: vpc-0123, state: available}], tags: {}}]
route_tables:
  description: Route tables of the VPC with their routes and associations.
  returned: always
  type: list
  elements: dict
  sample:
    - id: rtb-0123
      routes: [{destination_cidr_block: 0.0.0.0/0, gateway_id: igw-0123, origin: CreateRoute}]
      associations: []
nat_gateways:
  description: Pending or available NAT gateways of the VPC.
  returned: always
  type: list
  elements: dict
  sample: [{id: nat-0123, subnet_id: subnet-0d, state: available}]
addresses:
  description: Elastic IPs tagged C(langsmith:env=<env>) and C(langsmith:stage=network).
  returned: always
  type: list
  elements: dict
  sample:
    - {allocation_id: eipalloc-0123, public_ip: 198.51.100.7, association_id: eipassoc-0123, tags: {}}
security_groups:
  description: The named security groups of the VPC with their rules.
  returned: always
  type: list
  elements: dict
  sample: [{id: sg-0123, group_name: prod-langsmith-data, ip_permissions: [], ip_permissions_egress: [], tags: {}}]
vpc_endpoints:
  description: Pending or available S3 endpoints of the VPC.
  returned: always
  type: list
  elements: dict
  sample: [{id: vpce-0123, vpc_endpoint_type: Gateway, route_table_ids: [rtb-0123], tags: {}}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import network
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.common import BOTO_ERRORS


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name_prefix=dict(type="str", required=True),
            env=dict(type="str", required=True),
            vpc_id=dict(type="str", default=""),
            subnet_ids=dict(type="list", elements="str", default=[]),
            security_group_names=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        state = network.read(
            network.client(module),
            name_prefix=params["name_prefix"],
            env=params["env"],
            region=module.region,
            vpc_id=params["vpc_id"],
            subnet_ids=params["subnet_ids"],
            security_group_names=params["security_group_names"],
        )
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg="Failed to read the network")
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: eks_cluster_info
version_added: 0.1.0
short_description: Describe EKS clusters (and optionally their managed node groups)
description:
  - Read-only. Returns the EKS clusters named in O(name), or every cluster of the region when
    O(name) is not given; a cluster that does not exist is simply absent from RV(clusters).
  - The bundled collections have no read-only EKS cluster module; later stages use this one to
    find the cluster (endpoint, certificate authority, OIDC issuer, security group) again.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  name:
    description:
      - Names of the clusters to describe. Empty or omitted lists every cluster of the region.
    type: list
    elements: str
    aliases: [names]
  nodegroups:
    description:
      - Also describe every managed node group of each cluster (RV(clusters[].nodegroups)).
    type: bool
    default: false
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
notes:
  - Tags, node group labels and taints keep their keys as AWS returns them (not snake_cased).
"""

EXAMPLES = r"""
- name: Find the LangSmith cluster
  langchain.langsmith_aws.eks_cluster_info:
    name: prod-langsmith
  register: found

- name: Use its endpoint when it exists
  ansible.builtin.debug:
    msg: "{{ found.clusters[0].endpoint }}"
  when: found.clusters | length == 1

- name: Describe the cluster and its node groups
  langchain.langsmith_aws.eks_cluster_info:
    name: prod-langsmith
    nodegroups: true
  register: found
"""

RETURN = r"""
clusters:
  description: The clusters found (snake_cased DescribeCluster output); empty when none exists.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Cluster name.
      type: str
      sample: prod-langsmith
    arn:
      description: Cluster ARN.
      type: str
      sample: arn:aws:eks:us-east-1:123456789012:cluster/prod-langsmith
    status:
      description: CREATING, ACTIVE, UPDATING, DELETING or FAILED.
      type: str
      sample: ACTIVE
    version:
      description: Kubernetes version.
      type: str
      sample: "1.34"
    endpoint:
      description: API server endpoint.
      type: str
      sample: https://0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com
    certificate_authority:
      description: Base64 CA data of the API server.
      type: dict
      sample: {data: LS0tLS1CRUdJTi...}
    identity:
      description: The cluster's OIDC issuer (IRSA).
      type: dict
      sample: {oidc: {issuer: https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF}}
    resources_vpc_config:
      description: Subnets, security groups and endpoint access of the cluster.
      type: dict
      sample:
        subnet_ids: [subnet-0a1b2c3d]
        security_group_ids: []
        cluster_security_group_id: sg-0123456789abcdef0
        endpoint_public_access: false
        endpoint_private_access: true
        public_access_cidrs: []
    logging:
      description: Control-plane log types and whether they go to CloudWatch Logs.
      type: dict
      sample: {cluster_logging: [{types: [api, audit], enabled: true}]}
    encryption_config:
      description: Envelope encryption of Kubernetes secrets.
      type: list
      sample: [{resources: [secrets], provider: {key_arn: "arn:aws:kms:us-east-1:123456789012:key/abcd"}}]
    access_config:
      description: Authentication mode.
      type: dict
      sample: {authentication_mode: API}
    tags:
      description: Cluster tags (keys unchanged).
      type: dict
      sample: {langsmith:env: prod}
    nodegroups:
      description: Described managed node groups (with O(nodegroups=true)); labels, taints and tags keep their keys.
      type: list
      returned: when O(nodegroups=true)
      sample: [{nodegroup_name: general, status: ACTIVE, labels: {langsmith.com/pool: general}}]
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.eks import (
    BOTO_ERRORS,
    describe_cluster,
    describe_nodegroup,
    list_nodegroups,
)

KEEP_KEYS = ["tags", "labels"]


def list_cluster_names(client, module):
    names = []
    try:
        for page in client.get_paginator("list_clusters").paginate():
            names.extend(page.get("clusters", []))
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg="Failed to list EKS clusters")
    return sorted(names)


def snake(resource):
    return camel_dict_to_snake_dict(resource, ignore_list=KEEP_KEYS)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="list", elements="str", aliases=["names"]),
            nodegroups=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    client = module.client("eks", retry_decorator=AWSRetry.jittered_backoff())

    names = module.params["name"] or list_cluster_names(client, module)
    clusters = []
    for name in names:
        cluster = describe_cluster(client, module, name)
        if cluster is None:
            continue
        result = snake(cluster)
        if module.params["nodegroups"]:
            nodegroups = []
            for ng_name in list_nodegroups(client, module, name):
                nodegroup = describe_nodegroup(client, module, name, ng_name)
                if nodegroup is not None:
                    nodegroups.append(snake(nodegroup))
            result["nodegroups"] = nodegroups
        clusters.append(result)

    module.exit_json(changed=False, clusters=clusters)


if __name__ == "__main__":
    main()

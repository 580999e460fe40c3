"""Unit tests for the eks role's filters: node sizing checks, public endpoint inputs, IRSA trust."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.filter.eks import (
    eks_access_entries,
    eks_irsa_trust_policy,
    eks_node_sizing,
    eks_public_access_problems,
)

ROOT = Path(__file__).resolve().parents[4]
TIERS = yaml.safe_load((ROOT / "roles/langsmith/defaults/main/tiers.yml").read_text())["langsmith_tier_presets"]
RESERVE = {"cpu": "500m", "memory": "512Mi"}


def instance(name, vcpus, memory_mib, enis, ips):
    """ec2_instance_type_info (snake_case) shape."""
    return {
        "instance_type": name,
        "v_cpu_info": {"default_v_cpus": vcpus},
        "memory_info": {"size_in_mi_b": memory_mib},
        "network_info": {"maximum_network_interfaces": enis, "ipv4_addresses_per_interface": ips},
    }


CATALOG = [
    instance("m6i.xlarge", 4, 16384, 4, 15),
    instance("m6i.2xlarge", 8, 32768, 4, 15),
    instance("m6i.4xlarge", 16, 65536, 8, 30),
    instance("r6i.xlarge", 4, 32768, 4, 15),
    instance("r6i.2xlarge", 8, 65536, 4, 15),
    instance("r6i.4xlarge", 16, 131072, 8, 30),
]


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_every_tier_preset_passes(tier):
    preset = TIERS[tier]
    general, clickhouse = preset["eks"]["general"], preset["clickhouse"]
    result = eks_node_sizing(
        CATALOG,
        {"instance_types": general["instance_types"], "min_size": general["min_size"]},
        {"enabled": True, **{k: clickhouse[k] for k in ("instance_type", "replicas", "requests")}},
        reserve=RESERVE,
    )
    assert result["problems"] == []
    assert result["general"]["total_allocatable_cpu"] >= 16
    assert result["general"]["total_allocatable_memory_gib"] >= 64
    assert result["clickhouse"]["fits"] is True


def test_m6i_2xlarge_cannot_hold_8_vcpu_32_gib_requests():
    result = eks_node_sizing(
        CATALOG,
        {"instance_types": ["m6i.4xlarge"], "min_size": 3},
        {"enabled": True, "instance_type": "m6i.2xlarge", "replicas": 1, "requests": {"cpu": "8", "memory": "32Gi"}},
        reserve=RESERVE,
    )
    [problem] = result["problems"]
    assert problem.startswith("eks_clickhouse_instance_type=m6i.2xlarge (8 vCPU / 32.0 GiB nominal) cannot hold")
    assert "7.91 vCPU" in problem  # 8 - 90m kube-reserved
    assert "CPU 8 > 7.41" in problem
    assert "memory 32.0 GiB > " in problem
    assert result["clickhouse"]["fits"] is False


def test_requests_equal_to_nominal_size_never_fit_but_below_allocatable_do():
    fits = eks_node_sizing(
        CATALOG,
        {"instance_types": ["m6i.4xlarge"], "min_size": 3},
        {
            "enabled": True,
            "instance_type": "r6i.2xlarge",
            "replicas": 3,
            "requests": {"cpu": "7400m", "memory": "56Gi"},
        },
        reserve=RESERVE,
    )
    assert fits["problems"] == []
    assert fits["clickhouse"]["nodes"] == 3


def test_general_group_below_the_floor_says_how_many_nodes():
    result = eks_node_sizing(CATALOG, {"instance_types": ["m6i.2xlarge"], "min_size": 2}, reserve=RESERVE)
    [problem] = result["problems"]
    assert "eks_general_min_size=2 x m6i.2xlarge has 15.82 vCPU" in problem
    assert "set eks_general_min_size to at least 3" in problem


def test_mixed_general_types_count_the_smallest():
    result = eks_node_sizing(CATALOG, {"instance_types": ["m6i.4xlarge", "m6i.xlarge"], "min_size": 3})
    assert result["general"]["node_allocatable_cpu"] == pytest.approx(3.92)
    assert result["problems"]  # 3 x m6i.xlarge is below 16 vCPU


def test_external_clickhouse_needs_no_clickhouse_type():
    result = eks_node_sizing(
        CATALOG, {"instance_types": ["m6i.4xlarge"], "min_size": 3}, {"enabled": False, "instance_type": "nope"}
    )
    assert result["problems"] == []
    assert result["clickhouse"] == {}


@pytest.mark.parametrize(
    ("general", "clickhouse", "needle"),
    [
        ({"instance_types": ["m6i.4xlargee"], "min_size": 3}, None, "eks_general_instance_types: m6i.4xlargee"),
        ({"instance_types": [], "min_size": 3}, None, "eks_general_instance_types is empty"),
        (
            {"instance_types": ["m6i.4xlarge"], "min_size": 3},
            {"enabled": True, "instance_type": "x9.huge", "replicas": 1, "requests": {"cpu": 1, "memory": "1Gi"}},
            "eks_clickhouse_instance_type=x9.huge is not an EC2 instance type",
        ),
        (
            {"instance_types": ["m6i.4xlarge"], "min_size": 3},
            {"enabled": True, "instance_type": "r6i.2xlarge", "replicas": 0, "requests": {"cpu": 1, "memory": "1Gi"}},
            "eks_clickhouse_replicas=0",
        ),
        (
            {"instance_types": ["m6i.4xlarge"], "min_size": 3},
            {
                "enabled": True,
                "instance_type": "r6i.2xlarge",
                "replicas": 1,
                "requests": {"cpu": "eight", "memory": "1Gi"},
            },
            "eks_clickhouse_requests.cpu='eight' is not a Kubernetes quantity",
        ),
    ],
)
def test_input_problems_name_the_variable(general, clickhouse, needle):
    problems = eks_node_sizing(CATALOG, general, clickhouse)["problems"]
    assert any(needle in p for p in problems), problems


def test_boto3_shape_is_accepted_too():
    boto3_entry = {
        "InstanceType": "m6i.4xlarge",
        "VCpuInfo": {"DefaultVCpus": 16},
        "MemoryInfo": {"SizeInMiB": 65536},
        "NetworkInfo": {"MaximumNetworkInterfaces": 8, "Ipv4AddressesPerInterface": 30},
    }
    result = eks_node_sizing([boto3_entry], {"instance_types": ["m6i.4xlarge"], "min_size": 3})
    assert result["general"]["total_allocatable_cpu"] == pytest.approx(47.67)


@pytest.mark.parametrize(
    ("cidrs", "enabled", "production", "override", "needle"),
    [
        ([], True, False, False, "eks_public_access_cidrs is empty"),
        (["0.0.0.0/0"], True, True, False, "0.0.0.0/0 on a production tier"),
        (["10.1.0.0/16"], True, False, False, "private range"),
        (["198.51.100.0/33"], True, False, False, "is not a CIDR block"),
        (["198.51.100.1/24"], True, False, False, "is not a CIDR block"),  # host bits set
        (["2001:db8::/32"], True, False, False, "IPv6"),
    ],
)
def test_public_access_problems(cidrs, enabled, production, override, needle):
    problems = eks_public_access_problems(cidrs, enabled, production, override)
    assert any(needle in p for p in problems), problems


@pytest.mark.parametrize(
    ("cidrs", "enabled", "production", "override"),
    [
        (["0.0.0.0/0"], True, False, False),  # dev tier may
        (["0.0.0.0/0"], True, True, True),  # the named override
        ([], False, True, False),  # public endpoint off: nothing to check
        (["198.51.100.0/24", "203.0.113.7/32"], True, True, False),
    ],
)
def test_public_access_accepted(cidrs, enabled, production, override):
    assert eks_public_access_problems(cidrs, enabled, production, override) == []


def test_irsa_trust_policy_is_scoped_to_one_service_account():
    policy = eks_irsa_trust_policy(
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
        "https://oidc.eks.us-east-1.amazonaws.com/id/ABC",
        "kube-system",
        "ebs-csi-controller-sa",
    )
    [statement] = policy["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
            "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
        }
    }


def test_irsa_trust_policy_lists_several_service_accounts():
    policy = eks_irsa_trust_policy("arn:x", "oidc.example/id/1", "langsmith", ["a", "b"])
    subjects = policy["Statement"][0]["Condition"]["StringEquals"]["oidc.example/id/1:sub"]
    assert subjects == ["system:serviceaccount:langsmith:a", "system:serviceaccount:langsmith:b"]


def test_irsa_trust_policy_needs_the_provider():
    with pytest.raises(AnsibleFilterError):
        eks_irsa_trust_policy("", "https://x", "ns", "sa")


def test_access_entries():
    assert eks_access_entries(["arn:aws:iam::1:role/a"]) == [
        {
            "principal_arn": "arn:aws:iam::1:role/a",
            "policies": [{"policy_arn": "AmazonEKSClusterAdminPolicy", "access_scope": "cluster"}],
        }
    ]

"""eks_cluster_info against the emulator (it has DescribeCluster and the node group calls)."""

from __future__ import annotations

from aws_module_runner import emulator_env, no_poll_delay, run_module  # noqa: F401  pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import eks_cluster_info


def _cluster(aws, name="demo-langsmith"):
    iam = aws.client("iam")
    role = iam.create_role(RoleName=f"{name}-cluster", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    eks = aws.client("eks")
    eks.create_cluster(
        name=name,
        version="1.34",
        roleArn=role,
        resourcesVpcConfig={"subnetIds": ["subnet-a"], "endpointPrivateAccess": True, "endpointPublicAccess": False},
        tags={"langsmith:env": "demo"},
    )
    return eks, role


def test_describes_the_cluster_and_its_node_groups(run_module, emulator_env):
    eks, role = _cluster(emulator_env)
    eks.create_nodegroup(
        clusterName="demo-langsmith",
        nodegroupName="clickhouse",
        nodeRole=role,
        subnets=["subnet-a"],
        labels={"langsmith/pool": "clickhouse"},
        taints=[{"key": "langsmith/pool", "value": "clickhouse", "effect": "NO_SCHEDULE"}],
    )

    result = run_module(eks_cluster_info.main, {"name": ["demo-langsmith", "absent-cluster"], "nodegroups": True})

    assert result["changed"] is False
    [cluster] = result["clusters"]
    assert cluster["version"] == "1.34"
    assert cluster["resources_vpc_config"]["endpoint_public_access"] is False
    assert cluster["identity"]["oidc"]["issuer"].startswith("https://oidc.eks.us-east-1.amazonaws.com/id/")
    assert cluster["tags"] == {"langsmith:env": "demo"}
    [nodegroup] = cluster["nodegroups"]
    assert nodegroup["labels"] == {"langsmith/pool": "clickhouse"}
    assert nodegroup["taints"] == [{"key": "langsmith/pool", "value": "clickhouse", "effect": "NO_SCHEDULE"}]


def test_missing_cluster_is_an_empty_list(run_module, emulator_env):
    assert run_module(eks_cluster_info.main, {"name": ["nothing-here"]})["clusters"] == []


def test_without_names_lists_every_cluster(run_module, emulator_env):
    _cluster(emulator_env, "one")
    _cluster(emulator_env, "two")

    result = run_module(eks_cluster_info.main, {})

    assert sorted(c["name"] for c in result["clusters"]) == ["one", "two"]
    assert "nodegroups" not in result["clusters"][0]

"""Kubernetes version upgrades with Stubber (the emulator has no UpdateClusterVersion, no
UpdateNodegroupVersion and no DescribeUpdate): eks_cluster moves the control plane one minor version
and waits; eks_nodegroup rolls a group's nodes; downgrades and skipped minors fail before any call."""

from __future__ import annotations

import copy

import pytest
from aws_module_runner import module_fail, no_poll_delay, run_module, stubbed  # noqa: F401  pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import eks_cluster, eks_nodegroup

CLUSTER = "demo-langsmith"
CLUSTER_ARN = f"arn:aws:eks:us-east-1:123456789012:cluster/{CLUSTER}"
NODEGROUP = "general"
NODEGROUP_ARN = f"arn:aws:eks:us-east-1:123456789012:nodegroup/{CLUSTER}/{NODEGROUP}/abcd"
NG_KEY = {"clusterName": CLUSTER, "nodegroupName": NODEGROUP}


def cluster(version="1.33", status="ACTIVE"):
    return {
        "cluster": {
            "name": CLUSTER,
            "arn": CLUSTER_ARN,
            "status": status,
            "version": version,
            "resourcesVpcConfig": {"subnetIds": ["subnet-a", "subnet-b"], "securityGroupIds": []},
            "tags": {"langsmith:env": "demo"},
        }
    }


def nodegroup(version="1.33", release="1.33.5-20250920", status="ACTIVE", lt_version="2"):
    return {
        "nodegroup": {
            "nodegroupName": NODEGROUP,
            "nodegroupArn": NODEGROUP_ARN,
            "clusterName": CLUSTER,
            "status": status,
            "version": version,
            "releaseVersion": release,
            "scalingConfig": {"minSize": 3, "maxSize": 6, "desiredSize": 4},
            "labels": {"langsmith/pool": "general"},
            "taints": [],
            "updateConfig": {"maxUnavailable": 1},
            "launchTemplate": {"name": "demo-langsmith-general", "version": lt_version, "id": "lt-1"},
            "tags": {"langsmith:env": "demo"},
        }
    }


def update_waited(stub, method, expected, kind, update_id="u-1", **scope):
    stub.add_response(method, {"update": {"id": update_id, "status": "InProgress", "type": kind}}, expected)
    stub.add_response("describe_update", {"update": {"id": update_id, "status": "InProgress"}}, None)
    stub.add_response("describe_update", {"update": {"id": update_id, "status": "Successful"}}, None)


# ------------------------------------------------------------------ control plane
def test_control_plane_moves_one_minor_and_waits(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_cluster", cluster("1.33"), {"name": CLUSTER})
    update_waited(stub, "update_cluster_version", {"name": CLUSTER, "version": "1.34"}, "VersionUpdate")
    stub.add_response("describe_cluster", cluster("1.34", status="UPDATING"), {"name": CLUSTER})
    stub.add_response("describe_cluster", cluster("1.34"), {"name": CLUSTER})
    stub.add_response("describe_cluster", cluster("1.34"), {"name": CLUSTER})

    result = run_module(eks_cluster.main, {"name": CLUSTER, "version": "1.34", "upgrade_version": True}, {"eks": eks})

    assert result["changed"] is True
    assert result["updates"] == ["version 1.33 -> 1.34"]
    assert result["cluster"]["version"] == "1.34"


def test_control_plane_upgrade_in_check_mode_calls_nothing(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_cluster", cluster("1.33"), {"name": CLUSTER})

    result = run_module(
        eks_cluster.main, {"name": CLUSTER, "version": "1.34", "upgrade_version": True}, {"eks": eks}, check_mode=True
    )

    assert result["changed"] is True
    assert result["updates"] == ["version 1.33 -> 1.34"]


def test_control_plane_at_the_target_is_left_alone(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_cluster", cluster("1.34"), {"name": CLUSTER})

    result = run_module(eks_cluster.main, {"name": CLUSTER, "version": "1.34", "upgrade_version": True}, {"eks": eks})

    assert result["changed"] is False
    assert result["updates"] == []


@pytest.mark.parametrize(
    ("current", "wanted", "message"),
    [
        ("1.33", "1.35", "one minor version at a time, so the next step is 1.34, not 1.35"),
        ("1.34", "1.33", "1.33 would be a downgrade"),
        ("1.33", "2.0", "the next step is 1.34, not 2.0"),
        ("1.33", "latest", "cannot compare Kubernetes versions"),
    ],
)
def test_control_plane_refuses_skips_and_downgrades_before_any_call(  # noqa: PLR0917
    run_module, stubbed, module_fail, current, wanted, message
):
    eks, stub = stubbed("eks")
    stub.add_response("describe_cluster", cluster(current), {"name": CLUSTER})

    with pytest.raises(module_fail) as failed:
        run_module(eks_cluster.main, {"name": CLUSTER, "version": wanted, "upgrade_version": True}, {"eks": eks})

    assert message in failed.value.result["msg"]


def test_without_upgrade_version_a_version_difference_still_fails(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    stub.add_response("describe_cluster", cluster("1.33"), {"name": CLUSTER})

    with pytest.raises(module_fail) as failed:
        run_module(eks_cluster.main, {"name": CLUSTER, "version": "1.34"}, {"eks": eks})

    assert "does not change versions unless upgrade_version=true" in failed.value.result["msg"]


def test_failed_version_update_reports_the_errors(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    stub.add_response("describe_cluster", cluster("1.33"), {"name": CLUSTER})
    stub.add_response(
        "update_cluster_version",
        {"update": {"id": "u-9", "status": "InProgress"}},
        {"name": CLUSTER, "version": "1.34"},
    )
    stub.add_response(
        "describe_update",
        {
            "update": {
                "id": "u-9",
                "status": "Failed",
                "type": "VersionUpdate",
                "errors": [{"errorCode": "NodeCreationFailure", "errorMessage": "nodes on 1.32 are too old"}],
            }
        },
        None,
    )

    with pytest.raises(module_fail) as failed:
        run_module(eks_cluster.main, {"name": CLUSTER, "version": "1.34", "upgrade_version": True}, {"eks": eks})

    assert "ended Failed: NodeCreationFailure: nodes on 1.32 are too old" in failed.value.result["msg"]


# ------------------------------------------------------------------ node groups
def ng_args(**overrides):
    base = {
        "cluster_name": CLUSTER,
        "name": NODEGROUP,
        "min_size": 3,
        "desired_size": 3,
        "max_size": 6,
        "labels": {"langsmith/pool": "general"},
        "taints": [],
        "version": "1.34",
        "upgrade_version": True,
    }
    base.update(overrides)
    return base


def test_nodegroup_rolls_to_the_new_version_keeping_the_autoscalers_size(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_nodegroup", copy.deepcopy(nodegroup("1.33")), NG_KEY)
    update_waited(
        stub, "update_nodegroup_version", {**NG_KEY, "version": "1.34"}, "VersionUpdate", nodegroupName=NODEGROUP
    )
    stub.add_response("describe_nodegroup", copy.deepcopy(nodegroup("1.34", status="UPDATING")), NG_KEY)
    stub.add_response("describe_nodegroup", copy.deepcopy(nodegroup("1.34", release="1.34.1-20250920")), NG_KEY)

    result = run_module(eks_nodegroup.main, ng_args(), {"eks": eks})

    assert result["changed"] is True
    assert result["updates"] == ["version 1.33 -> 1.34 (rolls the nodes)"]
    assert result["nodegroup"]["version"] == "1.34"


def test_nodegroup_version_and_template_roll_together_with_force(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_nodegroup", copy.deepcopy(nodegroup("1.33", lt_version="2")), NG_KEY)
    template = {"name": "demo-langsmith-general", "version": "3"}
    update_waited(
        stub,
        "update_nodegroup_version",
        {**NG_KEY, "version": "1.34", "releaseVersion": "1.34.1-20250920", "launchTemplate": template, "force": True},
        "VersionUpdate",
    )
    stub.add_response("describe_nodegroup", copy.deepcopy(nodegroup("1.34", lt_version="3")), NG_KEY)

    result = run_module(
        eks_nodegroup.main,
        ng_args(release_version="1.34.1-20250920", launch_template=template, force_update=True),
        {"eks": eks},
    )

    assert result["updates"] == [
        "version 1.33 -> 1.34 (rolls the nodes)",
        "AMI release 1.33.5-20250920 -> 1.34.1-20250920 (rolls the nodes)",
        "launch template version 2 -> 3 (rolls the nodes)",
    ]


def test_nodegroup_on_the_version_is_left_alone(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_nodegroup", copy.deepcopy(nodegroup("1.34")), NG_KEY)

    result = run_module(eks_nodegroup.main, ng_args(desired_size=4), {"eks": eks})

    assert result["changed"] is False


def test_nodegroup_version_roll_in_check_mode_calls_nothing(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_nodegroup", copy.deepcopy(nodegroup("1.33")), NG_KEY)

    result = run_module(eks_nodegroup.main, ng_args(), {"eks": eks}, check_mode=True)

    assert result["changed"] is True
    assert result["updates"] == ["version 1.33 -> 1.34 (rolls the nodes)"]


def test_nodegroup_refuses_a_downgrade(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    stub.add_response("describe_nodegroup", copy.deepcopy(nodegroup("1.34")), NG_KEY)

    with pytest.raises(module_fail) as failed:
        run_module(eks_nodegroup.main, ng_args(version="1.33"), {"eks": eks})

    assert "a downgrade: EKS cannot move nodes to an older version" in failed.value.result["msg"]


def test_nodegroup_on_another_version_fails_without_upgrade_version(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    stub.add_response("describe_nodegroup", copy.deepcopy(nodegroup("1.33")), NG_KEY)

    with pytest.raises(module_fail) as failed:
        run_module(eks_nodegroup.main, ng_args(upgrade_version=False), {"eks": eks})

    assert "runs Kubernetes 1.33, not 1.34" in failed.value.result["msg"]
    assert "playbooks/upgrade_cluster.yml" in failed.value.result["msg"]


def test_nodegroup_created_on_the_given_version(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_client_error("describe_nodegroup", "ResourceNotFoundException", http_status_code=404)
    stub.add_response(
        "create_nodegroup",
        copy.deepcopy(nodegroup("1.34", status="CREATING")),
        {
            **NG_KEY,
            "nodeRole": "arn:aws:iam::123456789012:role/demo-langsmith-node",
            "subnets": ["subnet-a"],
            "scalingConfig": {"minSize": 3, "maxSize": 6, "desiredSize": 3},
            "capacityType": "ON_DEMAND",
            "labels": {"langsmith/pool": "general"},
            "taints": [],
            "updateConfig": {"maxUnavailable": 1},
            "version": "1.34",
        },
    )

    result = run_module(
        eks_nodegroup.main,
        ng_args(node_role_arn="arn:aws:iam::123456789012:role/demo-langsmith-node", subnets=["subnet-a"], wait=False),
        {"eks": eks},
    )

    assert result["updates"] == ["create node group general"]

"""eks_nodegroup with Stubber: the paths the emulator cannot show (update tracking, launch template
version rolls, failure states) and the decisions (desired size left to the autoscaler, taints)."""

from __future__ import annotations

import copy

import pytest
from aws_module_runner import module_fail, no_poll_delay, run_module, stubbed  # noqa: F401  pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import eks_nodegroup

CLUSTER = "demo-langsmith"
NAME = "clickhouse"
ARN = f"arn:aws:eks:us-east-1:123456789012:nodegroup/{CLUSTER}/{NAME}/abcd"
ROLE = "arn:aws:iam::123456789012:role/demo-langsmith-node"
SUBNETS = ["subnet-a", "subnet-b"]
TAINT = {"key": "langsmith/pool", "value": "clickhouse", "effect": "NO_SCHEDULE"}
KEY = {"clusterName": CLUSTER, "nodegroupName": NAME}


def nodegroup(**changes):
    data = {
        "nodegroupName": NAME,
        "nodegroupArn": ARN,
        "clusterName": CLUSTER,
        "status": "ACTIVE",
        "nodeRole": ROLE,
        "subnets": SUBNETS,
        "instanceTypes": ["r6i.2xlarge"],
        "amiType": "AL2023_x86_64_STANDARD",
        "capacityType": "ON_DEMAND",
        "scalingConfig": {"minSize": 1, "maxSize": 3, "desiredSize": 2},
        "labels": {"langsmith/pool": "clickhouse"},
        "taints": [TAINT],
        "updateConfig": {"maxUnavailable": 1},
        "launchTemplate": {"name": "demo-langsmith-clickhouse", "version": "3", "id": "lt-1"},
        "tags": {"langsmith:env": "demo"},
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return {"nodegroup": data}


def args(**overrides):
    base = {
        "cluster_name": CLUSTER,
        "name": NAME,
        "node_role_arn": ROLE,
        "subnets": SUBNETS,
        "instance_types": ["r6i.2xlarge"],
        "ami_type": "AL2023_x86_64_STANDARD",
        "launch_template": {"name": "demo-langsmith-clickhouse", "version": "3"},
        "min_size": 1,
        "desired_size": 1,
        "max_size": 3,
        "labels": {"langsmith/pool": "clickhouse"},
        "taints": [TAINT],
        "tags": {"langsmith:env": "demo"},
    }
    base.update(overrides)
    return base


def describe(stub, response):
    stub.add_response("describe_nodegroup", copy.deepcopy(response), KEY)


def test_create_sends_labels_taints_template_and_waits(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_client_error("describe_nodegroup", "ResourceNotFoundException", http_status_code=404)
    stub.add_response(
        "create_nodegroup",
        nodegroup(status="CREATING"),
        {
            **KEY,
            "nodeRole": ROLE,
            "subnets": SUBNETS,
            "scalingConfig": {"minSize": 1, "maxSize": 3, "desiredSize": 1},
            "capacityType": "ON_DEMAND",
            "labels": {"langsmith/pool": "clickhouse"},
            "taints": [TAINT],
            "updateConfig": {"maxUnavailable": 1},
            "instanceTypes": ["r6i.2xlarge"],
            "amiType": "AL2023_x86_64_STANDARD",
            "launchTemplate": {"name": "demo-langsmith-clickhouse", "version": "3"},
            "tags": {"langsmith:env": "demo"},
        },
    )
    describe(stub, nodegroup(status="CREATING"))
    describe(stub, nodegroup(scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 1}))

    result = run_module(eks_nodegroup.main, args(), {"eks": eks})

    assert result["changed"] is True
    assert result["nodegroup"]["labels"] == {"langsmith/pool": "clickhouse"}  # label keys kept as they are


def test_create_failed_while_waiting_reports_health_issues(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    stub.add_client_error("describe_nodegroup", "ResourceNotFoundException", http_status_code=404)
    stub.add_response("create_nodegroup", nodegroup(status="CREATING"), None)
    describe(
        stub,
        nodegroup(
            status="CREATE_FAILED",
            health={
                "issues": [{"code": "NodeCreationFailure", "message": "Instances failed to join", "resourceIds": []}]
            },
        ),
    )

    with pytest.raises(module_fail) as failed:
        run_module(eks_nodegroup.main, args(), {"eks": eks})

    assert "is CREATE_FAILED: NodeCreationFailure: Instances failed to join" in failed.value.result["msg"]


def test_desired_size_belongs_to_the_autoscaler(run_module, stubbed):
    """desired 2 (set by the cluster autoscaler) within 1..3 stays; the inventory's 1 is not forced."""
    eks, stub = stubbed("eks")
    describe(stub, nodegroup())

    result = run_module(eks_nodegroup.main, args(), {"eks": eks})

    assert result["changed"] is False


def test_desired_size_is_clamped_into_new_bounds(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, nodegroup(scalingConfig={"minSize": 1, "maxSize": 6, "desiredSize": 5}))
    stub.add_response(
        "update_nodegroup_config",
        {"update": {"id": "u-1", "status": "InProgress"}},
        {**KEY, "scalingConfig": {"minSize": 1, "maxSize": 3, "desiredSize": 3}},
    )
    stub.add_response("describe_update", {"update": {"id": "u-1", "status": "Successful"}}, None)
    describe(stub, nodegroup(scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 3}))

    result = run_module(eks_nodegroup.main, args(), {"eks": eks})

    assert result["updates"] == ["scaling: max 6 -> 3, desired 5 -> 3"]


def test_label_value_and_taint_changes_are_one_update(run_module, stubbed):
    eks, stub = stubbed("eks")
    old_taint = {"key": "langsmith/pool", "value": "old", "effect": "NO_SCHEDULE"}
    stray = {"key": "dedicated", "value": "x", "effect": "NO_EXECUTE"}
    describe(stub, nodegroup(labels={"langsmith/pool": "old", "stray": "1"}, taints=[old_taint, stray]))
    stub.add_response(
        "update_nodegroup_config",
        {"update": {"id": "u-2", "status": "Successful"}},
        {
            **KEY,
            "labels": {"addOrUpdateLabels": {"langsmith/pool": "clickhouse"}, "removeLabels": ["stray"]},
            # The changed value is an add-or-update; only the stray taint is removed.
            "taints": {"addOrUpdateTaints": [TAINT], "removeTaints": [stray]},
        },
    )
    describe(stub, nodegroup())

    result = run_module(eks_nodegroup.main, args(), {"eks": eks})

    assert result["updates"] == [
        "labels: +langsmith/pool, -stray",
        "taints: +langsmith/pool:NO_SCHEDULE, -dedicated:NO_EXECUTE",
    ]


def test_missing_update_config_is_set(run_module, stubbed):
    """What the emulator drops at creation is applied by the next run (and AWS keeps it)."""
    eks, stub = stubbed("eks")
    describe(stub, nodegroup(updateConfig=None))
    stub.add_response(
        "update_nodegroup_config",
        {"update": {"id": "u-3", "status": "Successful"}},
        {**KEY, "updateConfig": {"maxUnavailable": 1}},
    )
    describe(stub, nodegroup())

    result = run_module(eks_nodegroup.main, args(), {"eks": eks})

    assert result["updates"] == ["update policy: max unavailable None -> 1"]


def test_new_launch_template_version_rolls_the_nodes(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, nodegroup())
    stub.add_response(
        "update_nodegroup_version",
        {"update": {"id": "u-4", "status": "InProgress"}},
        {**KEY, "launchTemplate": {"name": "demo-langsmith-clickhouse", "version": "4"}},
    )
    stub.add_response(
        "describe_update",
        {"update": {"id": "u-4", "status": "Successful"}},
        {"name": CLUSTER, "updateId": "u-4", "nodegroupName": NAME},
    )
    describe(stub, nodegroup(launchTemplate={"name": "demo-langsmith-clickhouse", "version": "4", "id": "lt-1"}))

    result = run_module(
        eks_nodegroup.main, args(launch_template={"name": "demo-langsmith-clickhouse", "version": "4"}), {"eks": eks}
    )

    assert result["updates"] == ["launch template version 3 -> 4 (rolls the nodes)"]


def test_changes_in_check_mode_are_only_reported(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, nodegroup(labels={}))

    result = run_module(eks_nodegroup.main, args(), {"eks": eks}, check_mode=True, diff=True)

    assert result["updates"] == ["labels: +langsmith/pool"]
    assert result["diff"]["before"]["labels"] == {}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"instance_types": ["m6i.2xlarge"]}, "instance types ['r6i.2xlarge'] -> ['m6i.2xlarge']"),
        ({"subnets": ["subnet-public"]}, "subnets"),
        ({"ami_type": "BOTTLEROCKET_x86_64"}, "AMI type"),
        ({"launch_template": {"name": "other", "version": "1"}}, "launch template name"),
    ],
)
def test_settings_eks_cannot_change_fail_with_the_way_out(run_module, stubbed, module_fail, overrides, message):
    eks, stub = stubbed("eks")
    describe(stub, nodegroup())

    with pytest.raises(module_fail) as failed:
        run_module(eks_nodegroup.main, args(**overrides), {"eks": eks})

    assert message in failed.value.result["msg"]
    assert "Create a node group under a new name" in failed.value.result["msg"]


def test_bad_sizes_fail_before_any_call(run_module, stubbed, module_fail):
    eks = stubbed("eks")[0]

    with pytest.raises(module_fail) as failed:
        run_module(eks_nodegroup.main, args(min_size=3, desired_size=2), {"eks": eks})

    assert "min_size <= desired_size <= max_size" in failed.value.result["msg"]


def test_delete_waits_until_gone(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, nodegroup())
    stub.add_response("delete_nodegroup", nodegroup(status="DELETING"), KEY)
    stub.add_client_error("describe_nodegroup", "ResourceNotFoundException", http_status_code=404)

    result = run_module(eks_nodegroup.main, args(state="absent"), {"eks": eks})

    assert result["updates"] == [f"delete node group {NAME}"]

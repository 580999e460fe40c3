"""eks_addon against Stubber: the emulator has no EKS add-on API (404)."""

from __future__ import annotations

import json

import pytest
from aws_module_runner import module_fail, no_poll_delay, run_module, stubbed  # noqa: F401  pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import eks_addon

CLUSTER = "demo-langsmith"
ARN = f"arn:aws:eks:us-east-1:123456789012:addon/{CLUSTER}/aws-ebs-csi-driver/abcd"
ROLE = "arn:aws:iam::123456789012:role/demo-langsmith-irsa-ebs-csi"
ADDON_KEY = {"clusterName": CLUSTER, "addonName": "aws-ebs-csi-driver"}


def addon(status="ACTIVE", *, version="v1.48.0-eksbuild.1", role=ROLE, config=None, tags=None, issues=()):
    data = {
        "addonName": "aws-ebs-csi-driver",
        "clusterName": CLUSTER,
        "status": status,
        "addonVersion": version,
        "addonArn": ARN,
        "health": {"issues": [{"code": c, "message": m, "resourceIds": []} for c, m in issues]},
        "tags": tags if tags is not None else {"langsmith:env": "demo"},
    }
    if role:
        data["serviceAccountRoleArn"] = role
    if config is not None:
        data["configurationValues"] = config
    return {"addon": data}


def not_found(stubber):
    stubber.add_client_error(
        "describe_addon", "ResourceNotFoundException", http_status_code=404, expected_params=ADDON_KEY
    )


def args(**overrides):
    base = {
        "cluster_name": CLUSTER,
        "name": "aws-ebs-csi-driver",
        "version": "v1.48.0-eksbuild.1",
        "service_account_role_arn": ROLE,
        "tags": {"langsmith:env": "demo"},
    }
    base.update(overrides)
    return base


def test_create_waits_from_creating_to_active(run_module, stubbed):
    eks, stub = stubbed("eks")
    not_found(stub)
    stub.add_response(
        "create_addon",
        addon(status="CREATING"),
        {
            **ADDON_KEY,
            "addonVersion": "v1.48.0-eksbuild.1",
            "serviceAccountRoleArn": ROLE,
            "resolveConflicts": "OVERWRITE",
            "tags": {"langsmith:env": "demo"},
        },
    )
    stub.add_response("describe_addon", addon(status="CREATING"), ADDON_KEY)
    stub.add_response("describe_addon", addon(status="ACTIVE"), ADDON_KEY)

    result = run_module(eks_addon.main, args(), {"eks": eks})

    assert result["changed"] is True
    assert result["addon"]["status"] == "ACTIVE"
    assert result["updates"] == ["create add-on aws-ebs-csi-driver v1.48.0-eksbuild.1"]


def test_create_in_check_mode_calls_nothing(run_module, stubbed):
    eks, stub = stubbed("eks")
    not_found(stub)

    result = run_module(eks_addon.main, args(), {"eks": eks}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["version"] == "v1.48.0-eksbuild.1"


def test_equal_addon_is_a_no_op(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(config=""), ADDON_KEY)

    result = run_module(eks_addon.main, args(), {"eks": eks})

    assert result["changed"] is False
    assert result["updates"] == []


def test_update_on_version_change_waits_for_the_update(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(version="v1.46.0-eksbuild.1"), ADDON_KEY)
    stub.add_response(
        "update_addon",
        {"update": {"id": "u-1", "status": "InProgress", "type": "AddonUpdate"}},
        {**ADDON_KEY, "addonVersion": "v1.48.0-eksbuild.1", "resolveConflicts": "OVERWRITE"},
    )
    stub.add_response(
        "describe_update",
        {"update": {"id": "u-1", "status": "InProgress"}},
        {"name": CLUSTER, "updateId": "u-1", "addonName": "aws-ebs-csi-driver"},
    )
    stub.add_response(
        "describe_update",
        {"update": {"id": "u-1", "status": "Successful"}},
        {"name": CLUSTER, "updateId": "u-1", "addonName": "aws-ebs-csi-driver"},
    )
    stub.add_response("describe_addon", addon(), ADDON_KEY)

    result = run_module(eks_addon.main, args(), {"eks": eks}, diff=True)

    assert result["changed"] is True
    assert result["updates"] == ["version v1.46.0-eksbuild.1 -> v1.48.0-eksbuild.1"]
    assert result["diff"]["before"]["version"] == "v1.46.0-eksbuild.1"
    assert result["diff"]["after"]["version"] == "v1.48.0-eksbuild.1"


def test_version_change_in_check_mode_only_reports(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(version="v1.46.0-eksbuild.1"), ADDON_KEY)

    result = run_module(eks_addon.main, args(), {"eks": eks}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["after"]["version"] == "v1.48.0-eksbuild.1"


@pytest.mark.parametrize(
    ("current", "wanted", "changes"),
    [
        ('{"replicaCount": 2}', {"replicaCount": 2}, False),
        ("replicaCount: 2\n", {"replicaCount": 2}, True),  # YAML set elsewhere is rewritten once as JSON
        ('{"replicaCount": 2}', {"replicaCount": 3}, True),
        ('{"replicaCount": 2}', {}, True),
    ],
)
def test_configuration_compared_as_data(run_module, stubbed, current, wanted, changes):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(config=current), ADDON_KEY)
    if changes:
        stub.add_response(
            "update_addon",
            {"update": {"id": "u-2", "status": "Successful"}},
            {**ADDON_KEY, "configurationValues": json.dumps(wanted), "resolveConflicts": "OVERWRITE"},
        )
        stub.add_response("describe_addon", addon(config=json.dumps(wanted)), ADDON_KEY)

    result = run_module(eks_addon.main, args(configuration_values=wanted), {"eks": eks})

    assert result["changed"] is changes


def test_service_account_role_change(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(role=None), ADDON_KEY)
    stub.add_response(
        "update_addon",
        {"update": {"id": "u-3", "status": "Successful"}},
        {**ADDON_KEY, "serviceAccountRoleArn": ROLE, "resolveConflicts": "OVERWRITE"},
    )
    stub.add_response("describe_addon", addon(), ADDON_KEY)

    result = run_module(eks_addon.main, args(), {"eks": eks})

    assert result["updates"] == [f"service account role None -> {ROLE}"]


def test_failed_update_reports_the_errors(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(version="v1.46.0-eksbuild.1"), ADDON_KEY)
    stub.add_response("update_addon", {"update": {"id": "u-4", "status": "InProgress"}}, None)
    stub.add_response(
        "describe_update",
        {
            "update": {
                "id": "u-4",
                "status": "Failed",
                "type": "AddonUpdate",
                "errors": [{"errorCode": "ConfigurationConflict", "errorMessage": "Conflicts found"}],
            }
        },
        None,
    )

    with pytest.raises(module_fail) as failed:
        run_module(eks_addon.main, args(), {"eks": eks})

    assert "ended Failed: ConfigurationConflict: Conflicts found" in failed.value.result["msg"]


@pytest.mark.parametrize("status", ["CREATE_FAILED", "DEGRADED"])
def test_failure_status_while_waiting_is_a_clear_error(run_module, stubbed, status, module_fail):
    eks, stub = stubbed("eks")
    not_found(stub)
    stub.add_response("create_addon", addon(status="CREATING"), None)
    stub.add_response(
        "describe_addon", addon(status=status, issues=[("InsufficientNumberOfReplicas", "0 of 2 ready")]), ADDON_KEY
    )

    with pytest.raises(module_fail) as failed:
        run_module(eks_addon.main, args(), {"eks": eks})

    assert failed.value.result["status"] == status
    assert f"is {status}: InsufficientNumberOfReplicas: 0 of 2 ready" in failed.value.result["msg"]


def test_existing_create_failed_addon_is_not_silently_kept(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(status="CREATE_FAILED", issues=[("AccessDenied", "no role")]), ADDON_KEY)

    with pytest.raises(module_fail) as failed:
        run_module(eks_addon.main, args(), {"eks": eks})

    assert "must be deleted first" in failed.value.result["msg"]


def test_second_pass_waits_for_a_creating_addon_without_changing_it(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(status="CREATING"), ADDON_KEY)
    stub.add_response("describe_addon", addon(status="ACTIVE"), ADDON_KEY)

    result = run_module(eks_addon.main, args(wait=True), {"eks": eks})

    assert result["changed"] is False
    assert result["addon"]["status"] == "ACTIVE"


def test_wait_times_out(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    not_found(stub)
    stub.add_response("create_addon", addon(status="CREATING"), None)
    stub.add_response("describe_addon", addon(status="CREATING"), ADDON_KEY)

    with pytest.raises(module_fail) as failed:
        run_module(eks_addon.main, args(wait_timeout=0), {"eks": eks})

    assert "Timed out after 0s" in failed.value.result["msg"]


def test_delete_waits_until_gone(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(), ADDON_KEY)
    stub.add_response("delete_addon", addon(status="DELETING"), {**ADDON_KEY, "preserve": False})
    stub.add_response("describe_addon", addon(status="DELETING"), ADDON_KEY)
    not_found(stub)

    result = run_module(eks_addon.main, args(state="absent"), {"eks": eks})

    assert result["changed"] is True
    assert result["addon"] == {}


def test_delete_of_a_missing_addon_is_a_no_op(run_module, stubbed):
    eks, stub = stubbed("eks")
    not_found(stub)

    result = run_module(eks_addon.main, args(state="absent"), {"eks": eks})

    assert result["changed"] is False


def test_tag_drift_is_corrected(run_module, stubbed):
    eks, stub = stubbed("eks")
    stub.add_response("describe_addon", addon(tags={"langsmith:env": "demo", "old": "x"}), ADDON_KEY)
    stub.add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["old"]})
    stub.add_response("describe_addon", addon(), ADDON_KEY)

    result = run_module(eks_addon.main, args(), {"eks": eks})

    assert result["updates"] == ["tags"]

"""eks_cluster: creation and the setting updates, with Stubber (the emulator has no DescribeUpdate,
AssociateEncryptionConfig, access entries, and ignores accessConfig)."""

from __future__ import annotations

import copy

import pytest
from aws_module_runner import module_fail, no_poll_delay, run_module, stubbed  # noqa: F401  pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import eks_cluster

NAME = "demo-langsmith"
ARN = f"arn:aws:eks:us-east-1:123456789012:cluster/{NAME}"
ROLE = "arn:aws:iam::123456789012:role/demo-langsmith-cluster"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1111"
ADMIN = "arn:aws:iam::123456789012:role/platform-admins"
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
SUBNETS = ["subnet-a", "subnet-b"]
ALL_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def cluster(**changes):
    data = {
        "name": NAME,
        "arn": ARN,
        "status": "ACTIVE",
        "version": "1.34",
        "endpoint": "https://ABC.gr7.us-east-1.eks.amazonaws.com",
        "roleArn": ROLE,
        "resourcesVpcConfig": {
            "subnetIds": SUBNETS,
            "securityGroupIds": [],
            "clusterSecurityGroupId": "sg-cluster",
            "vpcId": "vpc-1",
            "endpointPublicAccess": True,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": ["198.51.100.0/24"],
        },
        "logging": {"clusterLogging": [{"types": ALL_LOGS, "enabled": True}]},
        "identity": {"oidc": {"issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"}},
        "encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": KEY}}],
        "accessConfig": {"authenticationMode": "API"},
        "tags": {"langsmith:env": "demo"},
    }
    for key, value in changes.items():
        if key == "vpc":
            data["resourcesVpcConfig"].update(value)
        elif value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return {"cluster": data}


def args(**overrides):
    base = {
        "name": NAME,
        "version": "1.34",
        "role_arn": ROLE,
        "subnets": SUBNETS,
        "security_groups": [],
        "endpoint_private_access": True,
        "endpoint_public_access": True,
        "public_access_cidrs": ["198.51.100.0/24"],
        "log_types": ALL_LOGS,
        "encryption_key_arn": KEY,
        "authentication_mode": "API",
        "bootstrap_self_managed_addons": False,
        "tags": {"langsmith:env": "demo"},
    }
    base.update(overrides)
    return base


def describe(stub, response):
    stub.add_response("describe_cluster", copy.deepcopy(response), {"name": NAME})


def not_found(stub):
    stub.add_client_error("describe_cluster", "ResourceNotFoundException", http_status_code=404)


def update(stub, expected, update_id="u-1"):
    stub.add_response(
        "update_cluster_config", {"update": {"id": update_id, "status": "InProgress"}}, {"name": NAME, **expected}
    )
    stub.add_response("describe_update", {"update": {"id": update_id, "status": "InProgress"}}, None)
    stub.add_response("describe_update", {"update": {"id": update_id, "status": "Successful"}}, None)


def test_create_sends_every_setting_in_one_call_and_waits(run_module, stubbed):
    eks, stub = stubbed("eks")
    not_found(stub)
    stub.add_response(
        "create_cluster",
        cluster(status="CREATING"),
        {
            "name": NAME,
            "version": "1.34",
            "roleArn": ROLE,
            "resourcesVpcConfig": {
                "subnetIds": SUBNETS,
                "endpointPrivateAccess": True,
                "endpointPublicAccess": True,
                "publicAccessCidrs": ["198.51.100.0/24"],
            },
            "logging": {"clusterLogging": [{"types": sorted(ALL_LOGS), "enabled": True}]},
            "encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": KEY}}],
            "accessConfig": {"bootstrapClusterCreatorAdminPermissions": True, "authenticationMode": "API"},
            "bootstrapSelfManagedAddons": False,
            "tags": {"langsmith:env": "demo"},
        },
    )
    describe(stub, cluster(status="CREATING"))
    describe(stub, cluster())

    result = run_module(eks_cluster.main, args(), {"eks": eks})

    assert result["changed"] is True
    assert result["updates"] == [f"create cluster {NAME}"]
    assert result["cluster"]["status"] == "ACTIVE"


def test_create_in_check_mode_calls_nothing(run_module, stubbed):
    eks, stub = stubbed("eks")
    not_found(stub)

    result = run_module(eks_cluster.main, args(), {"eks": eks}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["after"]["endpoint_public_access"] is True
    assert result["diff"]["after"]["log_types"] == sorted(ALL_LOGS)


def test_create_failure_status_is_reported(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    not_found(stub)
    stub.add_response("create_cluster", cluster(status="CREATING"), None)
    describe(stub, cluster(status="FAILED"))

    with pytest.raises(module_fail) as failed:
        run_module(eks_cluster.main, args(), {"eks": eks})

    assert failed.value.result["msg"] == f"EKS cluster {NAME} is FAILED"


def test_matching_cluster_is_a_no_op(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster())

    result = run_module(eks_cluster.main, args(), {"eks": eks})

    assert result["changed"] is False
    assert result["updates"] == []


def test_closing_the_public_endpoint_is_one_waited_update(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster())
    update(stub, {"resourcesVpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False}})
    describe(stub, cluster())  # wait for ACTIVE after the update
    describe(stub, cluster(vpc={"endpointPublicAccess": False}))

    result = run_module(
        eks_cluster.main, args(endpoint_public_access=False, public_access_cidrs=None), {"eks": eks}, diff=True
    )

    assert result["updates"] == ["endpoint access: endpointPublicAccess True -> False"]
    assert result["diff"]["before"]["endpoint_public_access"] is True
    assert result["diff"]["after"]["endpoint_public_access"] is False


def test_new_public_cidrs(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster())
    update(
        stub,
        {
            "resourcesVpcConfig": {
                "endpointPrivateAccess": True,
                "endpointPublicAccess": True,
                "publicAccessCidrs": ["203.0.113.0/24"],
            }
        },
    )
    describe(stub, cluster())
    describe(stub, cluster(vpc={"publicAccessCidrs": ["203.0.113.0/24"]}))

    result = run_module(eks_cluster.main, args(public_access_cidrs=["203.0.113.0/24"]), {"eks": eks})

    assert result["changed"] is True


def test_endpoint_change_in_check_mode_only_reports(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster())

    result = run_module(eks_cluster.main, args(endpoint_public_access=False), {"eks": eks}, check_mode=True)

    assert result["updates"] == ["endpoint access: endpointPublicAccess True -> False"]


def test_logging_turns_on_the_missing_types_and_off_the_rest(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster(logging={"clusterLogging": [{"types": ["api", "scheduler"], "enabled": True}]}))
    update(
        stub,
        {
            "logging": {
                "clusterLogging": [
                    {"types": ["api", "audit", "authenticator"], "enabled": True},
                    {"types": ["controllerManager", "scheduler"], "enabled": False},
                ]
            }
        },
    )
    describe(stub, cluster())
    describe(stub, cluster())

    result = run_module(eks_cluster.main, args(log_types=["api", "audit", "authenticator"]), {"eks": eks})

    assert result["updates"] == ["logging: enable audit, authenticator; disable scheduler"]


def test_authentication_mode_moves_forward_one_step_at_a_time(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster(accessConfig={"authenticationMode": "CONFIG_MAP"}))
    update(stub, {"accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}, "u-1")
    describe(stub, cluster())
    update(stub, {"accessConfig": {"authenticationMode": "API"}}, "u-2")
    describe(stub, cluster())
    describe(stub, cluster())

    result = run_module(eks_cluster.main, args(), {"eks": eks})

    assert result["updates"] == ["authentication mode -> API_AND_CONFIG_MAP", "authentication mode -> API"]


def test_authentication_mode_never_goes_back(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    describe(stub, cluster())

    with pytest.raises(module_fail) as failed:
        run_module(eks_cluster.main, args(authentication_mode="CONFIG_MAP"), {"eks": eks})

    assert "cannot go back to CONFIG_MAP" in failed.value.result["msg"]


def test_encryption_is_associated_when_missing(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster(encryptionConfig=None))
    stub.add_response(
        "associate_encryption_config",
        {"update": {"id": "u-9", "status": "InProgress"}},
        {"clusterName": NAME, "encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": KEY}}]},
    )
    stub.add_response("describe_update", {"update": {"id": "u-9", "status": "Successful"}}, None)
    describe(stub, cluster())
    describe(stub, cluster())

    result = run_module(eks_cluster.main, args(), {"eks": eks})

    assert result["updates"] == [f"encryption: associate secrets encryption with {KEY}"]


def test_another_encryption_key_is_refused(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    describe(stub, cluster())

    with pytest.raises(module_fail) as failed:
        run_module(eks_cluster.main, args(encryption_key_arn=KEY + "2"), {"eks": eks})

    assert "cannot change or remove that key" in failed.value.result["msg"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"version": "1.33"}, "runs Kubernetes 1.34, not 1.33"),
        ({"subnets": ["subnet-x", "subnet-y"]}, "does not move a cluster to other subnets"),
        ({"security_groups": ["sg-extra"]}, "does not change them on an existing cluster"),
    ],
)
def test_settings_eks_cannot_change_in_place_fail(run_module, stubbed, module_fail, overrides, message):
    eks, stub = stubbed("eks")
    describe(stub, cluster())

    with pytest.raises(module_fail) as failed:
        run_module(eks_cluster.main, args(**overrides), {"eks": eks})

    assert message in failed.value.result["msg"]


def test_a_failed_update_fails_with_its_errors(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    describe(stub, cluster())
    stub.add_response("update_cluster_config", {"update": {"id": "u-5", "status": "InProgress"}}, None)
    stub.add_response(
        "describe_update",
        {
            "update": {
                "id": "u-5",
                "status": "Failed",
                "type": "EndpointAccessUpdate",
                "errors": [{"errorCode": "InsufficientFreeAddresses", "errorMessage": "subnet full"}],
            }
        },
        None,
    )

    with pytest.raises(module_fail) as failed:
        run_module(eks_cluster.main, args(endpoint_public_access=False), {"eks": eks})

    assert "ended Failed: InsufficientFreeAddresses: subnet full" in failed.value.result["msg"]


def access_entries_listing(stub, entries):
    """entries: {principal: (type, [(policy_arn, scope_type)])}"""
    stub.add_response("list_access_entries", {"accessEntries": sorted(entries)}, {"clusterName": NAME})
    for principal in sorted(entries):
        kind, policies = entries[principal]
        stub.add_response(
            "describe_access_entry",
            {"accessEntry": {"principalArn": principal, "type": kind, "kubernetesGroups": []}},
            {"clusterName": NAME, "principalArn": principal},
        )
        stub.add_response(
            "list_associated_access_policies",
            {
                "clusterName": NAME,
                "principalArn": principal,
                "associatedAccessPolicies": [{"policyArn": p, "accessScope": {"type": t}} for p, t in policies],
            },
            {"clusterName": NAME, "principalArn": principal},
        )


def test_access_entry_is_created_with_its_policy(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster())
    access_entries_listing(stub, {})
    stub.add_response(
        "create_access_entry",
        {"accessEntry": {"principalArn": ADMIN}},
        {"clusterName": NAME, "principalArn": ADMIN, "type": "STANDARD", "tags": {"langsmith:env": "demo"}},
    )
    stub.add_response(
        "associate_access_policy",
        {"clusterName": NAME, "principalArn": ADMIN},
        {"clusterName": NAME, "principalArn": ADMIN, "policyArn": ADMIN_POLICY, "accessScope": {"type": "cluster"}},
    )
    describe(stub, cluster())

    entries = [{"principal_arn": ADMIN, "policies": [{"policy_arn": "AmazonEKSClusterAdminPolicy"}]}]
    result = run_module(eks_cluster.main, args(access_entries=entries), {"eks": eks})

    assert result["updates"] == [
        f"access entry {ADMIN}: create",
        f"access entry {ADMIN}: associate {ADMIN_POLICY} (cluster scope)",
    ]
    assert result["access_entries"] == [ADMIN]


def test_matching_access_entries_are_a_no_op(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster())
    access_entries_listing(stub, {ADMIN: ("STANDARD", [(ADMIN_POLICY, "cluster")])})

    entries = [{"principal_arn": ADMIN, "policies": [{"policy_arn": ADMIN_POLICY}]}]
    result = run_module(eks_cluster.main, args(access_entries=entries), {"eks": eks})

    assert result["changed"] is False


def test_purge_removes_unlisted_standard_entries_but_not_nodes_or_the_caller(run_module, stubbed):
    eks, stub = stubbed("eks")
    sts, sts_stub = stubbed("sts")
    old = "arn:aws:iam::123456789012:role/former-admin"
    caller = "arn:aws:iam::123456789012:role/deployer"
    nodes = "arn:aws:iam::123456789012:role/demo-langsmith-node"
    describe(stub, cluster())
    access_entries_listing(
        stub,
        {
            ADMIN: ("STANDARD", [(ADMIN_POLICY, "cluster")]),
            old: ("STANDARD", [(ADMIN_POLICY, "cluster")]),
            caller: ("STANDARD", [(ADMIN_POLICY, "cluster")]),
            nodes: ("EC2_LINUX", []),
        },
    )
    sts_stub.add_response(
        "get_caller_identity",
        {"UserId": "AROA:x", "Account": "123456789012", "Arn": "arn:aws:sts::123456789012:assumed-role/deployer/s1"},
    )
    stub.add_response("delete_access_entry", {}, {"clusterName": NAME, "principalArn": old})
    describe(stub, cluster())

    entries = [{"principal_arn": ADMIN, "policies": [{"policy_arn": ADMIN_POLICY}]}]
    result = run_module(
        eks_cluster.main, args(access_entries=entries, purge_access_entries=True), {"eks": eks, "sts": sts}
    )

    assert result["updates"] == [f"access entry {old}: delete"]


def test_unlisted_policy_is_disassociated(run_module, stubbed):
    eks, stub = stubbed("eks")
    view = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    describe(stub, cluster())
    access_entries_listing(stub, {ADMIN: ("STANDARD", [(ADMIN_POLICY, "cluster"), (view, "cluster")])})
    stub.add_response("disassociate_access_policy", {}, {"clusterName": NAME, "principalArn": ADMIN, "policyArn": view})
    describe(stub, cluster())

    entries = [{"principal_arn": ADMIN, "policies": [{"policy_arn": ADMIN_POLICY}]}]
    result = run_module(eks_cluster.main, args(access_entries=entries), {"eks": eks})

    assert result["updates"] == [f"access entry {ADMIN}: disassociate {view}"]


def test_tags_are_corrected(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster(tags={"langsmith:env": "old"}))
    stub.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": {"langsmith:env": "demo"}})
    describe(stub, cluster())

    result = run_module(eks_cluster.main, args(), {"eks": eks})

    assert result["updates"] == ["tags"]


def test_delete_waits_until_gone(run_module, stubbed):
    eks, stub = stubbed("eks")
    describe(stub, cluster())
    stub.add_response("delete_cluster", cluster(status="DELETING"), {"name": NAME})
    describe(stub, cluster(status="DELETING"))
    not_found(stub)

    result = run_module(eks_cluster.main, {"name": NAME, "state": "absent"}, {"eks": eks})

    assert result["updates"] == [f"delete cluster {NAME}"]


def test_create_needs_role_and_subnets(run_module, stubbed, module_fail):
    eks, stub = stubbed("eks")
    not_found(stub)

    with pytest.raises(module_fail) as failed:
        run_module(eks_cluster.main, {"name": NAME}, {"eks": eks})

    assert "needs role_arn, subnets" in failed.value.result["msg"]

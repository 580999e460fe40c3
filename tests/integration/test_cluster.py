"""Cluster stage against the emulator: bad inputs fail before any change, then one converge whose
result is checked with our own boto3 queries, a second converge with changed=0, check mode, and an
endpoint update.

The emulator (moto 5.2.5) has no EKS add-on or access-entry API and creates no cluster security
group; those skips are asserted to be listed in the run summary, and the modules' paths for them
are unit-tested with Stubber (tests/unit/plugins/modules).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml
from conftest import REGION, run_playbook

PREFIX = "demo-langsmith"
ROOT = Path(__file__).resolve().parents[2]
# inventories/local uses the dev tier; sizes come from the one file of presets.
DEV = yaml.safe_load((ROOT / "roles/langsmith/defaults/main/tiers.yml").read_text())["langsmith_tier_presets"]["dev"]
CLUSTER = "demo-langsmith"
ALL_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    return tmp_path_factory.mktemp("artifacts")


@pytest.fixture(scope="module")
def stage(emulator_server, tmp_path_factory, artifacts):
    """``stage(playbook, **extra_vars)`` against this module's emulator; artifacts under a temp dir."""
    vars_dir = tmp_path_factory.mktemp("vars")

    def _run(name="cluster.yml", check=False, **extra_vars):
        return run_playbook(
            name,
            endpoint=emulator_server.endpoint,
            extra_vars={"langsmith_artifacts_dir": str(artifacts), **extra_vars},
            check=check,
            diff=check,
            tmp_path=vars_dir,
        )

    return _run


@pytest.fixture(scope="module")
def network_only(emulator_server, stage):
    """A fresh emulator with only the network stage converged."""
    emulator_server.reset()
    stage("network.yml").assert_ok()
    return emulator_server


def nothing_of_the_cluster_stage_exists(aws):
    assert aws.client("eks").list_clusters()["clusters"] == []
    assert [
        a for a in aws.client("kms").list_aliases()["Aliases"] if a["AliasName"].startswith(f"alias/{PREFIX}")
    ] == []
    roles = aws.client("iam").list_roles()["Roles"]
    assert [r["RoleName"] for r in roles if r["RoleName"].startswith(PREFIX)] == []
    groups = aws.client("logs").describe_log_groups(logGroupNamePrefix="/aws/eks/")["logGroups"]
    assert groups == []


# ------------------------------------------------------------------ bad inputs, before any change
@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        pytest.param(
            {"eks_kubernetes_version": "1.29"},
            "eks_kubernetes_version=1.29 is not supported by this collection: use one of 1.33, 1.34",
            id="unsupported-version",
        ),
        pytest.param(
            {"eks_general_instance_types": ["m6i.2xlarge"], "eks_general_min_size": 2, "eks_general_desired_size": 2},
            "set eks_general_min_size to at least 3",
            id="general-below-16-vcpu-64-gib",
        ),
        pytest.param(
            {"eks_clickhouse_instance_type": "m6i.2xlarge", "eks_clickhouse_requests": {"cpu": "8", "memory": "32Gi"}},
            "eks_clickhouse_instance_type=m6i.2xlarge (8 vCPU / 32.0 GiB nominal) cannot hold the ClickHouse requests",
            id="clickhouse-requests-above-allocatable",
        ),
        pytest.param(
            {"langsmith_tier": "production", "eks_public_access_cidrs": ["0.0.0.0/0"]},
            "set eks_allow_public_endpoint_from_anywhere: true",
            id="production-endpoint-open-to-the-internet",
        ),
    ],
)
def test_bad_input_fails_before_any_change(network_only, stage, extra_vars, message):
    run = stage(**extra_vars)

    assert run.rc != 0
    assert message in " ".join(run.output.split()), run.output[-3000:]
    nothing_of_the_cluster_stage_exists(network_only)


def test_the_override_admits_an_open_endpoint_on_production(network_only, stage):
    """The named override passes validation (checked in check mode: nothing is created)."""
    run = stage(
        check=True,
        langsmith_tier="production",
        eks_public_access_cidrs=["0.0.0.0/0"],
        eks_allow_public_endpoint_from_anywhere=True,
    )

    run.assert_ok()
    nothing_of_the_cluster_stage_exists(network_only)


# ------------------------------------------------------------------ converge
@pytest.fixture(scope="module")
def converged(network_only, stage):
    first = stage().assert_ok()
    return network_only, first


@pytest.fixture(scope="module")
def network(converged):
    aws = converged[0]
    subnets = aws.client("ec2").describe_subnets(Filters=[{"Name": "tag:langsmith:env", "Values": ["demo"]}])["Subnets"]
    kind = {s["SubnetId"]: s["Tags"] for s in subnets}
    private = sorted(i for i, tags in kind.items() if {"Key": "langsmith:subnet", "Value": "private"} in tags)
    public = sorted(i for i, tags in kind.items() if {"Key": "langsmith:subnet", "Value": "public"} in tags)
    groups = aws.client("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{PREFIX}-nodes"]}])
    return {"private": private, "public": public, "nodes_sg": groups["SecurityGroups"][0]["GroupId"]}


@pytest.fixture(scope="module")
def cluster(converged):
    aws = converged[0]
    return aws.client("eks").describe_cluster(name=CLUSTER)["cluster"]


def test_first_converge_lists_what_the_emulator_skipped(converged):
    run = converged[1]
    assert run.changed > 0
    output = " ".join(run.output.split())
    for skip in ("EKS add-ons", "EKS authentication mode", "EKS cluster security group", "Launch template tags"):
        assert f"emulator skip: {skip}" in output


def test_cluster_version_endpoint_and_logs(cluster, network):
    assert cluster["version"] == "1.34"
    vpc = cluster["resourcesVpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is True
    assert vpc["publicAccessCidrs"] == ["198.51.100.0/24"]  # inventories/local, never 0.0.0.0/0
    assert sorted(vpc["subnetIds"]) == network["private"]
    [logging] = [entry for entry in cluster["logging"]["clusterLogging"] if entry["enabled"]]
    assert sorted(logging["types"]) == sorted(ALL_LOGS)
    assert cluster["tags"]["langsmith:env"] == "demo"
    assert cluster["tags"]["langsmith:stage"] == "cluster"


def test_secrets_are_encrypted_with_our_rotated_key(converged, cluster):
    aws = converged[0]
    kms = aws.client("kms")
    key = kms.describe_key(KeyId=f"alias/{PREFIX}-eks")["KeyMetadata"]
    [encryption] = cluster["encryptionConfig"]
    assert encryption["resources"] == ["secrets"]
    assert encryption["provider"]["keyArn"] == key["Arn"]
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True


def test_control_plane_log_group_has_a_retention(converged):
    aws = converged[0]
    [group] = aws.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/eks/{CLUSTER}/cluster")["logGroups"]
    assert group["retentionInDays"] == 90


def test_iam_roles_carry_only_the_policies_they_need(converged):
    aws = converged[0]
    iam = aws.client("iam")

    def policies(role):
        return sorted(p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"])

    assert policies(f"{PREFIX}-cluster") == ["AmazonEKSClusterPolicy"]
    assert policies(f"{PREFIX}-node") == ["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy"]
    assert policies(f"{PREFIX}-irsa-ebs-csi") == ["AmazonEBSCSIDriverPolicy"]
    assert policies(f"{PREFIX}-irsa-vpc-cni") == ["AmazonEKS_CNI_Policy"]
    assert policies(f"{PREFIX}-irsa-cloudwatch") == ["CloudWatchAgentServerPolicy"]


def test_oidc_provider_matches_the_issuer_and_irsa_trusts_one_service_account(converged, cluster):
    aws = converged[0]
    iam = aws.client("iam")
    issuer = cluster["identity"]["oidc"]["issuer"].removeprefix("https://")
    arns = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    assert arns == [f"arn:aws:iam::123456789012:oidc-provider/{issuer}"]
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arns[0])["ClientIDList"] == ["sts.amazonaws.com"]

    trust = iam.get_role(RoleName=f"{PREFIX}-irsa-ebs-csi")["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Federated": arns[0]}
    assert statement["Condition"]["StringEquals"] == {
        f"{issuer}:sub": "system:serviceaccount:kube-system:ebs-csi-controller-sa",
        f"{issuer}:aud": "sts.amazonaws.com",
    }


def test_node_groups_private_sized_by_tier_clickhouse_tainted(converged, network):
    aws = converged[0]
    eks = aws.client("eks")
    assert sorted(eks.list_nodegroups(clusterName=CLUSTER)["nodegroups"]) == ["clickhouse", "general"]
    general = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName="general")["nodegroup"]
    clickhouse = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName="clickhouse")["nodegroup"]
    node_role = aws.client("iam").get_role(RoleName=f"{PREFIX}-node")["Role"]["Arn"]

    for group in (general, clickhouse):
        assert sorted(group["subnets"]) == network["private"]
        assert not set(group["subnets"]) & set(network["public"])
        assert group["nodeRole"] == node_role
        assert group["amiType"] == "AL2023_x86_64_STANDARD"
        assert group["tags"]["k8s.io/cluster-autoscaler/enabled"] == "true"
        assert group["tags"][f"k8s.io/cluster-autoscaler/{CLUSTER}"] == "owned"

    # dev tier: the general group from the preset; ClickHouse: one node per replica
    preset, replicas = DEV["eks"]["general"], DEV["clickhouse"]["replicas"]
    assert general["instanceTypes"] == preset["instance_types"]
    assert general["scalingConfig"] == {
        "minSize": preset["min_size"],
        "maxSize": preset["max_size"],
        "desiredSize": preset["desired_size"],
    }
    assert general["labels"] == {"langsmith/pool": "general"}
    assert general["taints"] == []
    assert clickhouse["instanceTypes"] == [DEV["clickhouse"]["instance_type"]]
    assert clickhouse["scalingConfig"] == {"minSize": replicas, "maxSize": replicas, "desiredSize": replicas}
    assert clickhouse["labels"] == {"langsmith/pool": "clickhouse"}
    assert clickhouse["taints"] == [{"key": "langsmith/pool", "value": "clickhouse", "effect": "NO_SCHEDULE"}]


def test_nodes_carry_the_nodes_security_group_imdsv2_and_encrypted_volumes(converged, network):
    aws = converged[0]
    ec2 = aws.client("ec2")
    eks = aws.client("eks")
    for name in ("general", "clickhouse"):
        template = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=name)["nodegroup"]["launchTemplate"]
        [version] = ec2.describe_launch_template_versions(
            LaunchTemplateName=template["name"], Versions=[template["version"]]
        )["LaunchTemplateVersions"]
        data = version["LaunchTemplateData"]
        assert network["nodes_sg"] in data["SecurityGroupIds"]
        assert data["MetadataOptions"]["HttpTokens"] == "required"
        [volume] = data["BlockDeviceMappings"]
        assert volume["Ebs"]["Encrypted"] is True
        assert volume["Ebs"]["VolumeType"] == "gp3"


def test_kubeconfig_uses_token_exec_and_is_private(converged, cluster, artifacts):
    path = Path(artifacts) / "kubeconfig"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = yaml.safe_load(path.read_text())
    [entry] = config["clusters"]
    assert entry["cluster"]["server"] == cluster["endpoint"].rstrip("/")
    assert entry["cluster"]["certificate-authority-data"] == cluster["certificateAuthority"]["data"]
    [user] = config["users"]
    assert set(user["user"]) == {"exec"}  # no token, no client key, no password
    exec_ = user["user"]["exec"]
    assert exec_["command"] == "aws"
    assert exec_["args"] == ["--region", REGION, "eks", "get-token", "--cluster-name", CLUSTER, "--output", "json"]


def test_entry_points_for_later_stages(converged, cluster, stage, artifacts):
    """discover publishes the contract later stages rely on; kubeconfig and verify work alone."""
    aws = converged[0]
    (Path(artifacts) / "kubeconfig").unlink()
    run = stage("../tests/integration/playbooks/eks_entry_points.yml").assert_ok()
    assert run.changed == 2  # the kubeconfig written again and the test's copy of eks_outputs; nothing on AWS

    outputs = json.loads((Path(artifacts) / "eks_outputs.json").read_text())
    issuer = cluster["identity"]["oidc"]["issuer"]
    assert outputs["cluster_name"] == CLUSTER
    assert outputs["cluster_arn"] == cluster["arn"]
    assert outputs["endpoint"] == cluster["endpoint"]
    assert outputs["certificate_authority_data"] == cluster["certificateAuthority"]["data"]
    assert outputs["version"] == "1.34"
    assert outputs["status"] == "ACTIVE"
    assert outputs["oidc_issuer_url"] == issuer
    assert outputs["oidc_issuer"] == issuer.removeprefix("https://")
    assert outputs["oidc_provider_arn"] == f"arn:aws:iam::123456789012:oidc-provider/{outputs['oidc_issuer']}"
    assert outputs["node_role_arn"] == aws.client("iam").get_role(RoleName=f"{PREFIX}-node")["Role"]["Arn"]
    assert outputs["kms_key_arn"] == cluster["encryptionConfig"][0]["provider"]["keyArn"]
    assert outputs["kubeconfig_path"] == str(Path(artifacts) / "kubeconfig")
    assert outputs["cluster_security_group_id"] == ""  # the emulator creates none
    assert outputs["clickhouse_node_selector"] == {"langsmith/pool": "clickhouse"}
    assert (Path(artifacts) / "kubeconfig").is_file()


def test_second_converge_changes_nothing(converged, stage):
    stage().assert_idempotent()


def test_check_mode_on_the_converged_stage_predicts_no_change(converged, stage):
    stage(check=True).assert_idempotent()


def test_private_exposure_closes_the_endpoint_and_external_clickhouse_deletes_nothing(converged, stage):
    aws = converged[0]
    run = stage(langsmith_exposure="private", langsmith_clickhouse_mode="external").assert_ok()

    assert "endpoint access: endpointPublicAccess True -> False" in run.output
    eks = aws.client("eks")
    vpc = eks.describe_cluster(name=CLUSTER)["cluster"]["resourcesVpcConfig"]
    assert vpc["endpointPublicAccess"] is False
    assert vpc["endpointPrivateAccess"] is True
    # The ClickHouse node group is no longer configured but is never deleted without the operator.
    assert sorted(eks.list_nodegroups(clusterName=CLUSTER)["nodegroups"]) == ["clickhouse", "general"]
    assert "eks: WARNING node group clickhouse exists but is not configured" in " ".join(run.output.split())


# ------------------------------------------------------------------ site.yml's entry points
@pytest.mark.parametrize(
    "with_nodes", [pytest.param(False, id="start-then-main"), pytest.param(True, id="start-nodes-main")]
)
def test_entry_points_start_and_nodes_then_main_converge_once(network_only, stage, with_nodes):
    """site.yml runs `start` and `nodes` early and `main` later in one play: main skips what they did
    (each step runs once), the cluster converges, and the same run again changes nothing."""
    aws = network_only
    aws.reset()
    stage("network.yml").assert_ok()
    playbook = "../tests/integration/playbooks/eks_start_then_main.yml"

    first = stage(playbook, entry_points_test_nodes=with_nodes).assert_ok()

    flat = " ".join(first.output.split())
    assert flat.count("TASK [langchain.langsmith_aws.eks : Start creating or correcting the EKS cluster") == 1
    assert flat.count("TASK [langchain.langsmith_aws.eks : Wait for the EKS cluster job") == 1
    assert flat.count("TASK [langchain.langsmith_aws.eks : Managed node groups, start all]") == 1
    assert flat.count("TASK [langchain.langsmith_aws.eks : Managed node groups, wait for each]") == 1
    eks = aws.client("eks")
    assert eks.describe_cluster(name=CLUSTER)["cluster"]["status"] == "ACTIVE"
    assert sorted(eks.list_nodegroups(clusterName=CLUSTER)["nodegroups"]) == ["clickhouse", "general"]

    stage(playbook, entry_points_test_nodes=with_nodes).assert_idempotent()

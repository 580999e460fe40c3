"""The platform stage against the emulator, in render mode and (with a kubernetes.core test double) apply mode.

The earlier stages (network, cluster, datastores, secrets) and this one converge once for this
module, stage playbook by stage playbook (site.yml starts with preflight, which needs the edge
stage's Route 53 zone), in render mode like inventories/local. Assertions read the emulator with our own boto3
calls and the rendered files from disk; the apply path is checked on the exact inputs handed to
kubernetes.core.helm / k8s / k8s_info (tests/fixtures/collections: recorders standing in for a
cluster, see its README), against the real modules' argument specs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_playbook

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import k8s_validate
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.k8s_crd_schemas import SCHEMAS

ENV = "demo"  # inventories/local
PREFIX = f"{ENV}-langsmith"
CLUSTER = PREFIX
LICENSE = "lic-platform-test-0123456789abcdef"
BASE_VARS: dict = {}  # inventories/local has everything the earlier stages need
FAKE_COLLECTIONS = ROOT / "tests" / "fixtures" / "collections"
TIERS = yaml.safe_load((ROOT / "roles/langsmith/defaults/main/tiers.yml").read_text())["langsmith_tier_presets"]

# The LangSmith chart's secret contract (shared reference: langsmith-chart.md), for this
# architecture: token/basic auth, external PostgreSQL and Redis, ClickHouse connection secret.
CHART_SECRETS = {
    "langsmith-config": ["langsmith_license_key", "api_key_salt", "jwt_secret", "initial_org_admin_password"],
    "langsmith-postgres": ["connection_url"],
    "langsmith-redis": ["connection_url"],
    "langsmith-clickhouse": [
        "clickhouse_host",
        "clickhouse_port",
        "clickhouse_native_port",
        "clickhouse_user",
        "clickhouse_password",
        "clickhouse_db",
        "clickhouse_tls",
    ],
}


def _run(endpoint, playbook="platform.yml", extra_vars=None, env=None, **kwargs):
    return run_playbook(
        playbook,
        endpoint=endpoint,
        extra_vars={**BASE_VARS, **(extra_vars or {})},
        env={"LANGSMITH_LICENSE_KEY": LICENSE, **(env or {})},
        **kwargs,
    )


@pytest.fixture(scope="module")
def stack(emulator_server, tmp_path_factory):
    """network + cluster + datastores + secrets + platform, converged once (render mode)."""
    emulator_server.reset()
    artifacts = tmp_path_factory.mktemp("artifacts")
    extra = {"langsmith_artifacts_dir": str(artifacts)}
    for stage in ("network.yml", "cluster.yml", "datastores.yml", "secrets.yml"):
        _run(emulator_server.endpoint, stage, extra, tmp_path=artifacts).assert_ok()
    run = _run(emulator_server.endpoint, "platform.yml", extra, tmp_path=artifacts).assert_ok()
    return {"aws": emulator_server, "artifacts": artifacts, "vars": extra, "run": run}


def _files(stack):
    return {
        p.relative_to(stack["artifacts"] / "platform").as_posix(): p
        for p in (stack["artifacts"] / "platform").rglob("*")
        if p.is_file()
    }


def _docs(stack, name):
    return list(yaml.safe_load_all((stack["artifacts"] / "platform" / name).read_text()))


def _secret_values(aws):
    """Every value stored under our Secrets Manager prefix (the test may read them; the role never does)."""
    sm = aws.client("secretsmanager")
    values = []
    for entry in sm.list_secrets()["SecretList"]:
        if entry["Name"].startswith(f"{PREFIX}/"):
            payload = json.loads(sm.get_secret_value(SecretId=entry["ARN"])["SecretString"])
            values.append((entry["Name"], payload))
    return values


# --------------------------------------------------------------------------- render mode
def test_render_writes_every_manifest_and_values_file(stack):
    assert sorted(_files(stack)) == [
        "helm/aws-load-balancer-controller.values.yaml",
        "helm/cluster-autoscaler.values.yaml",
        "helm/external-secrets.values.yaml",
        "helm/releases.yaml",
        "manifests/00-namespaces.yaml",
        "manifests/10-storage-class.yaml",
        "manifests/20-cluster-secret-store.yaml",
        "manifests/30-external-secrets.yaml",
    ]
    assert "Ingress proof skipped: render mode" in stack["run"].output
    assert f"platform: rendered to {stack['artifacts']}/platform" in stack["run"].output


def test_rendered_manifests_are_schema_valid_for_the_cluster_version(stack):
    version = stack["aws"].client("eks").describe_cluster(name=CLUSTER)["cluster"]["version"]
    sources = [
        (name, index, doc)
        for name, path in _files(stack).items()
        if name.startswith("manifests/")
        for index, doc in enumerate(yaml.safe_load_all(path.read_text()))
    ]
    results, invalid = k8s_validate.validate_manifests(sources, version, schemas=SCHEMAS)
    assert invalid == 0, [r for r in results if not r["valid"]]
    assert sorted({r["schema"] for r in results}) == ["custom", f"kubernetes-{version}"]
    assert len(results) == 2 + 1 + 1 + len(CHART_SECRETS)


def test_helm_releases_are_pinned_and_complete(stack):
    releases = _docs(stack, "helm/releases.yaml")[0]["releases"]
    charts = yaml.safe_load((ROOT / "roles/platform/vars/main/charts.yml").read_text())["_platform_charts"]
    version = stack["aws"].client("eks").describe_cluster(name=CLUSTER)["cluster"]["version"]
    assert [(r["name"], r["namespace"], r["chart_ref"], r["chart_repo_url"], r["chart_version"]) for r in releases] == [
        ("aws-load-balancer-controller", "kube-system", "aws-load-balancer-controller", "https://aws.github.io/eks-charts",
         charts["aws_load_balancer_controller"]["chart_version"]),
        ("cluster-autoscaler", "kube-system", "cluster-autoscaler", "https://kubernetes.github.io/autoscaler",
         charts["cluster_autoscaler"]["by_kubernetes_minor"][version]["chart_version"]),
        ("external-secrets", "external-secrets", "external-secrets", "https://charts.external-secrets.io",
         charts["external_secrets"]["chart_version"]),
    ]  # fmt: skip
    assert all(re.match(r"^\d+\.\d+\.\d+$", r["chart_version"]) for r in releases)
    assert all(r["wait"] is True and r["atomic"] is True and r["timeout"] == "600s" for r in releases)
    assert all((stack["artifacts"] / "platform/helm" / r["values_file"]).exists() for r in releases)


def test_storage_class_is_the_only_default_gp3_with_the_dev_tier_performance(stack):
    (storage_class,) = _docs(stack, "manifests/10-storage-class.yaml")
    storage = TIERS["dev"]["clickhouse"]["storage"]
    assert storage_class["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert storage_class["provisioner"] == "ebs.csi.aws.com"
    params = storage_class["parameters"]
    assert (params["type"], params["encrypted"], params["iops"], params["throughput"]) == (
        "gp3", "true", str(storage["iops"]), str(storage["throughput"])
    )  # fmt: skip
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer"
    assert storage_class["allowVolumeExpansion"] is True
    assert storage_class["reclaimPolicy"] == "Retain"
    assert "langsmith:env=demo" in params.values()


@pytest.mark.parametrize("tier", ["production", "production_large"])
def test_storage_class_follows_the_clickhouse_tier(stack, tmp_path, tier):
    run = _run(
        stack["aws"].endpoint,
        extra_vars={"langsmith_tier": tier, "langsmith_artifacts_dir": str(tmp_path)},
        tmp_path=tmp_path,
    )
    run.assert_ok()
    (storage_class,) = yaml.safe_load_all((tmp_path / "platform/manifests/10-storage-class.yaml").read_text())
    storage = TIERS[tier]["clickhouse"]["storage"]
    assert storage_class["parameters"]["iops"] == str(storage["iops"])
    assert storage_class["parameters"]["throughput"] == str(storage["throughput"])
    assert (storage["iops"], storage["throughput"]) != (
        TIERS["dev"]["clickhouse"]["storage"]["iops"], TIERS["dev"]["clickhouse"]["storage"]["throughput"]
    )  # fmt: skip


def test_external_secrets_produce_exactly_the_charts_secrets_and_keys(stack):
    docs = _docs(stack, "manifests/30-external-secrets.yaml")
    produced = {d["spec"]["target"]["name"]: [item["secretKey"] for item in d["spec"]["data"]] for d in docs}
    assert produced == CHART_SECRETS
    for doc in docs:
        assert doc["metadata"]["namespace"] == "langsmith"
        assert doc["metadata"]["name"] == doc["spec"]["target"]["name"]
        assert doc["spec"]["refreshInterval"] == "1h"
        assert doc["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": f"{PREFIX}-secrets-manager"}
        assert "dataFrom" not in doc["spec"]


def test_every_remote_ref_exists_in_secrets_manager(stack):
    """ESO would find each referenced key: the entry exists and its JSON has the property."""
    stored = dict(_secret_values(stack["aws"]))
    for doc in _docs(stack, "manifests/30-external-secrets.yaml"):
        for item in doc["spec"]["data"]:
            ref = item["remoteRef"]
            assert ref["key"] in stored, f"{doc['metadata']['name']}: no secret {ref['key']}"
            assert ref["property"] in stored[ref["key"]], f"{ref['key']} has no property {ref['property']}"


def test_the_store_reads_secrets_manager_through_the_service_account_the_eso_role_trusts(stack):
    (store,) = _docs(stack, "manifests/20-cluster-secret-store.yaml")
    iam = stack["aws"].client("iam")
    trust = iam.get_role(RoleName=f"{PREFIX}-eso")["Role"]["AssumeRolePolicyDocument"]
    subjects = [v for s in trust["Statement"] for k, v in s["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    aws = store["spec"]["provider"]["aws"]
    account = aws["auth"]["jwt"]["serviceAccountRef"]
    assert subjects == [f"system:serviceaccount:{account['namespace']}:{account['name']}"]
    assert (aws["service"], aws["region"]) == ("SecretsManager", "us-east-1")
    assert store["spec"]["conditions"] == [{"namespaces": ["langsmith"]}]
    (values,) = _docs(stack, "helm/external-secrets.values.yaml")
    assert values["serviceAccount"]["name"] == account["name"]
    assert values["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": iam.get_role(RoleName=f"{PREFIX}-eso")["Role"]["Arn"]
    }
    namespaces = {d["metadata"]["name"] for d in _docs(stack, "manifests/00-namespaces.yaml")}
    assert namespaces == {"langsmith", account["namespace"]}


@pytest.mark.parametrize(
    ("component", "role", "namespace", "account"),
    [
        ("aws-load-balancer-controller", "irsa-lb-controller", "kube-system", "aws-load-balancer-controller"),
        ("cluster-autoscaler", "irsa-cluster-autoscaler", "kube-system", "cluster-autoscaler"),
    ],
)
def test_irsa_roles_trust_exactly_their_service_account(stack, component, role, namespace, account):
    aws = stack["aws"]
    iam = aws.client("iam")
    found = iam.get_role(RoleName=f"{PREFIX}-{role}")["Role"]
    issuer = (
        aws.client("eks")
        .describe_cluster(name=CLUSTER)["cluster"]["identity"]["oidc"]["issuer"]
        .removeprefix("https://")
    )
    providers = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    (statement,) = found["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"] in providers
    assert statement["Principal"]["Federated"].endswith(issuer)
    assert statement["Condition"]["StringEquals"] == {
        f"{issuer}:sub": f"system:serviceaccount:{namespace}:{account}",
        f"{issuer}:aud": "sts.amazonaws.com",
    }
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=found["RoleName"])["Tags"]}
    assert tags["langsmith:env"] == ENV
    assert tags["langsmith:stage"] == "platform"
    assert tags["Name"] == found["RoleName"]
    (values,) = _docs(stack, f"helm/{component}.values.yaml")
    service_account = (
        values["serviceAccount"] if component == "aws-load-balancer-controller" else values["rbac"]["serviceAccount"]
    )
    assert service_account["name"] == account
    assert service_account["annotations"] == {"eks.amazonaws.com/role-arn": found["Arn"]}


def test_irsa_policies(stack):
    iam = stack["aws"].client("iam")
    lbc = iam.get_role_policy(RoleName=f"{PREFIX}-irsa-lb-controller", PolicyName="aws-load-balancer-controller")
    bundled = json.loads(
        (ROOT / "roles/platform/files/aws-load-balancer-controller-v2.14.0-iam-policy.json").read_text()
    )
    assert lbc["PolicyDocument"] == bundled
    autoscaler = iam.get_role_policy(RoleName=f"{PREFIX}-irsa-cluster-autoscaler", PolicyName="cluster-autoscaler")
    scale = [s for s in autoscaler["PolicyDocument"]["Statement"] if "autoscaling:SetDesiredCapacity" in s["Action"]]
    assert scale
    assert all(
        s["Condition"] == {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{CLUSTER}": "owned"}}
        for s in scale
    )


def test_autoscaler_pins_the_cluster_minor_and_the_controller_knows_the_vpc(stack):
    (values,) = _docs(stack, "helm/cluster-autoscaler.values.yaml")
    assert values["autoDiscovery"]["clusterName"] == CLUSTER
    version = stack["aws"].client("eks").describe_cluster(name=CLUSTER)["cluster"]["version"]
    assert values["image"]["tag"].startswith(f"v{version}.")  # the autoscaler's minor is the cluster's
    (lbc,) = _docs(stack, "helm/aws-load-balancer-controller.values.yaml")
    vpc = (
        stack["aws"].client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"][0]
    )
    assert (lbc["clusterName"], lbc["region"], lbc["vpcId"]) == (CLUSTER, "us-east-1", vpc["VpcId"])
    assert lbc["defaultTags"]["langsmith:env"] == ENV


def test_autoscaler_discovers_the_node_groups_by_their_actual_tags(stack):
    (values,) = _docs(stack, "helm/cluster-autoscaler.values.yaml")
    eks = stack["aws"].client("eks")
    for name in eks.list_nodegroups(clusterName=CLUSTER)["nodegroups"]:
        tags = eks.describe_nodegroup(clusterName=CLUSTER, nodegroupName=name)["nodegroup"].get("tags", {})
        discovery = {
            k: v for k, v in tags.items() if k.startswith("k8s.io/cluster-autoscaler/") and "/node-template/" not in k
        }
        assert sorted(discovery) == sorted(values["autoDiscovery"]["tags"]), name
        assert discovery == {
            "k8s.io/cluster-autoscaler/enabled": "true",
            f"k8s.io/cluster-autoscaler/{CLUSTER}": "owned",
        }


SECRET_KEY = re.compile(r"password|secret|salt|token|license_key|connection_url")


def test_no_secret_value_in_any_rendered_file_or_the_output(stack):
    values = [
        str(value)
        for _name, payload in _secret_values(stack["aws"])
        for key, value in payload.items()
        if SECRET_KEY.search(key)
    ]
    assert LICENSE in values
    assert len(values) >= 8  # license, salt, JWT, admin, ClickHouse, 2 URLs, master password, AUTH token
    rendered = "\n".join(p.read_text() for p in _files(stack).values())
    leaked = [v for v in values if v in rendered or v in stack["run"].output]
    assert not leaked


def test_second_run_and_check_mode_change_nothing(stack, tmp_path):
    _run(stack["aws"].endpoint, extra_vars=stack["vars"], tmp_path=tmp_path).assert_idempotent()
    _run(stack["aws"].endpoint, extra_vars=stack["vars"], tmp_path=tmp_path, check=True).assert_idempotent()


def test_check_mode_on_an_account_without_the_stack_creates_nothing(stack, tmp_path):
    """Another environment in the same account: nothing of it exists, so nothing may be created."""
    iam = stack["aws"].client("iam")
    before = sorted(r["RoleName"] for r in iam.list_roles()["Roles"])
    extra = {"langsmith_env": "other", "langsmith_artifacts_dir": str(tmp_path / "other")}
    run = _run(stack["aws"].endpoint, extra_vars=extra, tmp_path=tmp_path, check=True).assert_idempotent()
    assert "Check mode: no EKS cluster other-langsmith yet" in run.output
    assert "platform: nothing applied or rendered yet: no cluster other-langsmith" in run.output
    assert sorted(r["RoleName"] for r in iam.list_roles()["Roles"]) == before
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"platform_chart_versions": {"external_secrets": "1.x"}}, "platform_chart_versions"),
        ({"platform_chart_versions": {"nginx": "1.0.0"}}, "keys must be among"),
        (
            {"platform_storage_class_iops": 3000, "platform_storage_class_throughput": 1000},
            "at most 0.25 MiB/s per provisioned IOPS",
        ),
        ({"platform_external_secrets_refresh_interval": "1 hour"}, "must be a Go duration"),
        ({"platform_kubernetes_version": "1.31"}, "No cluster-autoscaler is pinned for Kubernetes 1.31"),
        ({"platform_ingress_proof": "sometimes"}, "platform_ingress_proof"),
    ],
)
def test_bad_input_fails_before_any_aws_change(stack, tmp_path, extra, message):
    iam = stack["aws"].client("iam")
    before = sorted((r["RoleName"], r["AssumeRolePolicyDocument"].__repr__()) for r in iam.list_roles()["Roles"])
    run = _run(stack["aws"].endpoint, extra_vars={**stack["vars"], **extra}, tmp_path=tmp_path)
    assert run.rc != 0
    assert message in run.output, run.output[-3000:]
    assert "TASK [langchain.langsmith_aws.platform : IRSA roles" not in run.output
    after = sorted((r["RoleName"], r["AssumeRolePolicyDocument"].__repr__()) for r in iam.list_roles()["Roles"])
    assert before == after


# --------------------------------------------------------------------------- apply mode (kubernetes.core test double)
def _real_options(module):
    """Option names and aliases of the real kubernetes.core module (its documented argument spec)."""
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-doc"), "--json", f"kubernetes.core.{module}"],
        capture_output=True, text=True, check=True, env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")},
    )  # fmt: skip
    options = json.loads(proc.stdout)[f"kubernetes.core.{module}"]["doc"]["options"]
    return set(options) | {alias for spec in options.values() for alias in spec.get("aliases", [])}


def _create_proof_alb(aws):
    """What the controller would build for the proof's Ingress: an ALB with a healthy ip target."""
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"][0]["VpcId"]
    public = ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "tag:langsmith:subnet", "Values": ["public"]}]
    )["Subnets"]
    lb = elb.create_load_balancer(
        Name="k8s-demolang-proof", Subnets=[s["SubnetId"] for s in public], Type="application"
    )
    lb = lb["LoadBalancers"][0]
    tg = elb.create_target_group(Name="k8s-proof", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")[
        "TargetGroups"
    ][0]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )  # fmt: skip
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.0.1.10", "Port": 8080}])
    return lb


def _apply(stack, tmp_path, cluster_objects, **extra):
    log = tmp_path / "k8s-calls.jsonl"
    cluster = tmp_path / "cluster.json"
    cluster.write_text(json.dumps(cluster_objects))
    env = {
        "PLATFORM_FAKE_K8S_LOG": str(log),
        "PLATFORM_FAKE_K8S_CLUSTER": str(cluster),
        "ANSIBLE_COLLECTIONS_PATH": f"{FAKE_COLLECTIONS}:{ROOT / '.collections'}",
    }
    extra_vars = {**stack["vars"], "langsmith_k8s_apply": True, "platform_ingress_proof_timeout": 20, **extra}
    run = _run(stack["aws"].endpoint, extra_vars=extra_vars, env=env, tmp_path=tmp_path)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return run, calls


def _kind(params):
    return params.get("kind") or (params.get("definition") or {}).get("kind")


GP2_DEFAULT = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {"name": "gp2", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
    "provisioner": "kubernetes.io/aws-ebs",
    "parameters": {"type": "gp2"},
}


@pytest.fixture(scope="module")
def applied(stack, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("apply")
    lb = _create_proof_alb(stack["aws"])
    proof_ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "ingress-proof", "namespace": "langsmith-ingress-proof"},
        "status": {"loadBalancer": {"ingress": [{"hostname": lb["DNSName"]}]}},
    }
    run, calls = _apply(stack, tmp_path, [GP2_DEFAULT, proof_ingress])
    run.assert_ok()
    return {"run": run, "calls": calls, "lb": lb}


def test_apply_hands_helm_the_pinned_releases_with_the_rendered_values(stack, applied):
    helm = [c["params"] for c in applied["calls"] if c["module"] == "helm"]
    releases = _docs(stack, "helm/releases.yaml")[0]["releases"]
    kubeconfig = str(stack["artifacts"] / "kubeconfig")
    assert [h["release_name"] for h in helm] == [r["name"] for r in releases]
    for call, release in zip(helm, releases):
        (values,) = _docs(stack, f"helm/{release['values_file']}")
        assert call == {
            "kubeconfig": kubeconfig,
            "release_name": release["name"],
            "release_namespace": release["namespace"],
            "create_namespace": False,
            "chart_ref": release["chart_ref"],
            "chart_repo_url": release["chart_repo_url"],
            "chart_version": release["chart_version"],
            "release_values": values,
            "release_state": "present",
            "wait": True,
            "wait_timeout": "600s",
            "atomic": True,
        }


def test_apply_orders_namespaces_releases_storage_store_secrets(applied):
    sequence = [
        (
            c["module"],
            (c["params"].get("definition") or {}).get("kind") or c["params"].get("kind"),
            c["params"].get("state"),
        )
        for c in applied["calls"]
    ]
    first = {item: sequence.index(item) for item in reversed(sequence)}
    order = [
        ("k8s", "Namespace", "present"),
        ("helm", None, None),
        ("k8s", "StorageClass", "present"),
        ("k8s", "ClusterSecretStore", "present"),
        ("k8s", "ExternalSecret", "present"),
        ("k8s", "Ingress", "present"),
        ("k8s", "Namespace", "absent"),
    ]
    assert [first[o] for o in order] == sorted(first[o] for o in order)


def test_apply_makes_gp3_the_only_default_and_waits_for_every_secret(stack, applied):
    calls = [c["params"] for c in applied["calls"] if c["module"] == "k8s"]
    (storage_class,) = [c for c in calls if (c.get("definition") or {}).get("kind") == "StorageClass"]
    assert storage_class["definition"] == _docs(stack, "manifests/10-storage-class.yaml")[0]
    (demoted,) = [c for c in calls if c.get("state") == "patched"]
    assert (demoted["kind"], demoted["name"]) == ("StorageClass", "gp2")
    assert demoted["definition"]["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "false"
    waited = [c for c in calls if c.get("wait_condition")]
    assert sorted((c["definition"]["kind"], c["definition"]["metadata"]["name"]) for c in waited) == sorted(
        [("ClusterSecretStore", f"{PREFIX}-secrets-manager")] + [("ExternalSecret", name) for name in CHART_SECRETS]
    )
    for call in waited:
        assert (call["wait"], call["wait_condition"], call["wait_timeout"]) == (
            True,
            {"type": "Ready", "status": "True"},
            300,
        )
    applied_secrets = [c["definition"] for c in waited if c["definition"]["kind"] == "ExternalSecret"]
    assert applied_secrets == _docs(stack, "manifests/30-external-secrets.yaml")


def test_apply_proves_ingress_then_removes_it(stack, applied):
    calls = [c["params"] for c in applied["calls"] if c["module"] == "k8s"]
    (ingress,) = [c["definition"] for c in calls if (c.get("definition") or {}).get("kind") == "Ingress"]
    annotations = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert annotations["alb.ingress.kubernetes.io/group.name"] == PREFIX  # LangSmith's ALB group
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
    assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
    (removed,) = [c for c in calls if c.get("state") == "absent"]
    assert (removed["kind"], removed["name"], removed["wait"]) == ("Namespace", "langsmith-ingress-proof", True)
    (marker,) = [c["definition"] for c in calls if (c.get("definition") or {}).get("kind") == "ConfigMap"]
    assert marker["data"]["ingress_proof"] == "passed"
    assert f"platform: ingress proof passed: ALB {applied['lb']['LoadBalancerName']}" in applied["run"].output


def test_apply_passes_only_options_the_real_modules_have(applied):
    for module in ("helm", "k8s", "k8s_info"):
        used = {key for c in applied["calls"] if c["module"] == module for key in c["params"]}
        assert used, module
        assert used <= _real_options(module), sorted(used - _real_options(module))


def test_apply_refuses_to_replace_a_storage_class_without_confirmation(stack, tmp_path):
    old_gp3 = {
        **GP2_DEFAULT,
        "metadata": {"name": "gp3"},
        "provisioner": "ebs.csi.aws.com",
        "parameters": {"type": "gp3"},
    }
    run, calls = _apply(stack, tmp_path, [old_gp3], platform_ingress_proof="never")
    assert run.rc != 0
    assert "platform_storage_class_replace=true" in run.output
    assert not [
        c for c in calls if c["module"] == "k8s" and (c["params"].get("definition") or {}).get("kind") == "StorageClass"
    ]
    run, calls = _apply(stack, tmp_path, [old_gp3], platform_ingress_proof="never", platform_storage_class_replace=True)
    run.assert_ok()
    storage = [
        (c["params"].get("state"), _kind(c["params"]))
        for c in calls
        if c["module"] == "k8s" and _kind(c["params"]) == "StorageClass"
    ]
    assert storage == [("absent", "StorageClass"), ("present", "StorageClass")]

"""Release stage against the emulator: render mode (what inventories/local and GitOps users get) and
the apply path, with the earlier stages really converged.

One module-scoped converge runs site.yml (preflight, network, cluster, data stores, secrets, edge,
release in render mode) against a fresh emulator; the release finds everything with the earlier
stages' discover entry points, as it does when run alone.

Render mode: the values are checked against what the emulator holds (IRSA role, bucket and its KMS
key and lifecycle, the ClickHouse node group's label and taint) with our own boto3 queries, against
the chart's pinned key list, and for secrets: every secret value the secrets stage wrote to Secrets
Manager is read back from the emulator and searched for in the artifacts and the playbook output.

Apply path: no Kubernetes API server runs here, so the path runs against fakes at its process
boundaries, with the real modules in between. kubernetes.core.helm runs a fake ``helm`` binary that
records its argv and environment (tests/fixtures/release-bin/helm); kubernetes.core.k8s_info talks
to a loopback fake Kubernetes API (tests/support/fake_kube_api.py) through the real client; the ALB
and its target group live in the emulator; /api/v1/health is a local HTTP server. The tests assert
the exact inputs handed to helm and the exact objects read from Kubernetes.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import demo_seed  # tools/ (on sys.path through conftest)
import pytest
import yaml
from conftest import ROOT, run_playbook

sys.path.insert(0, str(ROOT / "tests" / "support"))
from fake_kube_api import FakeKubeApi, deployment, external_secret, ingress, statefulset

from ansible_collections.langchain.langsmith_aws.plugins.filter import release as release_filter

PREFIX = "demo-langsmith"
NAMESPACE = "langsmith"
HOSTNAME = "langsmith.demo.example.com"
CHART_VERSION = "0.16.11"
REPO = "https://langchain-ai.github.io/helm/"
SECRETS = ["langsmith-config", "langsmith-postgres", "langsmith-redis", "langsmith-clickhouse"]
WORKLOADS = ["frontend", "backend", "platform-backend", "queue", "ingest-queue", "playground", "ace-backend"]
TIERS = yaml.safe_load((ROOT / "roles/langsmith/defaults/main/tiers.yml").read_text())["langsmith_tier_presets"]
KEYS_TEXT = (ROOT / "roles/release/files" / f"langsmith-{CHART_VERSION}.keys").read_text()
FAKE_BIN = ROOT / "tests" / "fixtures" / "release-bin"
SECRET_KEY = re.compile(r"key|salt|secret|password|token|connection_url")


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def stage(emulator_server, tmp_path_factory):
    """``stage(playbook, artifacts, check=False, env=None, **extra_vars)`` against this module's emulator."""
    vars_dir = tmp_path_factory.mktemp("vars")

    def _run(name, artifacts, check=False, env=None, verbosity=0, **extra_vars):
        return run_playbook(
            name,
            endpoint=emulator_server.endpoint,
            extra_vars={"langsmith_artifacts_dir": str(artifacts), **extra_vars},
            check=check,
            diff=check,
            env=env,
            verbosity=verbosity,
            tmp_path=vars_dir,
        )

    return _run


@pytest.fixture(scope="module")
def converged(emulator_server, stage, tmp_path_factory):
    """A fresh emulator, the demo's prerequisite (the public hosted zone, as ``make demo`` seeds it), then
    site.yml once: every stage up to the release, rendered (inventories/local)."""
    emulator_server.reset()
    demo_seed.ensure_zone(emulator_server.endpoint, demo_seed.demo_zone(ROOT / "inventories" / "local"))
    artifacts = tmp_path_factory.mktemp("artifacts")
    run = stage("site.yml", artifacts).assert_ok()
    # What the edge stage made: the certificate for the hostname and the regional web ACL.
    [certificate] = [
        c["CertificateArn"]
        for c in emulator_server.client("acm").list_certificates()["CertificateSummaryList"]
        if c["DomainName"] == HOSTNAME
    ]
    [web_acl] = [
        a["ARN"]
        for a in emulator_server.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]
        if a["Name"].startswith(PREFIX)
    ]
    return {
        "aws": emulator_server,
        "certificate_arn": certificate,
        "web_acl_arn": web_acl,
        "artifacts": artifacts,
        "run": run,
    }


@pytest.fixture(scope="module")
def values(converged):
    return yaml.safe_load((converged["artifacts"] / "release" / "values.yaml").read_text())


def render(stage, converged, artifacts, **extra_vars):
    return stage("release.yml", artifacts, **extra_vars)


# ------------------------------------------------------------------ render mode
def test_site_renders_the_release_and_prints_the_url_and_the_path(converged):
    output = " ".join(converged["run"].output.split())
    release_dir = converged["artifacts"] / "release"

    assert (release_dir / "values.yaml").is_file()
    assert (release_dir / "README.md").is_file()
    assert f"release: values {release_dir}/values.yaml" in output
    assert f"LangSmith URL (once applied and DNS points at the ALB): https://{HOSTNAME}" in output


def test_values_point_at_what_the_earlier_stages_built(converged, values):
    aws = converged["aws"]
    role_arn = aws.client("iam").get_role(RoleName=f"{PREFIX}-s3")["Role"]["Arn"]
    [bucket] = [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(PREFIX)]
    [rule] = aws.client("s3").get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    kms_key_id = rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    kms_key_arn = aws.client("kms").describe_key(KeyId=kms_key_id)["KeyMetadata"]["Arn"]
    clickhouse_group = aws.client("eks").describe_nodegroup(clusterName=PREFIX, nodegroupName="clickhouse")

    blob = values["config"]["blobStorage"]
    assert blob["bucketName"] == bucket
    assert blob["kmsEncryptionEnabled"] is True
    assert blob["kmsKeyArn"] == kms_key_arn
    assert blob["apiURL"] == "https://s3.us-east-1.amazonaws.com"
    assert "accessKey" not in blob
    assert "accessKeySecret" not in blob
    for component in ("backend", "platformBackend", "queue", "ingestQueue"):
        assert values[component]["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": role_arn}
    for component in ("frontend", "playground", "aceBackend"):
        assert "serviceAccount" not in values[component]

    nodegroup = clickhouse_group["nodegroup"]
    statefulset_values = values["clickhouse"]["statefulSet"]
    assert statefulset_values["nodeSelector"] == nodegroup["labels"]
    [taint] = nodegroup["taints"]
    assert statefulset_values["tolerations"] == [
        {"key": taint["key"], "operator": "Equal", "value": taint["value"], "effect": "NoSchedule"}
    ]
    annotations = values["ingress"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == converged["certificate_arn"]
    assert annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"] == converged["web_acl_arn"]


def test_trace_ttls_match_the_bucket_lifecycle(converged, values):
    aws = converged["aws"]
    [bucket] = [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(PREFIX)]
    rules = aws.client("s3").get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    days = {r["Filter"]["Prefix"]: r["Expiration"]["Days"] for r in rules if "Days" in r.get("Expiration", {})}

    assert values["config"]["ttl"]["ttl_period_seconds"] == {
        "shortlived": str(days["ttl_s/"] * 86400),
        "longlived": str(days["ttl_l/"] * 86400),
    }


def test_values_carry_the_architecture(values):
    preset = TIERS["dev"]
    assert values["config"]["hostname"] == f"https://{HOSTNAME}"
    assert values["config"]["existingSecretName"] == "langsmith-config"
    assert values["config"]["authType"] == "mixed"
    assert values["config"]["basicAuth"] == {"enabled": True}
    assert values["config"]["initialOrgAdminEmail"] == "admin@demo.example.com"  # inventories/local
    assert values["ingress"]["ingressClassName"] == "alb"
    annotations = values["ingress"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
    assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert annotations["alb.ingress.kubernetes.io/group.name"] == PREFIX
    assert annotations["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert "langsmith:env=demo" in annotations["alb.ingress.kubernetes.io/tags"]
    assert values["frontend"]["service"] == {"type": "ClusterIP"}
    assert values["postgres"]["external"]["existingSecretName"] == "langsmith-postgres"
    assert values["redis"]["external"]["existingSecretName"] == "langsmith-redis"
    assert values["clickhouse"]["enabled"] is True
    assert values["clickhouse"]["external"] == {"enabled": False, "existingSecretName": "langsmith-clickhouse"}
    assert values["clickhouse"]["statefulSet"]["persistence"] == {
        "enabled": True,
        "size": preset["clickhouse"]["storage"]["size"],
        "storageClassName": "gp3",
    }
    limits = values["clickhouse"]["statefulSet"]["resources"]["limits"]
    assert limits["memory"] == preset["clickhouse"]["limits"]["memory"]
    assert values["insights"] == {"enabled": False}
    assert values["polly"] == {"enabled": False}
    assert {"name": "AWS_REGION", "value": "us-east-1"} in values["commonEnv"]
    for component, spec in preset["release"]["components"].items():
        assert values[component]["deployment"]["replicas"] == spec["replicas"]
        assert values[component]["autoscaling"] == {"hpa": {"enabled": False}}
        assert values[component]["pdb"] == {"enabled": False}


def test_every_rendered_key_exists_in_the_pinned_chart_key_list(values):
    assert release_filter.chart_unknown_keys(values, KEYS_TEXT) == []
    assert release_filter.value_problems(values) == []


def test_the_readme_holds_the_exact_helm_command(converged):
    readme = (converged["artifacts"] / "release" / "README.md").read_text()

    assert (
        "helm upgrade --install langsmith langsmith \\\n"
        f"  --repo {REPO} \\\n"
        f"  --version {CHART_VERSION} \\\n"
        f"  --namespace {NAMESPACE} \\\n"
        "  --values values.yaml \\\n"
        "  --wait --timeout 30m"
    ) in readme
    for name in SECRETS:
        assert f"externalsecret/{name}" in readme


def test_no_secret_value_reaches_values_artifacts_or_output(converged, stage):
    """Plant: every value the secrets stage wrote to Secrets Manager, read back from the emulator."""
    sm = converged["aws"].client("secretsmanager")
    planted = {}
    for entry in sm.list_secrets()["SecretList"]:
        if not entry["Name"].startswith(PREFIX):
            continue
        data = json.loads(sm.get_secret_value(SecretId=entry["ARN"])["SecretString"])
        # Secret-valued keys only: user names, hosts, ports and database names are not secrets.
        planted.update({f"{entry['Name']}:{k}": str(v) for k, v in data.items() if SECRET_KEY.search(k)})
    assert sorted(planted) == sorted(
        f"{PREFIX}/{entry}"
        for entry in (
            "app/license:langsmith_license_key",
            "app/generated:api_key_salt",
            "app/generated:jwt_secret",
            "app/generated:initial_org_admin_password",
            "postgres/master:password",
            "postgres/connection:connection_url",
            "redis/auth:auth_token",
            "redis/connection:connection_url",
            "clickhouse:clickhouse_password",
        )
    )
    diff_run = stage("release.yml", converged["artifacts"], check=True, verbosity=2)
    diff_run.assert_ok()

    texts = {"site output": converged["run"].output, "check/diff -vv output": diff_run.output}
    for path in (converged["artifacts"] / "release").rglob("*"):
        texts[str(path)] = path.read_text()
    # Positive control: what is searched does hold the values' neighbours (a Secret's name, the bucket).
    assert all("langsmith-clickhouse" in text for text in texts.values())
    leaks = [(where, name) for name, value in planted.items() for where, text in texts.items() if value in text]
    assert leaks == []


def test_second_run_changes_nothing(converged, stage):
    render(stage, converged, converged["artifacts"]).assert_idempotent()


def test_check_mode_reports_no_change_on_rendered_values(converged, stage):
    run = stage("release.yml", converged["artifacts"], check=True)

    run.assert_idempotent()


def test_production_tier_autoscales_with_pdbs_and_the_production_clickhouse(converged, stage, tmp_path):
    render(stage, converged, tmp_path, langsmith_tier="production").assert_ok()
    values = yaml.safe_load((tmp_path / "release" / "values.yaml").read_text())

    preset = TIERS["production"]
    for component, spec in preset["release"]["components"].items():
        assert values[component]["autoscaling"]["hpa"] == {
            "enabled": True,
            "minReplicas": spec["hpa"]["min"],
            "maxReplicas": spec["hpa"]["max"],
            "targetCPUUtilizationPercentage": spec["hpa"]["cpu"],
            "targetMemoryUtilizationPercentage": spec["hpa"]["memory"],
        }
        assert values[component]["pdb"] == {"enabled": True, "minAvailable": 1}
        assert values[component]["deployment"]["resources"]["requests"]["memory"] == spec["requests"]["memory"]
    statefulset_values = values["clickhouse"]["statefulSet"]
    assert statefulset_values["resources"]["requests"]["memory"] == preset["clickhouse"]["requests"]["memory"]
    assert statefulset_values["persistence"]["size"] == preset["clickhouse"]["storage"]["size"]
    assert release_filter.chart_unknown_keys(values, KEYS_TEXT) == []


def test_external_clickhouse_reads_the_connection_secret_and_keeps_clickhouse_enabled(converged, stage, tmp_path):
    render(stage, converged, tmp_path, langsmith_clickhouse_mode="external").assert_ok()
    values = yaml.safe_load((tmp_path / "release" / "values.yaml").read_text())

    assert values["clickhouse"] == {
        "enabled": True,
        "external": {"enabled": True, "existingSecretName": "langsmith-clickhouse"},
    }


def test_oidc_renders_sso_once_its_client_secret_entry_exists(converged, stage, tmp_path):
    missing = render(stage, converged, tmp_path / "missing", release_auth="oidc")
    assert missing.rc != 0
    assert f"release_auth=oidc needs the Secrets Manager entry {PREFIX}/app/oidc" in " ".join(missing.output.split())
    assert not (tmp_path / "missing" / "release").exists()

    converged["aws"].client("secretsmanager").create_secret(
        Name=f"{PREFIX}/app/oidc",
        SecretString=json.dumps(
            {
                "oauth_client_id": "client",
                "oauth_issuer_url": "https://idp.example.com",
                "oauth_client_secret": "s3cr3t-oidc",
            }
        ),
    )
    try:
        run = render(stage, converged, tmp_path / "oidc", release_auth="oidc").assert_ok()
    finally:
        converged["aws"].client("secretsmanager").delete_secret(
            SecretId=f"{PREFIX}/app/oidc", ForceDeleteWithoutRecovery=True
        )
    values = yaml.safe_load((tmp_path / "oidc" / "release" / "values.yaml").read_text())
    assert values["config"]["oauth"] == {"enabled": True}
    assert values["config"]["basicAuth"] == {"enabled": False}
    assert values["config"]["authType"] == "mixed"
    assert "s3cr3t-oidc" not in (tmp_path / "oidc" / "release" / "values.yaml").read_text() + run.output


# ------------------------------------------------------------------ bad input: fails before any change
@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        pytest.param({"langsmith_chart_version": "latest"}, "is not a pinned chart version", id="chart-latest"),
        pytest.param({"langsmith_chart_version": "~0.16"}, "is not a pinned chart version", id="chart-range"),
        pytest.param({"langsmith_chart_version": ""}, "is not a pinned chart version", id="chart-empty"),
        pytest.param({"langsmith_hostname": ""}, "langsmith_hostname is empty", id="no-hostname"),
        pytest.param(
            {"langsmith_exposure": "private", "release_alb_scheme": "internet-facing"},
            "a private deployment must not get an internet-facing ALB",
            id="private-internet-facing",
        ),
        pytest.param(
            {"release_initial_admin_email": ""}, "release_auth=basic needs the first admin", id="basic-no-admin"
        ),
        pytest.param(
            {"release_alb_idle_timeout": 400}, "below release_frontend_keepalive_timeout=310", id="idle-above-keepalive"
        ),
        pytest.param(
            {"release_zone_name": "example.org"},
            f"langsmith_hostname={HOSTNAME} is not inside the Route 53 zone example.org",
            id="hostname-outside-zone",
        ),
        pytest.param(
            {"langsmith_clickhouse_mode": "external", "secrets_name_prefix": "nowhere"},
            "langsmith_clickhouse_mode=external but the connection secret nowhere/clickhouse does not exist",
            id="external-clickhouse-without-connection",
        ),
        pytest.param(
            {"release_certificate_arn": ""}, "The ALB needs an ACM certificate in us-east-1", id="no-certificate"
        ),
        pytest.param(
            {"release_namespace": "other"},
            "but release_name=langsmith and release_namespace=other",
            id="irsa-namespace",
        ),
        pytest.param(
            {
                "langsmith_tier": "production",
                "release_clickhouse_requests": {"cpu": "3", "memory": "16Gi"},
                "release_clickhouse_limits": {"cpu": "4", "memory": "16Gi"},
            },
            "ClickHouse sizing fails the production tier (baseline.cpu, baseline.memory)",
            id="clickhouse-undersized",
        ),
        pytest.param(
            {"release_extra_values": {"config": {"apiKeySalt": "do-not-put-me-here"}}},
            "config.apiKeySalt is set in the Helm values",
            id="secret-in-extra-values",
        ),
        pytest.param(
            {"release_extra_values": {"backend": {"autoscaling": {"enabled": True}}}},
            "backend.autoscaling.enabled is the old form",
            id="old-autoscaling-key",
        ),
        pytest.param(
            {"release_extra_values": {"frontend": {"maxBodySiz": "50M"}}},
            "frontend.maxBodySiz",
            id="key-not-in-the-chart",
        ),
    ],
)
def test_bad_input_fails_before_anything_is_written(converged, stage, tmp_path, extra_vars, message):
    run = render(stage, converged, tmp_path, **extra_vars)

    assert run.rc != 0
    assert message in " ".join(run.output.split()), run.output[-3000:]
    assert not (tmp_path / "release").exists()


# ------------------------------------------------------------------ apply path (fakes at the boundaries)
class Health:
    """/api/v1/health on loopback; records the paths it was asked for."""

    def __init__(self, status=200):
        self.status, self.paths = status, []
        health = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                health.paths.append(self.path)
                self.send_response(health.status)
                self.end_headers()
                self.wfile.write(b'{"status": "ok"}')

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v1/health"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def alb_in_emulator(aws, name, healthy=True):
    """An ALB like the AWS Load Balancer Controller makes: public subnets, a target group, one target."""
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"]
    public = ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "tag:langsmith:subnet", "Values": ["public"]}]
    )["Subnets"]
    lb = elb.create_load_balancer(Name=name, Subnets=[s["SubnetId"] for s in public], Type="application")
    lb = lb["LoadBalancers"][0]
    target_type = "ip" if healthy else "instance"
    tg = elb.create_target_group(
        Name=f"{name}-tg", Protocol="HTTP", Port=8080, VpcId=vpc["VpcId"], TargetType=target_type
    )["TargetGroups"][0]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    if healthy:
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.0.1.10", "Port": 8080}])
    else:  # a stopped instance is what the emulator reports unhealthy
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=public[0]["SubnetId"])
        instance_id = instance["Instances"][0]["InstanceId"]
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": instance_id}])
        ec2.stop_instances(InstanceIds=[instance_id])
    return lb["DNSName"]


def cluster_objects(alb_dns, secrets_ready=True, missing_secret=None):
    objects = [external_secret(n, NAMESPACE, ready=secrets_ready) for n in SECRETS if n != missing_secret]
    objects += [deployment(f"langsmith-{w}", NAMESPACE) for w in WORKLOADS]
    objects += [statefulset("langsmith-clickhouse", NAMESPACE), ingress("langsmith-ingress", NAMESPACE, alb_dns)]
    return objects


@pytest.fixture
def apply(converged, stage, tmp_path):
    """``apply(objects, **vars)`` -> (run, kube, helm_calls): release.yml with langsmith_k8s_apply=true."""
    helm_state = tmp_path / "helm"
    helm_state.mkdir()
    health = Health()
    env = {
        "FAKE_HELM_STATE": str(helm_state),
        "PATH": os.pathsep.join([str(FAKE_BIN), str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }

    def _apply(objects, fake_env=None, **extra_vars):
        with FakeKubeApi(objects) as kube:
            kubeconfig = kube.write_kubeconfig(tmp_path / "kubeconfig")
            run = render(
                stage,
                converged,
                tmp_path / "artifacts",
                env={**env, **(fake_env or {})},
                langsmith_k8s_apply=True,
                release_kubeconfig=str(kubeconfig),
                release_health_url=health.url,
                release_verify_delay=1,
                **extra_vars,
            )
        calls_file = helm_state / "calls.jsonl"
        calls = [json.loads(line) for line in calls_file.read_text().splitlines()] if calls_file.exists() else []
        return run, kube, calls

    _apply.health = health
    _apply.artifacts = tmp_path / "artifacts"
    yield _apply
    health.close()


def upgrades(calls):
    return [c for c in calls if "upgrade" in c["argv"]]


def test_apply_waits_for_the_secrets_then_hands_helm_the_pinned_chart_and_the_values(converged, apply):
    alb_dns = alb_in_emulator(converged["aws"], "k8s-demolangsmith-apply")

    run, kube, calls = apply(cluster_objects(alb_dns))

    run.assert_ok()
    values_file = apply.artifacts / "release" / "values.yaml"
    [upgrade] = upgrades(calls)
    assert upgrade["argv"] == [
        f"--version={CHART_VERSION}",
        f"--repo={REPO}",
        "upgrade",
        "-i",
        "--reset-values",
        "--wait",
        "--timeout",
        "30m",
        f"--values={values_file}",
        "langsmith",
        "langsmith",
    ]
    assert upgrade["HELM_NAMESPACE"] == NAMESPACE
    assert upgrade["KUBECONFIG"]  # kubernetes.core hands helm a copy of release_kubeconfig
    # helm looked the chart up at the pinned version in the chart repository before installing.
    shows = [c["argv"] for c in calls if "show" in c["argv"]]
    assert shows == [[f"--version={CHART_VERSION}", f"--repo={REPO}", "show", "chart", "langsmith"]]

    paths = kube.object_paths()
    ready_waits = [f"/apis/external-secrets.io/v1/namespaces/{NAMESPACE}/externalsecrets/{n}" for n in SECRETS]
    rollouts = [f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/langsmith-{w}" for w in WORKLOADS]
    rollouts.append(f"/apis/apps/v1/namespaces/{NAMESPACE}/statefulsets/langsmith-clickhouse")
    assert f"/apis/external-secrets.io/v1/namespaces/{NAMESPACE}/externalsecrets" in paths
    assert all(p in paths for p in ready_waits + rollouts)
    # Order: every Secret is Ready before helm runs; the rollout and ingress checks come after.
    last_secret_wait = max(paths.index(p) for p in ready_waits)
    assert last_secret_wait < min(paths.index(p) for p in rollouts)
    assert paths[-1] == f"/apis/networking.k8s.io/v1/namespaces/{NAMESPACE}/ingresses/langsmith-ingress"
    assert apply.health.paths == ["/api/v1/health"]
    output = " ".join(run.output.split())
    assert f"release: LangSmith answers on https://{HOSTNAME}" in output
    assert f"release: ALB {alb_dns}" in output


def test_apply_again_changes_nothing(converged, apply):
    alb_dns = alb_in_emulator(converged["aws"], "k8s-demolangsmith-again")
    objects = cluster_objects(alb_dns)
    apply(objects)[0].assert_ok()

    run, _kube, calls = apply(objects)

    run.assert_idempotent()
    assert len(upgrades(calls)) == 1, "the second run must not upgrade again"


@pytest.mark.parametrize(
    ("cluster", "message"),
    [
        pytest.param(
            {"missing_secret": "langsmith-redis"},
            "ExternalSecrets langsmith-redis do not exist in namespace langsmith: run playbooks/platform.yml first",
            id="external-secret-missing",
        ),
        pytest.param(
            {"secrets_ready": False},
            "Failed to gather information about ExternalSecret(s) even after waiting",
            id="external-secret-not-ready",
        ),
    ],
)
def test_apply_never_runs_helm_before_every_secret_is_ready(converged, apply, cluster, message):
    run, kube, calls = apply(cluster_objects("unused.example.com", **cluster), release_external_secrets_timeout=2)

    assert run.rc != 0
    assert message in " ".join(run.output.split()), run.output[-3000:]
    assert upgrades(calls) == []
    assert not any("/deployments/" in p for p in kube.object_paths())


def test_a_failed_migration_hook_stops_the_release(converged, apply):
    run, kube, calls = apply(cluster_objects("unused.example.com"), fake_env={"FAKE_HELM_FAIL_UPGRADE": "1"})

    assert run.rc != 0
    assert "pre-upgrade hooks failed" in run.output
    assert len(upgrades(calls)) == 1
    assert not any("/deployments/" in p for p in kube.object_paths())


def test_verify_fails_when_the_albs_targets_stay_unhealthy(converged, apply):
    alb_dns = alb_in_emulator(converged["aws"], "k8s-demolangsmith-sick", healthy=False)

    run, _kube, _calls = apply(cluster_objects(alb_dns), release_verify_timeout=3)

    assert run.rc != 0
    assert "Wait until the ALB's targets are healthy" in run.output
    assert apply.health.paths == [], "health is only checked once the targets are healthy"

"""Day 2 against the emulator: deploy -> backup -> upgrade -> cluster upgrade -> teardown, one deploy
for the whole module (the tests run in file order and build on each other).

The stack is site.yml in render mode (inventories/local), plus what a running cluster would have made
in AWS: the ClickHouse EBS volume (tagged the way the EBS CSI driver and the platform stage's
StorageClass tag it), and later the ingress ALB with its target group and security group (tagged the
way the AWS Load Balancer Controller tags them). Snapshots someone else made (no tags, another
environment) sit next to ours and must survive every prune and the teardown.

Kubernetes apply paths run against fakes at their process boundaries, the technique of the release
stage's tests: a fake ``helm`` binary that records its argv and keeps release state
(tests/fixtures/day2-bin/helm) and the loopback fake Kubernetes API (tests/support/fake_kube_api.py)
behind the real kubernetes.core modules. Every assertion reads the emulator with our own boto3 calls.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from conftest import ROOT, run_playbook

sys.path.insert(0, str(ROOT / "tests" / "support"))
import demo_seed
from fake_kube_api import RESOURCES, FakeKubeApi, deployment, external_secret, ingress, statefulset

ENV = "demo"  # inventories/local
PREFIX = f"{ENV}-langsmith"
CLUSTER = PREFIX
NAMESPACE = "langsmith"
HOSTNAME = "langsmith.demo.example.com"
ZONE = "demo.example.com"
PVC = "data-langsmith-clickhouse-0"
FAKE_BIN = ROOT / "tests" / "fixtures" / "day2-bin"
SECRETS = ["langsmith-config", "langsmith-postgres", "langsmith-redis", "langsmith-clickhouse"]
WORKLOADS = ["frontend", "backend", "platform-backend", "queue", "ingest-queue", "playground", "ace-backend"]
OURS = {"langsmith:env": ENV, "langsmith:managed-by": "ansible"}
KUBE_GROUPS = {**RESOURCES, ("batch", "v1"): [("jobs", "Job", True)]}


def text(run):
    return " ".join(run.output.split())


def tags_of(items, key="Tags"):
    return {t["Key"]: t["Value"] for t in items.get(key) or []}


def ours(tags, **more):
    wanted = {**OURS, **more}
    return all(tags.get(k) == v for k, v in wanted.items())


# ------------------------------------------------------------------ the stack
def clickhouse_volume(aws):
    """The ClickHouse PVC's EBS volume, tagged like the EBS CSI driver and the platform StorageClass do.

    Made from a snapshot: the emulator leaves SnapshotId out of volumes made from nothing, and
    amazon.aws.ec2_vol_info needs it (AWS always returns it, empty for such volumes).
    """
    ec2 = aws.client("ec2")
    seed = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    seed_snapshot = ec2.create_snapshot(VolumeId=seed)["SnapshotId"]
    ec2.delete_volume(VolumeId=seed)
    tags = {
        **OURS,
        "langsmith:stage": "platform",
        "kubernetes.io/created-for/pvc/name": PVC,
        "kubernetes.io/created-for/pvc/namespace": NAMESPACE,
        "kubernetes.io/created-for/pv/name": "pvc-0a1b2c3d",
        "ebs.csi.aws.com/cluster": "true",
    }
    return ec2.create_volume(
        AvailabilityZone="us-east-1a",
        Size=100,
        VolumeType="gp3",
        Iops=3000,
        Throughput=125,
        SnapshotId=seed_snapshot,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}],
    )["VolumeId"]


def foreign_snapshots(aws, volume):
    """Snapshots someone else made of our stores (no tags, or another environment's): never ours to delete."""
    rds, ec2, redis = aws.client("rds"), aws.client("ec2"), aws.client("elasticache")
    rds.create_db_snapshot(DBInstanceIdentifier=f"{PREFIX}-postgres", DBSnapshotIdentifier="dba-manual-copy")
    rds.create_db_snapshot(
        DBInstanceIdentifier=f"{PREFIX}-postgres",
        DBSnapshotIdentifier="other-env-backup",
        Tags=[
            {"Key": key, "Value": value}
            for key, value in {
                "langsmith:env": "other",
                "langsmith:stage": "backup",
                "langsmith:managed-by": "ansible",
                "langsmith:backup-kind": "on-demand",
            }.items()
        ],
    )
    ebs = ec2.create_snapshot(VolumeId=volume, Description="someone's own copy")["SnapshotId"]
    redis.create_snapshot(SnapshotName="dba-redis-copy", ReplicationGroupId=f"{PREFIX}-redis")
    return {"rds": ["dba-manual-copy", "other-env-backup"], "ebs": [ebs], "redis": ["dba-redis-copy"]}


@pytest.fixture(scope="module")
def day2(emulator_server, tmp_path_factory):
    emulator_server.reset()
    aws = emulator_server
    demo_seed.ensure_zone(aws.endpoint, ZONE)  # the operator's zone, as make demo seeds it
    artifacts = tmp_path_factory.mktemp("artifacts")
    vars_dir = tmp_path_factory.mktemp("vars")

    def run(playbook, check=False, env=None, **extra_vars):
        return run_playbook(
            playbook,
            endpoint=aws.endpoint,
            extra_vars={"langsmith_artifacts_dir": str(artifacts), **extra_vars},
            check=check,
            env=env,
            tmp_path=vars_dir,
        )

    run("site.yml").assert_ok()
    volume = clickhouse_volume(aws)
    return SimpleNamespace(aws=aws, run=run, artifacts=artifacts, volume=volume, foreign=foreign_snapshots(aws, volume))


# ------------------------------------------------------------------ the emulator's contents, for "changed nothing"
def inventory(aws):
    """Every resource type the stages and the day-2 playbooks touch, with state and tags (JSON-able).

    (The emulator's own /moto-api/data.json cannot serialize a whole stack, so the test lists it.)
    """
    ec2, eks, iam, rds, redis = (aws.client(n) for n in ("ec2", "eks", "iam", "rds", "elasticache"))
    r53, sm, kms = aws.client("route53"), aws.client("secretsmanager"), aws.client("kms")
    clusters = eks.list_clusters()["clusters"]
    found = {
        "vpcs": ec2.describe_vpcs()["Vpcs"],
        "subnets": ec2.describe_subnets()["Subnets"],
        "igws": ec2.describe_internet_gateways()["InternetGateways"],
        "nats": ec2.describe_nat_gateways()["NatGateways"],
        "eips": ec2.describe_addresses()["Addresses"],
        "sgs": ec2.describe_security_groups()["SecurityGroups"],
        "rts": ec2.describe_route_tables()["RouteTables"],
        "endpoints": ec2.describe_vpc_endpoints()["VpcEndpoints"],
        "enis": ec2.describe_network_interfaces()["NetworkInterfaces"],
        "templates": ec2.describe_launch_templates()["LaunchTemplates"],
        "volumes": ec2.describe_volumes()["Volumes"],
        "ebs_snapshots": ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"],
        "clusters": [eks.describe_cluster(name=c)["cluster"] for c in clusters],
        "nodegroups": [
            eks.describe_nodegroup(clusterName=c, nodegroupName=n)["nodegroup"]
            for c in clusters
            for n in eks.list_nodegroups(clusterName=c)["nodegroups"]
        ],
        "roles": [{**r, "tags": iam.list_role_tags(RoleName=r["RoleName"])["Tags"]} for r in iam.list_roles()["Roles"]],
        "profiles": iam.list_instance_profiles()["InstanceProfiles"],
        "oidc": iam.list_open_id_connect_providers()["OpenIDConnectProviderList"],
        "policies": iam.list_policies(Scope="Local")["Policies"],
        "keys": [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]],
        "aliases": kms.list_aliases()["Aliases"],
        "log_groups": aws.client("logs").describe_log_groups()["logGroups"],
        "db_instances": rds.describe_db_instances()["DBInstances"],
        "db_snapshots": rds.describe_db_snapshots()["DBSnapshots"],
        "db_parameter_groups": rds.describe_db_parameter_groups()["DBParameterGroups"],
        "db_subnet_groups": rds.describe_db_subnet_groups()["DBSubnetGroups"],
        "replication_groups": redis.describe_replication_groups()["ReplicationGroups"],
        "cache_subnet_groups": redis.describe_cache_subnet_groups()["CacheSubnetGroups"],
        "cache_snapshots": redis.describe_snapshots()["Snapshots"],
        "buckets": aws.client("s3").list_buckets()["Buckets"],
        "secrets": sm.list_secrets(IncludePlannedDeletion=True)["SecretList"],
        "zones": [
            {**z, "records": r53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]}
            for z in r53.list_hosted_zones()["HostedZones"]
        ],
        "health_checks": r53.list_health_checks()["HealthChecks"],
        "web_acls": aws.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"],
        "certificates": aws.client("acm").list_certificates()["CertificateSummaryList"],
        "alarms": aws.client("cloudwatch").describe_alarms()["MetricAlarms"],
        "load_balancers": aws.client("elbv2").describe_load_balancers()["LoadBalancers"],
        "target_groups": aws.client("elbv2").describe_target_groups()["TargetGroups"],
    }
    return _scrub(json.loads(json.dumps(found, default=str, sort_keys=True)))


# Fields the emulator computes on every read (not a change anyone made).
VOLATILE = {"LatestRestorableTime"}


def _scrub(data):
    if isinstance(data, dict):
        return {k: _scrub(v) for k, v in data.items() if k not in VOLATILE}
    if isinstance(data, list):
        return [_scrub(v) for v in data]
    return data


def unchanged(before, after):
    """The resource types whose contents differ (empty when nothing changed)."""
    return [kind for kind in sorted(before) if before[kind] != after.get(kind)]


# ------------------------------------------------------------------ snapshot lookups (our own boto3 calls)
def rds_snapshots(aws):
    out = {}
    for snap in aws.client("rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]:
        out[snap["DBSnapshotIdentifier"]] = {**snap, "tags": tags_of(snap, "TagList")}
    return out


def ebs_snapshots(aws, volume):
    found = aws.client("ec2").describe_snapshots(Filters=[{"Name": "volume-id", "Values": [volume]}])["Snapshots"]
    return {s["SnapshotId"]: {**s, "tags": tags_of(s)} for s in found}


def redis_snapshots(aws):
    client = aws.client("elasticache")
    out = {}
    for snap in client.describe_snapshots()["Snapshots"]:
        tags = {t["Key"]: t["Value"] for t in client.list_tags_for_resource(ResourceName=snap["ARN"])["TagList"]}
        out[snap["SnapshotName"]] = {**snap, "tags": tags}
    return out


def all_snapshots(day2):
    return {
        "rds": rds_snapshots(day2.aws),
        "ebs": ebs_snapshots(day2.aws, day2.volume),
        "redis": redis_snapshots(day2.aws),
    }


def ours_of(snapshots, **more):
    return {kind: sorted(k for k, v in found.items() if ours(v["tags"], **more)) for kind, found in snapshots.items()}


def foreign_still_there(day2):
    now = all_snapshots(day2)
    return all(name in now[kind] for kind, names in day2.foreign.items() for name in names)


# ------------------------------------------------------------------ backup
def test_backup_snapshots_every_store_tagged_as_ours(day2):
    run = day2.run("backup.yml").assert_ok()

    found = ours_of(all_snapshots(day2), **{"langsmith:stage": "backup", "langsmith:backup-kind": "on-demand"})
    assert {kind: len(names) for kind, names in found.items()} == {"rds": 1, "ebs": 1, "redis": 1}
    snaps = all_snapshots(day2)
    pg = snaps["rds"][found["rds"][0]]
    assert pg["DBInstanceIdentifier"] == f"{PREFIX}-postgres"
    assert pg["tags"]["langsmith:source"] == "postgres"
    assert pg["tags"]["Name"] == pg["DBSnapshotIdentifier"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", pg["tags"]["langsmith:created-at"])
    ebs = snaps["ebs"][found["ebs"][0]]
    assert ebs["tags"]["langsmith:source"] == f"clickhouse:{PVC}"
    assert ebs["tags"]["langsmith:volume-id"] == day2.volume
    assert ebs["tags"]["langsmith:availability-zone"] == "us-east-1a"
    assert snaps["redis"][found["redis"][0]]["ReplicationGroupId"] == f"{PREFIX}-redis"
    assert f"backup: took PostgreSQL snapshot {found['rds'][0]}" in text(run)
    assert "backup: 3 snapshot(s) of demo carry our tags" in text(run)


def test_backup_prunes_by_retention_and_never_touches_other_snapshots(day2):
    before = ours_of(all_snapshots(day2), **{"langsmith:stage": "backup"})

    run = day2.run("backup.yml", backup_retention_count=1).assert_ok()

    after = ours_of(all_snapshots(day2), **{"langsmith:stage": "backup"})
    for kind in ("rds", "ebs", "redis"):
        assert len(after[kind]) == 1, after
        assert after[kind] != before[kind], f"{kind}: the newest must stay, the older one go"
    assert "beyond the newest 1" in text(run)
    assert foreign_still_there(day2)


def test_backup_check_mode_changes_nothing(day2):
    before = inventory(day2.aws)

    day2.run("backup.yml", check=True, backup_retention_count=0, backup_retention_days=1).assert_ok()

    assert unchanged(before, inventory(day2.aws)) == []


# ------------------------------------------------------------------ upgrade: refusals change nothing
def values_file(day2):
    return day2.artifacts / "release" / "values.yaml"


@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        pytest.param(
            {"langsmith_chart_version": "latest"},
            "langsmith_chart_version=latest is not a pinned chart version",
            id="unpinned-latest",
        ),
        pytest.param(
            {"langsmith_chart_version": "^0.16"},
            "langsmith_chart_version=^0.16 is not a pinned chart version",
            id="unpinned-range",
        ),
        pytest.param(
            {"langsmith_chart_version": "0.16.12", "release_extra_values": {"ingress": {"hostname": HOSTNAME}}},
            "release_extra_values: ingress.hostname was renamed or removed by the chart and fails rendering: "
            "use config.hostname",
            id="renamed-key",
        ),
        pytest.param(
            {"langsmith_chart_version": "0.16.10"},
            "langsmith_chart_version=0.16.10 is older than the deployed chart 0.16.11",
            id="downgrade",
        ),
    ],
)
def test_upgrade_refuses_and_changes_nothing(day2, extra_vars, message):
    before_values = values_file(day2).read_text()
    before = inventory(day2.aws)

    run = day2.run("upgrade.yml", **extra_vars)

    assert run.rc != 0
    assert message in text(run), run.output[-3000:]
    assert values_file(day2).read_text() == before_values
    assert unchanged(before, inventory(day2.aws)) == []
    assert not (day2.artifacts / "upgrade").exists() or not any((day2.artifacts / "upgrade").glob("*/ROLLBACK.md"))


# ------------------------------------------------------------------ upgrade: render mode
def test_upgrade_render_mode_backs_up_diffs_and_renders_the_new_version(day2):
    old_values = yaml.safe_load(values_file(day2).read_text())

    run = day2.run(
        "upgrade.yml", langsmith_chart_version="0.16.12", release_component_overrides={"backend": {"replicas": 2}}
    ).assert_ok()

    # the new values, for chart 0.16.12
    rendered = values_file(day2).read_text()
    assert "chart langsmith 0.16.12." in rendered
    assert yaml.safe_load(rendered)["backend"]["deployment"]["replicas"] == 2
    # the old values kept, the diff written and shown
    upgrade_dir = day2.artifacts / "upgrade" / "0.16.11-to-0.16.12"
    assert yaml.safe_load((upgrade_dir / "values-0.16.11.yaml").read_text()) == old_values
    diff = (upgrade_dir / "values.diff").read_text().splitlines()
    assert "-    replicas: 1" in diff
    assert "+    replicas: 2" in diff
    assert "+    replicas: 2" in run.output
    # pre-upgrade snapshots tagged with both versions; no Redis one by default
    pre = ours_of(
        all_snapshots(day2),
        **{"langsmith:backup-kind": "pre-upgrade", "langsmith:chart-from": "0.16.11", "langsmith:chart-to": "0.16.12"},
    )
    assert {kind: len(names) for kind, names in pre.items()} == {"rds": 1, "ebs": 1, "redis": 0}
    # the rollback steps carry this run's snapshot ids and the exact commands
    rollback = (upgrade_dir / "ROLLBACK.md").read_text()
    assert f"--db-snapshot-identifier {pre['rds'][0]}" in rollback
    assert f"--snapshot-id {pre['ebs'][0]}" in rollback
    assert "--availability-zone us-east-1a" in rollback
    assert f"copy {upgrade_dir}/values-0.16.11.yaml over" in " ".join(rollback.split())
    assert "upgrade: chart langsmith 0.16.11 -> 0.16.12 rendered to" in text(run)

    again = day2.run("upgrade.yml", langsmith_chart_version="0.16.12")
    assert again.rc != 0
    assert "chart 0.16.12 is already deployed: nothing to upgrade" in text(again)


# ------------------------------------------------------------------ upgrade: apply mode (fakes at the boundaries)
class Health:
    """/api/v1/health on loopback; records the paths it was asked for."""

    def __init__(self):
        self.paths = []
        health = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                health.paths.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"status": "ok"}')

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v1/health"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def ingress_alb(aws):
    """The ingress ALB, target group and security group, in our VPC, tagged like the controller tags
    them and protected by our web ACL (the ingress annotation attaches it)."""
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"]
    public = ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "tag:langsmith:subnet", "Values": ["public"]}]
    )["Subnets"]
    controller = [{"Key": "elbv2.k8s.aws/cluster", "Value": CLUSTER}, {"Key": "ingress.k8s.aws/stack", "Value": PREFIX}]
    sg = ec2.create_security_group(
        GroupName=f"k8s-{PREFIX}-alb", Description="managed LoadBalancer securityGroup by ALB Ingress Controller",
        VpcId=vpc["VpcId"], TagSpecifications=[{"ResourceType": "security-group", "Tags": controller}],
    )["GroupId"]  # fmt: skip
    lb = elb.create_load_balancer(
        Name="k8s-demolangsmith-0123456789",
        Subnets=[s["SubnetId"] for s in public],
        SecurityGroups=[sg],
        Scheme="internet-facing",
        Type="application",
        Tags=[*controller, {"Key": "ingress.k8s.aws/resource", "Value": "LoadBalancer"}],
    )["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="k8s-langsmit-frontend-0123", Protocol="HTTP", Port=8080, VpcId=vpc["VpcId"], TargetType="ip",
        Tags=[*controller, {"Key": "ingress.k8s.aws/resource", "Value": "langsmith/langsmith-frontend:80"}],
    )["TargetGroups"][0]  # fmt: skip
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.0.1.10", "Port": 8080}])
    [acl] = [a for a in aws.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"] if a["Name"] == f"{PREFIX}-waf"]
    aws.client("wafv2").associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=lb["LoadBalancerArn"])
    return {"dns": lb["DNSName"], "arn": lb["LoadBalancerArn"], "tg": tg["TargetGroupArn"], "sg": sg}


def job(name, succeeded=True):
    if succeeded:
        status = {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
    else:
        status = {"failed": 6, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": NAMESPACE, "uid": f"uid-{name}", "resourceVersion": "1"},
        "spec": {},
        "status": status,
    }


def cluster_objects(alb_dns, jobs):
    objects = [external_secret(n, NAMESPACE) for n in SECRETS]
    objects += [deployment(f"langsmith-{w}", NAMESPACE) for w in WORKLOADS]
    objects += [statefulset("langsmith-clickhouse", NAMESPACE), ingress("langsmith-ingress", NAMESPACE, alb_dns)]
    return objects + jobs


class FakeHelm:
    """State directory of tests/fixtures/day2-bin/helm, seeded with deployed releases."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def seed(self, **releases):
        (self.path / "releases.json").write_text(json.dumps(releases))
        (self.path / "calls.jsonl").unlink(missing_ok=True)

    def releases(self):
        return json.loads((self.path / "releases.json").read_text())

    def calls(self):
        calls = self.path / "calls.jsonl"
        return [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []

    def env(self, **extra):
        return {
            "FAKE_HELM_STATE": str(self.path),
            "PATH": os.pathsep.join([str(FAKE_BIN), str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            **extra,
        }


def release(name, chart, namespace=NAMESPACE, *, revision="1", status="deployed", values=None):
    return {
        "name": name,
        "namespace": namespace,
        "revision": revision,
        "status": status,
        "chart": chart,
        "app_version": "0.16.45",
        "values": values or {},
    }


@pytest.fixture(scope="module")
def apply(day2, tmp_path_factory):
    """The ingress ALB in the emulator, a fake helm, a health endpoint, and a runner for apply mode."""
    alb = ingress_alb(day2.aws)
    helm = FakeHelm(tmp_path_factory.mktemp("helm"))
    health = Health()
    kube_dir = tmp_path_factory.mktemp("kube")

    def run(playbook, objects, fake_env=None, **extra_vars):
        with FakeKubeApi(objects, groups=KUBE_GROUPS) as kube:
            kubeconfig = kube.write_kubeconfig(kube_dir / "kubeconfig")
            result = day2.run(
                playbook,
                env=helm.env(**(fake_env or {})),
                langsmith_k8s_apply=True,
                release_kubeconfig=str(kubeconfig),
                upgrade_kubeconfig=str(kubeconfig),
                release_health_url=health.url,
                release_verify_delay=1,
                **extra_vars,
            )
        return result, kube

    yield SimpleNamespace(run=run, helm=helm, health=health, alb=alb)
    health.close()


def test_upgrade_apply_backs_up_then_upgrades_waits_for_migrations_and_verifies(day2, apply):
    deployed_values = yaml.safe_load(values_file(day2).read_text())
    apply.helm.seed(langsmith=release("langsmith", "langsmith-0.16.12", revision="4", values=deployed_values))
    jobs = [job("langsmith-backend-migrations"), job("langsmith-backend-ch-migrations")]

    run, kube = apply.run(
        "upgrade.yml",
        cluster_objects(apply.alb["dns"], jobs),
        fake_env={"FAKE_HELM_CHART_VERSIONS": "0.16.13"},
        langsmith_chart_version="0.16.13",
    )

    run.assert_ok()
    calls = apply.helm.calls()
    [upgrade] = [c for c in calls if "upgrade" in c["argv"]]
    assert "--version=0.16.13" in upgrade["argv"]
    assert upgrade["HELM_NAMESPACE"] == NAMESPACE
    # helm_info read the release before (the deployed version) and after (the new one)
    lists = [i for i, c in enumerate(calls) if c["argv"][:1] == ["list"]]
    upgrade_at = calls.index(upgrade)
    assert any(i < upgrade_at for i in lists)
    assert any(i > upgrade_at for i in lists)
    assert apply.helm.releases()["langsmith"]["chart"] == "langsmith-0.16.13"
    assert apply.helm.releases()["langsmith"]["revision"] == "5"
    # the pre-upgrade snapshots were taken before helm ran
    pre = ours_of(all_snapshots(day2), **{"langsmith:chart-from": "0.16.12", "langsmith:chart-to": "0.16.13"})
    assert {kind: len(names) for kind, names in pre.items()} == {"rds": 1, "ebs": 1, "redis": 0}
    snap_time = rds_snapshots(day2.aws)[pre["rds"][0]]["SnapshotCreateTime"]
    assert snap_time.timestamp() <= upgrade["time"]
    # the migration Jobs were looked at after helm, then the rollout and the health check
    assert f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs" in [p for _m, p in kube.requests]
    assert apply.health.paths, "LangSmith's health endpoint was checked"
    output = text(run)
    assert "upgrade: chart langsmith 0.16.12 -> 0.16.13 applied to release langsmith (was revision 4)" in output
    assert "upgrade: migration Jobs langsmith-backend-migrations, langsmith-backend-ch-migrations" in output


def test_upgrade_apply_failure_stops_with_the_rollback_and_restore_steps(day2, apply):
    apply.helm.seed(langsmith=release("langsmith", "langsmith-0.16.13", revision="5"))

    run, _kube = apply.run(
        "upgrade.yml",
        cluster_objects(apply.alb["dns"], []),
        fake_env={"FAKE_HELM_CHART_VERSIONS": "0.16.14", "FAKE_HELM_FAIL_UPGRADE": "1"},
        langsmith_chart_version="0.16.14",
    )

    assert run.rc != 0
    pre = ours_of(all_snapshots(day2), **{"langsmith:chart-from": "0.16.13", "langsmith:chart-to": "0.16.14"})
    output = text(run)
    assert "pre-upgrade hooks failed" in output
    assert "Nothing was rolled back" in output
    assert "helm -n langsmith rollback langsmith 5 --wait --timeout 30m" in output
    assert f"--db-snapshot-identifier {pre['rds'][0]}" in output
    assert f"--snapshot-id {pre['ebs'][0]}" in output
    rollback = day2.artifacts / "upgrade" / "0.16.13-to-0.16.14" / "ROLLBACK.md"
    assert "helm -n langsmith rollback langsmith 5" in rollback.read_text()
    assert apply.helm.releases()["langsmith"]["status"] == "failed"


def test_upgrade_apply_refuses_a_release_that_is_not_deployed(day2, apply):
    apply.helm.seed(langsmith=release("langsmith", "langsmith-0.16.14", revision="6", status="failed"))
    before = inventory(day2.aws)

    run, _kube = apply.run("upgrade.yml", cluster_objects(apply.alb["dns"], []), langsmith_chart_version="0.16.15")

    assert run.rc != 0
    assert "Helm release langsmith is failed, not deployed" in text(run)
    assert not [c for c in apply.helm.calls() if "upgrade" in c["argv"]]
    assert unchanged(before, inventory(day2.aws)) == []


# ------------------------------------------------------------------ cluster upgrade
def test_cluster_upgrade_at_the_target_only_checks(day2):
    run = day2.run("upgrade_cluster.yml").assert_idempotent()
    assert "eks: upgrade 1.34 -> 1.34: control plane already on 1.34, node groups already on 1.34" in text(run)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("1.33", "the cluster runs Kubernetes 1.34; 1.33 would be a downgrade"),
        ("1.35", "eks_kubernetes_version=1.35 is not supported by this collection"),
    ],
)
def test_cluster_upgrade_refuses_downgrades_and_unsupported_versions(day2, version, message):
    before = inventory(day2.aws)

    run = day2.run("upgrade_cluster.yml", eks_kubernetes_version=version)

    assert run.rc != 0
    assert message in text(run)
    assert unchanged(before, inventory(day2.aws)) == []


def small_cluster(aws, env, versions):
    """A cluster of another environment with node groups on the given versions (boto3, not the stage)."""
    eks, ec2 = aws.client("eks"), aws.client("ec2")
    [vpc] = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"]
    subnets = [
        s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    ][:2]
    name = f"{env}-langsmith"
    eks.create_cluster(
        name=name,
        version="1.33",
        roleArn="arn:aws:iam::123456789012:role/upg-langsmith-cluster",
        resourcesVpcConfig={"subnetIds": subnets},
        tags={"langsmith:env": env},
    )
    for group, version in versions.items():
        eks.create_nodegroup(
            clusterName=name,
            nodegroupName=group,
            nodeRole="arn:aws:iam::123456789012:role/upg-langsmith-node",
            subnets=subnets,
            scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 1},
            labels={"langsmith/pool": group},
            version=version,
        )
    return name


def test_cluster_upgrade_plans_one_minor_and_names_what_the_emulator_cannot_do(day2):
    small_cluster(day2.aws, "upg", {"general": "1.33", "clickhouse": "1.33"})

    run = day2.run("upgrade_cluster.yml", langsmith_env="upg", eks_kubernetes_version="1.34").assert_ok()

    output = text(run)
    assert "eks: upgrade 1.33 -> 1.34: control plane emulator: not upgraded, node groups general, clickhouse" in output
    assert "emulator skip: EKS control plane 1.33 -> 1.34: the emulator has no UpdateClusterVersion" in output
    assert (
        "emulator skip: EKS node groups general, clickhouse to 1.34: the emulator has no UpdateNodegroupVersion"
        in output
    )
    assert "emulator skip: EKS add-ons to the 1.34 pins (vpc-cni v1.20.4-eksbuild.2" in output


def test_cluster_upgrade_refuses_node_groups_behind_the_control_plane(day2):
    small_cluster(day2.aws, "lag", {"general": "1.32"})

    run = day2.run("upgrade_cluster.yml", langsmith_env="lag", eks_kubernetes_version="1.34")

    assert run.rc != 0
    assert "node group general runs Kubernetes 1.32 while the control plane runs 1.33" in text(run)


# ------------------------------------------------------------------ teardown
@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        pytest.param({}, "Nothing was changed. To go ahead, run it again with -e confirm_teardown=demo", id="missing"),
        pytest.param(
            {"confirm_teardown": "prod"}, "confirm_teardown=prod does not name this environment", id="wrong-env"
        ),
    ],
)
def test_teardown_without_the_right_confirmation_changes_nothing(day2, extra_vars, message):
    before = inventory(day2.aws)

    run = day2.run("teardown.yml", **extra_vars)

    assert run.rc != 0
    assert message in text(run)
    assert unchanged(before, inventory(day2.aws)) == []


def test_teardown_check_mode_plans_and_deletes_nothing(day2):
    before = inventory(day2.aws)

    run = day2.run("teardown.yml", check=True, confirm_teardown=ENV).assert_ok()

    assert unchanged(before, inventory(day2.aws)) == []
    output = text(run)
    assert "(check mode: nothing was deleted; this is the plan)" in output
    assert f"teardown: would delete EKS cluster {CLUSTER}" in output
    assert f"teardown: would delete RDS instance {PREFIX}-postgres" in output


@pytest.fixture(scope="module")
def torn_down(day2, apply):
    """teardown.yml in apply mode (fake helm holding LangSmith and the platform releases)."""
    platform = {
        name: release(name, f"{name}-{version}", namespace)
        for name, version, namespace in (
            ("aws-load-balancer-controller", "1.14.0", "kube-system"),
            ("cluster-autoscaler", "9.52.1", "kube-system"),
            ("external-secrets", "1.0.0", "external-secrets"),
        )
    }
    apply.helm.seed(langsmith=release("langsmith", "langsmith-0.16.13", revision="5"), **platform)
    other_record = {"Name": f"other.{ZONE}", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.1"}]}
    r53 = day2.aws.client("route53")
    [zone] = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == f"{ZONE}."]
    r53.change_resource_record_sets(
        HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": other_record}]}
    )
    records = r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    before = {
        "alias": [r for r in records if r["Name"] == f"{HOSTNAME}."],
        "alarms": [a["AlarmName"] for a in day2.aws.client("cloudwatch").describe_alarms()["MetricAlarms"]],
    }
    run, _kube = apply.run("teardown.yml", [], confirm_teardown=ENV, teardown_wait_timeout=20)
    return SimpleNamespace(run=run, zone=zone["Id"], before=before)


def test_teardown_deletes_in_reverse_order_and_uninstalls_helm_first(torn_down, apply):
    torn_down.run.assert_ok()
    uninstalls = [c["argv"] for c in apply.helm.calls() if "uninstall" in c["argv"]]
    order = [next(w for w in argv if not w.startswith("-") and w != "uninstall") for argv in uninstalls]
    assert order == ["langsmith", "external-secrets", "cluster-autoscaler", "aws-load-balancer-controller"]
    assert apply.helm.releases() == {}
    # the edge stage's DNS step had made these after the apply-mode upgrade (the ALB existed then)
    assert torn_down.before["alias"], "the alias record existed before the teardown"
    assert any(a.startswith(f"{PREFIX}-alb-") for a in torn_down.before["alarms"])


def test_after_teardown_nothing_of_ours_remains_but_the_data(day2, torn_down):
    aws, output = day2.aws, text(torn_down.run)
    ec2 = aws.client("ec2")
    tagged = [{"Name": "tag:langsmith:env", "Values": [ENV]}]
    # network
    assert ec2.describe_vpcs(Filters=tagged)["Vpcs"] == []
    assert ec2.describe_subnets(Filters=tagged)["Subnets"] == []
    assert ec2.describe_internet_gateways(Filters=tagged)["InternetGateways"] == []
    assert ec2.describe_route_tables(Filters=tagged)["RouteTables"] == []
    assert [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] not in ("deleted", "deleting")] == []
    assert ec2.describe_addresses(Filters=tagged)["Addresses"] == []
    assert ec2.describe_security_groups(Filters=tagged)["SecurityGroups"] == []
    assert (
        ec2.describe_security_groups(Filters=[{"Name": "tag:elbv2.k8s.aws/cluster", "Values": [CLUSTER]}])[
            "SecurityGroups"
        ]
        == []
    )
    assert [e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["State"] not in ("deleted", "deleting")] == []
    assert [
        t for t in ec2.describe_launch_templates()["LaunchTemplates"] if t["LaunchTemplateName"].startswith(PREFIX)
    ] == []
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []
    # cluster
    assert CLUSTER not in aws.client("eks").list_clusters()["clusters"]
    iam = aws.client("iam")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(PREFIX)] == []
    assert [
        p["InstanceProfileName"]
        for p in iam.list_instance_profiles()["InstanceProfiles"]
        if p["InstanceProfileName"].startswith(PREFIX)
    ] == []
    assert [p for p in iam.list_policies(Scope="Local")["Policies"] if p["PolicyName"].startswith(PREFIX)] == []
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        assert not ours(tags_of(iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider["Arn"]))), provider
    logs = [g["logGroupName"] for g in aws.client("logs").describe_log_groups()["logGroups"]]
    assert [g for g in logs if CLUSTER in g or f"{PREFIX}-postgres" in g] == []
    # data stores: instance, groups, Redis (the emulator keeps a deleted group in "deleting")
    rds = aws.client("rds")
    assert rds.describe_db_instances()["DBInstances"] == []
    assert [
        g
        for g in rds.describe_db_parameter_groups()["DBParameterGroups"]
        if g["DBParameterGroupName"].startswith(PREFIX)
    ] == []
    assert rds.describe_db_subnet_groups()["DBSubnetGroups"] == []
    redis = aws.client("elasticache")
    assert [g["Status"] for g in redis.describe_replication_groups()["ReplicationGroups"]] == ["deleting"]
    assert "emulator skip: Redis deletion: the emulator keeps a deleted replication group in status deleting" in output
    # The emulator has no DeleteCacheSubnetGroup: the group (untagged) stays, and the run says so.
    assert [g["CacheSubnetGroupName"] for g in redis.describe_cache_subnet_groups()["CacheSubnetGroups"]] == [
        f"{PREFIX}-redis"
    ]
    assert (
        f"emulator skip: ElastiCache subnet group {PREFIX}-redis: the emulator has no DeleteCacheSubnetGroup" in output
    )
    # secrets: scheduled for deletion (recoverable), none left live
    sm = aws.client("secretsmanager")
    assert [s["Name"] for s in sm.list_secrets()["SecretList"] if s["Name"].startswith(f"{PREFIX}/")] == []
    planned = [
        s for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"] if s["Name"].startswith(f"{PREFIX}/")
    ]
    assert len(planned) == 7
    assert all(s.get("DeletedDate") for s in planned)
    # KMS: the data key stays (it encrypts the final snapshot and the kept bucket)
    kms = aws.client("kms")
    states = {a["AliasName"]: kms.describe_key(KeyId=a["TargetKeyId"])["KeyMetadata"]["KeyState"]
              for a in kms.list_aliases()["Aliases"] if a["AliasName"].startswith(f"alias/{PREFIX}-")}  # fmt: skip
    assert states[f"alias/{PREFIX}-data"] == "Enabled"
    for part in ("eks", "secrets"):
        # AWS: PendingDeletion. The emulator's ScheduleKeyDeletion rejects the key ARN amazon.aws.kms_key sends.
        assert states[f"alias/{PREFIX}-{part}"] in ("PendingDeletion", "Enabled")
        if states[f"alias/{PREFIX}-{part}"] == "Enabled":
            assert f"emulator skip: KMS key alias/{PREFIX}-{part}: not scheduled for deletion" in output
    # edge: records we made, health check, alarms, web ACL, certificate; the operator's zone and record stay
    r53 = aws.client("route53")
    records = {
        (r["Name"], r["Type"]) for r in r53.list_resource_record_sets(HostedZoneId=torn_down.zone)["ResourceRecordSets"]
    }
    assert records == {(f"{ZONE}.", "NS"), (f"{ZONE}.", "SOA"), (f"other.{ZONE}.", "A")}
    for check in r53.list_health_checks()["HealthChecks"]:
        tags = r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=check["Id"])["ResourceTagSet"]
        assert not ours(tags_of(tags)), check
    assert [
        a for a in aws.client("cloudwatch").describe_alarms()["MetricAlarms"] if a["AlarmName"].startswith(PREFIX)
    ] == []
    assert [
        a for a in aws.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"] if a["Name"].startswith(PREFIX)
    ] == []
    assert [
        c for c in aws.client("acm").list_certificates()["CertificateSummaryList"] if c["DomainName"] == HOSTNAME
    ] == []
    elb = aws.client("elbv2")
    assert elb.describe_load_balancers()["LoadBalancers"] == []
    assert elb.describe_target_groups()["TargetGroups"] == []
    # kept: the final snapshots, the bucket, the ClickHouse volume; and everyone else's snapshots
    finals = ours_of(all_snapshots(day2), **{"langsmith:stage": "teardown", "langsmith:backup-kind": "final"})
    assert len(finals["rds"]) == 1
    assert len(finals["redis"]) == 1
    assert finals["rds"][0].startswith(f"{PREFIX}-postgres-final-")
    assert [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(PREFIX)]
    assert [v["VolumeId"] for v in ec2.describe_volumes(VolumeIds=[day2.volume])["Volumes"]] == [day2.volume]
    assert foreign_still_there(day2)
    assert f"teardown: kept RDS final snapshot {finals['rds'][0]}" in output


def test_teardown_again_changes_nothing(day2, torn_down, apply):
    run, _kube = apply.run("teardown.yml", [], confirm_teardown=ENV)
    run.assert_idempotent()


def test_teardown_deletes_the_bucket_and_the_volumes_only_when_told(day2, torn_down):
    run = day2.run(
        "teardown.yml", confirm_teardown=ENV, teardown_delete_bucket=True, teardown_delete_clickhouse_volumes=True
    )

    run.assert_ok()
    assert [b["Name"] for b in day2.aws.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(PREFIX)] == []
    assert [v for v in day2.aws.client("ec2").describe_volumes()["Volumes"] if v["VolumeId"] == day2.volume] == []
    assert len(ours_of(all_snapshots(day2), **{"langsmith:backup-kind": "final"})["rds"]) == 1
    assert foreign_still_there(day2)


def test_backup_lists_what_is_left_after_the_teardown_and_never_prunes_final_snapshots(day2, torn_down):
    # ours = our tags and made by backup or teardown: a DBA's copy inherits the instance's tags
    # (CopyTagsToSnapshot, langsmith:stage=datastores) and is listed as someone else's
    before = all_snapshots(day2)
    ours_before = {
        kind: [name for name in names if before[kind][name]["tags"].get("langsmith:stage") in ("backup", "teardown")]
        for kind, names in ours_of(before).items()
    }
    assert "dba-manual-copy" not in ours_before["rds"]

    run = day2.run("backup.yml", backup_take=False, backup_retention_count=1).assert_ok()

    output = text(run)
    assert "backup: no snapshot taken (backup_take is false)" in output
    counted = sum(len(names) for names in ours_before.values()) - len(re.findall(r"backup: pruned ", output))
    listed = re.findall(r"backup: (\d+) snapshot\(s\) of demo carry our tags", output)
    assert listed == [str(counted)], (listed, ours_before, re.findall(r"backup: pruned [^,\]]*", output))
    finals = ours_of(all_snapshots(day2), **{"langsmith:backup-kind": "final"})
    assert len(finals["rds"]) == 1
    assert len(finals["redis"]) == 1
    assert foreign_still_there(day2)

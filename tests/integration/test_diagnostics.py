"""playbooks/diagnostics.yml against the emulator with deliberately broken resources.

The world follows the collection's names and tags (Name=demo-langsmith-<part>,
langsmith:env=demo, the network role's nodes/data security groups), built with boto3:
- the data security group admits Redis (6379) from the nodes group but NOT PostgreSQL (5432);
- the RDS instance demo-langsmith-postgres is stopped;
- the ALB (tagged elbv2.k8s.aws/cluster=demo-langsmith, as the AWS Load Balancer Controller
  tags it) forwards to a target group whose only target is a stopped instance
  (the emulator models that as state "unused", reason Target.InvalidState);
- its HTTPS listener carries an imported certificate for another name, expiring in 10 days;
- the node group runs at its maximum size.
Kubernetes is the fake cluster of tests/fixtures (fake kubectl/helm/jq on PATH), and the
official script's stand-in is served from a loopback HTTP server with its sha256 pinned.
"""

from __future__ import annotations

import datetime
import json
import shutil
import stat
import sys
from pathlib import Path

import pytest
from conftest import run_playbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import diagnostics_world as world

ENV = "demo"
PREFIX = f"{ENV}-langsmith"
HOST = "langsmith.demo.example.com"
TAGS = [{"Key": "langsmith:env", "Value": ENV}, {"Key": "langsmith:managed-by", "Value": "ansible"}]
# a secret someone put in a tag: the AWS evidence must not carry it
TAG_SECRET = "PlantedTagPassword88"


def _tags(name, **extra):
    return [*TAGS, {"Key": "Name", "Value": f"{PREFIX}-{name}"}] + [{"Key": k, "Value": v} for k, v in extra.items()]


def _certificate(common_name: str, days: int):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


def build_broken_world(aws) -> dict:
    ec2, elb = aws.client("ec2"), aws.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": _tags("vpc")}])[
        "Vpc"
    ]["VpcId"]
    private, public = [], []
    for i, zone in enumerate(("us-east-1a", "us-east-1b")):
        for kind, cidr, bucket in (
            ("private", f"10.0.{i * 32}.0/19", private),
            ("public", f"10.0.{192 + i * 4}.0/22", public),
        ):
            bucket.append(
                ec2.create_subnet(
                    VpcId=vpc,
                    CidrBlock=cidr,
                    AvailabilityZone=zone,
                    TagSpecifications=[{"ResourceType": "subnet", "Tags": _tags(f"{kind}-{zone}")}],
                )["Subnet"]["SubnetId"]
            )

    def group(part, description):
        return ec2.create_security_group(
            GroupName=f"{PREFIX}-{part}",
            Description=description,
            VpcId=vpc,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": _tags(part)}],
        )["GroupId"]

    nodes, data = group("nodes", "LangSmith EKS nodes"), group("data", "LangSmith data stores")
    # the network role admits every data port from the nodes group; 5432 is deliberately missing
    ec2.authorize_security_group_ingress(
        GroupId=data,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": nodes}]}
            for port in (6379, 8123, 9000, 8443, 9440)
        ],
    )

    eks = aws.client("eks")
    eks.create_cluster(
        name=PREFIX,
        roleArn="arn:aws:iam::123456789012:role/demo-langsmith-cluster",
        resourcesVpcConfig={"subnetIds": private, "securityGroupIds": [nodes]},
    )
    eks.create_nodegroup(
        clusterName=PREFIX,
        nodegroupName="general",
        subnets=private,
        nodeRole="arn:aws:iam::123456789012:role/demo-langsmith-nodes",
        scalingConfig={"minSize": 3, "maxSize": 3, "desiredSize": 3},
    )

    rds = aws.client("rds")
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"{PREFIX}-postgres", DBSubnetGroupDescription="LangSmith", SubnetIds=private
    )
    rds.create_db_instance(
        DBInstanceIdentifier=f"{PREFIX}-postgres",
        Engine="postgres",
        EngineVersion="16.4",
        DBInstanceClass="db.t3.medium",
        MasterUsername="langsmith",
        MasterUserPassword="EmulatorOnlyPw1",
        AllocatedStorage=20,
        DBSubnetGroupName=f"{PREFIX}-postgres",
        VpcSecurityGroupIds=[data],
        Tags=_tags("postgres", **{"db-password": TAG_SECRET}),
    )
    rds.stop_db_instance(DBInstanceIdentifier=f"{PREFIX}-postgres")

    cache = aws.client("elasticache")
    cache.create_cache_subnet_group(
        CacheSubnetGroupName=f"{PREFIX}-redis", CacheSubnetGroupDescription="LangSmith", SubnetIds=private
    )
    cache.create_replication_group(
        ReplicationGroupId=f"{PREFIX}-redis",
        ReplicationGroupDescription="LangSmith",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
        CacheSubnetGroupName=f"{PREFIX}-redis",
        SecurityGroupIds=[data],
        TransitEncryptionEnabled=True,
        AuthToken="EmulatorOnlyAuthToken123",
        Tags=_tags("redis"),
    )

    cert_pem, key_pem = _certificate("other.demo.example.com", days=10)
    cert_arn = aws.client("acm").import_certificate(Certificate=cert_pem, PrivateKey=key_pem)["CertificateArn"]
    alb = elb.create_load_balancer(
        Name="k8s-langsmith-0a1b2c3d4e",
        Subnets=public,
        Scheme="internet-facing",
        Type="application",
        Tags=[
            {"Key": "elbv2.k8s.aws/cluster", "Value": PREFIX},
            {"Key": "ingress.k8s.aws/stack", "Value": "langsmith"},
        ],
    )["LoadBalancers"][0]
    elb.describe_load_balancers(LoadBalancerArns=[alb["LoadBalancerArn"]])  # provisioning -> active
    tg = elb.create_target_group(
        Name="k8s-langsmith-frontend",
        Protocol="HTTP",
        Port=8080,
        VpcId=vpc,
        TargetType="instance",
        HealthCheckPath="/health",
    )["TargetGroups"][0]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instances = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=private[0])["Instances"]
    instance = instances[0]["InstanceId"]
    elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": instance}])
    ec2.stop_instances(InstanceIds=[instance])
    elb.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTPS",
        Port=443,
        Certificates=[{"CertificateArn": cert_arn}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    return {
        "vpc": vpc,
        "nodes_sg": nodes,
        "data_sg": data,
        "alb": alb,
        "target_group_arn": tg["TargetGroupArn"],
        "certificate_arn": cert_arn,
    }


class Site:
    """Everything one run needs: the world, the fake cluster, the served script, the env."""

    def __init__(self, root: Path, aws, facts: dict):
        self.root, self.aws, self.facts = root, aws, facts
        self.cluster = world.write_cluster(root / "cluster", facts["alb"]["DNSName"], facts["target_group_arn"])
        self.served = root / "served"
        self.served.mkdir()
        shutil.copy(world.FAKE_SCRIPT, self.served / "get_k8s_debugging_info.sh")
        self.sha256 = world.sha256_file(self.served / "get_k8s_debugging_info.sh")

    def run(self, name: str, url: str, *, check=False, **extra_vars):
        work = self.root / name
        work.mkdir()
        variables = {
            "langsmith_artifacts_dir": str(work / "artifacts"),
            "diagnostics_collect_kubernetes": True,
            "diagnostics_script_url": f"{url}/get_k8s_debugging_info.sh",
            "diagnostics_script_sha256": self.sha256,
        }
        variables.update(extra_vars)
        result = run_playbook(
            "diagnostics.yml",
            endpoint=self.aws.endpoint,
            extra_vars=variables,
            check=check,
            verbosity=1,
            env=world.fake_env(work, self.cluster),
            tmp_path=work,
        )
        result.work = work
        result.archives = sorted((work / "artifacts" / "diagnostics").glob("langsmith-diagnostics-demo-*.zip"))
        return result


@pytest.fixture(scope="module")
def site(emulator_server, tmp_path_factory):
    emulator_server.reset()
    facts = build_broken_world(emulator_server)
    return Site(tmp_path_factory.mktemp("diagnostics"), emulator_server, facts)


@pytest.fixture(scope="module")
def served(site):
    with world.loopback_server(site.served) as url:
        yield url


@pytest.fixture(scope="module")
def collected(site, served):
    """One full run, shared by the assertions below."""
    result = site.run("full", served).assert_ok()
    assert len(result.archives) == 1, result.output[-3000:]
    files = world.read_archive(result.archives[0])
    return result, files, json.loads(files["summary.json"])


def _by_id(summary):
    out = {}
    for item in summary["findings"]:
        out.setdefault(item["id"], []).append(item)
    return out


def test_the_broken_resources_become_findings(site, collected):
    _result, _files, summary = collected
    found = _by_id(summary)
    pg = found["sg-postgres-closed"][0]
    assert pg["severity"] == "critical"
    assert pg["resource"] == f"{PREFIX}-postgres"
    assert pg["doc"] == "TROUBLESHOOTING.md#postgresql-connectivity"
    assert f"--source-group {site.facts['nodes_sg']}" in pg["detail"]
    assert "sg-redis-closed" not in found, "6379 is open from the nodes group"
    assert "stopped" in found["rds-not-available"][0]["title"]
    assert "start-db-instance" in found["rds-not-available"][0]["detail"]
    unused = found["alb-target-unused"][0]
    assert "Target.InvalidState" in unused["title"]
    assert unused["section"] == "alb-targets-unhealthy"
    assert found["alb-no-healthy-targets"][0]["resource"] == site.facts["target_group_arn"]
    assert found["acm-hostname-not-covered"][0]["section"] == "tls-and-certificates"
    assert found["acm-certificate-expiring"][0]["resource"] == site.facts["certificate_arn"]
    assert found["eks-nodegroup-at-max"][0]["section"] == "pods-pending"
    # and the Kubernetes side of the fake cluster
    kubernetes = {
        "k8s-crashloopbackoff",
        "clickhouse-oomkilled",
        "k8s-externalsecret-not-ready",
        "k8s-pod-unschedulable",
    }
    assert kubernetes <= set(found)
    assert [f["severity"] for f in summary["findings"]] == sorted(
        (f["severity"] for f in summary["findings"]), key=["critical", "warning", "info"].index
    )


def test_the_evidence_matches_what_aws_says(site, collected):
    _result, files, _summary = collected
    rds = json.loads(files["aws/rds.json"])["db_instances"][0]
    actual = site.aws.client("rds").describe_db_instances(DBInstanceIdentifier=f"{PREFIX}-postgres")["DBInstances"][0]
    assert rds["DBInstanceStatus"] == actual["DBInstanceStatus"] == "stopped"
    sgs = json.loads(files["aws/security-groups.json"])
    stores = {s["store"]: s for s in sgs["stores"]}
    assert stores["postgres"]["status"] == "closed"
    assert stores["postgres"]["security_groups_from"] == "attached"
    assert stores["postgres"]["security_group_ids"] == [site.facts["data_sg"]]
    assert stores["redis"]["status"] == "open"
    assert site.facts["nodes_sg"] in sgs["nodes_security_group_ids"]
    elbv2 = json.loads(files["aws/elbv2.json"])
    (lb,) = elbv2["load_balancers"]
    assert lb["LoadBalancerArn"] == site.facts["alb"]["LoadBalancerArn"]
    assert set(lb["FoundBy"]) == {f"tag elbv2.k8s.aws/cluster={PREFIX}", "Ingress address"}
    health = site.aws.client("elbv2").describe_target_health(TargetGroupArn=site.facts["target_group_arn"])
    assert (
        lb["TargetGroups"][0]["Targets"][0]["TargetHealth"]["State"]
        == health["TargetHealthDescriptions"][0]["TargetHealth"]["State"]
    )
    eks = json.loads(files["aws/eks.json"])
    assert eks["cluster"]["name"] == PREFIX
    assert [ng["nodegroupName"] for ng in eks["nodegroups"]] == ["general"]


def test_collectors_and_the_script_record(site, collected):
    _result, files, summary = collected
    states = {c["name"]: c for c in summary["collectors"]}
    for name in ("aws_eks", "aws_elbv2", "aws_rds", "aws_security_groups", "aws_acm", "kubernetes_script", "k8s_pods"):
        assert states[name]["status"] == "ok", states[name]
    # the emulator has no ElastiCache DescribeEvents and does not list the group's member clusters:
    # both recorded, the rest of the collector still ran
    assert states["aws_elasticache"]["status"] == "partial"
    errors = "\n".join(states["aws_elasticache"]["errors"])
    assert "describe events of replication-group demo-langsmith-redis" in errors
    assert "describe cache cluster demo-langsmith-redis-001" in errors
    assert json.loads(files["aws/elasticache.json"])["replication_groups"][0]["ReplicationGroupId"] == f"{PREFIX}-redis"
    script = summary["script"]
    assert script["verified"] is True
    assert script["sha256"] == site.sha256
    assert script["flags"] == ["--namespace", "langsmith", "--redact"]
    assert "k8s-script/helm-values/langsmith_values.yaml" in files


def test_the_archive_lands_under_artifacts_and_is_private(collected):
    result, _files, _summary = collected
    archive = result.archives[0]
    assert archive.parent == result.work / "artifacts" / "diagnostics"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert f"Evidence bundle: {archive}" in result.output
    assert "CRITICAL | PostgreSQL port 5432 is not open from the nodes security group" in result.output
    assert "TROUBLESHOOTING.md#postgresql-connectivity" in result.output
    assert "diagnostics: findings: " in result.output


def test_no_planted_secret_survives(collected):
    result, files, _summary = collected
    assert world.leaked(files.values()) == []
    assert world.leaked([result.output]) == []
    assert TAG_SECRET not in "\n".join(files.values())
    assert TAG_SECRET not in result.output
    assert "EmulatorOnlyAuthToken123" not in "\n".join(files.values())


def test_check_mode_collects_nothing(site, served):
    result = site.run("check", served, check=True).assert_ok()
    assert result.archives == []
    assert not (result.work / "artifacts" / "diagnostics").exists()
    assert not (result.work / "script.record").exists()
    assert not (result.work / "kubectl.log").exists()
    assert "check mode, nothing collected" in result.output


def test_checksum_mismatch_keeps_the_aws_evidence(site, served):
    result = site.run("mismatch", served, diagnostics_script_sha256="0" * 64).assert_ok()
    assert not (result.work / "script.record").exists(), "the script ran despite the wrong checksum"
    summary = json.loads(world.read_archive(result.archives[0])["summary.json"])
    states = {c["name"]: c["status"] for c in summary["collectors"]}
    assert states["kubernetes_script"] == "failed"
    assert states["aws_rds"] == "ok"
    assert "diagnostics-script-checksum-mismatch" in {f["id"] for f in summary["findings"]}
    assert "collectors failed (see summary.json): kubernetes_script" in result.output


def test_bad_input_fails_before_collecting(site, served):
    result = site.run("bad", served, diagnostics_script_sha256="not-a-checksum")
    assert result.rc != 0
    assert "diagnostics_script_sha256 must be the 64 hex characters" in result.output
    assert result.archives == []
    assert not (result.work / "kubectl.log").exists()


def test_the_demo_inventory_defaults_collect_the_aws_side(site):
    """inventories/local as is (langsmith_k8s_apply: false): AWS evidence only, and a summary."""
    work = site.root / "demo"
    work.mkdir()
    result = run_playbook(
        "diagnostics.yml",
        endpoint=site.aws.endpoint,
        extra_vars={"langsmith_artifacts_dir": str(work / "artifacts")},
        tmp_path=work,
        env=world.fake_env(work, site.cluster),
    ).assert_ok()
    (archive,) = sorted((work / "artifacts" / "diagnostics").glob("langsmith-diagnostics-demo-*.zip"))
    summary = json.loads(world.read_archive(archive)["summary.json"])
    states = {c["name"]: c for c in summary["collectors"]}
    assert states["kubernetes_script"]["status"] == "skipped"
    assert states["kubernetes_script"]["reason"] == "collect_kubernetes is false"
    assert states["aws_rds"]["status"] == "ok"
    assert not (work / "kubectl.log").exists()
    assert "sg-postgres-closed" in {f["id"] for f in summary["findings"]}
    assert "Kubernetes evidence and the official script skipped" in result.output
    assert "emulator skip: diagnostics: ElastiCache events" in result.output

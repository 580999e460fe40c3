"""tools/awsproxy.py: classification, the timeline, the hook API and the latency model.

Real boto3 calls go through the proxy to a moto server of this module's own, so what is checked
is what botocore really sends and how it reads the rewritten answers.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request
import uuid
from email.message import Message

import boto3
import botocore.config
import botocore.exceptions
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import awsproxy
import emulator

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/bench"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """A moto server issuing ACM certificates at once (the latency model is then the only delay)."""
    state_dir = tmp_path_factory.mktemp("proxy-emulator")
    saved = os.environ.get("MOTO_ACM_VALIDATION_WAIT")
    os.environ["MOTO_ACM_VALIDATION_WAIT"] = "0"
    try:
        state = emulator.start(state_dir, watch_pid=os.getpid())
    finally:
        if saved is None:
            os.environ.pop("MOTO_ACM_VALIDATION_WAIT")
        else:
            os.environ["MOTO_ACM_VALIDATION_WAIT"] = saved
    try:
        yield state.endpoint
    finally:
        emulator.stop(state_dir)


@pytest.fixture
def proxy_for(upstream):
    started = []

    def _start(*hooks):
        proxy = awsproxy.Proxy(upstream, list(hooks)).start()
        started.append(proxy)
        return proxy

    yield _start
    for proxy in started:
        proxy.stop()


def client(proxy, service, attempts=None):
    config = botocore.config.Config(retries={"total_max_attempts": attempts, "mode": "standard"}) if attempts else None
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client(service, endpoint_url=proxy.endpoint, config=config)


def seen(proxy):
    return [(e["service"], e["action"], e["mutating"]) for e in proxy.timeline()]


def name(prefix="bench"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def subnets(ec2, count=2):
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    return [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24")["Subnet"]["SubnetId"] for i in range(count)]


def wait_past(model, kind, ident):
    """Sleep until the model's current window for (kind, ident) is over."""
    window = model._current[(kind, ident)]
    time.sleep(max(0.0, window.ready - time.monotonic()) + 0.05)


# --------------------------------------------------------------------------- the proxy itself
def test_refuses_a_non_loopback_upstream():
    with pytest.raises(emulator.EmulatorError, match="only loopback"):
        awsproxy.Proxy("http://10.0.0.5:5000")
    with pytest.raises(emulator.EmulatorError, match="only loopback"):
        awsproxy.Proxy("https://ec2.us-east-1.amazonaws.com")


def test_listens_on_loopback_only(proxy_for):
    proxy = proxy_for()
    assert proxy.endpoint.startswith("http://127.0.0.1:")
    assert proxy._server.server_address[0] == "127.0.0.1"


def test_moto_api_is_forwarded_but_not_counted(proxy_for):
    counter = awsproxy.RequestCounter()
    proxy = proxy_for(counter)
    with urllib.request.urlopen(f"{proxy.endpoint}/moto-api/data.json", timeout=30) as resp:  # noqa: S310
        assert resp.status == 200
        assert resp.read().startswith(b"{")
    client(proxy, "sts").get_caller_identity()
    assert seen(proxy) == [("sts", "GetCallerIdentity", False)]
    assert counter.summary()["all"] == 1


# --------------------------------------------------------------------------- classification
def test_json_protocol_action_from_the_target_header(proxy_for):
    proxy = proxy_for()
    client(proxy, "acm").list_certificates()
    kms = client(proxy, "kms")
    kms.create_key(Description="bench")
    kms.list_keys()
    assert seen(proxy) == [
        ("acm", "ListCertificates", False),
        ("kms", "CreateKey", True),
        ("kms", "ListKeys", False),
    ]
    assert {e["region"] for e in proxy.timeline()} == {REGION}


def test_query_and_ec2_protocols_action_from_the_form_body(proxy_for):
    proxy = proxy_for()
    client(proxy, "sts").get_caller_identity()
    iam = client(proxy, "iam")
    iam.create_role(RoleName=name(), AssumeRolePolicyDocument="{}")
    iam.list_roles()
    ec2 = client(proxy, "ec2")
    ec2.create_vpc(CidrBlock="10.7.0.0/16")
    ec2.describe_vpcs()
    client(proxy, "elbv2").describe_load_balancers()
    assert seen(proxy) == [
        ("sts", "GetCallerIdentity", False),
        ("iam", "CreateRole", True),
        ("iam", "ListRoles", False),
        ("ec2", "CreateVpc", True),
        ("ec2", "DescribeVpcs", False),
        ("elasticloadbalancing", "DescribeLoadBalancers", False),
    ]


def test_query_action_from_the_query_string():
    headers = Message()
    headers["Authorization"] = (
        "AWS4-HMAC-SHA256 Credential=testing/20250101/eu-west-1/rds/aws4_request, SignedHeaders=host, Signature=0"
    )
    found = awsproxy.classify("GET", "/", "Action=DescribeDBInstances&Version=2014-10-31", headers, b"")
    assert found == awsproxy.Classification("rds", "eu-west-1", "DescribeDBInstances", "query", False)


def test_rest_json_eks_operation_names(proxy_for):
    proxy = proxy_for()
    eks = client(proxy, "eks")
    ids = subnets(client(proxy, "ec2"))
    cluster = name()
    eks.create_cluster(name=cluster, roleArn=ROLE, resourcesVpcConfig={"subnetIds": ids})
    eks.describe_cluster(name=cluster)
    eks.list_clusters()
    eks.create_nodegroup(clusterName=cluster, nodegroupName="general", nodeRole=ROLE, subnets=ids)
    eks.describe_nodegroup(clusterName=cluster, nodegroupName="general")
    eks.list_nodegroups(clusterName=cluster)
    eks.update_cluster_config(name=cluster, logging={"clusterLogging": [{"types": ["api"], "enabled": True}]})
    arn = eks.describe_cluster(name=cluster)["cluster"]["arn"]
    eks.list_tags_for_resource(resourceArn=arn)
    eks.tag_resource(resourceArn=arn, tags={"a": "b"})
    assert [s for s in seen(proxy) if s[0] == "eks"] == [
        ("eks", "CreateCluster", True),
        ("eks", "DescribeCluster", False),
        ("eks", "ListClusters", False),
        ("eks", "CreateNodegroup", True),
        ("eks", "DescribeNodegroup", False),
        ("eks", "ListNodegroups", False),
        ("eks", "UpdateClusterConfig", True),
        ("eks", "DescribeCluster", False),
        ("eks", "ListTagsForResource", False),
        ("eks", "TagResource", True),
    ]


def test_rest_xml_route53_and_s3_operation_names(proxy_for):
    proxy = proxy_for()
    r53 = client(proxy, "route53")
    zone = f"{name()}.example.com"
    zone_id = r53.create_hosted_zone(Name=zone, CallerReference=name())["HostedZone"]["Id"]
    r53.list_hosted_zones_by_name(DNSName=zone)
    r53.get_hosted_zone(Id=zone_id)
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": f"a.{zone}",
                        "Type": "A",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "192.0.2.1"}],
                    },
                }
            ]
        },
    )
    r53.list_resource_record_sets(HostedZoneId=zone_id)
    s3 = client(proxy, "s3")
    bucket = name()
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.get_bucket_versioning(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"x")
    s3.copy_object(Bucket=bucket, Key="c.txt", CopySource={"Bucket": bucket, "Key": "a/b.txt"})
    s3.head_object(Bucket=bucket, Key="c.txt")
    assert s3.get_object(Bucket=bucket, Key="c.txt")["Body"].read() == b"x"
    s3.list_objects_v2(Bucket=bucket)
    s3.head_bucket(Bucket=bucket)
    assert seen(proxy) == [
        ("route53", "CreateHostedZone", True),
        ("route53", "ListHostedZonesByName", False),
        ("route53", "GetHostedZone", False),
        ("route53", "ChangeResourceRecordSets", True),
        ("route53", "ListResourceRecordSets", False),
        ("s3", "CreateBucket", True),
        ("s3", "PutBucketVersioning", True),
        ("s3", "GetBucketVersioning", False),
        ("s3", "PutObject", True),
        ("s3", "CopyObject", True),
        ("s3", "HeadObject", False),
        ("s3", "GetObject", False),
        ("s3", "ListObjectsV2", False),
        ("s3", "HeadBucket", False),
    ]


def test_rpc_v2_cbor_cloudwatch_operation_names(proxy_for):
    proxy = proxy_for()
    cw = client(proxy, "cloudwatch")
    cw.put_metric_alarm(
        AlarmName=name(),
        MetricName="m",
        Namespace="bench",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    cw.describe_alarms()
    assert seen(proxy) == [("monitoring", "PutMetricAlarm", True), ("monitoring", "DescribeAlarms", False)]


def test_unknown_rest_calls_get_a_path_pattern():
    headers = Message()
    found = awsproxy.classify("GET", "/widgets/w-12ab34/parts/Part9", "", headers, b"")
    assert found.service == "unknown"
    assert found.action == "GET /widgets/{}/parts/{}"
    assert found.mutating is False
    assert awsproxy.classify("POST", "/widgets", "", headers, b"").mutating is True
    assert awsproxy.path_pattern("/2013-04-01/hostedzone/Z0123ABC/rrset") == "/2013-04-01/hostedzone/{}/rrset"


@pytest.mark.parametrize(
    ("action", "method", "read"),
    [
        ("DescribeClusters", "POST", True),
        ("ListRoles", "POST", True),
        ("GetCallerIdentity", "POST", True),
        ("HeadObject", "HEAD", True),
        ("LookupEvents", "POST", True),
        ("SearchResources", "POST", True),
        ("CheckDomainAvailability", "POST", True),
        ("SimulatePrincipalPolicy", "POST", True),
        ("ValidateTemplate", "POST", True),
        ("EstimateTemplateCost", "POST", True),
        ("QueryObjects", "POST", True),
        ("CreateCluster", "POST", False),
        ("RequestCertificate", "POST", False),
        ("ChangeResourceRecordSets", "POST", False),
        ("TagResource", "POST", False),
        ("AssumeRole", "POST", False),
        ("PutObject", "PUT", False),
        ("GET /x/{}", "GET", True),
        ("HEAD /x/{}", "HEAD", True),
        ("DELETE /x/{}", "DELETE", False),
        ("POST /x", "POST", False),
    ],
)
def test_read_or_mutating(action, method, read):
    assert awsproxy.is_read(action, method) is read


# --------------------------------------------------------------------------- hooks
@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("acm", lambda c: c.list_certificates(), "ThrottlingException"),
        ("sts", lambda c: c.get_caller_identity(), "Throttling"),
        ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded"),
        ("eks", lambda c: c.list_clusters(), "ThrottlingException"),
        ("route53", lambda c: c.list_hosted_zones(), "Throttling"),
        ("cloudwatch", lambda c: c.describe_alarms(), "Throttling"),
    ],
)
def test_a_hook_answers_in_each_protocol(proxy_for, service, call, code):
    class Throttle(awsproxy.Hook):
        name = "throttle"

        def on_request(self, call):
            return awsproxy.error_reply(call, awsproxy.throttling_code(call.service), "Rate exceeded")

    proxy = proxy_for(Throttle())
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(client(proxy, service, attempts=1))
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert [(e["status"], e["hook"]) for e in proxy.timeline()] == [(400, "throttle")]


def test_throttled_calls_are_retried_and_each_attempt_recorded(proxy_for):
    class ThrottleFirst(awsproxy.Hook):
        name = "throttle"

        def __init__(self):
            self.left = 1

        def on_request(self, call):
            if call.action == "CreateVpc" and self.left:
                self.left -= 1
                return awsproxy.error_reply(call, awsproxy.throttling_code(call.service), "Rate exceeded")
            return None

    proxy = proxy_for(ThrottleFirst())
    vpc = client(proxy, "ec2").create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    assert vpc.startswith("vpc-")
    assert [(e["action"], e["status"], e.get("hook")) for e in proxy.timeline()] == [
        ("CreateVpc", 400, "throttle"),
        ("CreateVpc", 200, None),
    ]


def test_a_lost_response_still_happened_upstream(proxy_for):
    class LoseFirst(awsproxy.Hook):
        name = "lose"

        def __init__(self):
            self.left = 1

        def on_response(self, call, reply):
            if call.action == "CreateVpc" and self.left:
                self.left -= 1
                return awsproxy.error_reply(call, "InternalError", "response lost", status=500)
            return None

    proxy = proxy_for(LoseFirst())
    ec2 = client(proxy, "ec2")
    tag = name()
    ec2.create_vpc(
        CidrBlock="10.9.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "t", "Value": tag}]}]
    )
    # botocore retried the 500: the first CreateVpc had happened, so there are two.
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:t", "Values": [tag]}])["Vpcs"]
    assert len(found) == 2
    assert [(e["status"], e.get("hook")) for e in proxy.timeline() if e["action"] == "CreateVpc"] == [
        (500, "lose"),
        (200, None),
    ]


def test_a_dropped_connection_is_recorded_without_status(proxy_for):
    class DropFirst(awsproxy.Hook):
        name = "drop"

        def __init__(self):
            self.left = 1

        def on_request(self, call):
            if self.left:
                self.left -= 1
                return awsproxy.DROP
            return None

    proxy = proxy_for(DropFirst())
    client(proxy, "ec2").describe_vpcs()  # botocore retries the dropped connection
    assert [(e["status"], e.get("hook")) for e in proxy.timeline()] == [(None, "drop"), (200, None)]


def test_a_failing_hook_is_ignored(proxy_for, capsys):
    class Broken(awsproxy.Hook):
        name = "broken"

        def on_response(self, call, reply):
            raise KeyError("boom")

    proxy = proxy_for(Broken())
    assert client(proxy, "sts").get_caller_identity()["Account"]
    assert "hook broken.on_response raised KeyError" in capsys.readouterr().err


def test_counter_agrees_with_the_timeline(proxy_for):
    counter = awsproxy.RequestCounter()
    proxy = proxy_for(counter)
    ec2 = client(proxy, "ec2")
    ec2.create_vpc(CidrBlock="10.10.0.0/16")
    ec2.describe_vpcs()
    client(proxy, "sts").get_caller_identity()
    summary = counter.summary()
    assert summary["all"] == len(proxy.timeline()) == 3
    assert summary["mutating"] == 1
    assert summary["by_service"] == {"ec2": {"all": 2, "mutating": 1}, "sts": {"all": 1, "mutating": 0}}
    assert summary["by_action"]["ec2:CreateVpc"] == 1


def test_head_keeps_the_content_length_and_sends_no_body(proxy_for):
    proxy = proxy_for()
    s3 = client(proxy, "s3")
    bucket = name()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"12345")
    for attempt in range(3):  # one kept-alive connection: a body after HEAD would corrupt the next answer
        assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == 5
        assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"12345", attempt
    assert [e["status"] for e in proxy.timeline()][-6:] == [200] * 6


# --------------------------------------------------------------------------- latency model
def factor_for(kind, seconds=3.0):
    """The factor that makes ``kind`` take ``seconds``."""
    return awsproxy.CREATE_DELAYS[kind] / seconds


def test_latency_model_eks_cluster_and_nodegroup(proxy_for):
    model = awsproxy.LatencyModel(factor_for("eks_cluster"))
    proxy = proxy_for(model)
    eks = client(proxy, "eks")
    ids = subnets(client(proxy, "ec2"))
    cluster = name()
    assert eks.create_cluster(name=cluster, roleArn=ROLE, resourcesVpcConfig={"subnetIds": ids})["cluster"][
        "status"
    ] == ("CREATING")
    described = eks.describe_cluster(name=cluster)["cluster"]
    assert described["status"] == "CREATING"
    assert described["endpoint"]  # only the status changes
    eks.create_nodegroup(clusterName=cluster, nodegroupName="general", nodeRole=ROLE, subnets=ids)
    assert eks.describe_nodegroup(clusterName=cluster, nodegroupName="general")["nodegroup"]["status"] == "CREATING"
    wait_past(model, "eks_cluster", cluster)
    wait_past(model, "eks_nodegroup", f"{cluster}/general")
    assert eks.describe_cluster(name=cluster)["cluster"]["status"] == "ACTIVE"
    assert eks.describe_nodegroup(clusterName=cluster, nodegroupName="general")["nodegroup"]["status"] == "ACTIVE"

    windows = {w["kind"]: w for w in model.windows()}
    cluster_window = windows["eks_cluster"]
    assert cluster_window["delay"] == pytest.approx(3.0, abs=0.01)
    assert cluster_window["ready"] == pytest.approx(cluster_window["created"] + 3.0, abs=0.01)
    assert cluster_window["polls"] == 1
    assert cluster_window["noticed"] >= cluster_window["ready"]
    assert cluster_window["noticed_after_ready"] >= 0
    assert windows["eks_nodegroup"]["delay"] == pytest.approx(240 / factor_for("eks_cluster"), abs=0.01)


def test_latency_model_eks_update(proxy_for):
    model = awsproxy.LatencyModel(factor=1, delays={"eks_cluster": 0.01}, update_delay=2.0)
    proxy = proxy_for(model)
    eks = client(proxy, "eks")
    cluster = name()
    eks.create_cluster(name=cluster, roleArn=ROLE, resourcesVpcConfig={"subnetIds": subnets(client(proxy, "ec2"))})
    time.sleep(0.05)
    assert eks.describe_cluster(name=cluster)["cluster"]["status"] == "ACTIVE"
    eks.update_cluster_config(name=cluster, logging={"clusterLogging": [{"types": ["api"], "enabled": True}]})
    assert eks.describe_cluster(name=cluster)["cluster"]["status"] == "UPDATING"
    wait_past(model, "eks_cluster", cluster)
    assert eks.describe_cluster(name=cluster)["cluster"]["status"] == "ACTIVE"
    assert [(w["event"], w["action"]) for w in model.windows()] == [
        ("create", "CreateCluster"),
        ("update", "UpdateClusterConfig"),
    ]


def test_latency_model_rds_instance(proxy_for):
    model = awsproxy.LatencyModel(factor_for("rds_instance"), update_delay=awsproxy.UPDATE_DELAY)
    proxy = proxy_for(model)
    rds = client(proxy, "rds")
    ident = name("Bench-DB")  # RDS lower-cases identifiers
    created = rds.create_db_instance(
        DBInstanceIdentifier=ident,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="bench",
        MasterUserPassword="not-a-secret-bench-only",
        AllocatedStorage=20,
    )["DBInstance"]
    assert created["DBInstanceStatus"] == "creating"

    def status():
        return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]["DBInstanceStatus"]

    assert status() == "creating"
    wait_past(model, "rds_instance", ident.lower())
    assert status() == "available"
    rds.modify_db_instance(DBInstanceIdentifier=ident, BackupRetentionPeriod=3, ApplyImmediately=False)
    assert status() == "available"  # applied in the maintenance window: no state change modelled
    rds.modify_db_instance(DBInstanceIdentifier=ident, BackupRetentionPeriod=4, ApplyImmediately=True)
    assert status() == "modifying"
    assert [(w["id"], w["event"]) for w in model.windows()] == [(ident.lower(), "create"), (ident.lower(), "update")]


def test_latency_model_elasticache_replication_group(proxy_for):
    model = awsproxy.LatencyModel(factor_for("elasticache_replication_group"))
    proxy = proxy_for(model)
    ec = client(proxy, "elasticache")
    group = name()
    created = ec.create_replication_group(
        ReplicationGroupId=group,
        ReplicationGroupDescription="bench",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
    )["ReplicationGroup"]
    assert created["Status"] == "creating"

    def status():
        return ec.describe_replication_groups(ReplicationGroupId=group)["ReplicationGroups"][0]["Status"]

    assert status() == "creating"
    wait_past(model, "elasticache_replication_group", group)
    assert status() == "available"


def test_latency_model_nat_gateway_and_state_filters(proxy_for):
    model = awsproxy.LatencyModel(factor_for("nat_gateway"))
    proxy = proxy_for(model)
    ec2 = client(proxy, "ec2")
    subnet = subnets(ec2, 1)[0]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]
    assert nat["State"] == "pending"

    def states(*wanted):
        filters = [{"Name": "subnet-id", "Values": [subnet]}]
        if wanted:
            filters.append({"Name": "state", "Values": list(wanted)})
        return [n["State"] for n in ec2.describe_nat_gateways(Filters=filters)["NatGateways"]]

    assert states() == ["pending"]
    assert states("pending", "available") == ["pending"]
    assert states("available") == []  # modelled as pending: not what was asked for
    wait_past(model, "nat_gateway", nat["NatGatewayId"])
    assert states("available") == ["available"]
    window = model.windows()[0]
    assert window["polls"] == 3
    assert window["noticed"] is not None


def test_latency_model_acm_certificate_and_its_validation_record(proxy_for):
    model = awsproxy.LatencyModel(factor_for("acm_certificate"))
    proxy = proxy_for(model)
    acm = client(proxy, "acm")
    r53 = client(proxy, "route53")
    zone = f"{name()}.example.com"
    zone_id = r53.create_hosted_zone(Name=zone, CallerReference=name())["HostedZone"]["Id"]
    arn = acm.request_certificate(DomainName=f"app.{zone}", ValidationMethod="DNS")["CertificateArn"]
    cert = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert cert["Status"] == "PENDING_VALIDATION"
    assert cert["DomainValidationOptions"][0]["ValidationStatus"] == "PENDING_VALIDATION"
    issued = acm.list_certificates(CertificateStatuses=["ISSUED"])["CertificateSummaryList"]
    assert arn not in [c["CertificateArn"] for c in issued]
    assert {c["CertificateArn"]: c["Status"] for c in acm.list_certificates()["CertificateSummaryList"]}[arn] == (
        "PENDING_VALIDATION"
    )

    time.sleep(1.0)
    record = cert["DomainValidationOptions"][0]["ResourceRecord"]
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": record["Name"],
                        "Type": record["Type"],
                        "TTL": 300,
                        "ResourceRecords": [{"Value": record["Value"]}],
                    },
                }
            ]
        },
    )
    window = model.windows()[0]
    assert window["record_written"] >= window["created"] + 1.0
    assert window["ready"] == pytest.approx(window["record_written"] + 3.0, abs=0.01)  # the clock restarted
    wait_past(model, "acm_certificate", arn)
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
    issued = acm.list_certificates(CertificateStatuses=["ISSUED"])["CertificateSummaryList"]
    assert arn in [c["CertificateArn"] for c in issued]


def test_latency_model_windows_relative_to_an_origin(proxy_for):
    model = awsproxy.LatencyModel(factor=1, delays={"nat_gateway": 5.0})
    proxy = proxy_for(model)
    ec2 = client(proxy, "ec2")
    origin = time.monotonic()
    subnet = subnets(ec2, 1)[0]
    ec2.create_nat_gateway(SubnetId=subnet, AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"])
    window = model.windows(origin=origin)[0]
    assert 0 < window["created"] < 5.0
    assert window["ready"] == pytest.approx(window["created"] + 5.0, abs=0.01)
    assert window["noticed"] is None  # nobody read it after it was ready


def test_latency_factor_must_be_positive():
    with pytest.raises(ValueError, match="> 0"):
        awsproxy.LatencyModel(0)


def test_latency_model_names_with_update_in_them(proxy_for):
    # Only update calls take the resource from the path; a cluster called "update-..." is created normally.
    model = awsproxy.LatencyModel(factor=1, delays={"eks_cluster": 0.01, "eks_nodegroup": 30.0})
    proxy = proxy_for(model)
    eks = client(proxy, "eks")
    ids = subnets(client(proxy, "ec2"))
    cluster = name("update")
    eks.create_cluster(name=cluster, roleArn=ROLE, resourcesVpcConfig={"subnetIds": ids})
    eks.create_nodegroup(clusterName=cluster, nodegroupName="updates", nodeRole=ROLE, subnets=ids)
    assert eks.describe_nodegroup(clusterName=cluster, nodegroupName="updates")["nodegroup"]["status"] == "CREATING"
    assert [(w["kind"], w["id"], w["event"]) for w in model.windows()] == [
        ("eks_cluster", cluster, "create"),
        ("eks_nodegroup", f"{cluster}/updates", "create"),
    ]

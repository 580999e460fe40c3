"""AWS collectors of langsmith_diagnostics with botocore's Stubber: the states the emulator cannot
produce (EKS health issues, Target.Timeout, PENDING_VALIDATION certificates, RDS storage-full,
ElastiCache events) and the pure analysis functions."""

from __future__ import annotations

import datetime

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import diagnostics
from ansible_collections.langchain.langsmith_aws.plugins.module_utils import diagnostics_aws as daws

NOW = datetime.datetime.now(datetime.timezone.utc)
ACCOUNT = "123456789012"


class Stubs:
    """One stubbed client per service; ``aws(service)`` is what collectors receive."""

    def __init__(self):
        self.stubbers = {}
        self.clients = {}

    def stub(self, service) -> Stubber:
        if service not in self.stubbers:
            client = boto3.client(
                service,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                endpoint_url=f"https://{service}.us-east-1.amazonaws.com",
            )
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
            self.clients[service] = RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(retries=1))
        return self.stubbers[service]

    def aws(self, service):
        return self.clients[service]

    def verify(self):
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def run(collector, stubs, params, facts=None):
    facts = {} if facts is None else facts
    ev = diagnostics.Evidence("t")
    collector(ev, stubs.aws, params, facts)
    stubs.verify()
    return ev, facts


def ids(ev):
    return sorted(f["id"] for f in ev.findings)


# --------------------------------------------------------------------------- pure analysis
SG_NODES, SG_DATA, SG_OTHER = "sg-0000000000000aaaa", "sg-0000000000000bbbb", "sg-0000000000000cccc"


def _group(gid, *perms):
    return {"GroupId": gid, "IpPermissions": list(perms)}


def _perm(proto, lo, hi, groups=(), cidrs=()):
    perm = {"IpProtocol": proto, "UserIdGroupPairs": [{"GroupId": g} for g in groups]}
    if proto != "-1":
        perm.update({"FromPort": lo, "ToPort": hi})
    perm["IpRanges"] = [{"CidrIp": c} for c in cidrs]
    return perm


@pytest.mark.parametrize(
    ("groups", "status"),
    [
        ([_group(SG_DATA, _perm("tcp", 5432, 5432, [SG_NODES]))], "open"),
        ([_group(SG_DATA, _perm("tcp", 5000, 6000, [SG_NODES]))], "open"),
        ([_group(SG_DATA, _perm("-1", None, None, [SG_NODES]))], "open"),
        ([_group(SG_DATA, _perm("tcp", 6379, 6379, [SG_NODES]))], "closed"),
        ([_group(SG_DATA, _perm("tcp", 5432, 5432, [SG_OTHER]))], "closed"),
        ([_group(SG_DATA, _perm("udp", 5432, 5432, [SG_NODES]))], "closed"),
        ([_group(SG_DATA, _perm("tcp", 5432, 5432, cidrs=["10.0.0.0/16"]))], "cidr"),
        ([_group(SG_DATA), _group(SG_OTHER, _perm("tcp", 5432, 5432, [SG_NODES]))], "open"),
        ([], "closed"),
    ],
)
def test_port_open_from(groups, status):
    assert daws.port_open_from(groups, 5432, {SG_NODES})["status"] == status


@pytest.mark.parametrize(
    ("host", "names", "covered"),
    [
        ("langsmith.example.com", ["langsmith.example.com"], True),
        ("langsmith.example.com", ["*.example.com"], True),
        ("LangSmith.Example.com.", ["langsmith.example.com"], True),
        ("a.b.example.com", ["*.example.com"], False),
        ("example.com", ["*.example.com"], False),
        ("langsmith.example.com", ["other.example.com"], False),
    ],
)
def test_hostname_covered(host, names, covered):
    assert daws.hostname_covered(host, names) is covered


def test_target_health_findings_per_reason_and_no_healthy_target():
    tg = {"TargetGroupName": "k8s-front", "TargetGroupArn": "arn:tg"}
    targets = [
        {"Target": {"Id": "10.0.1.5"}, "TargetHealth": {"State": "unhealthy", "Reason": "Target.Timeout"}},
        {"Target": {"Id": "10.0.2.5"}, "TargetHealth": {"State": "unhealthy", "Reason": "Target.Timeout"}},
        {
            "Target": {"Id": "10.0.3.5"},
            "TargetHealth": {"State": "draining", "Reason": "Target.DeregistrationInProgress"},
        },
    ]
    found = daws.target_health_findings("alb", tg, targets, used=True)
    by_id = {f["id"]: f for f in found}
    assert sorted(by_id) == ["alb-no-healthy-targets", "alb-target-draining", "alb-target-unhealthy"]
    assert by_id["alb-target-unhealthy"]["severity"] == "critical"
    assert "2 target(s) unhealthy" in by_id["alb-target-unhealthy"]["title"]
    assert "security group" in by_id["alb-target-unhealthy"]["detail"]
    assert by_id["alb-target-draining"]["severity"] == "info"
    # an unused target group with no healthy target is not a "no healthy target" finding
    assert "alb-no-healthy-targets" not in {f["id"] for f in daws.target_health_findings("alb", tg, targets, False)}
    healthy = [{"Target": {"Id": "10.0.1.5"}, "TargetHealth": {"State": "healthy"}}]
    assert daws.target_health_findings("alb", tg, healthy, used=True) == []


# --------------------------------------------------------------------------- EKS
def _nodegroup(name, **extra):
    ng = {
        "nodegroupName": name,
        "nodegroupArn": f"arn:aws:eks:us-east-1:{ACCOUNT}:nodegroup/c/{name}/x",
        "clusterName": "demo-langsmith",
        "version": "1.34",
        "status": "ACTIVE",
        "scalingConfig": {"minSize": 1, "maxSize": 5, "desiredSize": 2},
        "health": {"issues": []},
    }
    ng.update(extra)
    return ng


def test_eks_cluster_and_node_group_health():
    stubs = Stubs()
    eks = stubs.stub("eks")
    eks.add_response(
        "describe_cluster",
        {
            "cluster": {
                "name": "demo-langsmith",
                "arn": f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/demo-langsmith",
                "status": "ACTIVE",
                "version": "1.34",
                "certificateAuthority": {"data": "Q0FEQVRB"},
                "resourcesVpcConfig": {"clusterSecurityGroupId": "sg-cluster", "vpcId": "vpc-1"},
                "health": {"issues": [{"code": "Ec2SubnetNotFound", "message": "subnet-1 was deleted"}]},
            }
        },
        {"name": "demo-langsmith"},
    )
    eks.add_response("list_nodegroups", {"nodegroups": ["general", "clickhouse"]}, {"clusterName": "demo-langsmith"})
    eks.add_response(
        "describe_nodegroup",
        {
            "nodegroup": _nodegroup(
                "general",
                status="DEGRADED",
                scalingConfig={"minSize": 3, "maxSize": 3, "desiredSize": 3},
                health={
                    "issues": [
                        {
                            "code": "AsgInstanceLaunchFailures",
                            "message": "InsufficientInstanceCapacity",
                            "resourceIds": ["asg-1"],
                        }
                    ]
                },
            )
        },
        {"clusterName": "demo-langsmith", "nodegroupName": "general"},
    )
    eks.add_response(
        "describe_nodegroup",
        {"nodegroup": _nodegroup("clickhouse", version="1.33")},
        {"clusterName": "demo-langsmith", "nodegroupName": "clickhouse"},
    )
    ev, facts = run(daws.collect_eks, stubs, {"cluster_name": "demo-langsmith"})
    assert ids(ev) == [
        "eks-cluster-health-issue",
        "eks-nodegroup-at-max",
        "eks-nodegroup-degraded",
        "eks-nodegroup-health-issue",
        "eks-nodegroup-version-skew",
    ]
    assert facts == {"cluster_security_group_ids": ["sg-cluster"], "vpc_id": "vpc-1"}
    assert "certificateAuthority" not in ev.data["cluster"]
    assert [ng["nodegroupName"] for ng in ev.data["nodegroups"]] == ["general", "clickhouse"]


def test_eks_cluster_not_found_is_a_finding():
    stubs = Stubs()
    stubs.stub("eks").add_client_error("describe_cluster", "ResourceNotFoundException", "No cluster found")
    ev, _facts = run(daws.collect_eks, stubs, {"cluster_name": "missing"})
    assert ids(ev) == ["eks-cluster-not-found"]
    assert ev.data == {"cluster": None}


def test_eks_without_cluster_name_is_skipped():
    with pytest.raises(diagnostics.CollectorSkipped):
        daws.collect_eks(diagnostics.Evidence("t"), Stubs().aws, {"cluster_name": ""}, {})


# --------------------------------------------------------------------------- ALB
def _lb(name, arn):
    return {
        "LoadBalancerArn": arn,
        "LoadBalancerName": name,
        "DNSName": f"{name}-1.us-east-1.elb.amazonaws.com",
        "State": {"Code": "active"},
        "Type": "application",
        "Scheme": "internet-facing",
    }


def test_elbv2_target_timeout_and_missing_https():
    lb_arn = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/k8s-ls/1"
    other_arn = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/unrelated/2"
    tg_arn = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/k8s-front/3"
    listener_arn = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener/app/k8s-ls/1/4"
    stubs = Stubs()
    elb = stubs.stub("elbv2")
    elb.add_response("describe_load_balancers", {"LoadBalancers": [_lb("k8s-ls", lb_arn), _lb("unrelated", other_arn)]})
    elb.add_response(
        "describe_tags",
        {
            "TagDescriptions": [
                {"ResourceArn": lb_arn, "Tags": [{"Key": "elbv2.k8s.aws/cluster", "Value": "demo-langsmith"}]},
                {"ResourceArn": other_arn, "Tags": [{"Key": "elbv2.k8s.aws/cluster", "Value": "other"}]},
            ]
        },
        {"ResourceArns": [lb_arn, other_arn]},
    )
    elb.add_response(
        "describe_listeners",
        {
            "Listeners": [
                {
                    "ListenerArn": listener_arn,
                    "Port": 80,
                    "Protocol": "HTTP",
                    "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg_arn}],
                }
            ]
        },
        {"LoadBalancerArn": lb_arn},
    )
    elb.add_response("describe_rules", {"Rules": []}, {"ListenerArn": listener_arn})
    elb.add_response(
        "describe_target_groups",
        {"TargetGroups": [{"TargetGroupArn": tg_arn, "TargetGroupName": "k8s-front", "TargetType": "ip"}]},
        {"LoadBalancerArn": lb_arn},
    )
    elb.add_response(
        "describe_target_health",
        {
            "TargetHealthDescriptions": [
                {
                    "Target": {"Id": "10.0.1.5", "Port": 8080},
                    "TargetHealth": {"State": "unhealthy", "Reason": "Target.Timeout", "Description": "timed out"},
                }
            ]
        },
        {"TargetGroupArn": tg_arn},
    )
    ev, facts = run(daws.collect_elbv2, stubs, {"cluster_name": "demo-langsmith"})
    assert ids(ev) == ["alb-no-healthy-targets", "alb-no-https-listener", "alb-target-unhealthy"]
    assert [lb["LoadBalancerName"] for lb in ev.data["load_balancers"]] == ["k8s-ls"]
    assert ev.data["load_balancers"][0]["FoundBy"] == ["tag elbv2.k8s.aws/cluster=demo-langsmith"]
    assert facts["listener_certificate_arns"] == []


def test_elbv2_nothing_found():
    stubs = Stubs()
    stubs.stub("elbv2").add_response("describe_load_balancers", {"LoadBalancers": []})
    ev, _facts = run(daws.collect_elbv2, stubs, {"cluster_name": "demo-langsmith"})
    assert ids(ev) == ["alb-not-found"]
    assert ev.findings[0]["severity"] == "warning"


# --------------------------------------------------------------------------- RDS
def test_rds_storage_full_pending_reboot_and_failure_events():
    stubs = Stubs()
    rds = stubs.stub("rds")
    rds.add_response(
        "describe_db_instances",
        {
            "DBInstances": [
                {
                    "DBInstanceIdentifier": "demo-langsmith-postgres",
                    "DBInstanceArn": f"arn:aws:rds:us-east-1:{ACCOUNT}:db:demo-langsmith-postgres",
                    "DBInstanceStatus": "storage-full",
                    "Engine": "postgres",
                    "Endpoint": {"Address": "db.example", "Port": 5433},
                    "VpcSecurityGroups": [{"VpcSecurityGroupId": SG_DATA, "Status": "active"}],
                    "DBParameterGroups": [
                        {"DBParameterGroupName": "ls-pg16", "ParameterApplyStatus": "pending-reboot"}
                    ],
                    "CertificateDetails": {
                        "CAIdentifier": "rds-ca-rsa2048-g1",
                        "ValidTill": NOW + datetime.timedelta(days=3),
                    },
                }
            ]
        },
        {"DBInstanceIdentifier": "demo-langsmith-postgres"},
    )
    rds.add_response(
        "describe_events",
        {
            "Events": [
                {"Message": "The free storage capacity is low", "EventCategories": ["low storage"], "Date": NOW},
                {"Message": "Backing up DB instance", "EventCategories": ["backup"], "Date": NOW},
            ]
        },
        {"SourceType": "db-instance", "SourceIdentifier": "demo-langsmith-postgres", "Duration": 120},
    )
    ev, facts = run(daws.collect_rds, stubs, {"db_instance_identifiers": ["demo-langsmith-postgres"], "event_hours": 2})
    assert ids(ev) == ["rds-ca-expiring", "rds-not-available", "rds-parameters-pending-reboot", "rds-recent-event"]
    not_available = next(f for f in ev.findings if f["id"] == "rds-not-available")
    assert "storage" in not_available["detail"]
    assert facts["stores"] == [
        {"store": "postgres", "id": "demo-langsmith-postgres", "port": 5433, "security_group_ids": [SG_DATA]}
    ]


def test_rds_missing_instance():
    stubs = Stubs()
    stubs.stub("rds").add_client_error("describe_db_instances", "DBInstanceNotFound", "not found")
    ev, facts = run(daws.collect_rds, stubs, {"db_instance_identifiers": ["nope"]})
    assert ids(ev) == ["rds-not-found"]
    assert facts["stores"] == []


# --------------------------------------------------------------------------- ElastiCache
def test_elasticache_failover_events_and_member_security_groups():
    stubs = Stubs()
    ec = stubs.stub("elasticache")
    ec.add_response(
        "describe_replication_groups",
        {
            "ReplicationGroups": [
                {
                    "ReplicationGroupId": "demo-langsmith-redis",
                    "ARN": f"arn:aws:elasticache:us-east-1:{ACCOUNT}:replicationgroup:demo-langsmith-redis",
                    "Status": "modifying",
                    "MemberClusters": ["demo-langsmith-redis-001"],
                    "NodeGroups": [{"NodeGroupId": "0001", "PrimaryEndpoint": {"Address": "master.x", "Port": 6380}}],
                }
            ]
        },
        {"ReplicationGroupId": "demo-langsmith-redis"},
    )
    ec.add_response(
        "describe_cache_clusters",
        {
            "CacheClusters": [
                {
                    "CacheClusterId": "demo-langsmith-redis-001",
                    "CacheClusterStatus": "rebooting cache cluster nodes",
                    "SecurityGroups": [{"SecurityGroupId": SG_DATA, "Status": "active"}],
                }
            ]
        },
        {"CacheClusterId": "demo-langsmith-redis-001"},
    )
    ec.add_response(
        "describe_events",
        {
            "Events": [
                {
                    "SourceIdentifier": "demo-langsmith-redis",
                    "Message": "Failover to replica node 0002 completed",
                    "Date": NOW,
                }
            ]
        },
        {"SourceType": "replication-group", "SourceIdentifier": "demo-langsmith-redis", "Duration": 1440},
    )
    ec.add_response(
        "describe_events",
        {"Events": []},
        {"SourceType": "cache-cluster", "SourceIdentifier": "demo-langsmith-redis-001", "Duration": 1440},
    )
    ev, facts = run(
        daws.collect_elasticache, stubs, {"replication_group_ids": ["demo-langsmith-redis"], "event_hours": 24}
    )
    assert ids(ev) == ["elasticache-node-not-available", "elasticache-not-available", "elasticache-recent-event"]
    assert next(f for f in ev.findings if f["id"] == "elasticache-not-available")["severity"] == "warning"
    assert facts["stores"] == [
        {"store": "redis", "id": "demo-langsmith-redis", "port": 6380, "security_group_ids": [SG_DATA]}
    ]
    assert ev.errors == []


def test_elasticache_events_error_is_partial_not_fatal():
    stubs = Stubs()
    ec = stubs.stub("elasticache")
    ec.add_response(
        "describe_replication_groups",
        {"ReplicationGroups": [{"ReplicationGroupId": "r", "Status": "available", "MemberClusters": []}]},
        {"ReplicationGroupId": "r"},
    )
    ec.add_client_error("describe_events", "InvalidParameterValue", "boom")
    ev, facts = run(daws.collect_elasticache, stubs, {"replication_group_ids": ["r"]})
    assert ids(ev) == []
    assert ev.errors == ["describe events of replication-group r: DescribeEvents: InvalidParameterValue: boom"]
    assert facts["stores"][0]["port"] == 6379


# --------------------------------------------------------------------------- ACM
def _cert(arn, domain, status, not_after, **extra):
    cert = {
        "CertificateArn": arn,
        "DomainName": domain,
        "SubjectAlternativeNames": [domain],
        "Status": status,
        "Type": "AMAZON_ISSUED",
        "NotAfter": not_after,
    }
    cert.update(extra)
    return cert


def test_acm_pending_validation_wrong_name_and_expiry():
    pending = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/pending"
    wrong = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/wrong"
    stubs = Stubs()
    acm = stubs.stub("acm")
    acm.add_response(
        "list_certificates",
        {"CertificateSummaryList": [{"CertificateArn": pending, "DomainName": "langsmith.example.com"}]},
        {"CertificateStatuses": daws.ACM_STATUSES, "Includes": {"keyTypes": daws.ACM_KEY_TYPES}},
    )
    acm.add_response(
        "describe_certificate",
        {"Certificate": _cert(wrong, "other.example.com", "ISSUED", NOW + datetime.timedelta(days=5))},
        {"CertificateArn": wrong},
    )
    record = {"Name": "_x.langsmith.example.com.", "Type": "CNAME", "Value": "_y.acm-validations.aws."}
    acm.add_response(
        "describe_certificate",
        {
            "Certificate": _cert(
                pending,
                "langsmith.example.com",
                "PENDING_VALIDATION",
                NOW + datetime.timedelta(days=300),
                DomainValidationOptions=[
                    {
                        "DomainName": "langsmith.example.com",
                        "ValidationStatus": "PENDING_VALIDATION",
                        "ResourceRecord": record,
                    }
                ],
            )
        },
        {"CertificateArn": pending},
    )
    ev, _facts = run(
        daws.collect_acm, stubs, {"hostname": "langsmith.example.com"}, {"listener_certificate_arns": [wrong]}
    )
    assert ids(ev) == ["acm-certificate-expiring", "acm-certificate-pending-validation", "acm-hostname-not-covered"]
    pending_finding = next(f for f in ev.findings if f["id"] == "acm-certificate-pending-validation")
    assert "_x.langsmith.example.com. CNAME _y.acm-validations.aws." in pending_finding["detail"]
    assert next(f for f in ev.findings if f["id"] == "acm-certificate-expiring")["severity"] == "critical"
    assert [c["OnAlbListener"] for c in ev.data["certificates"]] == [True, False]


def test_acm_nothing_for_the_hostname():
    stubs = Stubs()
    stubs.stub("acm").add_response("list_certificates", {"CertificateSummaryList": []})
    ev, _facts = run(daws.collect_acm, stubs, {"hostname": "langsmith.example.com"})
    assert ids(ev) == ["acm-no-certificate"]


# --------------------------------------------------------------------------- security groups
def test_security_groups_against_attached_groups_and_the_cluster_group():
    stubs = Stubs()
    ec2 = stubs.stub("ec2")
    ec2.add_response(
        "describe_security_groups",
        {"SecurityGroups": [_group(SG_NODES) | {"GroupName": "demo-langsmith-nodes"}]},
        {
            "Filters": [
                {"Name": "group-name", "Values": ["demo-langsmith-nodes"]},
                {"Name": "tag:langsmith:env", "Values": ["demo"]},
            ]
        },
    )
    ec2.add_response(
        "describe_security_groups",
        {
            "SecurityGroups": [
                _group(SG_DATA, _perm("tcp", 6379, 6379, ["sg-cluster"])),
            ]
        },
        {"GroupIds": [SG_DATA]},
    )
    facts = {
        "cluster_security_group_ids": ["sg-cluster"],
        "stores": [
            {"store": "postgres", "id": "pg", "port": 5432, "security_group_ids": [SG_DATA]},
            {"store": "redis", "id": "rd", "port": 6379, "security_group_ids": [SG_DATA]},
        ],
    }
    params = {"nodes_security_groups": ["demo-langsmith-nodes"], "tags": {"langsmith:env": "demo"}}
    ev, _facts = run(daws.collect_security_groups, stubs, params, facts)
    assert ids(ev) == ["sg-postgres-closed"]
    closed = ev.findings[0]
    assert "--group-id sg-0000000000000bbbb --protocol tcp --port 5432" in closed["detail"]
    assert [(s["store"], s["status"]) for s in ev.data["stores"]] == [("postgres", "closed"), ("redis", "open")]
    assert ev.data["nodes_security_group_ids"] == sorted([SG_NODES, "sg-cluster"])

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS evidence for ``langsmith_diagnostics``: what the official Kubernetes script cannot see.

Each ``collect_*(evidence, aws, params, facts)`` is one collector: ``aws(service)`` returns a
client whose calls accept ``aws_retry=True`` (``AnsibleAWSModule.client`` with
``AWSRetry.jittered_backoff()``), ``params`` are the module options, and ``facts`` is shared
between collectors (the cluster security group found by the EKS collector is what the
security-group collector checks the data stores against, and so on). A collector records data
and findings on ``evidence``; an exception aborts only that collector.

The analysis functions (``target_health_findings``, ``port_open_from``, ``hostname_covered``,
...) are pure and unit-tested on their own.
"""

from __future__ import annotations

import datetime
import fnmatch

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.diagnostics import (
    CollectorSkipped,
    finding,
    finding_id,
    utcnow,
)

ALB_CLUSTER_TAG = "elbv2.k8s.aws/cluster"
DEFAULT_PORTS = {"postgres": 5432, "redis": 6379}
STORE_SECTIONS = {"postgres": "postgresql-connectivity", "redis": "redis-connectivity"}
CERT_WARN_DAYS = 30
ACM_KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
ACM_STATUSES = ["PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"]

# ALB target health reason codes -> what they usually mean on EKS with the AWS Load Balancer Controller
TARGET_REASONS = {
    "Target.Timeout": "health checks time out: the target's security group does not admit the ALB, or nothing "
    "listens on the target port",
    "Target.ResponseCodeMismatch": "health checks get an unexpected HTTP code: check the "
    "alb.ingress.kubernetes.io/healthcheck-path annotation (/health for the frontend) and success codes",
    "Target.FailedHealthChecks": "health checks fail (connection refused or reset): the pod is not Ready or not "
    "listening on the target port",
    "Target.NotRegistered": "the target is not registered: the AWS Load Balancer Controller has not registered "
    "the pods (check its logs and the TargetGroupBinding)",
    "Target.NotInUse": "the target group is not used by a listener rule, or the target is in an AZ the ALB does "
    "not cover",
    "Target.InvalidState": "the target instance is stopped or terminated",
    "Target.IpUnusable": "the target IP address cannot be used",
    "Target.DeregistrationInProgress": "the target is being deregistered (a rollout or scale-in)",
    "Target.HealthCheckDisabled": "health checks are disabled on the target group",
    "Elb.InitialHealthChecking": "initial health checks are in progress",
    "Elb.RegistrationInProgress": "target registration is in progress",
    "Elb.InternalError": "internal ELB error: retry, then open an AWS support case",
}
TARGET_STATE_SEVERITY = {
    "unhealthy": "critical",
    "unavailable": "critical",
    "unused": "warning",
    "draining": "info",
    "initial": "info",
    "unhealthy.draining": "info",
}


# --------------------------------------------------------------------------- helpers
@AWSRetry.jittered_backoff()
def paginate(client, operation, **kwargs) -> dict:
    """Every page of ``operation`` merged (botocore paginator), with throttling retries."""
    return client.get_paginator(operation).paginate(**kwargs).build_full_result()


def pick(source: dict, *keys) -> dict:
    """The given keys of ``source`` that are present."""
    return {key: source[key] for key in keys if key in source}


def tag_dict(tags) -> dict:
    """AWS tag list ([{Key, Value}]) or dict -> dict."""
    if isinstance(tags, dict):
        return dict(tags)
    return {t.get("Key"): t.get("Value") for t in tags or []}


def tags_match(tags, wanted: dict) -> bool:
    have = tag_dict(tags)
    return bool(wanted) and all(have.get(k) == v for k, v in wanted.items())


def days_until(when, now=None):
    if not isinstance(when, datetime.datetime):
        return None
    now = now or utcnow()
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return (when - now).total_seconds() / 86400.0


def hostname_covered(hostname: str, names) -> bool:
    """True when a certificate name (exact or one-level wildcard) covers ``hostname``."""
    host = hostname.lower().rstrip(".")
    for candidate in names or []:
        name = candidate.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and host.count(".") == name.count(".") and fnmatch.fnmatch(host, name):
            return True
    return False


def port_open_from(groups: list, port: int, sources: set) -> dict:
    """How ``port``/tcp on any of ``groups`` (DescribeSecurityGroups entries) is reachable.

    Returns ``{"status": "open"|"cidr"|"closed", "rules": [...]}``: ``open`` when a rule admits one
    of the ``sources`` security groups, ``cidr`` when only address ranges admit the port (not
    verifiable against node addresses here), ``closed`` otherwise.
    """
    by_group, by_cidr = [], []
    for group in groups:
        for perm in group.get("IpPermissions", []):
            proto = str(perm.get("IpProtocol"))
            if proto not in ("-1", "tcp", "6"):
                continue
            if proto != "-1" and not (perm.get("FromPort", 0) <= port <= perm.get("ToPort", -1)):
                continue
            rule = {
                "group_id": group.get("GroupId"),
                "protocol": proto,
                "from_port": perm.get("FromPort"),
                "to_port": perm.get("ToPort"),
            }
            pairs = [p.get("GroupId") for p in perm.get("UserIdGroupPairs", [])]
            matched = sorted(set(pairs) & sources)
            if matched:
                by_group.append(dict(rule, source_groups=matched))
            cidrs = [r.get("CidrIp") for r in perm.get("IpRanges", [])] + [
                r.get("CidrIpv6") for r in perm.get("Ipv6Ranges", [])
            ]
            if cidrs:
                by_cidr.append(dict(rule, cidrs=cidrs))
    if by_group:
        return {"status": "open", "rules": by_group}
    if by_cidr:
        return {"status": "cidr", "rules": by_cidr}
    return {"status": "closed", "rules": []}


def target_health_findings(lb_name: str, tg: dict, targets: list, used: bool) -> list:
    """Findings for one target group: one per (state, reason), plus "no healthy target"."""
    out = []
    groups = {}
    for target in targets:
        health = target.get("TargetHealth", {})
        state = health.get("State", "unknown")
        if state == "healthy":
            continue
        key = (state, health.get("Reason") or "")
        groups.setdefault(key, []).append(target.get("Target", {}).get("Id", "?"))
    name = tg.get("TargetGroupName", tg.get("TargetGroupArn", "?"))
    for (state, reason), ids in sorted(groups.items()):
        severity = TARGET_STATE_SEVERITY.get(state, "warning")
        hint = TARGET_REASONS.get(reason, "see the target health description in aws/elbv2.json")
        out.append(
            finding(
                finding_id("alb-target", state),
                severity,
                f"{len(ids)} target(s) {state} in target group {name} of {lb_name}"
                + (f" ({reason})" if reason else ""),
                f"{hint}. Targets: {', '.join(sorted(ids)[:10])}",
                "alb-targets-unhealthy",
                tg.get("TargetGroupArn"),
            )
        )
    healthy = sum(1 for t in targets if t.get("TargetHealth", {}).get("State") == "healthy")
    if used and healthy == 0:
        out.append(
            finding(
                "alb-no-healthy-targets",
                "critical",
                f"Target group {name} of {lb_name} has no healthy target ({len(targets)} registered)",
                "The ALB answers 502/503 for everything routed to it. "
                + ("No target is registered: check the AWS Load Balancer Controller logs." if not targets else ""),
                "alb-targets-unhealthy",
                tg.get("TargetGroupArn"),
            )
        )
    return out


# --------------------------------------------------------------------------- EKS
def collect_eks(ev, aws, params, facts) -> None:
    name = params.get("cluster_name")
    if not name:
        raise CollectorSkipped("cluster_name is not set")
    eks = aws("eks")
    try:
        cluster = eks.describe_cluster(name=name, aws_retry=True)["cluster"]
    except is_boto3_error_code("ResourceNotFoundException"):
        ev.data["cluster"] = None
        ev.find(
            "eks-cluster-not-found",
            "critical",
            f"EKS cluster {name} not found in this account and region",
            "Check langsmith_cluster_name, the region and the credentials (aws sts get-caller-identity).",
            "eks-cluster-and-node-groups",
            name,
        )
        return
    vpc = cluster.get("resourcesVpcConfig", {})
    ev.data["cluster"] = pick(
        cluster,
        "name",
        "arn",
        "status",
        "version",
        "platformVersion",
        "endpoint",
        "resourcesVpcConfig",
        "kubernetesNetworkConfig",
        "logging",
        "identity",
        "health",
        "accessConfig",
        "upgradePolicy",
        "createdAt",
        "tags",
    )
    facts["cluster_security_group_ids"] = [g for g in [vpc.get("clusterSecurityGroupId")] if g]
    facts["vpc_id"] = vpc.get("vpcId")
    if cluster.get("status") != "ACTIVE":
        ev.find(
            "eks-cluster-not-active",
            "critical",
            f"EKS cluster {name} is {cluster.get('status')}",
            "The Kubernetes API is unavailable or changing; wait for ACTIVE or read the cluster health issues.",
            "eks-cluster-and-node-groups",
            cluster.get("arn"),
        )
    for issue in cluster.get("health", {}).get("issues", []):
        ev.find(
            "eks-cluster-health-issue",
            "critical",
            f"EKS cluster {name}: {issue.get('code')}",
            issue.get("message", ""),
            "eks-cluster-and-node-groups",
            cluster.get("arn"),
        )
    ev.data["nodegroups"] = []
    names = paginate(eks, "list_nodegroups", clusterName=name).get("nodegroups", [])
    if not names:
        ev.find(
            "eks-no-node-groups",
            "critical",
            f"EKS cluster {name} has no managed node group",
            "No node can run LangSmith pods; run the cluster stage (playbooks/cluster.yml).",
            "pods-pending",
            cluster.get("arn"),
        )
    for ng_name in names:
        try:
            ng = eks.describe_nodegroup(clusterName=name, nodegroupName=ng_name, aws_retry=True)["nodegroup"]
        except Exception as exc:  # one node group failing to describe is recorded
            ev.error(f"describe node group {ng_name}", exc)
            continue
        ev.data["nodegroups"].append(
            pick(
                ng,
                "nodegroupName",
                "nodegroupArn",
                "status",
                "health",
                "scalingConfig",
                "updateConfig",
                "instanceTypes",
                "capacityType",
                "amiType",
                "version",
                "releaseVersion",
                "labels",
                "taints",
                "subnets",
                "resources",
                "createdAt",
                "modifiedAt",
            )
        )
        _nodegroup_findings(ev, name, cluster, ng)


def _nodegroup_findings(ev, cluster_name, cluster, ng) -> None:
    ng_name, arn, status = ng.get("nodegroupName"), ng.get("nodegroupArn"), ng.get("status")
    if status in ("DEGRADED", "CREATE_FAILED", "DELETE_FAILED"):
        ev.find(
            "eks-nodegroup-degraded",
            "critical",
            f"Node group {ng_name} is {status}",
            "See its health issues; nodes may be missing, so pods stay Pending.",
            "eks-cluster-and-node-groups",
            arn,
        )
    elif status not in ("ACTIVE", None):
        ev.find(
            "eks-nodegroup-changing",
            "info",
            f"Node group {ng_name} is {status}",
            "An update or scaling operation is in progress.",
            "eks-cluster-and-node-groups",
            arn,
        )
    for issue in ng.get("health", {}).get("issues", []):
        ev.find(
            "eks-nodegroup-health-issue",
            "critical",
            f"Node group {ng_name}: {issue.get('code')}",
            f"{issue.get('message', '')} (resources: {', '.join(issue.get('resourceIds', [])[:5])})",
            "eks-cluster-and-node-groups",
            arn,
        )
    scaling = ng.get("scalingConfig", {})
    if scaling.get("maxSize") and scaling.get("desiredSize", 0) >= scaling["maxSize"]:
        ev.find(
            "eks-nodegroup-at-max",
            "warning",
            f"Node group {ng_name} runs at its maximum size ({scaling['maxSize']})",
            "The cluster autoscaler cannot add nodes: raise maxSize (the tier preset) if pods are Pending.",
            "pods-pending",
            arn,
        )
    if ng.get("version") and cluster.get("version") and ng["version"] != cluster["version"]:
        ev.find(
            "eks-nodegroup-version-skew",
            "warning",
            f"Node group {ng_name} runs Kubernetes {ng['version']}, the control plane {cluster['version']}",
            "Finish the upgrade: update the node group to the control-plane version.",
            "eks-cluster-and-node-groups",
            arn,
        )


# --------------------------------------------------------------------------- ALB
def collect_elbv2(ev, aws, params, facts) -> None:
    cluster = params.get("cluster_name") or ""
    wanted = set(params.get("load_balancer_arns") or [])
    hostnames = {h.lower() for h in facts.get("ingress_hostnames", [])}
    tgb_arns = set(facts.get("tgb_target_group_arns", []))
    if not (cluster or wanted or hostnames or tgb_arns):
        raise CollectorSkipped("no cluster_name, load balancer or Ingress address to look for")
    elb = aws("elbv2")
    all_lbs = list(paginate(elb, "describe_load_balancers").get("LoadBalancers", []))
    tags = {}
    for i in range(0, len(all_lbs), 20):
        arns = [lb["LoadBalancerArn"] for lb in all_lbs[i : i + 20]]
        for desc in elb.describe_tags(ResourceArns=arns, aws_retry=True).get("TagDescriptions", []):
            tags[desc["ResourceArn"]] = tag_dict(desc.get("Tags"))
    selected = []
    for lb in all_lbs:
        lb_tags = tags.get(lb["LoadBalancerArn"], {})
        reasons = []
        if cluster and lb_tags.get(ALB_CLUSTER_TAG) == cluster:
            reasons.append(f"tag {ALB_CLUSTER_TAG}={cluster}")
        if lb["LoadBalancerArn"] in wanted or lb.get("LoadBalancerName") in wanted:
            reasons.append("load_balancer_arns")
        if lb.get("DNSName", "").lower() in hostnames:
            reasons.append("Ingress address")
        if reasons:
            selected.append((lb, lb_tags, reasons))
    ev.data["load_balancers"] = []
    facts.setdefault("listener_certificate_arns", [])
    seen_tgs = set()
    for lb, lb_tags, reasons in selected:
        ev.data["load_balancers"].append(_describe_lb(ev, elb, lb, lb_tags, reasons, facts, seen_tgs))
    orphan_tgs = sorted(tgb_arns - seen_tgs)
    if orphan_tgs:
        ev.data["target_groups_from_bindings"] = _describe_target_groups(
            ev, elb, {"TargetGroupArns": orphan_tgs}, "(TargetGroupBinding)", set(orphan_tgs)
        )
    if not selected:
        ev.find(
            "alb-not-found",
            "warning" if not hostnames else "critical",
            "No ALB found for this deployment",
            f"Looked for tag {ALB_CLUSTER_TAG}={cluster or '-'}, the Ingress addresses "
            f"({', '.join(sorted(hostnames)) or 'none'}) and load_balancer_arns. The AWS Load Balancer Controller "
            "creates the ALB from the Ingress: check the controller logs and the Ingress events.",
            "ui-not-reachable",
            cluster or None,
        )


def _describe_lb(ev, elb, lb, lb_tags, reasons, facts, seen_tgs) -> dict:  # noqa: PLR0917
    name = lb.get("LoadBalancerName")
    entry = pick(
        lb,
        "LoadBalancerName",
        "LoadBalancerArn",
        "DNSName",
        "Scheme",
        "State",
        "Type",
        "VpcId",
        "AvailabilityZones",
        "SecurityGroups",
        "IpAddressType",
        "CreatedTime",
    )
    entry["Tags"] = lb_tags
    entry["FoundBy"] = reasons
    state = lb.get("State", {}).get("Code")
    if state in ("failed", "active_impaired"):
        ev.find(
            finding_id("alb-state", state),
            "critical",
            f"ALB {name} is {state}",
            lb.get("State", {}).get("Reason", ""),
            "ui-not-reachable",
            lb["LoadBalancerArn"],
        )
    elif state == "provisioning":
        ev.find(
            "alb-provisioning",
            "info",
            f"ALB {name} is still provisioning",
            "",
            "ui-not-reachable",
            lb["LoadBalancerArn"],
        )
    used_tgs = set()
    try:
        listeners = paginate(elb, "describe_listeners", LoadBalancerArn=lb["LoadBalancerArn"]).get("Listeners", [])
    except Exception as exc:
        ev.error(f"describe listeners of {name}", exc)
        listeners = []
    entry["Listeners"] = []
    for listener in listeners:
        entry["Listeners"].append(
            pick(
                listener, "ListenerArn", "Port", "Protocol", "SslPolicy", "Certificates", "DefaultActions", "AlpnPolicy"
            )
        )
        for cert in listener.get("Certificates", []):
            if cert.get("CertificateArn") and cert["CertificateArn"] not in facts["listener_certificate_arns"]:
                facts["listener_certificate_arns"].append(cert["CertificateArn"])
        for action in listener.get("DefaultActions", []):
            if action.get("TargetGroupArn"):
                used_tgs.add(action["TargetGroupArn"])
            for tg in action.get("ForwardConfig", {}).get("TargetGroups", []):
                used_tgs.add(tg.get("TargetGroupArn"))
        try:
            for rule in paginate(elb, "describe_rules", ListenerArn=listener["ListenerArn"]).get("Rules", []):
                for action in rule.get("Actions", []):
                    if action.get("TargetGroupArn"):
                        used_tgs.add(action["TargetGroupArn"])
                    for tg in action.get("ForwardConfig", {}).get("TargetGroups", []):
                        used_tgs.add(tg.get("TargetGroupArn"))
        except Exception as exc:
            ev.error(f"describe rules of listener {listener.get('Port')} on {name}", exc)
    if listeners and not any(lst.get("Protocol") == "HTTPS" for lst in listeners):
        ev.find(
            "alb-no-https-listener",
            "warning",
            f"ALB {name} has no HTTPS listener",
            "TLS terminates at the ALB: set the certificate-arn and listen-ports annotations on the Ingress.",
            "tls-and-certificates",
            lb["LoadBalancerArn"],
        )
    entry["TargetGroups"] = _describe_target_groups(ev, elb, {"LoadBalancerArn": lb["LoadBalancerArn"]}, name, used_tgs)
    seen_tgs.update(tg["TargetGroupArn"] for tg in entry["TargetGroups"])
    return entry


def _describe_target_groups(ev, elb, query, lb_name, used_tgs) -> list:
    out = []
    try:
        groups = paginate(elb, "describe_target_groups", **query).get("TargetGroups", [])
    except Exception as exc:
        ev.error(f"describe target groups of {lb_name}", exc)
        return out
    for tg in groups:
        entry = pick(
            tg,
            "TargetGroupName",
            "TargetGroupArn",
            "Protocol",
            "Port",
            "TargetType",
            "HealthCheckProtocol",
            "HealthCheckPort",
            "HealthCheckPath",
            "HealthCheckIntervalSeconds",
            "HealthCheckTimeoutSeconds",
            "HealthyThresholdCount",
            "UnhealthyThresholdCount",
            "Matcher",
        )
        try:
            health = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"], aws_retry=True)
            targets = health.get("TargetHealthDescriptions", [])
        except Exception as exc:
            ev.error(f"describe target health of {tg.get('TargetGroupName')}", exc)
            out.append(entry)
            continue
        entry["Targets"] = targets
        ev.findings.extend(target_health_findings(lb_name, tg, targets, tg["TargetGroupArn"] in used_tgs))
        out.append(entry)
    return out


# --------------------------------------------------------------------------- RDS
def collect_rds(ev, aws, params, facts) -> None:
    wanted = list(params.get("db_instance_identifiers") or [])
    tags = params.get("tags") or {}
    if not wanted and not tags:
        raise CollectorSkipped("no db_instance_identifiers and no tags to find RDS instances by")
    rds = aws("rds")
    instances = {}
    for ident in wanted:
        try:
            found = rds.describe_db_instances(DBInstanceIdentifier=ident, aws_retry=True)["DBInstances"]
            instances.update({i["DBInstanceIdentifier"]: i for i in found})
        except is_boto3_error_code("DBInstanceNotFound"):
            ev.find(
                "rds-not-found",
                "critical",
                f"RDS instance {ident} not found",
                "LangSmith cannot reach PostgreSQL. Check datastores_* / diagnostics_db_instance_identifiers and "
                "run the datastores stage (playbooks/datastores.yml).",
                "postgresql-connectivity",
                ident,
            )
    if tags:
        for inst in paginate(rds, "describe_db_instances").get("DBInstances", []):
            if tags_match(inst.get("TagList"), tags) and inst.get("Engine", "").startswith(
                ("postgres", "aurora-postgresql")
            ):
                instances.setdefault(inst["DBInstanceIdentifier"], inst)
    ev.data["db_instances"] = []
    facts.setdefault("stores", [])
    minutes = int(params.get("event_hours", 24)) * 60
    for ident, inst in sorted(instances.items()):
        entry = pick(
            inst,
            "DBInstanceIdentifier",
            "DBInstanceArn",
            "DBInstanceStatus",
            "Engine",
            "EngineVersion",
            "DBInstanceClass",
            "Endpoint",
            "MultiAZ",
            "AvailabilityZone",
            "PubliclyAccessible",
            "StorageType",
            "AllocatedStorage",
            "MaxAllocatedStorage",
            "Iops",
            "StorageThroughput",
            "StorageEncrypted",
            "DeletionProtection",
            "BackupRetentionPeriod",
            "LatestRestorableTime",
            "VpcSecurityGroups",
            "DBParameterGroups",
            "PendingModifiedValues",
            "CACertificateIdentifier",
            "CertificateDetails",
            "TagList",
        )
        subnet_group = inst.get("DBSubnetGroup", {})
        entry["DBSubnetGroup"] = pick(subnet_group, "DBSubnetGroupName", "VpcId", "SubnetGroupStatus")
        try:
            events = rds.describe_events(
                SourceType="db-instance", SourceIdentifier=ident, Duration=minutes, aws_retry=True
            ).get("Events", [])
            entry["RecentEvents"] = [pick(e, "Date", "Message", "EventCategories") for e in events]
        except Exception as exc:
            ev.error(f"describe events of {ident}", exc)
            events = []
        ev.data["db_instances"].append(entry)
        facts["stores"].append(
            {
                "store": "postgres",
                "id": ident,
                "port": (inst.get("Endpoint") or {}).get("Port") or DEFAULT_PORTS["postgres"],
                "security_group_ids": [g["VpcSecurityGroupId"] for g in inst.get("VpcSecurityGroups", [])],
            }
        )
        _rds_findings(ev, inst, events)


def _rds_findings(ev, inst, events) -> None:
    ident, arn, status = inst["DBInstanceIdentifier"], inst.get("DBInstanceArn"), inst.get("DBInstanceStatus")
    if status != "available":
        hints = {
            "stopped": f"Start it: aws rds start-db-instance --db-instance-identifier {ident} (RDS restarts "
            "stopped instances by itself after 7 days).",
            "storage-full": "Increase AllocatedStorage / MaxAllocatedStorage (storage autoscaling).",
            "incompatible-parameters": "Fix the parameter group, then reboot the instance.",
            "incompatible-network": "The subnet group or security groups no longer fit; check the VPC.",
        }
        ev.find(
            "rds-not-available",
            "critical"
            if status not in ("backing-up", "modifying", "upgrading", "configuring-enhanced-monitoring")
            else "warning",
            f"RDS instance {ident} is {status}",
            hints.get(status, "LangSmith cannot use PostgreSQL until the instance is available."),
            "postgresql-connectivity",
            arn,
        )
    for group in inst.get("DBParameterGroups", []):
        if group.get("ParameterApplyStatus") == "pending-reboot":
            ev.find(
                "rds-parameters-pending-reboot",
                "warning",
                f"RDS instance {ident}: parameter group {group.get('DBParameterGroupName')} waits for a reboot",
                "Changed parameters (e.g. rds.force_ssl) apply only after a reboot.",
                "it-worked-yesterday",
                arn,
            )
    if inst.get("PendingModifiedValues"):
        ev.find(
            "rds-pending-modifications",
            "info",
            f"RDS instance {ident} has pending modifications",
            ", ".join(sorted(inst["PendingModifiedValues"])) + " apply in the next maintenance window.",
            "it-worked-yesterday",
            arn,
        )
    valid_till = days_until((inst.get("CertificateDetails") or {}).get("ValidTill"))
    if valid_till is not None and valid_till < CERT_WARN_DAYS:
        ev.find(
            "rds-ca-expiring",
            "warning",
            f"RDS instance {ident}: its server certificate expires in {max(valid_till, 0):.0f} days",
            "Rotate the CA (CACertificateIdentifier) before clients with sslmode=verify-full fail.",
            "postgresql-connectivity",
            arn,
        )
    seen = set()
    for event in events:
        cats = set(event.get("EventCategories", []))
        if cats & {"failure", "low storage", "failover"} and event.get("Message") not in seen:
            seen.add(event.get("Message"))
            ev.find(
                "rds-recent-event",
                "warning",
                f"RDS instance {ident}: {event.get('Message')}",
                f"Event categories {', '.join(sorted(cats))} at {event.get('Date')}.",
                "postgresql-connectivity",
                arn,
            )


# --------------------------------------------------------------------------- ElastiCache
def collect_elasticache(ev, aws, params, facts) -> None:
    wanted = list(params.get("replication_group_ids") or [])
    tags = params.get("tags") or {}
    if not wanted and not tags:
        raise CollectorSkipped("no replication_group_ids and no tags to find replication groups by")
    ec = aws("elasticache")
    groups = {}
    for ident in wanted:
        try:
            found = ec.describe_replication_groups(ReplicationGroupId=ident, aws_retry=True)["ReplicationGroups"]
            groups.update({g["ReplicationGroupId"]: g for g in found})
        except is_boto3_error_code("ReplicationGroupNotFoundFault"):
            ev.find(
                "elasticache-not-found",
                "critical",
                f"ElastiCache replication group {ident} not found",
                "LangSmith cannot reach Redis. Check diagnostics_replication_group_ids and run the datastores stage.",
                "redis-connectivity",
                ident,
            )
    if tags:
        for group in paginate(ec, "describe_replication_groups").get("ReplicationGroups", []):
            if group["ReplicationGroupId"] in groups or not group.get("ARN"):
                continue
            try:
                group_tags = ec.list_tags_for_resource(ResourceName=group["ARN"], aws_retry=True).get("TagList", [])
            except Exception as exc:
                ev.error(f"list tags of {group['ReplicationGroupId']}", exc)
                continue
            if tags_match(group_tags, tags):
                groups[group["ReplicationGroupId"]] = group
    ev.data["replication_groups"] = []
    facts.setdefault("stores", [])
    minutes = int(params.get("event_hours", 24)) * 60
    for ident, group in sorted(groups.items()):
        entry = pick(
            group,
            "ReplicationGroupId",
            "ARN",
            "Status",
            "Engine",
            "CacheNodeType",
            "ClusterEnabled",
            "AutomaticFailover",
            "MultiAZ",
            "TransitEncryptionEnabled",
            "TransitEncryptionMode",
            "AtRestEncryptionEnabled",
            "AuthTokenEnabled",
            "SnapshotRetentionLimit",
            "NodeGroups",
            "ConfigurationEndpoint",
            "MemberClusters",
            "PendingModifiedValues",
        )
        security_groups, members = [], []
        for member in group.get("MemberClusters", []):
            try:
                clusters = ec.describe_cache_clusters(CacheClusterId=member, aws_retry=True).get("CacheClusters", [])
            except Exception as exc:
                ev.error(f"describe cache cluster {member}", exc)
                continue
            for cc in clusters:
                members.append(
                    pick(
                        cc,
                        "CacheClusterId",
                        "CacheClusterStatus",
                        "EngineVersion",
                        "PreferredAvailabilityZone",
                        "SecurityGroups",
                    )
                )
                security_groups += [
                    g["SecurityGroupId"] for g in cc.get("SecurityGroups", []) if g.get("SecurityGroupId")
                ]
        entry["CacheClusters"] = members
        events = []
        for source_type, source in [("replication-group", ident)] + [
            ("cache-cluster", m) for m in group.get("MemberClusters", [])
        ]:
            try:
                events += ec.describe_events(
                    SourceType=source_type, SourceIdentifier=source, Duration=minutes, aws_retry=True
                ).get("Events", [])
            except Exception as exc:
                ev.error(f"describe events of {source_type} {source}", exc)
                break
        entry["RecentEvents"] = [pick(e, "SourceIdentifier", "Date", "Message") for e in events]
        ev.data["replication_groups"].append(entry)
        endpoint = group.get("ConfigurationEndpoint") or next(
            (ng.get("PrimaryEndpoint") for ng in group.get("NodeGroups", []) if ng.get("PrimaryEndpoint")), {}
        )
        facts["stores"].append(
            {
                "store": "redis",
                "id": ident,
                "port": (endpoint or {}).get("Port") or DEFAULT_PORTS["redis"],
                "security_group_ids": sorted(set(security_groups)),
            }
        )
        _elasticache_findings(ev, group, members, events)


def _elasticache_findings(ev, group, members, events) -> None:
    ident, arn, status = group["ReplicationGroupId"], group.get("ARN"), group.get("Status")
    if status != "available":
        ev.find(
            "elasticache-not-available",
            "warning" if status in ("modifying", "snapshotting") else "critical",
            f"ElastiCache replication group {ident} is {status}",
            "Redis is unavailable or changing; LangSmith queues stall until it is available.",
            "redis-connectivity",
            arn,
        )
    for member in members:
        if member.get("CacheClusterStatus") not in ("available", None):
            ev.find(
                "elasticache-node-not-available",
                "warning",
                f"ElastiCache node {member.get('CacheClusterId')} is {member.get('CacheClusterStatus')}",
                "",
                "redis-connectivity",
                arn,
            )
    for event in events:
        message = event.get("Message", "")
        if any(word in message.lower() for word in ("failover", "failed", "error", "out of memory", "reboot")):
            ev.find(
                "elasticache-recent-event",
                "warning",
                f"ElastiCache {event.get('SourceIdentifier', ident)}: {message}",
                f"At {event.get('Date')}.",
                "redis-connectivity",
                arn,
            )


# --------------------------------------------------------------------------- security groups
def _resolve_groups(ec2, refs, tags, vpc_id) -> list:
    ids = [r for r in refs if r.startswith("sg-")]
    names = [r for r in refs if not r.startswith("sg-")]
    found = []
    if ids:
        found += ec2.describe_security_groups(GroupIds=ids, aws_retry=True).get("SecurityGroups", [])
    if names:
        filters = [{"Name": "group-name", "Values": names}]
        filters += [{"Name": f"tag:{k}", "Values": [v]} for k, v in (tags or {}).items()]
        if vpc_id:
            filters.append({"Name": "vpc-id", "Values": [vpc_id]})
        found += paginate(ec2, "describe_security_groups", Filters=filters).get("SecurityGroups", [])
    return found


def collect_security_groups(ev, aws, params, facts) -> None:
    ec2 = aws("ec2")
    tags, vpc_id = params.get("tags") or {}, facts.get("vpc_id")
    nodes = _resolve_groups(ec2, params.get("nodes_security_groups") or [], tags, vpc_id)
    node_ids = {g["GroupId"] for g in nodes} | set(facts.get("cluster_security_group_ids", []))
    configured = _resolve_groups(ec2, params.get("data_security_groups") or [], tags, vpc_id)
    stores = list(facts.get("stores", []))
    kinds = {s["store"] for s in stores}
    for kind, port in DEFAULT_PORTS.items():
        if kind not in kinds and configured:
            stores.append({"store": kind, "id": None, "port": port, "security_group_ids": []})
    if not stores:
        raise CollectorSkipped("no data store or data security group to check")
    known = {g["GroupId"]: g for g in nodes + configured}
    missing = sorted({sid for s in stores for sid in s["security_group_ids"]} - set(known))
    if missing:
        for group in ec2.describe_security_groups(GroupIds=missing, aws_retry=True).get("SecurityGroups", []):
            known[group["GroupId"]] = group
    ev.data["nodes_security_group_ids"] = sorted(node_ids)
    ev.data["security_groups"] = [
        pick(g, "GroupId", "GroupName", "VpcId", "Description", "IpPermissions", "Tags") for g in known.values()
    ]
    ev.data["stores"] = []
    if not node_ids:
        ev.errors.append(
            "no nodes security group found (nodes_security_groups did not match and the EKS cluster security "
            "group is unknown): data store rules cannot be checked"
        )
        ev.find(
            "sg-nodes-unknown",
            "warning",
            "The nodes security group was not found; data store rules were not checked",
            "Set diagnostics_nodes_security_groups to the group(s) of the EKS nodes.",
            "postgresql-connectivity",
        )
        return
    for store in stores:
        source = "attached" if store["security_group_ids"] else "configured"
        group_ids = store["security_group_ids"] or [g["GroupId"] for g in configured]
        groups = [known[g] for g in group_ids if g in known]
        result = port_open_from(groups, int(store["port"]), node_ids)
        ev.data["stores"].append(
            dict(
                store,
                security_group_ids=group_ids,
                security_groups_from=source,
                status=result["status"],
                rules=result["rules"],
            )
        )
        label = {"postgres": "PostgreSQL", "redis": "Redis"}[store["store"]]
        target = store["id"] or "the data security group"
        if not groups:
            ev.find(
                f"sg-{store['store']}-unknown",
                "warning",
                f"No security group known for {label} ({target}); rules not checked",
                "Set diagnostics_data_security_groups.",
                STORE_SECTIONS[store["store"]],
                store["id"],
            )
        elif result["status"] == "closed":
            first_node = sorted(node_ids)[0]
            ev.find(
                f"sg-{store['store']}-closed",
                "critical",
                f"{label} port {store['port']} is not open from the nodes security group ({target})",
                f"None of {', '.join(group_ids)} admits tcp/{store['port']} from {', '.join(sorted(node_ids))}. "
                f"Re-run playbooks/network.yml to restore the rule, or: aws ec2 authorize-security-group-ingress "
                f"--group-id {group_ids[0]} --protocol tcp --port {store['port']} --source-group {first_node}",
                STORE_SECTIONS[store["store"]],
                store["id"] or group_ids[0],
            )
        elif result["status"] == "cidr":
            ev.find(
                f"sg-{store['store']}-cidr-only",
                "info",
                f"{label} port {store['port']} is open to address ranges only ({target})",
                "Not checked against node addresses; the reference architecture admits the nodes security group.",
                STORE_SECTIONS[store["store"]],
                store["id"] or group_ids[0],
            )


# --------------------------------------------------------------------------- ACM
def collect_acm(ev, aws, params, facts) -> None:
    hostname = (params.get("hostname") or "").lower()
    arns = list(dict.fromkeys(list(params.get("certificate_arns") or []) + facts.get("listener_certificate_arns", [])))
    if not arns and not hostname:
        raise CollectorSkipped("no hostname, certificate ARN or HTTPS listener to check")
    acm = aws("acm")
    if hostname:
        try:
            summaries = paginate(
                acm, "list_certificates", CertificateStatuses=ACM_STATUSES, Includes={"keyTypes": ACM_KEY_TYPES}
            ).get("CertificateSummaryList", [])
        except Exception as exc:
            ev.error("list certificates", exc)
            summaries = []
        for summary in summaries:
            names = [summary.get("DomainName", ""), *summary.get("SubjectAlternativeNameSummaries", [])]
            if hostname_covered(hostname, names) and summary["CertificateArn"] not in arns:
                arns.append(summary["CertificateArn"])
    listener_arns = set(facts.get("listener_certificate_arns", []))
    ev.data["certificates"] = []
    listener_covers = False
    for arn in arns:
        try:
            cert = acm.describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"]
        except Exception as exc:
            ev.error(f"describe certificate {arn}", exc)
            continue
        entry = pick(
            cert,
            "CertificateArn",
            "DomainName",
            "SubjectAlternativeNames",
            "Status",
            "Type",
            "NotBefore",
            "NotAfter",
            "InUseBy",
            "FailureReason",
            "RenewalEligibility",
            "RenewalSummary",
            "DomainValidationOptions",
            "KeyAlgorithm",
        )
        entry["OnAlbListener"] = arn in listener_arns
        ev.data["certificates"].append(entry)
        names = cert.get("SubjectAlternativeNames") or [cert.get("DomainName", "")]
        covers = bool(hostname) and hostname_covered(hostname, names)
        if entry["OnAlbListener"] and covers:
            listener_covers = True
        _certificate_findings(ev, cert, hostname, covers, entry["OnAlbListener"])
    if hostname and listener_arns and not listener_covers:
        ev.find(
            "acm-hostname-not-covered",
            "critical",
            f"No certificate on the ALB's HTTPS listeners covers {hostname}",
            "Browsers and SDKs reject the TLS handshake. Point the Ingress certificate-arn annotation at a "
            "certificate for this name (the edge stage requests one).",
            "tls-and-certificates",
            ", ".join(sorted(listener_arns)),
        )
    if hostname and not ev.data["certificates"]:
        ev.find(
            "acm-no-certificate",
            "warning",
            f"No ACM certificate found for {hostname} in this region",
            "Request or import one in the ALB's region (the edge stage does this).",
            "tls-and-certificates",
            hostname,
        )


def _certificate_findings(ev, cert, hostname, covers, on_listener) -> None:
    arn, status, domain = cert.get("CertificateArn"), cert.get("Status"), cert.get("DomainName")
    relevant = on_listener or covers
    if status != "ISSUED" and relevant:
        detail = cert.get("FailureReason") or ""
        records = [
            f"{o['ResourceRecord']['Name']} {o['ResourceRecord']['Type']} {o['ResourceRecord']['Value']}"
            for o in cert.get("DomainValidationOptions", [])
            if o.get("ValidationStatus") == "PENDING_VALIDATION" and o.get("ResourceRecord")
        ]
        if records:
            detail = (detail + " " if detail else "") + "Create the DNS validation record(s): " + "; ".join(records)
        ev.find(
            finding_id("acm-certificate", status),
            "critical",
            f"Certificate for {domain} is {status}",
            detail,
            "tls-and-certificates",
            arn,
        )
    left = days_until(cert.get("NotAfter"))
    if status == "ISSUED" and relevant and left is not None and left < CERT_WARN_DAYS:
        ev.find(
            "acm-certificate-expiring",
            "critical" if left < 7 else "warning",
            f"Certificate for {domain} expires in {max(left, 0):.0f} days",
            "Imported certificates do not renew: import a new one. ACM-issued ones renew only while the "
            "DNS validation record exists and the certificate is in use."
            + (f" ({cert.get('Type')})" if cert.get("Type") else ""),
            "tls-and-certificates",
            arn,
        )

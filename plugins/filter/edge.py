# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the edge role: input rules, certificate checks, WAF rules, zone and ALB selection.

Pure Python, no AWS calls: the role feeds them what the AWS modules returned.
"""

from __future__ import annotations

import re

# A DNS name: labels of letters, digits and hyphens, a TLD of letters (no trailing dot).
DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
REGION = r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9]"
ACM_ARN = re.compile(rf"^arn:aws(?:-[a-z]+)*:acm:({REGION}):([0-9]{{12}}):certificate/[0-9a-f-]{{8,64}}$")
SNS_ARN = re.compile(rf"^arn:aws(?:-[a-z]+)*:sns:({REGION}):([0-9]{{12}}):[A-Za-z0-9_-]{{1,256}}$")

# AWS WAF rate-based rules: requests per evaluation window per IP (the API's bounds).
RATE_LIMIT_MIN = 10
RATE_LIMIT_MAX = 2_000_000_000
RATE_WINDOW_SECONDS = 300

# Rules of the AWS managed rule group AWSManagedRulesCommonRuleSet (version 1.x), the names
# rule_action_overrides may refer to. SizeRestrictions_BODY blocks request bodies over 8 KB,
# which LangSmith trace ingestion sends routinely.
COMMON_RULE_SET_RULES = frozenset(
    {
        "NoUserAgent_HEADER",
        "UserAgent_BadBots_HEADER",
        "SizeRestrictions_QUERYSTRING",
        "SizeRestrictions_Cookie_HEADER",
        "SizeRestrictions_BODY",
        "SizeRestrictions_URIPATH",
        "EC2MetaDataSSRF_BODY",
        "EC2MetaDataSSRF_COOKIE",
        "EC2MetaDataSSRF_URIPATH",
        "EC2MetaDataSSRF_QUERYARGUMENTS",
        "GenericLFI_QUERYARGUMENTS",
        "GenericLFI_URIPATH",
        "GenericLFI_BODY",
        "RestrictedExtensions_URIPATH",
        "RestrictedExtensions_QUERYARGUMENTS",
        "GenericRFI_QUERYARGUMENTS",
        "GenericRFI_BODY",
        "GenericRFI_URIPATH",
        "CrossSiteScripting_COOKIE",
        "CrossSiteScripting_QUERYARGUMENTS",
        "CrossSiteScripting_BODY",
        "CrossSiteScripting_URIPATH",
    }
)

# Statuses in which a certificate is usable now or may become usable.
USABLE_CERTIFICATE_STATUSES = ("ISSUED", "PENDING_VALIDATION")

ALB_CLUSTER_TAG = "elbv2.k8s.aws/cluster"
ALB_STACK_TAG = "ingress.k8s.aws/stack"


def _norm(name):
    return str(name or "").strip().lower().rstrip(".")


def edge_in_zone(hostname, zone):
    """True when ``hostname`` is ``zone`` itself or a name inside it."""
    host, zone = _norm(hostname), _norm(zone)
    return bool(host and zone) and (host == zone or host.endswith("." + zone))


def edge_certificate_covers(names, hostname):
    """Whether a certificate for ``names`` (domain + SANs) is valid for ``hostname``.

    A wildcard covers exactly one label: ``*.example.com`` covers ``a.example.com``, not
    ``example.com`` and not ``a.b.example.com``.
    """
    host = _norm(hostname)
    for given in names or []:
        name = _norm(given)
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def edge_input_problems(settings):
    """Every input mistake (each naming the variable and the fix); empty when the inputs are usable.

    ``settings``: hostname, zone, exposure, region, certificate_arn, create_zone, health_check,
    health_check_path, health_check_failure_threshold, rate_limit, rate_limit_action, count_rules,
    alarm_sns_topic_arn.
    """
    s = settings or {}
    problems = []
    hostname = _norm(s.get("hostname"))
    zone = _norm(s.get("zone"))
    exposure = s.get("exposure")
    region = s.get("region")

    if not hostname:
        problems.append(
            "langsmith_hostname is empty: the edge stage needs the name LangSmith answers on "
            "(certificate, DNS record, health check); set e.g. langsmith_hostname: langsmith.example.com."
        )
    if not zone:
        problems.append(
            "edge_route53_zone is empty: set it to the Route 53 hosted zone that holds langsmith_hostname "
            "(e.g. edge_route53_zone: example.com)."
        )
    elif not DNS_NAME.match(zone):
        problems.append(
            f"edge_route53_zone={zone} is not a DNS zone name: give it without scheme or trailing dot "
            "(e.g. edge_route53_zone: example.com)."
        )
    elif hostname and not edge_in_zone(hostname, zone):
        problems.append(
            f"langsmith_hostname={hostname} is not inside edge_route53_zone={zone}: the edge stage could "
            f"neither validate its certificate nor create its DNS record there. Set edge_route53_zone to "
            f"the zone that holds the hostname (e.g. {hostname.partition('.')[2] or hostname}) or pick a "
            "hostname inside the zone."
        )

    arn = str(s.get("certificate_arn") or "")
    if arn:
        match = ACM_ARN.match(arn)
        if not match:
            problems.append(
                f"edge_certificate_arn={arn} is not an ACM certificate ARN: use "
                "arn:aws:acm:<region>:<account>:certificate/<id> (aws acm list-certificates), or leave it "
                "empty to have the edge stage request a DNS-validated certificate."
            )
        elif match.group(1) != region:
            problems.append(
                f"edge_certificate_arn is in {match.group(1)} but langsmith_region={region}: an ALB can only "
                f"use an ACM certificate of its own region. Request or import the certificate in {region} "
                "and use that ARN, or leave edge_certificate_arn empty."
            )

    if exposure == "private":
        if s.get("create_zone"):
            problems.append(
                "edge_create_zone: true creates a public hosted zone, but langsmith_exposure=private: the "
                "record of an internal ALB belongs in a private hosted zone associated with the VPC. "
                "Create that zone and set edge_create_zone: false."
            )
        if s.get("health_check"):
            problems.append(
                "edge_health_check: true with langsmith_exposure=private: Route 53 health checkers probe "
                "from the internet and cannot reach an internal ALB. Set edge_health_check: false "
                "(the CloudWatch alarms, edge_alarms, watch the ALB from inside)."
            )

    try:
        rate_limit = int(s.get("rate_limit"))
    except (TypeError, ValueError):
        rate_limit = None
    if rate_limit is None or not RATE_LIMIT_MIN <= rate_limit <= RATE_LIMIT_MAX:
        problems.append(
            f"edge_rate_limit={s.get('rate_limit')} must be an integer from {RATE_LIMIT_MIN} to "
            f"{RATE_LIMIT_MAX} (requests per 5 minutes per client IP)."
        )
    if s.get("rate_limit_action") not in ("block", "count"):
        problems.append(f"edge_rate_limit_action={s.get('rate_limit_action')} must be block or count.")

    unknown = sorted(set(s.get("count_rules") or []) - COMMON_RULE_SET_RULES)
    if unknown:
        problems.append(
            f"edge_waf_count_rules names rules that AWSManagedRulesCommonRuleSet does not have: {unknown}. "
            f"Known rules: {', '.join(sorted(COMMON_RULE_SET_RULES))}."
        )

    path = str(s.get("health_check_path", "/"))
    if not path.startswith("/") or len(path) > 255 or " " in path:
        problems.append(
            f"edge_health_check_path={path} must be a URL path starting with / (at most 255 characters), "
            "e.g. /api/v1/health."
        )
    threshold = s.get("health_check_failure_threshold", 3)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 1 <= threshold <= 10:
        problems.append(f"edge_health_check_failure_threshold={threshold} must be an integer from 1 to 10.")

    topic = str(s.get("alarm_sns_topic_arn") or "")
    if topic:
        match = SNS_ARN.match(topic)
        if not match:
            problems.append(
                f"edge_alarm_sns_topic_arn={topic} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)."
            )
        elif match.group(1) != region:
            problems.append(
                f"edge_alarm_sns_topic_arn is in {match.group(1)} but langsmith_region={region}: CloudWatch "
                f"alarms notify topics of their own region. Use a topic in {region}."
            )
    return problems


def edge_certificate_problems(certificates, arn, hostname):
    """Why the operator's certificate ``arn`` cannot serve ``hostname`` (empty when it can).

    ``certificates``: what ``community.aws.acm_certificate_info`` returned for ``arn`` in the
    deployment region (empty when it does not exist there).
    """
    found = [c for c in certificates or [] if c.get("certificate_arn") == arn]
    if not found:
        return [
            f"edge_certificate_arn={arn} does not exist in this account and region. Check the ARN "
            "(aws acm list-certificates), or leave edge_certificate_arn empty to have the edge stage request one."
        ]
    cert = found[0]
    names = list(
        dict.fromkeys(n for n in [cert.get("domain_name"), *(cert.get("subject_alternative_names") or [])] if n)
    )
    problems = []
    if cert.get("status") != "ISSUED":
        problems.append(
            f"edge_certificate_arn={arn} is {cert.get('status')}, not ISSUED: an ALB cannot serve it. "
            + (
                "Create its DNS validation records (aws acm describe-certificate shows them) and wait, "
                if cert.get("status") == "PENDING_VALIDATION"
                else "Renew or replace it, "
            )
            + "or use another certificate."
        )
    if not edge_certificate_covers(names, hostname):
        problems.append(
            f"edge_certificate_arn={arn} covers {', '.join(names) or 'no names'}, not langsmith_hostname="
            f"{hostname} (a wildcard covers one label only). Use a certificate for {hostname} or "
            f"*.{hostname.partition('.')[2]}, or leave edge_certificate_arn empty."
        )
    return problems


def edge_pick_certificate(certificates):
    """The certificate to use among ``acm_certificate_info`` results: ISSUED first, then pending."""
    usable = [c for c in certificates or [] if c.get("status") in USABLE_CERTIFICATE_STATUSES]
    usable.sort(key=lambda c: (c.get("status") == "ISSUED", str(c.get("created_at") or "")), reverse=True)
    return usable[0] if usable else {}


def edge_zone_pick(hosted_zones, name, private):
    """The hosted zone named ``name`` (public or private) from ``route53_info`` results, or ``{}``.

    The id is returned without the ``/hostedzone/`` prefix.
    """
    wanted = _norm(name) + "."
    for zone in hosted_zones or []:
        if str(zone.get("name", "")).lower() != wanted:
            continue
        if bool((zone.get("config") or {}).get("private_zone")) != bool(private):
            continue
        picked = dict(zone)
        picked["id"] = str(zone.get("id", "")).rsplit("/", 1)[-1]
        return picked
    return {}


def _managed(name, prefix, priority, overrides=None):
    statement = {"vendor_name": "AWS", "name": name}
    if overrides:
        statement["rule_action_overrides"] = [
            {"name": rule, "action_to_use": {"count": {}}} for rule in sorted(set(overrides))
        ]
    rule_name = re.sub(r"^AWSManagedRules", "aws-", name)
    return {
        "name": rule_name,
        "priority": priority,
        "override_action": {"none": {}},
        "statement": {"managed_rule_group_statement": statement},
        "visibility_config": {
            "sampled_requests_enabled": True,
            "cloud_watch_metrics_enabled": True,
            "metric_name": f"{prefix}-{rule_name}",
        },
    }


def edge_waf_rules(prefix, rate_limit, rate_limit_action="block", count_rules=None):
    """The web ACL's rules, in the snake_case form ``community.aws.wafv2_web_acl`` takes.

    Cheapest first: IP reputation, the per-IP rate limit, then the Common rule set (with
    ``count_rules`` set to Count so large trace bodies pass) and Known bad inputs.
    """
    rate = {
        "name": "rate-limit-per-ip",
        "priority": 1,
        "action": {str(rate_limit_action): {}},
        "statement": {
            "rate_based_statement": {
                "limit": int(rate_limit),
                "aggregate_key_type": "IP",
                "evaluation_window_sec": RATE_WINDOW_SECONDS,
            }
        },
        "visibility_config": {
            "sampled_requests_enabled": True,
            "cloud_watch_metrics_enabled": True,
            "metric_name": f"{prefix}-rate-limit-per-ip",
        },
    }
    return [
        _managed("AWSManagedRulesAmazonIpReputationList", prefix, 0),
        rate,
        _managed("AWSManagedRulesCommonRuleSet", prefix, 2, count_rules),
        _managed("AWSManagedRulesKnownBadInputsRuleSet", prefix, 3),
    ]


def edge_ingress_albs(load_balancers, cluster_name, group_name):
    """ALBs the AWS Load Balancer Controller of ``cluster_name`` made for ingress group ``group_name``."""
    found = []
    for lb in load_balancers or []:
        tags = lb.get("tags") or {}
        if tags.get(ALB_CLUSTER_TAG) != cluster_name or tags.get(ALB_STACK_TAG) != group_name:
            continue
        if lb.get("type", "application") != "application":
            continue
        if (lb.get("state") or {}).get("code") == "failed":
            continue
        found.append(lb)
    return found


def edge_cloudwatch_dimension(arn):
    """The CloudWatch dimension value of an ELBv2 ARN: ``app/<name>/<id>`` or ``targetgroup/<name>/<id>``."""
    resource = str(arn or "").split(":", 5)[-1]
    return resource[len("loadbalancer/") :] if resource.startswith("loadbalancer/") else resource


class FilterModule:
    def filters(self):
        return {
            "edge_in_zone": edge_in_zone,
            "edge_certificate_covers": edge_certificate_covers,
            "edge_input_problems": edge_input_problems,
            "edge_certificate_problems": edge_certificate_problems,
            "edge_pick_certificate": edge_pick_certificate,
            "edge_zone_pick": edge_zone_pick,
            "edge_waf_rules": edge_waf_rules,
            "edge_ingress_albs": edge_ingress_albs,
            "edge_cloudwatch_dimension": edge_cloudwatch_dimension,
        }

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the preflight stage: the cross-role inventory rules, the rows of the check table
built from what the read-only modules found, and the IAM policy documents (pure Python)."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timezone

from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import iam_policy
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.sizing import parse_cpu, parse_memory_mib

STATUSES = ("pass", "warn", "fail", "skip")
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_DNS = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/\S+$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate/[0-9a-f-]+$")
_ANYWHERE = ("0.0.0.0/0", "::/0")


def row(rid, area, check, status, detail, fix="", **extra):  # noqa: PLR0917 (a table row)
    """One line of the preflight table."""
    if status not in STATUSES:
        raise AnsibleFilterError(f"preflight row {rid}: unknown status {status!r}")
    return {"id": rid, "area": area, "check": check, "status": status, "detail": detail, "fix": fix, **extra}


def _version_key(version):
    return tuple(int(p) if p.isdigit() else 0 for p in str(version).split("."))


def _major(version) -> int | None:
    match = re.match(r"^\s*(\d+)", str(version if version is not None else ""))
    return int(match.group(1)) if match else None


def _get(data, path, default=None):
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


# ----------------------------------------------------------------------------- inventory rules
PRESET_KEYS = (
    "production",
    "network.nat_gateways",
    "eks.general.instance_types",
    "eks.general.min_size",
    "eks.general.desired_size",
    "eks.general.max_size",
    "eks.general.disk_size",
    "clickhouse.replicas",
    "clickhouse.instance_type",
    "clickhouse.requests.cpu",
    "clickhouse.requests.memory",
    "clickhouse.limits.cpu",
    "clickhouse.limits.memory",
    "clickhouse.storage.size",
    "datastores.postgres.instance_class",
    "datastores.redis.node_type",
)


def _rule_hostname(i):
    hostname = i.get("hostname") or ""
    if not hostname:
        return row(
            "inventory.hostname",
            "inventory",
            "langsmith_hostname",
            "fail",
            "langsmith_hostname is empty: the edge stage (certificate, DNS record) and the release "
            "stage (config.hostname) need the name LangSmith answers on",
            "set langsmith_hostname: langsmith.<your-domain> in group_vars/all.yml",
        )
    return row("inventory.hostname", "inventory", "langsmith_hostname", "pass", hostname)


def _rule_zone(i):
    hostname = (i.get("hostname") or "").lower()
    zone = (_get(i, "edge.route53_zone") or "").lower().rstrip(".")
    check = "hostname in edge_route53_zone"
    if not zone:
        return row(
            "inventory.route53_zone",
            "inventory",
            check,
            "fail",
            "edge_route53_zone is empty and cannot be derived from langsmith_hostname",
            "set edge_route53_zone to the Route 53 hosted zone that holds langsmith_hostname (e.g. example.com)",
        )
    if not _DNS.match(zone):
        return row(
            "inventory.route53_zone",
            "inventory",
            check,
            "fail",
            f"edge_route53_zone={zone} is not a DNS zone name",
            "give the zone name without scheme or trailing dot, e.g. edge_route53_zone: example.com",
        )
    if hostname and not (hostname == zone or hostname.endswith("." + zone)):
        return row(
            "inventory.route53_zone",
            "inventory",
            check,
            "fail",
            f"langsmith_hostname={hostname} is not inside edge_route53_zone={zone}: the edge stage "
            "cannot create its DNS record or validate its certificate there",
            f"set edge_route53_zone to the zone that holds {hostname} (e.g. {hostname.partition('.')[2]}), "
            "or pick a langsmith_hostname inside the zone",
        )
    return row("inventory.route53_zone", "inventory", check, "pass", f"{hostname or '(no hostname)'} in {zone}")


def _rule_certificate_arn(i):
    arn = _get(i, "edge.certificate_arn") or ""
    check = "edge_certificate_arn"
    if not arn:
        return row(
            "inventory.certificate_arn",
            "inventory",
            check,
            "pass",
            "empty: the edge stage requests a DNS-validated ACM certificate",
        )
    match = _ACM_ARN.match(arn)
    if not match:
        return row(
            "inventory.certificate_arn",
            "inventory",
            check,
            "fail",
            f"edge_certificate_arn={arn} is not an ACM certificate ARN",
            "use arn:aws:acm:<region>:<account>:certificate/<id> (aws acm list-certificates), "
            "or leave it empty to have the edge stage request one",
        )
    if match.group(1) != i.get("region"):
        return row(
            "inventory.certificate_arn",
            "inventory",
            check,
            "fail",
            f"edge_certificate_arn is in {match.group(1)} but langsmith_region={i.get('region')}: "
            "an ALB can only use an ACM certificate from its own region",
            f"request or import the certificate in {i.get('region')} and use that ARN, "
            "or leave edge_certificate_arn empty",
        )
    return row("inventory.certificate_arn", "inventory", check, "pass", arn)


def _rule_alb_scheme(i):
    exposure = i.get("exposure")
    expected = "internet-facing" if exposure == "internet" else "internal"
    rows = []
    for name, value in sorted((i.get("alb_schemes") or {}).items()):
        if value in (None, ""):
            continue
        if value != expected:
            rows.append(
                row(
                    f"inventory.alb_scheme.{name}",
                    "inventory",
                    f"{name} vs langsmith_exposure",
                    "fail",
                    f"{name}={value} contradicts langsmith_exposure={exposure} (which means an {expected} ALB)",
                    f"remove {name} from the inventory (it follows langsmith_exposure) or set {name}: {expected}",
                )
            )
    if not rows:
        rows.append(
            row(
                "inventory.alb_scheme",
                "inventory",
                "ALB scheme vs langsmith_exposure",
                "pass",
                f"langsmith_exposure={exposure}: {expected} ALB",
            )
        )
    return rows


def _rule_eks_endpoint(i):
    eks = i.get("eks") or {}
    public = eks.get("endpoint_public_access")
    cidrs = list(eks.get("public_access_cidrs") or [])
    production = bool(i.get("production"))
    check = "EKS public endpoint"
    rid = "inventory.eks_endpoint"
    if public is None:
        return [row(rid, "inventory", check, "skip", "the eks role is not part of this build")]
    public = bool(public)
    if not public:
        return [row(rid, "inventory", check, "pass", "public endpoint off (private endpoint only)")]
    rows = []
    if i.get("exposure") == "private":
        rows.append(
            row(
                rid + ".exposure",
                "inventory",
                check,
                "fail",
                "langsmith_exposure=private but eks_endpoint_public_access=true: the cluster API would be "
                "reachable from the internet while LangSmith is private",
                "set eks_endpoint_public_access: false (reach the API over your VPN / VPC)",
            )
        )
    bad = []
    for cidr in cidrs:
        try:
            ipaddress.ip_network(str(cidr), strict=True)
        except ValueError:
            bad.append(str(cidr))
    if bad:
        rows.append(
            row(
                rid + ".cidrs",
                "inventory",
                check,
                "fail",
                f"eks_public_access_cidrs has invalid CIDRs: {', '.join(bad)}",
                "use network blocks such as 203.0.113.0/24 (your VPN or office egress)",
            )
        )
    if not cidrs:
        rows.append(
            row(
                rid + ".cidrs",
                "inventory",
                check,
                "fail",
                "eks_endpoint_public_access=true but eks_public_access_cidrs is empty",
                "list the CIDRs allowed to reach the cluster API (your VPN / office egress), or set "
                "eks_endpoint_public_access: false",
            )
        )
    anywhere = [c for c in cidrs if str(c) in _ANYWHERE]
    if anywhere:
        override = bool(eks.get("allow_public_endpoint_from_anywhere"))
        if production and not override:
            rows.append(
                row(
                    rid + ".anywhere",
                    "inventory",
                    check,
                    "fail",
                    f"eks_public_access_cidrs contains {anywhere[0]} on the production tier "
                    f"{i.get('tier')}: the cluster API would be open to the internet",
                    "list your VPN / office egress CIDRs instead; only if you must, set "
                    "eks_allow_public_endpoint_from_anywhere: true",
                )
            )
        else:
            rows.append(
                row(
                    rid + ".anywhere",
                    "inventory",
                    check,
                    "warn",
                    f"the cluster API accepts connections from {anywhere[0]}",
                    "restrict eks_public_access_cidrs to your VPN / office egress",
                )
            )
    if not rows:
        rows.append(row(rid, "inventory", check, "pass", f"public endpoint limited to {', '.join(cidrs)}"))
    return rows


def _rule_admin_principals(i):
    arns = list(_get(i, "eks.admin_principal_arns") or [])
    bad = [a for a in arns if not _PRINCIPAL.match(str(a))]
    check = "eks_admin_principal_arns"
    if bad:
        return row(
            "inventory.admin_principals",
            "inventory",
            check,
            "fail",
            f"not IAM role or user ARNs: {', '.join(map(str, bad))}",
            "use arn:aws:iam::<account>:role/<name> (for SSO: the role behind the permission set, "
            "aws iam list-roles --path-prefix /aws-reserved/sso.amazonaws.com/)",
        )
    detail = f"{len(arns)} admin principal(s)" if arns else "none besides the identity running the playbooks"
    return row("inventory.admin_principals", "inventory", check, "pass", detail)


def _rule_eks_version(i):
    eks = i.get("eks") or {}
    version = str(eks.get("kubernetes_version") or "")
    supported = sorted((str(v) for v in eks.get("supported_versions") or []), key=_version_key)
    check = "eks_kubernetes_version"
    if version in supported:
        return row(
            "inventory.eks_version", "inventory", check, "pass", f"{version} (supported: {', '.join(supported)})"
        )
    return row(
        "inventory.eks_version",
        "inventory",
        check,
        "fail",
        f"eks_kubernetes_version={version or '(empty)'} is not a supported version ({', '.join(supported)}): "
        "add-on versions are pinned per Kubernetes version",
        f"set eks_kubernetes_version to one of {', '.join(supported)}",
    )


def _rule_chart_version(i):
    version = str(i.get("chart_version") or "")
    lines = [str(v) for v in i.get("chart_lines") or []]
    check = "langsmith_chart_version"
    match = _SEMVER.match(version)
    if not match:
        return row(
            "inventory.chart_version",
            "inventory",
            check,
            "fail",
            f"langsmith_chart_version={version or '(empty)'} is not an exact chart version (no ranges, no latest)",
            "pin an exact release, e.g. langsmith_chart_version: 0.16.11",
        )
    line = f"{match.group(1)}.{match.group(2)}"
    if lines and line not in lines:
        return row(
            "inventory.chart_version",
            "inventory",
            check,
            "warn",
            f"chart {version} is outside the chart lines this collection was tested with ({', '.join(lines)})",
            f"use a {lines[-1]}.x release, or review the values contract (docs) before deploying {version}",
        )
    return row("inventory.chart_version", "inventory", check, "pass", version)


def _rule_engine_versions(i):
    rows = []
    checks = (
        ("postgres_engine_version", 14, "datastores_postgres_engine_version", "PostgreSQL", "16"),
        ("redis_engine_version", 5, "datastores_redis_engine_version", "Redis OSS", "7.1"),
    )
    for key, minimum, var, label, example in checks:
        value = _get(i, f"datastores.{key}")
        rid = f"inventory.{key}"
        if value in (None, ""):
            rows.append(row(rid, "inventory", var, "skip", "the datastores role is not part of this build"))
            continue
        major = _major(value)
        if major is None or major < minimum:
            rows.append(
                row(
                    rid,
                    "inventory",
                    var,
                    "fail",
                    f"{var}={value}: LangSmith needs {label} {minimum} or newer",
                    f'set {var}: "{example}"',
                )
            )
        else:
            rows.append(row(rid, "inventory", var, "pass", f"{label} {value}"))
    return rows


def _rule_tier_preset(i):
    tier = i.get("tier")
    preset = (i.get("presets") or {}).get(tier)
    check = f"langsmith_tier_presets.{tier}"
    if not isinstance(preset, dict):
        return [
            row(
                "inventory.tier_preset",
                "inventory",
                check,
                "fail",
                f"langsmith_tier_presets has no entry for langsmith_tier={tier}",
                f"use one of {', '.join(sorted(i.get('presets') or {}))} or add the preset",
            )
        ]
    missing = [k for k in PRESET_KEYS if _get(preset, k) is None]
    rows = []
    if missing:
        rows.append(
            row(
                "inventory.tier_preset",
                "inventory",
                check,
                "fail",
                f"the preset lacks {', '.join(missing)}",
                "copy the missing keys from roles/langsmith/defaults/main/tiers.yml: an overridden preset "
                "replaces the whole tier, it is not merged",
            )
        )
    general = _get(i, "eks.general") or {}
    sizes = {k: general.get(k) for k in ("min_size", "desired_size", "max_size")}
    try:
        low, want, high = (int(sizes[k]) for k in ("min_size", "desired_size", "max_size"))
    except (TypeError, ValueError):
        low = want = high = None
    if low is None and not missing:
        rows.append(
            row(
                "inventory.node_group_sizes",
                "inventory",
                "eks_general_{min,desired,max}_size",
                "fail",
                f"node group sizes are not integers: {sizes}",
                "set eks_general_min_size, eks_general_desired_size and eks_general_max_size to integers",
            )
        )
    elif low is not None and not (1 <= low <= want <= high):
        rows.append(
            row(
                "inventory.node_group_sizes",
                "inventory",
                "eks_general_{min,desired,max}_size",
                "fail",
                f"general node group sizes min={low} desired={want} max={high} do not satisfy "
                "1 <= min <= desired <= max",
                "fix eks_general_min_size / eks_general_desired_size / eks_general_max_size",
            )
        )
    if not general.get("instance_types") and not missing:
        rows.append(
            row(
                "inventory.node_group_types",
                "inventory",
                "eks_general_instance_types",
                "fail",
                "eks_general_instance_types is empty",
                "list at least one instance type, e.g. [m6i.4xlarge]",
            )
        )
    if not rows:
        rows.append(row("inventory.tier_preset", "inventory", check, "pass", f"complete; general {low}-{high} nodes"))
    return rows


def _rule_nat_production(i):
    nat = _get(i, "network.nat_gateways")
    check = "network_nat_gateways"
    if i.get("production") and nat == "single":
        return row(
            "inventory.nat_gateways",
            "inventory",
            check,
            "warn",
            f"one NAT gateway on the production tier {i.get('tier')}: losing its AZ cuts egress for every AZ",
            "set network_nat_gateways: per_az",
        )
    return row("inventory.nat_gateways", "inventory", check, "pass", str(nat))


def preflight_inventory_rules(inputs):
    """Rows for every cross-role inventory rule (the roles' own rules run from their validate.yml).

    ``inputs`` is the dict roles/preflight/vars/main.yml assembles (``_preflight_inventory``).
    """
    if not isinstance(inputs, dict):
        raise AnsibleFilterError("preflight_inventory_rules expects a dict")
    rows = [
        _rule_hostname(inputs),
        _rule_zone(inputs),
        _rule_certificate_arn(inputs),
        *_rule_alb_scheme(inputs),
        *_rule_eks_endpoint(inputs),
        _rule_admin_principals(inputs),
        _rule_eks_version(inputs),
        _rule_chart_version(inputs),
        *_rule_engine_versions(inputs),
        *_rule_tier_preset(inputs),
        _rule_nat_production(inputs),
    ]
    return rows


# ----------------------------------------------------------------------------- identity
ENABLED_REGION = ("opt-in-not-required", "opted-in")


def preflight_identity_rows(caller, regions, azs, settings):
    """Rows for the caller, root use, the account alias, region consistency, the region and its AZs.

    ``caller``: ``amazon.aws.aws_caller_info`` result; ``regions``: ``amazon.aws.aws_region_info``
    result; ``azs``: ``amazon.aws.aws_az_info`` result (each possibly failed or skipped);
    ``settings``: ``{region, env_regions, sandbox_pattern, usable_azs}``.
    """
    region = settings.get("region")
    rows = []
    if "account" not in (caller or {}):
        rows.append(
            row(
                "identity.caller",
                "identity",
                "credentials",
                "fail",
                f"sts:GetCallerIdentity failed: {(caller or {}).get('msg') or 'no answer'}",
                "configure AWS credentials for the deploy role (AWS_PROFILE, aws sso login, or an instance role) "
                "and check that aws sts get-caller-identity works",
            )
        )
    else:
        arn = caller.get("arn", "")
        rows.append(row("identity.caller", "identity", "credentials", "pass", f"{arn} (account {caller['account']})"))
        if re.match(r"^arn:aws[a-z-]*:iam::\d{12}:root$", arn):
            rows.append(
                row(
                    "identity.root",
                    "identity",
                    "not the root user",
                    "warn",
                    "the playbooks run as the account root user",
                    "create a deploy role with docs/iam/deploy-policy-*.json and use it instead of root credentials",
                )
            )
        alias = caller.get("account_alias")
        pattern = settings.get("sandbox_pattern") or ""
        if alias and pattern and re.search(pattern, alias):
            rows.append(
                row(
                    "identity.sandbox",
                    "identity",
                    "account alias",
                    "warn",
                    f"account alias {alias} looks like a sandbox: sandbox accounts often carry service control "
                    "policies that block IAM roles, EKS or regions",
                    "confirm with your cloud team that no SCP blocks the services in docs/PREFLIGHT.md; the "
                    "permission simulation reports SCP denials when it is allowed to run",
                )
            )
        else:
            detail = (
                f"alias {alias}"
                if alias
                else ("no alias" if alias is not None else "alias unknown (iam:ListAccountAliases denied)")
            )
            rows.append(row("identity.sandbox", "identity", "account alias", "pass", detail))

    others = sorted({r for r in settings.get("env_regions") or [] if r and r != region})
    if others:
        rows.append(
            row(
                "identity.region_consistency",
                "identity",
                "region consistency",
                "warn",
                f"the playbooks deploy to langsmith_region={region} but this shell has AWS_REGION/AWS_DEFAULT_REGION="
                + ",".join(others),
                f"export AWS_REGION={region} AWS_DEFAULT_REGION={region} so aws, kubectl and helm in this shell "
                "look at the same region",
            )
        )
    else:
        rows.append(
            row(
                "identity.region_consistency",
                "identity",
                "region consistency",
                "pass",
                f"every AWS call uses langsmith_region={region}",
            )
        )

    check = f"region {region}"
    entry = next((r for r in (regions or {}).get("regions") or [] if r.get("region_name") == region), None)
    if "account" not in (caller or {}):
        rows.append(row("identity.region", "identity", check, "skip", "cannot check without credentials"))
        return rows
    if entry and entry.get("opt_in_status") in ENABLED_REGION:
        rows.append(row("identity.region", "identity", check, "pass", f"enabled ({entry.get('opt_in_status')})"))
    elif entry:
        rows.append(
            row(
                "identity.region",
                "identity",
                check,
                "fail",
                f"{region} is an opt-in region that is not enabled for this account ({entry.get('opt_in_status')})",
                f"enable {region} in the console (Account > AWS Regions) or pick another langsmith_region",
            )
        )
        return rows
    else:
        error = (regions or {}).get("msg")
        rows.append(
            row(
                "identity.region",
                "identity",
                check,
                "fail",
                f"ec2:DescribeRegions failed in {region}: {error}"
                if error
                else f"{region} is not a region of this account",
                "set langsmith_region to a region listed by aws ec2 describe-regions",
            )
        )
        return rows

    usable = list(settings.get("usable_azs") or [])
    if (azs or {}).get("msg"):
        rows.append(
            row(
                "identity.availability_zones",
                "identity",
                "availability zones",
                "fail",
                f"ec2:DescribeAvailabilityZones failed: {azs['msg']}",
                "grant ec2:DescribeAvailabilityZones (docs/iam/deploy-policy-preflight.json)",
            )
        )
    elif len(usable) < 2:
        rows.append(
            row(
                "identity.availability_zones",
                "identity",
                "availability zones",
                "fail",
                f"{len(usable)} availability zone(s) usable for EKS in {region} ({', '.join(usable) or 'none'})",
                "EKS and the ALB need two availability zones: choose another langsmith_region",
            )
        )
    else:
        rows.append(
            row(
                "identity.availability_zones",
                "identity",
                "availability zones",
                "pass",
                f"{len(usable)} usable for EKS ({', '.join(usable)})",
            )
        )
    return rows


# ----------------------------------------------------------------------------- capacity
def preflight_capacity_rows(instance_facts, general, minimum):
    """The general node group's allocatable capacity at its minimum size vs the floor (16 vCPU / 64 GiB)."""
    types = list(general.get("instance_types") or [])
    check = "general node group capacity"
    if not types:
        return [row("capacity.general", "capacity", check, "skip", "no instance types configured")]
    facts = [(t, (instance_facts or {}).get(t) or {}) for t in types]
    unknown = [t for t, f in facts if "allocatable_cpu" not in f]
    if unknown:
        errors = "; ".join((instance_facts or {}).get(t, {}).get("error", "not described") for t in unknown)
        return [
            row(
                "capacity.general",
                "capacity",
                check,
                "fail",
                f"cannot size {', '.join(unknown)}: {errors}",
                "use an instance type offered in langsmith_region (aws ec2 describe-instance-type-offerings)",
            )
        ]
    # The cluster-autoscaler may pick any listed type: judge the smallest.
    smallest_type, smallest = min(facts, key=lambda tf: (tf[1]["allocatable_cpu"], tf[1]["allocatable_memory_mib"]))
    nodes = int(general.get("min_size") or 0)
    cpu = round(nodes * smallest["allocatable_cpu"], 2)
    mem_gib = round(nodes * smallest["allocatable_memory_mib"] / 1024, 1)
    need_cpu = parse_cpu(minimum.get("cpu", 16))
    need_mem_gib = round(parse_memory_mib(minimum.get("memory", "64Gi")) / 1024, 1)
    detail = (
        f"{nodes} x {smallest_type} = {cpu} vCPU / {mem_gib} GiB allocatable at minimum size "
        f"(floor {need_cpu:g} vCPU / {need_mem_gib:g} GiB)"
    )
    if cpu < need_cpu or mem_gib < need_mem_gib:
        per_node_cpu = smallest["allocatable_cpu"]
        per_node_mem = smallest["allocatable_memory_mib"] / 1024
        nodes_needed = max(
            int(-(-need_cpu // per_node_cpu)) if per_node_cpu else 0,
            int(-(-need_mem_gib // per_node_mem)) if per_node_mem else 0,
        )
        return [
            row(
                "capacity.general",
                "capacity",
                check,
                "fail",
                detail,
                f"raise eks_general_min_size to {nodes_needed} or use a larger type in eks_general_instance_types",
            )
        ]
    return [row("capacity.general", "capacity", check, "pass", detail)]


# ----------------------------------------------------------------------------- quotas
def preflight_quota_rows(quotas, definitions, plan, region="", emulator=False):
    """Rows comparing each quota's limit with current usage plus what this deploy adds.

    ``quotas``: ``service_quota_info`` results (same order as ``definitions``);
    ``definitions``: ``[{key, name, query: {service_code, quota_code}}]``;
    ``plan``: ``{key: count}`` or, for per-AZ quotas, ``{key: {az: count}}`` - what the finished
    deployment holds. Resources the deployment already owns are not added twice.
    """
    rows = []
    for definition, found in zip(definitions, quotas):
        spec = {**definition, **(definition.get("query") or {})}
        key = spec["key"]
        rid = f"quota.{key}"
        name = spec["name"]
        planned = (plan or {}).get(key)
        if planned is None:
            continue
        code = f"{spec['service_code']}/{spec['quota_code']}"
        value = found.get("value")
        if value is None:
            if emulator:
                rows.append(
                    row(
                        rid,
                        "quotas",
                        name,
                        "skip",
                        f"the emulator has no Service Quotas data for {code}",
                        emulator_skip=f"quota {name} ({code}): the emulator has no Service Quotas data for it "
                        "(service_quota_info unit-tested with Stubber)",
                    )
                )
            else:
                rows.append(
                    row(
                        rid,
                        "quotas",
                        name,
                        "warn",
                        f"cannot read quota {code}: {found.get('error') or 'unknown error'}",
                        "grant servicequotas:GetServiceQuota and servicequotas:GetAWSDefaultServiceQuota, or check "
                        f"it in the Service Quotas console ({code})",
                    )
                )
            continue
        if found.get("usage") is None:
            rows.append(
                row(
                    rid,
                    "quotas",
                    name,
                    "warn",
                    f"limit {value:g} ({found.get('source')}), but current usage is unknown: "
                    f"{found.get('usage_error') or 'not counted'}",
                    "grant the read-only Describe/List permission named above (docs/iam/deploy-policy-preflight.json)",
                )
            )
            continue
        limit = float(value)
        if isinstance(planned, dict):
            usage_by_az = found.get("usage_by_az") or {}
            owned_by_az = found.get("owned_by_az") or {}
            worst = None
            parts = []
            for az, count in sorted(planned.items()):
                adds = max(int(count) - int(owned_by_az.get(az, 0)), 0)
                total = int(usage_by_az.get(az, 0)) + adds
                parts.append(f"{az}: {usage_by_az.get(az, 0)} + {adds}")
                if worst is None or total > worst[1]:
                    worst = (az, total, adds)
            detail = f"limit {limit:g} per AZ ({found.get('source')}); in use + adds: {', '.join(parts) or 'none'}"
            if worst and worst[1] > limit:
                rows.append(
                    row(
                        rid,
                        "quotas",
                        name,
                        "fail",
                        detail,
                        _increase_fix(spec, worst[1], region, f"{worst[0]} would need {worst[1]}"),
                    )
                )
            else:
                rows.append(row(rid, "quotas", name, "pass", detail))
            continue
        owned = int(found.get("usage_owned") or 0)
        adds = max(int(planned) - owned, 0)
        usage = int(found["usage"])
        total = usage + adds
        detail = (
            f"limit {limit:g} ({found.get('source')}), in use {usage}"
            + (f" (this deployment: {owned})" if owned else "")
            + f", this deploy adds {adds} -> {total}"
        )
        if total > limit:
            rows.append(row(rid, "quotas", name, "fail", detail, _increase_fix(spec, total, region)))
        else:
            rows.append(row(rid, "quotas", name, "pass", detail))
    return rows


def _increase_fix(spec, needed, region, why=""):
    code = f"--service-code {spec['service_code']} --quota-code {spec['quota_code']}"
    return (
        f"{why + ': ' if why else ''}request an increase to at least {needed:g}: aws service-quotas "
        f"request-service-quota-increase {code} --desired-value {needed:g}"
        + (f" --region {region}" if region else "")
        + ", or free up existing usage"
    )


# ----------------------------------------------------------------------------- permissions
def _stages_for_service(stages, service):
    return [
        s
        for s, body in stages.items()
        if any(a.startswith(service + ":") for st in body["statements"] for a in st["actions"])
    ]


def preflight_permission_rows(access, stages, emulator=False):
    """Rows from ``iam_access_info``: per stage when simulated, per service when probed."""
    rows = []
    principal = access.get("principal_arn") or access.get("caller_arn") or "the caller"
    method = access.get("method")
    if method == "simulation":
        for stage in stages:
            results = [r for r in access.get("results", []) if r["stage"] == stage]
            denied = sorted({r["action"] for r in results if not r["allowed"]})
            check = f"stage {stage}"
            if not denied:
                rows.append(
                    row(
                        f"permissions.{stage}",
                        "permissions",
                        check,
                        "pass",
                        f"{len({r['action'] for r in results})} actions allowed for {principal} (simulated)",
                    )
                )
                continue
            scp = sorted({r["action"] for r in results if not r["allowed"] and r.get("denied_by_organizations")})
            boundary = sorted(
                {r["action"] for r in results if not r["allowed"] and r.get("denied_by_permissions_boundary")}
            )
            shown = ", ".join(denied[:8]) + (f" and {len(denied) - 8} more" if len(denied) > 8 else "")
            detail = f"{len(denied)} denied for {principal}: {shown}"
            if scp:
                detail += f"; denied by an Organizations SCP: {', '.join(scp[:8])}"
            if boundary:
                detail += f"; denied by the permissions boundary: {', '.join(boundary[:8])}"
            fix = (
                f"attach docs/iam/deploy-policy-{stage}.json "
                "(this environment's version: -e preflight_print_policy=true)"
            )
            if scp:
                fix += (
                    "; the SCP denial needs your AWS Organizations administrator (sandbox accounts often block these)"
                )
            rows.append(row(f"permissions.{stage}", "permissions", check, "fail", detail, fix))
        return rows

    reason = access.get("simulation_error") or "not run"
    emulator_gap = bool(emulator) and "unavailable" in reason
    rows.append(
        row(
            "permissions.simulation",
            "permissions",
            "policy simulation",
            "warn",
            f"{reason}; fell back to read-only probes: write permissions are not verified",
            ""
            if emulator_gap
            else f"let {principal} call iam:SimulatePrincipalPolicy on itself (docs/iam/deploy-policy-preflight.json) "
            "so preflight can verify every action",
            **(
                {
                    "emulator_skip": "IAM policy simulation: the emulator has no SimulatePrincipalPolicy "
                    "(iam_access_info unit-tested with Stubber); read-only probes used"
                }
                if emulator_gap
                else {}
            ),
        )
    )
    allowed = []
    for probe in access.get("probes", []):
        service = probe["service"]
        users = _stages_for_service(stages, service)
        if probe["allowed"] is True:
            allowed.append(service)
        elif probe["allowed"] is False:
            rows.append(
                row(
                    f"permissions.probe.{service}",
                    "permissions",
                    f"{service} read access",
                    "fail",
                    f"{service}:{probe['operation']} denied ({probe['error']}); needed by stage(s) {', '.join(users)}",
                    "attach "
                    + ", ".join(f"docs/iam/deploy-policy-{s}.json" for s in users)
                    + " (or ask your administrator whether an SCP blocks the service)",
                )
            )
        else:
            rows.append(
                row(
                    f"permissions.probe.{service}",
                    "permissions",
                    f"{service} read access",
                    "warn",
                    f"{service}:{probe['operation']} failed: {probe['error']}",
                    "check the service is available in langsmith_region and retry",
                )
            )
    if allowed:
        rows.append(
            row(
                "permissions.probes",
                "permissions",
                "read-only probes",
                "pass",
                f"read access to {', '.join(allowed)}",
            )
        )
    return rows


# ----------------------------------------------------------------------------- DNS and TLS
def hostname_covered(hostname, names):
    """Whether a certificate for ``names`` (domain + SANs) is valid for ``hostname``."""
    host = (hostname or "").lower().rstrip(".")
    for given in names or []:
        name = str(given).lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and host.count(".") == name.count(".") and host.endswith(name[1:]):
            return True
    return False


def acm_covering(certificates, hostname):
    """``acm_certificate_info`` entries whose domain or SANs cover ``hostname``."""
    result = []
    for cert in certificates or []:
        names = [cert.get("domain_name"), *(cert.get("subject_alternative_names") or [])]
        if hostname_covered(hostname, [n for n in names if n]):
            result.append(cert)
    return result


def route53_zone_match(zones, name):
    """Hosted zones (``route53_info`` entries) named exactly ``name``."""
    wanted = (name or "").lower().rstrip(".") + "."
    return [z for z in zones or [] if str(z.get("Name", z.get("name", ""))).lower() == wanted]


def _lookup_error(result):
    """The error of a registered lookup run with failed_when: false ('' when it answered)."""
    if not isinstance(result, dict) or result.get("skipped"):
        return "not run"
    if "msg" in result and not any(k in result for k in ("hosted_zones", "certificates")):
        return str(result.get("msg"))
    return ""


def _days_left(not_after, now):
    try:
        end = datetime.fromisoformat(str(not_after).replace("Z", "+00:00"))
        start = datetime.fromisoformat(str(now).replace("Z", "+00:00"))
    except ValueError:
        return None
    if end.tzinfo is None:
        end = end.replace(tzinfo=timezone.utc)
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return (end - start).days


def preflight_dns_tls_rows(zone_lookup, cert_lookup, settings):
    """Rows for the Route 53 zone and the ACM certificate.

    ``zone_lookup``: ``amazon.aws.route53_info`` (list_by_name) result; ``cert_lookup``:
    ``community.aws.acm_certificate_info`` result; ``settings``: ``{hostname, zone, exposure,
    certificate_arn, region, min_days, now}``.
    """
    hostname = settings.get("hostname") or ""
    zone = (settings.get("zone") or "").rstrip(".")
    exposure = settings.get("exposure")
    arn = settings.get("certificate_arn") or ""
    region = settings.get("region")
    rows = []

    # ---- zone
    public_zone = False
    zone_error = _lookup_error(zone_lookup)
    if not zone:
        rows.append(row("dns.zone", "dns", "Route 53 zone", "skip", "no zone configured (see the inventory rows)"))
    elif zone_error:
        rows.append(
            row(
                "dns.zone",
                "dns",
                f"Route 53 zone {zone}",
                "fail",
                f"cannot list hosted zones: {zone_error}",
                "grant route53:ListHostedZonesByName (docs/iam/deploy-policy-preflight.json)",
            )
        )
    else:
        zones = route53_zone_match(zone_lookup.get("hosted_zones"), zone)
        public = [z for z in zones if not (z.get("config") or {}).get("private_zone")]
        private = [z for z in zones if (z.get("config") or {}).get("private_zone")]
        public_zone = bool(public)
        check = f"Route 53 zone {zone}"
        create = (
            f"create it (aws route53 create-hosted-zone --name {zone} --caller-reference preflight-$(date +%s)) "
            "and delegate it from your registrar, or set edge_route53_zone to the zone that holds "
            f"{hostname or 'langsmith_hostname'}"
        )
        if not zones:
            rows.append(row("dns.zone", "dns", check, "fail", f"no hosted zone named {zone} in this account", create))
        elif exposure == "internet" and not public:
            rows.append(
                row(
                    "dns.zone",
                    "dns",
                    check,
                    "fail",
                    f"only a private zone {zone} exists; an internet-facing LangSmith needs a public zone",
                    create.replace("create-hosted-zone", "create-hosted-zone (public)"),
                )
            )
        elif exposure == "private" and not private:
            rows.append(
                row(
                    "dns.zone",
                    "dns",
                    check,
                    "warn",
                    f"public zone {public[0].get('id')}: the record of an internal ALB would publish private addresses",
                    "use a private hosted zone associated with the VPC for langsmith_exposure=private",
                )
            )
        else:
            chosen = (public if exposure == "internet" else private)[0]
            kind = "private" if (chosen.get("config") or {}).get("private_zone") else "public"
            rows.append(row("dns.zone", "dns", check, "pass", f"{kind} zone {chosen.get('id')}"))

    # ---- certificate
    cert_error = _lookup_error(cert_lookup)
    certs = (cert_lookup or {}).get("certificates") or []
    if not hostname:
        rows.append(row("tls.certificate", "tls", "ACM certificate", "skip", "no langsmith_hostname"))
        return rows
    check = f"ACM certificate for {hostname}"
    if arn:
        found = [c for c in certs if c.get("certificate_arn") == arn]
        if cert_error or not found:
            rows.append(
                row(
                    "tls.certificate",
                    "tls",
                    check,
                    "fail",
                    f"edge_certificate_arn={arn} not found in {region}" + (f": {cert_error}" if cert_error else ""),
                    f"request or import a certificate for {hostname} in {region} (aws acm request-certificate "
                    f"--domain-name {hostname} --validation-method DNS --region {region}) and set edge_certificate_arn "
                    "to its ARN, or leave edge_certificate_arn empty to let the edge stage request one",
                )
            )
            return rows
        cert = found[0]
        names = [cert.get("domain_name"), *(cert.get("subject_alternative_names") or [])]
        days = _days_left(cert.get("not_after"), settings.get("now"))
        if cert.get("status") != "ISSUED":
            rows.append(
                row(
                    "tls.certificate",
                    "tls",
                    check,
                    "fail",
                    f"{arn} is {cert.get('status')}, not ISSUED",
                    "complete its DNS validation (aws acm describe-certificate shows the CNAME to create), "
                    "or use another certificate",
                )
            )
        elif not hostname_covered(hostname, [n for n in names if n]):
            rows.append(
                row(
                    "tls.certificate",
                    "tls",
                    check,
                    "fail",
                    f"{arn} covers {', '.join(n for n in names if n)}, not {hostname}",
                    f"use a certificate whose name or SANs include {hostname} (or *.{hostname.partition('.')[2]})",
                )
            )
        elif days is not None and days < int(settings.get("min_days") or 0):
            rows.append(
                row(
                    "tls.certificate",
                    "tls",
                    check,
                    "warn",
                    f"{arn} expires in {days} days",
                    "renew or replace it (imported certificates are not renewed by ACM)",
                )
            )
        else:
            rows.append(row("tls.certificate", "tls", check, "pass", f"{arn} ISSUED, covers {hostname}"))
        return rows

    covering = [c for c in acm_covering(certs, hostname) if c.get("status") == "ISSUED"]
    if covering:
        rows.append(
            row(
                "tls.certificate",
                "tls",
                check,
                "pass",
                f"the edge stage requests a DNS-validated certificate; {covering[0].get('certificate_arn')} "
                "already covers the hostname (set edge_certificate_arn to reuse it)",
            )
        )
    elif public_zone:
        rows.append(
            row(
                "tls.certificate",
                "tls",
                check,
                "pass",
                f"none yet: the edge stage requests one, validated through the public zone {zone}",
            )
        )
    else:
        rows.append(
            row(
                "tls.certificate",
                "tls",
                check,
                "fail",
                f"no ISSUED certificate for {hostname} in {region}, and no public Route 53 zone to validate a new one"
                + (f" ({cert_error})" if cert_error else ""),
                f"create the public zone {zone or '(see edge_route53_zone)'} so the edge stage can validate a "
                f"certificate, or import/request one for {hostname} in {region} and set edge_certificate_arn",
            )
        )
    return rows


def preflight_sizing_rows(outputs):
    """Rows from ``clickhouse_sizing_outputs`` (the clickhouse_sizing role): errors fail, warnings warn."""
    findings = (outputs or {}).get("findings") or []
    severity = {"error": "fail", "warning": "warn"}
    rows = [
        row(
            f"sizing.{f.get('id', 'finding')}",
            "sizing",
            f"ClickHouse {f.get('id', '')}",
            severity[f.get("severity")],
            f.get("message", ""),
            f.get("fix", ""),
        )
        for f in findings
        if f.get("severity") in severity
    ]
    if not rows:
        facts = (outputs or {}).get("mode", "")
        rows.append(row("sizing.clickhouse", "sizing", "ClickHouse sizing gate", "pass", f"no findings ({facts})"))
    return rows


# ----------------------------------------------------------------------------- output
_ORDER = {"fail": 0, "warn": 1, "pass": 2, "skip": 3}


def preflight_table(rows):
    """The check table as text lines: status, area, check, detail, and the fix under failures."""
    if not rows:
        return ["(no checks ran)"]
    area_w = max(len(r["area"]) for r in rows)
    check_w = min(max(len(r["check"]) for r in rows), 36)
    lines = []
    for r in rows:
        lines.append(f"{r['status'].upper():<4}  {r['area']:<{area_w}}  {r['check']:<{check_w}}  {r['detail']}")
        if r.get("fix") and r["status"] in ("fail", "warn"):
            lines.append(f"{'':<4}  {'':<{area_w}}  {'':<{check_w}}  -> fix: {r['fix']}")
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES}
    lines.append(
        f"preflight: {counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail, {counts['skip']} skipped"
    )
    return lines


def preflight_failures(rows):
    """Failed rows, worst first (the gate's message)."""
    return [r for r in sorted(rows, key=lambda r: _ORDER[r["status"]]) if r["status"] == "fail"]


# ----------------------------------------------------------------------------- IAM
def iam_statements(stages, values, only=None):
    """Flat statements for ``iam_access_info``, placeholders rendered with ``values``."""
    try:
        return iam_policy.statements(stages, values, only=only)
    except iam_policy.PolicyDataError as e:
        raise AnsibleFilterError(f"roles/preflight/vars/iam.yml: {e}") from e


def iam_policy_documents(stages, values=None):
    """``{stage: policy document}`` for every stage (generic wildcards when ``values`` is empty)."""
    try:
        return {stage: iam_policy.policy_document(stages, values or None, only=[stage]) for stage in stages}
    except iam_policy.PolicyDataError as e:
        raise AnsibleFilterError(f"roles/preflight/vars/iam.yml: {e}") from e


class FilterModule:
    def filters(self):
        return {
            "preflight_inventory_rules": preflight_inventory_rules,
            "preflight_identity_rows": preflight_identity_rows,
            "preflight_capacity_rows": preflight_capacity_rows,
            "preflight_quota_rows": preflight_quota_rows,
            "preflight_permission_rows": preflight_permission_rows,
            "preflight_dns_tls_rows": preflight_dns_tls_rows,
            "preflight_sizing_rows": preflight_sizing_rows,
            "preflight_table": preflight_table,
            "preflight_failures": preflight_failures,
            "hostname_covered": hostname_covered,
            "acm_covering": acm_covering,
            "route53_zone_match": route53_zone_match,
            "iam_statements": iam_statements,
            "iam_policy_documents": iam_policy_documents,
        }

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service quotas, their current usage and instance-type facts (service_quota_info, langsmith_preflight_info)."""

from __future__ import annotations

try:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.preflight import (
    error_code,
    error_summary,
    is_standard_family,
    tags_match,
)
from ansible_collections.langchain.langsmith_aws.plugins.module_utils.sizing import (
    describe_instance_types,
    node_allocatable,
)

USAGE_COUNTERS = (
    "none",
    "vpcs",
    "elastic_ips",
    "nat_gateways_per_az",
    "on_demand_standard_vcpus",
    "spot_standard_vcpus",
    "rds_instances",
    "eks_clusters",
)


# Fail fast on an endpoint that errors: AWSRetry (on the calls) still retries throttling.
CLIENT_CONFIG = {"retries": {"mode": "standard", "max_attempts": 2}}


def _boto_errors():
    # ResponseParserError is not a BotoCoreError: an endpoint answering with something other than
    # an AWS response (a proxy's error page, an emulator without the API) raises it.
    return (BotoCoreError, ClientError, ResponseParserError)


# ----------------------------------------------------------------------------- quota values
@AWSRetry.jittered_backoff()
def _get_service_quota(client, service_code, quota_code):
    return client.get_service_quota(ServiceCode=service_code, QuotaCode=quota_code)["Quota"]


@AWSRetry.jittered_backoff()
def _get_default_quota(client, service_code, quota_code):
    return client.get_aws_default_service_quota(ServiceCode=service_code, QuotaCode=quota_code)["Quota"]


@AWSRetry.jittered_backoff()
def _ec2_account_attribute(client, name):
    response = client.describe_account_attributes(AttributeNames=[name])
    for attribute in response.get("AccountAttributes", []):
        if attribute.get("AttributeName") == name:
            values = attribute.get("AttributeValues") or []
            if values:
                return float(values[0]["AttributeValue"])
    return None


@AWSRetry.jittered_backoff()
def _rds_account_quota(client, name):
    for quota in client.describe_account_attributes().get("AccountQuotas", []):
        if quota.get("AccountQuotaName") == name:
            return float(quota["Max"])
    return None


# (service_code, quota_code) -> (source label, function(clients) -> value or None)
FALLBACKS = {
    ("ec2", "L-0263D0A3"): (
        "ec2:DescribeAccountAttributes",
        lambda clients: _ec2_account_attribute(clients("ec2"), "vpc-max-elastic-ips"),
    ),
    ("rds", "L-7B6409FD"): (
        "rds:DescribeAccountAttributes",
        lambda clients: _rds_account_quota(clients("rds"), "DBInstances"),
    ),
}


def quota_value(clients, service_code, quota_code):
    """``{value, source, quota_name, adjustable, error}`` for one quota; never raises on AWS errors.

    Order: the applied value (GetServiceQuota); when the quota has none, the AWS default
    (GetAWSDefaultServiceQuota); when Service Quotas cannot answer, the service's own account
    attributes where one exists.
    """
    result = {"value": None, "source": None, "quota_name": None, "adjustable": None, "error": None}
    errors = []
    service_quotas = clients("service-quotas")
    for source, call in (("applied", _get_service_quota), ("aws-default", _get_default_quota)):
        try:
            quota = call(service_quotas, service_code, quota_code)
        except _boto_errors() as e:
            errors.append(
                f"{'GetServiceQuota' if source == 'applied' else 'GetAWSDefaultServiceQuota'}: {error_summary(e)}"
            )
            continue
        result.update(
            value=quota.get("Value"),
            source=source,
            quota_name=quota.get("QuotaName"),
            adjustable=quota.get("Adjustable"),
        )
        return result
    fallback = FALLBACKS.get((service_code, quota_code))
    if fallback:
        label, read = fallback
        try:
            value = read(clients)
        except _boto_errors() as e:
            errors.append(f"{label}: {error_summary(e)}")
        else:
            if value is not None:
                result.update(value=value, source=label)
                return result
            errors.append(f"{label}: attribute not returned")
    result["error"] = "; ".join(errors)
    return result


# ----------------------------------------------------------------------------- usage counters
@AWSRetry.jittered_backoff()
def _paginate(client, operation, key, **params):
    items = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key, []))
    return items


@AWSRetry.jittered_backoff()
def _describe_addresses(client):
    return client.describe_addresses().get("Addresses", [])


class UsageCounter:
    """Counts current usage per counter name; caches lookups shared between counters."""

    def __init__(self, clients, owned_tags, cluster_name):
        self.clients = clients
        self.owned_tags = owned_tags or {}
        self.cluster_name = cluster_name or ""
        self._vpcs = None
        self._instance_types = {}

    def count(self, name):
        return getattr(self, name)()

    def _all_vpcs(self):
        if self._vpcs is None:
            self._vpcs = _paginate(self.clients("ec2"), "describe_vpcs", "Vpcs")
        return self._vpcs

    def vpcs(self):
        vpcs = self._all_vpcs()
        owned = [v for v in vpcs if tags_match(v.get("Tags"), self.owned_tags)]
        return {"usage": len(vpcs), "usage_owned": len(owned)}

    def elastic_ips(self):
        addresses = _describe_addresses(self.clients("ec2"))
        owned = [a for a in addresses if tags_match(a.get("Tags"), self.owned_tags)]
        return {"usage": len(addresses), "usage_owned": len(owned)}

    def nat_gateways_per_az(self):
        ec2 = self.clients("ec2")
        nats = _paginate(
            ec2,
            "describe_nat_gateways",
            "NatGateways",
            Filters=[{"Name": "state", "Values": ["pending", "available"]}],
        )
        subnet_ids = sorted({n["SubnetId"] for n in nats if n.get("SubnetId")})
        subnet_az = {}
        if subnet_ids:
            for subnet in _paginate(ec2, "describe_subnets", "Subnets", SubnetIds=subnet_ids):
                subnet_az[subnet["SubnetId"]] = subnet["AvailabilityZone"]
        owned_vpcs = set()
        if self.owned_tags:
            owned_vpcs = {v["VpcId"] for v in self._all_vpcs() if tags_match(v.get("Tags"), self.owned_tags)}
        by_az, owned_by_az = {}, {}
        for nat in nats:
            az = subnet_az.get(nat.get("SubnetId"), "unknown")
            by_az[az] = by_az.get(az, 0) + 1
            if nat.get("VpcId") in owned_vpcs or tags_match(nat.get("Tags"), self.owned_tags):
                owned_by_az[az] = owned_by_az.get(az, 0) + 1
        return {
            "usage": max(by_az.values(), default=0),
            "usage_owned": max(owned_by_az.values(), default=0),
            "usage_by_az": by_az,
            "owned_by_az": owned_by_az,
        }

    def _vcpus(self, instance_type):
        if instance_type not in self._instance_types:
            self._instance_types.update(describe_instance_types(self.clients("ec2"), [instance_type]))
        entry = self._instance_types.get(instance_type)
        return entry["VCpuInfo"]["DefaultVCpus"] if entry else 0

    def _standard_vcpus(self, spot):
        reservations = _paginate(
            self.clients("ec2"),
            "describe_instances",
            "Reservations",
            Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}],
        )
        instances = [i for r in reservations for i in r.get("Instances", [])]
        wanted = [
            i
            for i in instances
            if is_standard_family(i["InstanceType"]) and (i.get("InstanceLifecycle") == "spot") == spot
        ]
        missing = sorted({i["InstanceType"] for i in wanted} - set(self._instance_types))
        if missing:
            self._instance_types.update(describe_instance_types(self.clients("ec2"), missing))
        usage = owned = 0
        for instance in wanted:
            vcpus = self._vcpus(instance["InstanceType"])
            usage += vcpus
            tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
            if self.cluster_name and tags.get("eks:cluster-name") == self.cluster_name:
                owned += vcpus
        return {"usage": usage, "usage_owned": owned}

    def on_demand_standard_vcpus(self):
        return self._standard_vcpus(spot=False)

    def spot_standard_vcpus(self):
        return self._standard_vcpus(spot=True)

    def rds_instances(self):
        instances = _paginate(self.clients("rds"), "describe_db_instances", "DBInstances")
        owned = [i for i in instances if tags_match(i.get("TagList"), self.owned_tags)]
        return {"usage": len(instances), "usage_owned": len(owned)}

    def eks_clusters(self):
        names = _paginate(self.clients("eks"), "list_clusters", "clusters")
        return {"usage": len(names), "usage_owned": int(bool(self.cluster_name) and self.cluster_name in names)}


def read_quotas(clients, quotas, owned_tags=None, cluster_name=""):
    """Value and usage of every quota in ``quotas`` (list of dicts as in the module options)."""
    counter = UsageCounter(clients, owned_tags, cluster_name)
    results = []
    for spec in quotas:
        entry = {"service_code": spec["service_code"], "quota_code": spec["quota_code"]}
        entry.update(quota_value(clients, spec["service_code"], spec["quota_code"]))
        entry.update(usage=None, usage_owned=None, usage_error=None)
        usage = spec.get("usage") or "none"
        if usage != "none":
            try:
                entry.update(counter.count(usage))
            except _boto_errors() as e:
                entry["usage_error"] = error_summary(e)
        results.append(entry)
    return results


def instance_type_facts(clients, instance_types, vm_memory_overhead_percent):
    """``{type: {vcpus, memory_mib, allocatable_cpu, ...}}``; unknown types get an ``error``."""
    wanted = sorted(set(instance_types))
    if not wanted:
        return {}
    try:
        found = describe_instance_types(clients("ec2"), wanted)
    except _boto_errors() as e:
        if error_code(e) == "InvalidInstanceType":
            found = {}
            for name in wanted:
                try:
                    found.update(describe_instance_types(clients("ec2"), [name]))
                except _boto_errors():
                    continue
        else:
            return {name: {"error": error_summary(e)} for name in wanted}
    facts = {}
    for name in wanted:
        if name in found:
            facts[name] = node_allocatable(found[name], vm_memory_overhead_percent)
        else:
            facts[name] = {"error": f"{name} is not an EC2 instance type offered in this region"}
    return facts

# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the read-only preflight modules (``service_quota_info``, ``iam_access_info``).

Preflight runs with whatever permissions the operator has, so every AWS error is a value to
report ("denied", "not found", "unavailable"), never a crash.
"""

from __future__ import annotations

import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

# Error codes AWS services use for "not allowed" (query, JSON and REST protocols).
ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedException",
        "Forbidden",
        "AuthorizationError",
        "AuthorizationErrorException",
        "OptInRequired",
    }
)

# On-Demand "Standard" vCPU quota (L-1216C47A) covers the A, C, D, H, I, M, R, T and Z families;
# a few families starting with those letters have their own quota.
_STANDARD_LETTERS = frozenset("acdhimrtz")
_OWN_QUOTA_PREFIXES = ("inf", "dl", "hpc", "trn", "mac")

# Only these operation prefixes may be used as permission probes: they never change anything.
READ_ONLY_PREFIXES = ("Describe", "List")
_OPERATION_RE = re.compile(r"^[A-Z][A-Za-z0-9]+$")


def error_code(exc) -> str:
    """The AWS error code of a botocore error ('' when there is none)."""
    response = getattr(exc, "response", None) or {}
    code = (response.get("Error") or {}).get("Code") or ""
    if not code:
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        code = str(status) if status else ""
    return code or type(exc).__name__


def http_status(exc):
    response = getattr(exc, "response", None) or {}
    return (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")


def is_access_denied(exc) -> bool:
    """True for an authorization failure (any protocol's code, or an HTTP 403)."""
    return error_code(exc) in ACCESS_DENIED_CODES or http_status(exc) == 403


def error_summary(exc, limit: int = 300) -> str:
    """``"<code>: <message>"``, one line, at most ``limit`` characters."""
    if type(exc).__name__ == "ResponseParserError":
        # The endpoint answered with something that is not an AWS response (an HTML error page
        # of a proxy, or an AWS-compatible endpoint without this API).
        status = re.search(r"<title>(\d{3}[^<]*)</title>", str(exc))
        return f"unparseable response from the endpoint ({status.group(1) if status else 'not an AWS API answer'})"
    response = getattr(exc, "response", None) or {}
    code = error_code(exc)
    message = (response.get("Error") or {}).get("Message") or str(exc)
    # An XML error body where the protocol expects JSON (seen from AWS-compatible endpoints):
    # take the code and message out of it instead of printing markup.
    xml = re.search(r"<Code>([^<]+)</Code>\s*<Message>([^<]*)</Message>", message)
    if xml:
        code, message = xml.group(1), xml.group(2)
    text = f"{code}: {' '.join(message.split())}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_standard_family(instance_type: str) -> bool:
    """Whether ``instance_type`` counts against the On-Demand Standard vCPU quota."""
    family = instance_type.split(".", 1)[0].lower()
    if not family or family.startswith(_OWN_QUOTA_PREFIXES) or family.startswith("u-"):
        return False
    return family[0] in _STANDARD_LETTERS


def tags_to_dict(tags) -> dict:
    """Boto3 ``[{'Key': k, 'Value': v}]`` (or a dict already) -> ``{k: v}``."""
    if isinstance(tags, dict):
        return dict(tags)
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in (tags or [])}


def tags_match(tags, wanted: dict) -> bool:
    """All ``wanted`` tags are present with the same values (an empty ``wanted`` matches nothing)."""
    if not wanted:
        return False
    have = tags_to_dict(tags)
    return all(have.get(k) == v for k, v in wanted.items())


def is_read_only_operation(operation: str) -> bool:
    return bool(_OPERATION_RE.match(operation or "")) and operation.startswith(READ_ONLY_PREFIXES)


def method_for_operation(client, operation: str):
    """The boto3 method name of API ``operation`` on ``client`` (None when the client lacks it)."""
    for method, api in client.meta.method_to_api_mapping.items():
        if api == operation:
            return method
    return None


# --------------------------------------------------------------------------- langsmith_preflight_info
# Each reader returns what the bundled *_info module of the same data would register (the preflight
# filters read those shapes), or ``{"failed": True, "msg": ...}`` when AWS refused: preflight is often
# run with too few permissions, and its table must still say what is missing.


def _failed(exc):
    return {"failed": True, "msg": error_summary(exc)}


def read_caller(clients, boto_errors):
    """amazon.aws.aws_caller_info: account, arn, user_id and account_alias."""
    try:
        identity = clients("sts").get_caller_identity(aws_retry=True)
    except boto_errors as e:
        return _failed(e)
    caller = camel_dict_to_snake_dict({k: v for k, v in identity.items() if k != "ResponseMetadata"})
    try:
        aliases = clients("iam").list_account_aliases(aws_retry=True).get("AccountAliases") or []
        caller["account_alias"] = aliases[0] if aliases else ""
    except boto_errors:
        caller["account_alias"] = ""
    return caller


def read_region(clients, boto_errors, region):
    """amazon.aws.aws_region_info filtered on ``region``: ``{regions: [...]}``."""
    try:
        regions = clients("ec2").describe_regions(
            aws_retry=True, AllRegions=True, Filters=[{"Name": "region-name", "Values": [region]}]
        )["Regions"]
    except boto_errors as e:
        return _failed(e)
    # The filter again here: not every endpoint honours it (the emulator returns every region).
    return {"regions": [camel_dict_to_snake_dict(r) for r in regions if r.get("RegionName") == region]}


def read_availability_zones(clients, boto_errors):
    """amazon.aws.aws_az_info (available zones of type availability-zone): ``{availability_zones: [...]}``."""
    try:
        zones = clients("ec2").describe_availability_zones(
            aws_retry=True,
            Filters=[
                {"Name": "state", "Values": ["available"]},
                {"Name": "zone-type", "Values": ["availability-zone"]},
            ],
        )["AvailabilityZones"]
    except boto_errors as e:
        return _failed(e)
    return {"availability_zones": [camel_dict_to_snake_dict(z) for z in zones]}


def read_hosted_zones(clients, boto_errors, name):
    """amazon.aws.route53_info (hosted_zone, list_by_name): the zones listed from ``name`` on."""
    try:
        answer = clients("route53").list_hosted_zones_by_name(aws_retry=True, DNSName=name, MaxItems="100")
    except boto_errors as e:
        return _failed(e)
    zones = []
    for zone in answer.get("HostedZones") or []:
        zones.append(
            {
                "id": zone["Id"],
                "name": zone["Name"],
                "caller_reference": zone.get("CallerReference", ""),
                "config": {
                    "comment": (zone.get("Config") or {}).get("Comment", ""),
                    "private_zone": bool((zone.get("Config") or {}).get("PrivateZone")),
                },
                "resource_record_set_count": zone.get("ResourceRecordSetCount"),
            }
        )
    return {"hosted_zones": zones}


def read_certificates(clients, boto_errors, certificate_arn="", statuses=("ISSUED",)):
    """community.aws.acm_certificate_info: ``certificate_arn``, or every certificate in ``statuses``."""
    acm = clients("acm")
    try:
        if certificate_arn:
            arns = [certificate_arn]
        else:
            arns = []
            for page in acm.get_paginator("list_certificates").paginate(CertificateStatuses=list(statuses)):
                arns.extend(c["CertificateArn"] for c in page.get("CertificateSummaryList") or [])
        certificates = []
        for arn in arns:
            try:
                described = acm.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
            except boto_errors as e:
                if error_code(e) == "ResourceNotFoundException" and certificate_arn:
                    continue
                raise
            certificates.append(camel_dict_to_snake_dict(described))
    except boto_errors as e:
        return _failed(e)
    return {"certificates": certificates}

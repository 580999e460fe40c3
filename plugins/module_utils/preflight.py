# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the read-only preflight modules (``service_quota_info``, ``iam_access_info``).

Preflight runs with whatever permissions the operator has, so every AWS error is a value to
report ("denied", "not found", "unavailable"), never a crash.
"""

from __future__ import annotations

import re

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

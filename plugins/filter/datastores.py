# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the datastores role: version and bucket-name checks, the blob bucket's policy and
lifecycle rules (pure Python, no AWS calls)."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import datastores as ds

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3")
VERSION = re.compile(r"^(\d+)(\.\d+){0,2}$")
# What LangSmith does with its blobs (read, write, delete payloads; multipart uploads).
OBJECT_ACTIONS = [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
]


def major_version(version, name):
    """``16`` / ``16.4`` -> 16; anything else raises with a message naming the variable."""
    text = str(version).strip()
    if not VERSION.match(text):
        raise AnsibleFilterError(f"{name}={version!r} is not a version number: use e.g. 16 or 16.4")
    return int(text.split(".", maxsplit=1)[0])


def engine_version_problems(version, name, minimum, example):
    """Messages for an engine version below ``minimum`` (empty when it is fine)."""
    try:
        major = major_version(version, name)
    except AnsibleFilterError as exc:
        return [str(exc)]
    if major < int(minimum):
        return [f"{name}={version} is below the supported minimum {minimum}: set {name}: {example}"]
    return []


def bucket_name_problems(name, variable="datastores_s3_bucket_name"):
    """Messages for an S3 bucket name LangSmith cannot use (empty when it is fine).

    Stricter than S3: no dots (virtual-hosted TLS certificates do not cover them).
    """
    name = str(name)
    problems = []
    if not BUCKET_NAME.match(name):
        problems.append(
            f"{variable}={name!r} is not a valid bucket name: use 3-63 lowercase letters, digits and hyphens, "
            "starting and ending with a letter or digit (no dots, no underscores, no capitals)"
        )
    if "--" in name.strip("-") and not problems:
        problems.append(f"{variable}={name!r}: avoid consecutive hyphens")
    if name.startswith(RESERVED_PREFIXES) or name.endswith(RESERVED_SUFFIXES):
        problems.append(f"{variable}={name!r} uses a prefix or suffix S3 reserves")
    try:
        ipaddress.ip_address(name)
        problems.append(f"{variable}={name!r} looks like an IP address")
    except ValueError:
        pass
    return problems


def blob_bucket_policy(bucket_arn, access_role_arn, vpc_endpoint_id=""):
    """Bucket policy: TLS only; object access only for the LangSmith IRSA role (and, with an S3
    gateway endpoint, only through it).

    Deny statements work before the role exists (they name it in a condition, not as a principal);
    the role's own identity policy grants the access.
    """
    if not bucket_arn or not access_role_arn:
        raise AnsibleFilterError("blob_bucket_policy needs the bucket ARN and the access role ARN")
    objects = f"{bucket_arn}/*"
    statements = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, objects],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "DenyObjectAccessToAnyoneButLangSmith",
            "Effect": "Deny",
            "Principal": "*",
            "Action": OBJECT_ACTIONS,
            "Resource": objects,
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": access_role_arn}},
        },
    ]
    if vpc_endpoint_id:
        statements.append(
            {
                "Sid": "DenyLangSmithOutsideTheVpcEndpoint",
                "Effect": "Deny",
                "Principal": "*",
                "Action": OBJECT_ACTIONS,
                "Resource": objects,
                "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": access_role_arn},
                    "StringNotEquals": {"aws:SourceVpce": vpc_endpoint_id},
                },
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def blob_lifecycle_rules(short_days, long_days, noncurrent_days, abort_multipart_days):
    """Lifecycle rules matching the chart's trace TTLs (ttl_s/, ttl_l/) plus version hygiene.

    Returned in the shape community.aws.s3_lifecycle takes, one rule per call.
    """
    values = {
        "datastores_s3_ttl_short_days": short_days,
        "datastores_s3_ttl_long_days": long_days,
        "datastores_s3_noncurrent_days": noncurrent_days,
        "datastores_s3_abort_multipart_days": abort_multipart_days,
    }
    for name, value in values.items():
        if int(value) < 1:
            raise AnsibleFilterError(f"{name}={value}: use a number of days >= 1")
    return [
        {"rule_id": "langsmith-ttl-short", "prefix": "ttl_s/", "expiration_days": int(short_days)},
        {"rule_id": "langsmith-ttl-long", "prefix": "ttl_l/", "expiration_days": int(long_days)},
        {
            "rule_id": "langsmith-noncurrent-versions",
            "prefix": "",
            "noncurrent_version_expiration_days": int(noncurrent_days),
            "abort_incomplete_multipart_upload_days": int(abort_multipart_days),
            "expire_object_delete_marker": True,
        },
    ]


def _first(items):
    return items[0] if items else {}


def datastores_changes(state, wanted):
    """Plan the datastores stage from langsmith_datastores_info (module_utils/datastores.py rules).

    ``wanted``: ``kms`` (description, enable_key_rotation, tags), ``db_subnet_group`` (description,
    subnet_ids, tags) and ``cache_subnet_group`` (description, subnet_ids). Returns, per part, its
    ``record`` (what exists, ``{}`` if nothing) and for the three planned kinds ``changes`` (reasons;
    empty = in sync), plus ``todo`` (the parts with changes).
    """
    state = state or {}
    plan = {
        "kms": {"record": _first(state.get("kms_keys"))},
        "db_subnet_group": {"record": _first(state.get("db_subnet_groups"))},
        "cache_subnet_group": {"record": _first(state.get("cache_subnet_groups"))},
        "postgres": {"record": _first(state.get("instances"))},
        "redis": {"record": _first(state.get("replication_groups"))},
        "bucket": {"record": _first(state.get("buckets"))},
    }
    plan["kms"]["changes"] = ds.kms_key_changes(plan["kms"]["record"], wanted["kms"])
    plan["db_subnet_group"]["changes"] = ds.db_subnet_group_changes(
        plan["db_subnet_group"]["record"], wanted["db_subnet_group"]
    )
    plan["cache_subnet_group"]["changes"] = ds.cache_subnet_group_changes(
        plan["cache_subnet_group"]["record"], wanted["cache_subnet_group"]
    )
    plan["todo"] = [
        f"{part} ({', '.join(plan[part]['changes'])})"
        for part in ("kms", "db_subnet_group", "cache_subnet_group")
        if plan[part]["changes"]
    ]
    return plan


def datastores_available(state):
    """``{'postgres': bool, 'redis': bool}`` from a read: available, or absent (nothing to wait for)."""
    return ds.available(state or {})


class FilterModule:
    def filters(self):
        return {
            "engine_version_problems": engine_version_problems,
            "major_version": major_version,
            "bucket_name_problems": bucket_name_problems,
            "blob_bucket_policy": blob_bucket_policy,
            "blob_lifecycle_rules": blob_lifecycle_rules,
            "datastores_changes": datastores_changes,
            "datastores_available": datastores_available,
        }

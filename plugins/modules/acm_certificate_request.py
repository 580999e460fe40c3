#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: acm_certificate_request
version_added: 0.1.0
short_description: Request a DNS-validated ACM certificate, find it again by tags, and wait until it is issued
description:
  - Requests a public certificate from AWS Certificate Manager for O(domain_name), validated through DNS,
    or finds the one an earlier run requested. A certificate is found again by its C(Name) tag
    (O(name_tag)), its domain name, its names (no other subject alternative names) and its key algorithm.
  - An V(ISSUED) certificate is preferred over one pending validation. Certificates in a final state
    (V(FAILED), V(VALIDATION_TIMED_OUT), V(REVOKED), V(EXPIRED), V(INACTIVE)) are never reused; a new
    certificate is requested instead, and the old one is left alone.
  - Returns the CNAME records that validate the certificate (RV(validation_records)); ACM fills them in a
    few seconds after the request, and the module waits for them before it returns.
  - With O(wait=true), waits until the certificate is V(ISSUED); ACM issues it once the validation records
    resolve publicly. The module fails with the records to create when the wait times out.
  - M(community.aws.acm_certificate) only imports certificates; this module fills that gap. It never deletes
    a certificate.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  domain_name:
    description: The fully qualified name to secure, e.g. V(langsmith.example.com) or V(*.example.com).
    type: str
    required: true
  key_algorithm:
    description: Key algorithm of the certificate. ALBs accept all of them.
    type: str
    choices: [RSA_2048, EC_prime256v1, EC_secp384r1]
    default: RSA_2048
  name_tag:
    description:
      - Value of the C(Name) tag that identifies the certificate (ACM allows several certificates for one
        name, so the tag is what makes the request idempotent).
    type: str
    required: true
  tags:
    description: Further tags. C(Name) is always O(name_tag).
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description: Remove tags that are neither in O(tags) nor C(Name).
    type: bool
    default: true
  wait:
    description: Wait until the certificate is V(ISSUED).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for V(ISSUED) with O(wait=true).
    type: int
    default: 1800
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether a certificate would be requested or retagged, without doing it.
  diff_mode:
    support: full
    description: Shows the certificate ARN, status and tags before and after.
notes:
  - Create the records of RV(validation_records) in the public hosted zone of the domain (e.g. with
    M(amazon.aws.route53)), then run the module again with O(wait=true).
"""

EXAMPLES = r"""
- name: Request (or find) the certificate
  langchain.langsmith_aws.acm_certificate_request:
    domain_name: langsmith.example.com
    name_tag: prod-langsmith-cert
    tags:
      langsmith:env: prod
  register: cert

- name: Create the validation records
  amazon.aws.route53:
    state: present
    hosted_zone_id: Z0123456789ABCDEFGHIJ
    record: "{{ item.name }}"
    type: "{{ item.type }}"
    value: "{{ item.value }}"
    ttl: 300
    overwrite: true
  loop: "{{ cert.validation_records }}"

- name: Wait until ACM has issued it
  langchain.langsmith_aws.acm_certificate_request:
    domain_name: langsmith.example.com
    name_tag: prod-langsmith-cert
    tags:
      langsmith:env: prod
    wait: true
    wait_timeout: 1800
"""

RETURN = r"""
certificate:
  description: The certificate after the run; empty when check mode would request a new one.
  returned: always
  type: dict
  contains:
    certificate_arn:
      description: Certificate ARN.
      type: str
      sample: arn:aws:acm:us-east-1:123456789012:certificate/0f4d5d4e-1b8a-4a5e-9c1e-0123456789ab
    domain_name:
      description: The name the certificate secures.
      type: str
      sample: langsmith.example.com
    subject_alternative_names:
      description: Every name on the certificate.
      type: list
      elements: str
      sample: [langsmith.example.com]
    status:
      description: ACM status.
      type: str
      sample: PENDING_VALIDATION
    key_algorithm:
      description: Key algorithm.
      type: str
      sample: RSA_2048
    not_after:
      description: End of validity (ISO 8601), once issued.
      type: str
      sample: "2027-11-27T20:42:58+00:00"
    tags:
      description: Tags of the certificate.
      type: dict
      sample: {Name: prod-langsmith-cert, "langsmith:env": prod}
  sample:
    certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0f4d5d4e-1b8a-4a5e-9c1e-0123456789ab
    domain_name: langsmith.example.com
    subject_alternative_names: [langsmith.example.com]
    status: ISSUED
    key_algorithm: RSA_2048
    not_after: "2027-11-27T20:42:58+00:00"
    tags: {Name: prod-langsmith-cert}
validation_records:
  description: The distinct DNS records that validate the certificate (one per name, wildcards share theirs).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Record name, without the trailing dot.
      type: str
      sample: _3639ac514e785e898d2646601fa951d5.langsmith.example.com
    type:
      description: Record type.
      type: str
      sample: CNAME
    value:
      description: Record value, without the trailing dot.
      type: str
      sample: _98d2646601fa951d53639ac514e785e8.mhbtsbpdnt.acm-validations.aws
  sample:
    - name: _3639ac514e785e898d2646601fa951d5.langsmith.example.com
      type: CNAME
      value: _98d2646601fa951d53639ac514e785e8.mhbtsbpdnt.acm-validations.aws
requested:
  description: Whether this run requested a new certificate (or would, in check mode).
  returned: always
  type: bool
  sample: false
updates:
  description: What changed, or would change in check mode.
  returned: always
  type: list
  elements: str
  sample: ["request certificate for langsmith.example.com", "tags: set langsmith:env"]
"""

import hashlib
import time

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # handled by AnsibleAWSModule
    BotoCoreError = ClientError = None

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

# Seconds between polls (tests set it to 0).
POLL_DELAY = 5
# How long ACM may take to fill in the validation records after a request.
RECORDS_TIMEOUT = 120
# Statuses a certificate can still be (or become) useful in; the others are final failures.
USABLE_STATUSES = ["ISSUED", "PENDING_VALIDATION"]
FINAL_FAILURES = ["FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE"]
# ListCertificates returns RSA_2048 certificates only unless asked for the other key types.
KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]


def idempotency_token(name_tag, domain_name, key_algorithm, failed_arns=()):
    """ACM returns the same certificate for a repeated token within an hour (a retried request).

    The ARNs of failed certificates for the domain are part of it: after a failure (e.g. a CAA
    record), the next request must be a new one, not the failed certificate again.
    """
    seed = "|".join([name_tag, domain_name, key_algorithm, *sorted(failed_arns)])
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def validation_records(certificate):
    """Distinct ``{name, type, value}`` records from DomainValidationOptions (trailing dots removed)."""
    records = {}
    for option in certificate.get("DomainValidationOptions") or []:
        record = option.get("ResourceRecord")
        if not record:
            continue
        name = record["Name"].rstrip(".")
        records[name] = {"name": name, "type": record["Type"], "value": record["Value"].rstrip(".")}
    return [records[name] for name in sorted(records)]


def records_pending(certificate):
    """True while ACM has not yet filled in a DNS record for every name of a DNS-validated certificate."""
    options = certificate.get("DomainValidationOptions") or []
    if certificate.get("Status") != "PENDING_VALIDATION":
        return False
    return not options or any(not option.get("ResourceRecord") for option in options)


def result_view(certificate, tags):
    if not certificate:
        return {}
    view = {
        "certificate_arn": certificate["CertificateArn"],
        "domain_name": certificate.get("DomainName"),
        "subject_alternative_names": certificate.get("SubjectAlternativeNames") or [],
        "status": certificate.get("Status"),
        "key_algorithm": certificate.get("KeyAlgorithm"),
        "tags": tags,
    }
    if certificate.get("NotAfter"):
        view["not_after"] = certificate["NotAfter"].isoformat()
    return view


class CertificateRequest:
    def __init__(self, module):
        self.module = module
        self.client = module.client("acm", retry_decorator=AWSRetry.jittered_backoff())
        self.params = module.params
        self.failed_arns = []

    def describe(self, arn):
        try:
            return self.client.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except (BotoCoreError, ClientError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Failed to describe certificate {arn}")

    def tags(self, arn):
        try:
            return boto3_tag_list_to_ansible_dict(
                self.client.list_tags_for_certificate(aws_retry=True, CertificateArn=arn).get("Tags") or []
            )
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except (BotoCoreError, ClientError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Failed to list the tags of certificate {arn}")

    def find(self):
        """The best matching certificate (ISSUED before PENDING_VALIDATION, newest first) and its tags.

        Also remembers the ARNs of failed certificates for the domain (see idempotency_token).
        """
        domain = self.params["domain_name"]
        try:
            paginator = self.client.get_paginator("list_certificates")
            summaries = (
                paginator.paginate(
                    CertificateStatuses=USABLE_STATUSES + FINAL_FAILURES, Includes={"keyTypes": KEY_TYPES}
                )
                .build_full_result()
                .get("CertificateSummaryList", [])
            )
        except (BotoCoreError, ClientError) as e:
            self.module.fail_json_aws(e, msg="Failed to list ACM certificates")
        summaries = [s for s in summaries if s.get("DomainName") == domain]
        self.failed_arns = [s["CertificateArn"] for s in summaries if s.get("Status") in FINAL_FAILURES]
        matches = []
        for summary in summaries:
            if summary.get("Status") in FINAL_FAILURES:
                continue
            certificate = self.describe(summary["CertificateArn"])
            if not certificate or certificate.get("Type") != "AMAZON_ISSUED":
                continue
            if certificate.get("Status") not in USABLE_STATUSES:
                continue
            if sorted(set(certificate.get("SubjectAlternativeNames") or [domain])) != [domain]:
                continue
            if certificate.get("KeyAlgorithm", "RSA_2048").replace("-", "_") != self.params["key_algorithm"]:
                continue
            tags = self.tags(certificate["CertificateArn"])
            if tags is None or tags.get("Name") != self.params["name_tag"]:
                continue
            matches.append((certificate, tags))
        matches.sort(
            key=lambda m: (m[0].get("Status") == "ISSUED", str(m[0].get("CreatedAt") or "")),
            reverse=True,
        )
        return matches[0] if matches else (None, None)

    def request(self, tags):
        params = {
            "DomainName": self.params["domain_name"],
            "ValidationMethod": "DNS",
            "KeyAlgorithm": self.params["key_algorithm"],
            "IdempotencyToken": idempotency_token(
                self.params["name_tag"], self.params["domain_name"], self.params["key_algorithm"], self.failed_arns
            ),
            "Tags": ansible_dict_to_boto3_tag_list(tags),
        }
        try:
            return self.client.request_certificate(aws_retry=True, **params)["CertificateArn"]
        except (BotoCoreError, ClientError) as e:
            self.module.fail_json_aws(e, msg=f"Failed to request a certificate for {self.params['domain_name']}")

    def retag(self, arn, current, wanted):
        to_add, to_remove = compare_aws_tags(current, wanted, purge_tags=self.params["purge_tags"])
        updates = [f"tags: set {key}" for key in sorted(to_add)] + [f"tags: remove {key}" for key in sorted(to_remove)]
        if self.module.check_mode:
            return updates
        try:
            if to_remove:
                self.client.remove_tags_from_certificate(
                    aws_retry=True, CertificateArn=arn, Tags=[{"Key": key, "Value": current[key]} for key in to_remove]
                )
            if to_add:
                self.client.add_tags_to_certificate(
                    aws_retry=True, CertificateArn=arn, Tags=ansible_dict_to_boto3_tag_list(to_add)
                )
        except (BotoCoreError, ClientError) as e:
            self.module.fail_json_aws(e, msg=f"Failed to update the tags of certificate {arn}")
        return updates

    def poll(self, arn, done, timeout, what):
        """Describe ``arn`` until ``done(certificate)``; fail with ``what`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            certificate = self.describe(arn)
            if certificate is None:
                self.module.fail_json(msg=f"Certificate {arn} disappeared while waiting for {what}")
            if done(certificate):
                return certificate
            if time.monotonic() >= deadline:
                return certificate
            time.sleep(POLL_DELAY)

    def wait_issued(self, certificate):
        arn = certificate["CertificateArn"]
        certificate = self.poll(
            arn,
            lambda c: c.get("Status") != "PENDING_VALIDATION",
            self.params["wait_timeout"],
            "validation",
        )
        status = certificate.get("Status")
        if status == "ISSUED":
            return certificate
        records = ", ".join(f"{r['name']} {r['type']} {r['value']}" for r in validation_records(certificate))
        if status == "PENDING_VALIDATION":
            self.module.fail_json(
                msg=(
                    f"Certificate {arn} for {certificate.get('DomainName')} is still PENDING_VALIDATION after "
                    f"{self.params['wait_timeout']}s. ACM issues it once these records resolve in public DNS: "
                    f"{records}. Check that they exist in the domain's public hosted zone and that the zone "
                    "is delegated from the registrar (dig NS <zone>), then run again."
                ),
                certificate=result_view(certificate, self.tags(arn) or {}),
                validation_records=validation_records(certificate),
            )
        self.module.fail_json(
            msg=(
                f"Certificate {arn} for {certificate.get('DomainName')} is {status}"
                f" ({certificate.get('FailureReason', 'no reason given')}); ACM will not issue it. "
                "Fix the cause (e.g. a CAA record that does not allow amazon.com), then run again: "
                "a new certificate is requested."
            ),
            certificate=result_view(certificate, self.tags(arn) or {}),
        )


def main():
    module = AnsibleAWSModule(
        argument_spec={
            "domain_name": {"type": "str", "required": True},
            "key_algorithm": {
                "type": "str",
                "choices": ["RSA_2048", "EC_prime256v1", "EC_secp384r1"],
                "default": "RSA_2048",
            },
            "name_tag": {"type": "str", "required": True},
            "tags": {"type": "dict", "aliases": ["resource_tags"]},
            "purge_tags": {"type": "bool", "default": True},
            "wait": {"type": "bool", "default": False},
            "wait_timeout": {"type": "int", "default": 1800},
        },
        supports_check_mode=True,
    )
    p = module.params
    wanted_tags = {**(p["tags"] or {}), "Name": p["name_tag"]}
    manager = CertificateRequest(module)
    updates = []

    certificate, tags = manager.find()
    before = result_view(certificate, tags)
    requested = certificate is None
    if requested:
        updates.append(f"request certificate for {p['domain_name']}")
        if module.check_mode:
            result = {
                "changed": True,
                "requested": True,
                "updates": updates,
                "certificate": {},
                "validation_records": [],
            }
            if module._diff:
                result["diff"] = {"before": {}, "after": {"domain_name": p["domain_name"], "tags": wanted_tags}}
            module.exit_json(**result)
        arn = manager.request(wanted_tags)
        certificate = manager.poll(arn, lambda c: not records_pending(c), RECORDS_TIMEOUT, "its validation records")
        tags = wanted_tags
    else:
        updates += manager.retag(certificate["CertificateArn"], tags, wanted_tags)
        if updates and not module.check_mode:
            tags = manager.tags(certificate["CertificateArn"]) or {}
        if records_pending(certificate):
            certificate = manager.poll(
                certificate["CertificateArn"],
                lambda c: not records_pending(c),
                RECORDS_TIMEOUT,
                "its validation records",
            )

    if p["wait"] and not module.check_mode and certificate.get("Status") != "ISSUED":
        certificate = manager.wait_issued(certificate)

    if module.check_mode:
        tags = wanted_tags if p["purge_tags"] else {**tags, **wanted_tags}
    after = result_view(certificate, tags)
    result = {
        "changed": bool(updates),
        "requested": requested,
        "updates": updates,
        "certificate": after,
        "validation_records": validation_records(certificate),
    }
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()

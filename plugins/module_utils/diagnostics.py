# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Core of the ``langsmith_diagnostics`` evidence bundle: findings, collectors, the archive.

* ``SECTIONS``: the TROUBLESHOOTING.md sections a finding can point to (anchor -> heading).
  A unit test keeps this table and the document's headings in step.
* ``finding()``: one finding (id, severity, title, detail, resource, section, doc link).
* ``Evidence``: what one collector gathers (data, findings, non-fatal errors, or a skip reason).
* ``Bundle``: the staging directory; every JSON or text file written through it is redacted.
* ``Runner``: runs collectors one by one; an exception in one is recorded and never stops the
  others; builds ``summary.json``.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import stat
import tempfile
import zipfile

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.redact import Redactor

SUMMARY_SCHEMA_VERSION = 1
DOC = "TROUBLESHOOTING.md"

# anchor -> heading text in TROUBLESHOOTING.md (GitHub turns the heading into the anchor)
SECTIONS = {
    "gather-evidence-first": "Gather evidence first",
    "ui-not-reachable": "UI not reachable",
    "pods-in-crashloopbackoff": "Pods in CrashLoopBackOff",
    "first-trace-fails": "First trace fails",
    "alb-targets-unhealthy": "ALB targets unhealthy",
    "postgresql-connectivity": "PostgreSQL connectivity",
    "redis-connectivity": "Redis connectivity",
    "clickhouse-oomkilled": "ClickHouse OOMKilled",
    "clickhouse-disk-and-io": "ClickHouse disk and I/O",
    "clickhouse-data-not-persistent": "ClickHouse data not persistent",
    "pods-pending": "Pods Pending",
    "tls-and-certificates": "TLS and certificates",
    "eks-cluster-and-node-groups": "EKS cluster and node groups",
    "it-worked-yesterday": "It worked yesterday",
    "what-to-include-in-a-support-request": "What to include in a support request",
}

SEVERITIES = ("critical", "warning", "info")

# Every finding id the collectors can emit -> the TROUBLESHOOTING.md section(s) it points to.
# finding() refuses anything else, and a unit test checks each id is documented in its sections.
_ALB_TARGET_STATES = ("unhealthy", "unavailable", "unused", "draining", "initial", "unhealthy-draining", "other")
_ACM_STATUSES = ("pending-validation", "inactive", "expired", "validation-timed-out", "revoked", "failed", "other")
FINDINGS = {
    "diagnostics-collectors-failed": ("gather-evidence-first",),
    "diagnostics-script-checksum-mismatch": ("gather-evidence-first",),
    "k8s-no-ingress": ("ui-not-reachable",),
    "k8s-ingress-no-address": ("ui-not-reachable",),
    "k8s-ingress-class": ("ui-not-reachable",),
    "k8s-ingress-host-mismatch": ("ui-not-reachable",),
    "k8s-no-pods": ("ui-not-reachable",),
    "alb-not-found": ("ui-not-reachable",),
    "alb-state-failed": ("ui-not-reachable",),
    "alb-state-active-impaired": ("ui-not-reachable",),
    "alb-provisioning": ("ui-not-reachable",),
    "k8s-crashloopbackoff": ("pods-in-crashloopbackoff",),
    "k8s-container-config-error": ("pods-in-crashloopbackoff",),
    "k8s-image-pull": ("pods-in-crashloopbackoff",),
    "k8s-container-restarts": ("pods-in-crashloopbackoff",),
    "k8s-container-oomkilled": ("pods-in-crashloopbackoff",),
    "k8s-externalsecret-not-ready": ("pods-in-crashloopbackoff",),
    "alb-no-healthy-targets": ("alb-targets-unhealthy",),
    "k8s-no-targetgroupbinding": ("alb-targets-unhealthy",),
    "rds-not-found": ("postgresql-connectivity",),
    "rds-not-available": ("postgresql-connectivity",),
    "rds-recent-event": ("postgresql-connectivity",),
    "rds-ca-expiring": ("postgresql-connectivity",),
    "sg-nodes-unknown": ("postgresql-connectivity", "redis-connectivity"),
    "sg-postgres-closed": ("postgresql-connectivity",),
    "sg-postgres-cidr-only": ("postgresql-connectivity",),
    "sg-postgres-unknown": ("postgresql-connectivity",),
    "elasticache-not-found": ("redis-connectivity",),
    "elasticache-not-available": ("redis-connectivity",),
    "elasticache-node-not-available": ("redis-connectivity",),
    "elasticache-recent-event": ("redis-connectivity",),
    "sg-redis-closed": ("redis-connectivity",),
    "sg-redis-cidr-only": ("redis-connectivity",),
    "sg-redis-unknown": ("redis-connectivity",),
    "clickhouse-oomkilled": ("clickhouse-oomkilled",),
    "clickhouse-no-persistent-volume": ("clickhouse-data-not-persistent",),
    "k8s-pvc-not-bound": ("pods-pending", "clickhouse-data-not-persistent"),
    "k8s-pod-unschedulable": ("pods-pending",),
    "k8s-node-not-ready": ("pods-pending",),
    "k8s-node-pressure": ("pods-pending",),
    "k8s-no-default-storageclass": ("pods-pending",),
    "eks-no-node-groups": ("pods-pending",),
    "eks-nodegroup-at-max": ("pods-pending",),
    "alb-no-https-listener": ("tls-and-certificates",),
    "acm-certificate-expiring": ("tls-and-certificates",),
    "acm-hostname-not-covered": ("tls-and-certificates",),
    "acm-no-certificate": ("tls-and-certificates",),
    "eks-cluster-not-found": ("eks-cluster-and-node-groups",),
    "eks-cluster-not-active": ("eks-cluster-and-node-groups",),
    "eks-cluster-health-issue": ("eks-cluster-and-node-groups",),
    "eks-nodegroup-degraded": ("eks-cluster-and-node-groups",),
    "eks-nodegroup-changing": ("eks-cluster-and-node-groups",),
    "eks-nodegroup-health-issue": ("eks-cluster-and-node-groups",),
    "eks-nodegroup-version-skew": ("eks-cluster-and-node-groups",),
    "rds-parameters-pending-reboot": ("it-worked-yesterday",),
    "rds-pending-modifications": ("it-worked-yesterday",),
}
FINDINGS.update({f"alb-target-{state}": ("alb-targets-unhealthy",) for state in _ALB_TARGET_STATES})
FINDINGS.update({f"acm-certificate-{status}": ("tls-and-certificates",) for status in _ACM_STATUSES})


def finding_id(prefix: str, value: str) -> str:
    """``<prefix>-<value>`` normalised, or ``<prefix>-other`` for a value the catalog does not know."""
    fid = prefix + "-" + str(value).lower().replace("_", "-").replace(".", "-")
    return fid if fid in FINDINGS else prefix + "-other"


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def finding(fid, severity, title, detail="", section="gather-evidence-first", resource=None) -> dict:  # noqa: PLR0917
    """One finding; ``fid`` must be in ``FINDINGS`` and ``section`` one of its sections."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    if section not in FINDINGS.get(fid, ()):
        raise ValueError(f"finding {fid!r} is not catalogued for TROUBLESHOOTING.md section {section!r}")
    return {
        "id": fid,
        "severity": severity,
        "title": title,
        "detail": detail,
        "resource": resource,
        "section": section,
        "doc": f"{DOC}#{section}",
    }


def sort_findings(findings: list) -> list:
    """Most severe first; stable within a severity (collector order)."""
    return sorted(findings, key=lambda f: SEVERITIES.index(f["severity"]))


def jsonable(value):
    """boto3/Kubernetes data -> JSON-safe values (datetimes as ISO 8601, bytes dropped)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def describe_error(exc: BaseException) -> str:
    """A one-line description of an exception (AWS error code and message when there is one)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        operation = getattr(exc, "operation_name", "")
        prefix = f"{operation}: " if operation else ""
        return f"{prefix}{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text


class CollectorSkipped(Exception):
    """Raised by a collector that has nothing to collect (the reason is recorded, not an error)."""


class Evidence:
    """What one collector gathered."""

    def __init__(self, name: str):
        self.name = name
        self.data = {}
        self.findings = []
        self.errors = []

    def find(self, *args, **kwargs) -> None:
        self.findings.append(finding(*args, **kwargs))

    def error(self, what: str, exc: BaseException) -> None:
        """A non-fatal error: the collector goes on, and its status becomes ``partial``."""
        self.errors.append(f"{what}: {describe_error(exc)}")


class Bundle:
    """The staging directory of one bundle. Everything written through it is redacted."""

    def __init__(self, root: str):
        self.root = root
        self.redactor = Redactor()
        self.files = []
        os.makedirs(root, mode=0o700, exist_ok=True)

    def path(self, relpath: str) -> str:
        full = os.path.normpath(os.path.join(self.root, relpath))
        if not full.startswith(self.root + os.sep):
            raise ValueError(f"refusing to write outside the bundle: {relpath}")
        os.makedirs(os.path.dirname(full), mode=0o700, exist_ok=True)
        return full

    def write_json(self, relpath: str, value) -> str:
        with open(self.path(relpath), "w", encoding="utf-8") as handle:
            json.dump(self.redactor.obj(jsonable(value)), handle, indent=2, sort_keys=False, default=str)
            handle.write("\n")
        self.files.append(relpath)
        return relpath

    def write_text(self, relpath: str, text: str, redact: bool = True) -> str:
        with open(self.path(relpath), "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(self.redactor.text(text) if redact else text)
        self.files.append(relpath)
        return relpath

    def add_file(self, source: str, relpath: str, redact: bool = True) -> str:
        """Copy ``source`` in; text files are redacted, binary files are copied as they are."""
        with open(source, "rb") as handle:
            raw = handle.read()
        if b"\0" in raw[:8192]:
            target = self.path(relpath)
            with open(target, "wb") as out:
                out.write(raw)
            self.files.append(relpath)
            return relpath
        return self.write_text(relpath, raw.decode("utf-8", errors="surrogateescape"), redact=redact)

    def archive(self, dest_dir: str, base_name: str) -> str:
        """Zip the staging directory to ``dest_dir/<base_name>.zip`` (mode 0600), atomically."""
        os.makedirs(dest_dir, mode=0o700, exist_ok=True)
        target = os.path.join(dest_dir, base_name + ".zip")
        suffix = 1
        while os.path.exists(target):
            suffix += 1
            target = os.path.join(dest_dir, f"{base_name}-{suffix}.zip")
        fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".partial-", suffix=".zip")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for folder, dirs, files in os.walk(self.root):
                    dirs.sort()
                    for name in sorted(files):
                        full = os.path.join(folder, name)
                        rel = os.path.relpath(full, self.root)
                        archive.write(full, os.path.join(base_name, rel))
            os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target


class Runner:
    """Runs collectors in order, isolating failures, and builds the summary."""

    def __init__(self, bundle: Bundle):
        self.bundle = bundle
        self.collectors = []
        self.findings = []
        self.facts = {}

    def run(self, name: str, relpath, func, *args) -> Evidence:
        """Run ``func(evidence, *args)``; whatever it raises is recorded, never propagated."""
        evidence = Evidence(name)
        record = {"name": name, "status": "ok", "file": None, "errors": [], "reason": None}
        try:
            func(evidence, *args)
        except CollectorSkipped as exc:
            record["status"] = "skipped"
            record["reason"] = str(exc)
        except Exception as exc:  # one collector failing must never abort the others
            record["status"] = "failed"
            evidence.errors.append(describe_error(exc))
        if record["status"] == "ok" and evidence.errors:
            record["status"] = "partial"
        record["errors"] = [self.bundle.redactor.text(e) for e in evidence.errors]
        if evidence.data and relpath:
            try:
                record["file"] = self.bundle.write_json(relpath, evidence.data)
            except Exception as exc:
                record["errors"].append(f"writing {relpath}: {describe_error(exc)}")
                record["status"] = "partial" if record["status"] == "ok" else record["status"]
        self.collectors.append(record)
        self.findings.extend(evidence.findings)
        return evidence

    def skip(self, name: str, reason: str) -> None:
        self.collectors.append({"name": name, "status": "skipped", "file": None, "errors": [], "reason": reason})

    def summary(self, meta: dict) -> dict:
        findings = self.bundle.redactor.obj(sort_findings(self.findings))
        failed = [c["name"] for c in self.collectors if c["status"] == "failed"]
        if failed:
            findings.append(
                finding(
                    "diagnostics-collectors-failed",
                    "info",
                    "Some evidence could not be collected: " + ", ".join(failed),
                    "See collectors[].errors in summary.json; the other collectors ran normally.",
                    "gather-evidence-first",
                )
            )
        counts = {sev: sum(1 for f in findings if f["severity"] == sev) for sev in SEVERITIES}
        summary = {
            "schema_version": SUMMARY_SCHEMA_VERSION,
            "generated_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "generator": "langchain.langsmith_aws.langsmith_diagnostics",
        }
        summary.update(meta)
        summary.update(
            {
                "counts": counts,
                "findings": findings,
                "collectors": self.collectors,
                "redaction": {
                    "replacements": self.bundle.redactor.count,
                    "note": "Best effort: review the bundle before sharing it.",
                },
                "files": [*sorted(self.bundle.files), "summary.json"],
            }
        )
        return summary


def make_workdir(prefix: str = "langsmith-diagnostics-") -> str:
    return tempfile.mkdtemp(prefix=prefix)


def remove_tree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)

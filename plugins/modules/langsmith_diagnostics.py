#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: langsmith_diagnostics
version_added: 0.1.0
short_description: Collect a redacted evidence bundle for a LangSmith Self-Hosted deployment on AWS
description:
  - Runs the official LangSmith Kubernetes debugging script (C(get_k8s_debugging_info.sh) from the
    langchain-ai/helm repository), fetched at run time from a pinned chart tag or read from a local
    path, verified against an expected sha256 when one is given. The collection ships no copy of it.
  - Adds what the script does not collect. Kubernetes Ingresses, PersistentVolumeClaims,
    ExternalSecrets, TargetGroupBindings, pods, nodes and StorageClasses (with C(kubectl get -o json)).
  - Adds the AWS side. EKS cluster and node-group health and issues, ALB listeners and target health
    with reason codes, RDS and ElastiCache status and recent events, the security-group rules between
    the EKS nodes and the data stores, ACM certificate status.
  - Writes one zip archive with a C(summary.json) whose findings point to sections of TROUBLESHOOTING.md.
  - Everything the module collects itself is redacted of secrets (passwords, tokens, connection strings
    with credentials, AUTH tokens, license keys). With O(redact=true) the script's own files are
    scrubbed again after the script's C(--redact) pass. Redaction is best effort; review before sharing.
  - Each collector is isolated. One that fails is recorded in C(summary.json) and never stops the others.
  - The module only reads. It creates nothing in AWS or Kubernetes and never reads Kubernetes Secrets.
  - In check mode it collects nothing and reports which collectors would run.
options:
  dest:
    description: Directory the archive is written to (created with mode 0700; the archive gets 0600).
    type: path
    required: true
  label:
    description: Name part of the archive, C(langsmith-diagnostics-<label>-<UTC timestamp>.zip).
    type: str
    default: langsmith
  namespace:
    description: Kubernetes namespace of the LangSmith release.
    type: str
    default: langsmith
  collect_kubernetes:
    description:
      - Collect Kubernetes evidence (the official script and the extra objects).
      - Needs C(kubectl) and a reachable API server.
    type: bool
    default: true
  kubeconfig:
    description: Kubeconfig for C(kubectl) and the script. Unset uses C(KUBECONFIG) or C(~/.kube/config).
    type: path
  run_script:
    description: Run the official debugging script (with O(collect_kubernetes=true)).
    type: bool
    default: true
  script_ref:
    description:
      - Git ref of langchain-ai/helm to fetch the script from, normally a chart tag such as
        C(langsmith-0.16.11). Builds the raw.githubusercontent.com URL.
      - One of O(script_ref), O(script_url) or O(script_path) is needed to run the script.
    type: str
  script_url:
    description: Full URL of the script (https, or http on a loopback address only).
    type: str
  script_path:
    description: Local copy of the script, for air-gapped sites.
    type: path
  script_sha256:
    description:
      - Expected sha256 of the script. A mismatch means the script is not run (recorded as a failed
        collector and a critical finding).
      - Empty does not run the script (a failed collector whose error prints the sha256 to pin), unless
        O(allow_unverified_script=true).
    type: str
    default: ""
  allow_unverified_script:
    description:
      - Run the script without O(script_sha256), with a warning that prints its sha256 so it can be pinned.
    type: bool
    default: false
    version_added: 0.2.0
  script_timeout:
    description: Seconds the script may run (enforced with C(timeout) when that tool is available).
    type: int
    default: 900
  redact:
    description:
      - Pass C(--redact) to the script and scrub its files again. With C(false) the script's files are
        kept as the script wrote them. The module's own evidence is always redacted.
    type: bool
    default: true
  redact_strict:
    description: Pass C(--redact-strict) (only script revisions that know the flag accept it).
    type: bool
    default: false
  exclude_logs:
    description: Pass C(--exclude-logs) (no pod logs).
    type: bool
    default: false
  exclude_describe:
    description: Pass C(--exclude-describe) (no C(kubectl describe) output).
    type: bool
    default: false
  pod_selector:
    description: Pass C(--pod-selector) to restrict describe and log collection to matching pods.
    type: str
  collect_aws:
    description: Collect the AWS evidence.
    type: bool
    default: true
  cluster_name:
    description: EKS cluster name. ALBs are found by the controller's C(elbv2.k8s.aws/cluster) tag.
    type: str
  load_balancer_arns:
    description: Extra ALBs to inspect (ARNs or names).
    type: list
    elements: str
    default: []
  db_instance_identifiers:
    description: RDS instance identifiers to inspect. Missing ones become findings.
    type: list
    elements: str
    default: []
  replication_group_ids:
    description: ElastiCache replication group ids to inspect. Missing ones become findings.
    type: list
    elements: str
    default: []
  tags:
    description:
      - Tags identifying this environment's resources (for example C(langsmith:env)).
      - PostgreSQL RDS instances and replication groups carrying all of them are inspected too.
        Security groups given by name must carry them.
    type: dict
    default: {}
  nodes_security_groups:
    description:
      - Security groups of the EKS nodes (ids or names). The EKS cluster security group is added.
    type: list
    elements: str
    default: []
  data_security_groups:
    description:
      - Security groups of the data stores (ids or names). Used when the security groups attached to an
        RDS instance or a replication group cannot be read.
    type: list
    elements: str
    default: []
  hostname:
    description: Public hostname of LangSmith; certificates covering it are inspected.
    type: str
  certificate_arns:
    description: Extra ACM certificates to inspect.
    type: list
    elements: str
    default: []
  event_hours:
    description: How many hours of RDS and ElastiCache events to collect (1 to 336).
    type: int
    default: 24
notes:
  - Runs where C(kubectl) and the AWS credentials are, normally the controller (C(localhost)).
  - The script needs bash 4+, C(kubectl) and C(jq); C(helm) and C(zip) are optional.
  - The archive holds pod logs unless O(exclude_logs=true). Treat it as confidential.
seealso:
  - name: Official debugging script
    description: get_k8s_debugging_info.sh in the LangSmith Helm chart repository.
    link: https://github.com/langchain-ai/helm/tree/main/charts/langsmith/scripts
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Collects nothing (no download, no kubectl, no AWS call) and returns the collectors that would run.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
"""

EXAMPLES = r"""
- name: Collect a bundle for the prod environment
  langchain.langsmith_aws.langsmith_diagnostics:
    dest: "{{ langsmith_artifacts_dir }}/diagnostics"
    label: prod
    namespace: langsmith
    kubeconfig: "{{ langsmith_artifacts_dir }}/kubeconfig"
    script_ref: langsmith-0.16.11
    script_sha256: "{{ diagnostics_script_sha256 }}"
    cluster_name: prod-langsmith
    db_instance_identifiers: [prod-langsmith-postgres]
    replication_group_ids: [prod-langsmith-redis]
    nodes_security_groups: [prod-langsmith-nodes]
    data_security_groups: [prod-langsmith-data]
    tags:
      "langsmith:env": prod
    hostname: langsmith.example.com
  register: bundle

- name: Air-gapped site, script copied in by hand, logs left out
  langchain.langsmith_aws.langsmith_diagnostics:
    dest: /var/tmp/langsmith-diagnostics
    script_path: /opt/langsmith/get_k8s_debugging_info.sh
    script_sha256: "{{ expected_sha256 }}"
    exclude_logs: true
    collect_aws: false

- name: AWS evidence only (no cluster access)
  langchain.langsmith_aws.langsmith_diagnostics:
    dest: /tmp/diag
    collect_kubernetes: false
    cluster_name: dev-langsmith
    tags:
      "langsmith:env": dev
"""

RETURN = r"""
archive:
  description: Path of the zip archive (null in check mode).
  returned: always
  type: str
  sample: /home/ops/langsmith/artifacts/prod/diagnostics/langsmith-diagnostics-prod-20260901T101500Z.zip
counts:
  description: Number of findings per severity.
  returned: always
  type: dict
  sample: {"critical": 1, "warning": 2, "info": 0}
findings:
  description: Findings, most severe first (also in summary.json).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Stable finding id.
      type: str
      sample: sg-postgres-closed
    severity:
      description: critical, warning or info.
      type: str
      sample: critical
    title:
      description: One line.
      type: str
      sample: PostgreSQL port 5432 is not open from the nodes security group (prod-langsmith-postgres)
    detail:
      description: What it means and how to fix it.
      type: str
      sample: None of sg-0123 admits tcp/5432 from sg-0456.
    resource:
      description: The resource concerned, when there is one.
      type: str
      sample: prod-langsmith-postgres
    section:
      description: Anchor of the TROUBLESHOOTING.md section.
      type: str
      sample: postgresql-connectivity
    doc:
      description: Link to the section.
      type: str
      sample: TROUBLESHOOTING.md#postgresql-connectivity
collectors:
  description: One entry per collector with its status (ok, partial, failed, skipped), file and errors.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "eks", "status": "ok", "file": "aws/eks.json", "errors": [], "reason": null}]
script:
  description: What happened with the official script (source, sha256, verification, flags, exit code).
  returned: when O(collect_kubernetes=true) and O(run_script=true)
  type: dict
  sample: {"source": "https://raw.githubusercontent.com/...", "sha256": "9f2c...", "verified": true, "exit_code": 0}
summary:
  description: The content of summary.json.
  returned: success and not check mode
  type: dict
  sample: {"schema_version": 1, "counts": {"critical": 0, "warning": 0, "info": 0}}
"""

# Ansible modules document themselves before their imports (ansible-test validate-modules).
import os
import re

from ansible.module_utils.urls import open_url
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import (
    diagnostics,
    diagnostics_aws,
    diagnostics_k8s,
    diagnostics_script,
)

LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")

AWS_COLLECTORS = [
    ("aws_eks", "aws/eks.json", diagnostics_aws.collect_eks),
    ("aws_elbv2", "aws/elbv2.json", diagnostics_aws.collect_elbv2),
    ("aws_rds", "aws/rds.json", diagnostics_aws.collect_rds),
    ("aws_elasticache", "aws/elasticache.json", diagnostics_aws.collect_elasticache),
    ("aws_security_groups", "aws/security-groups.json", diagnostics_aws.collect_security_groups),
    ("aws_acm", "aws/acm.json", diagnostics_aws.collect_acm),
]
# Ingresses and TargetGroupBindings first: the ALB collector looks the ALB up by their addresses.
K8S_ORDER = [
    "k8s_ingresses",
    "k8s_targetgroupbindings",
    "k8s_pods",
    "k8s_pvcs",
    "k8s_externalsecrets",
    "k8s_nodes",
    "k8s_storageclasses",
]


def validate(module):
    p = module.params
    if not LABEL_RE.match(p["label"]):
        module.fail_json(msg=f"label={p['label']!r}: use letters, digits, '.', '_' and '-' (e.g. the env name)")
    if not diagnostics_script.NAMESPACE_RE.match(p["namespace"]):
        module.fail_json(msg=f"namespace={p['namespace']!r} is not a Kubernetes namespace name (e.g. langsmith)")
    if p["script_sha256"] and not diagnostics_script.SHA256_RE.match(p["script_sha256"]):
        module.fail_json(msg="script_sha256 must be 64 hexadecimal characters (sha256sum output), or empty")
    if not 1 <= p["event_hours"] <= 336:
        module.fail_json(msg=f"event_hours={p['event_hours']}: use 1 to 336 (RDS keeps 14 days of events)")
    if p["script_timeout"] < 30:
        module.fail_json(msg=f"script_timeout={p['script_timeout']}: give the script at least 30 seconds")
    if p["script_ref"]:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$", p["script_ref"]) or ".." in p["script_ref"]:
            module.fail_json(msg=f"script_ref={p['script_ref']!r} is not a git ref (e.g. langsmith-0.16.11)")
        p["script_url"] = diagnostics_script.script_url(p["script_ref"])
    if p["script_url"]:
        try:
            diagnostics_script.check_url(p["script_url"])
        except diagnostics_script.ScriptError as exc:
            module.fail_json(msg=str(exc))
    wants_script = p["collect_kubernetes"] and p["run_script"]
    if wants_script and not (p["script_url"] or p["script_path"]):
        module.fail_json(
            msg="set script_ref (a chart tag, e.g. langsmith-0.16.11), script_url or script_path to run the "
            "official debugging script, or run_script=false to skip it"
        )


def plan(params, aws_skip=None):
    """(name, reason-or-None) for every collector, in run order."""
    out = []
    if not params["collect_kubernetes"]:
        out += [(name, "collect_kubernetes is false") for name in ["kubernetes_script", *K8S_ORDER]]
    else:
        out.append(("kubernetes_script", None if params["run_script"] else "run_script is false"))
        out += [(name, None) for name in K8S_ORDER]
    aws_reason = "collect_aws is false" if not params["collect_aws"] else aws_skip
    out += [(name, aws_reason) for name, _f, _c in AWS_COLLECTORS]
    # the EKS collector runs first: its cluster security group and VPC feed the later ones
    return sorted(out, key=lambda item: 0 if item[0] == "aws_eks" else 1)


class Host:
    """What the script collector needs from the module."""

    def __init__(self, module):
        self.module = module
        self.run_command = module.run_command
        self.warn = module.warn
        self.open_url = open_url

    def get_bin_path(self, name):
        return self.module.get_bin_path(name, required=False)


def main():
    argument_spec = {
        "dest": {"type": "path", "required": True},
        "label": {"type": "str", "default": "langsmith"},
        "namespace": {"type": "str", "default": "langsmith"},
        "collect_kubernetes": {"type": "bool", "default": True},
        "kubeconfig": {"type": "path"},
        "run_script": {"type": "bool", "default": True},
        "script_ref": {"type": "str"},
        "script_url": {"type": "str"},
        "script_path": {"type": "path"},
        "script_sha256": {"type": "str", "default": ""},
        "allow_unverified_script": {"type": "bool", "default": False},
        "script_timeout": {"type": "int", "default": 900},
        "redact": {"type": "bool", "default": True},
        "redact_strict": {"type": "bool", "default": False},
        "exclude_logs": {"type": "bool", "default": False},
        "exclude_describe": {"type": "bool", "default": False},
        "pod_selector": {"type": "str"},
        "collect_aws": {"type": "bool", "default": True},
        "cluster_name": {"type": "str"},
        "load_balancer_arns": {"type": "list", "elements": "str", "default": []},
        "db_instance_identifiers": {"type": "list", "elements": "str", "default": []},
        "replication_group_ids": {"type": "list", "elements": "str", "default": []},
        "tags": {"type": "dict", "default": {}},
        "nodes_security_groups": {"type": "list", "elements": "str", "default": []},
        "data_security_groups": {"type": "list", "elements": "str", "default": []},
        "hostname": {"type": "str"},
        "certificate_arns": {"type": "list", "elements": "str", "default": []},
        "event_hours": {"type": "int", "default": 24},
    }
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("script_ref", "script_url", "script_path")],
    )
    validate(module)
    params = module.params
    aws_skip = None
    if params["collect_aws"] and not module.region:
        aws_skip = "no AWS region: set AWS_REGION or region (the playbook sets it from langsmith_region)"
    steps = plan(params, aws_skip)
    if module.check_mode:
        module.exit_json(
            changed=True,
            archive=None,
            msg="check mode: nothing collected",
            counts=dict.fromkeys(diagnostics.SEVERITIES, 0),
            findings=[],
            collectors=[
                {"name": n, "status": "skipped" if r else "would run", "file": None, "errors": [], "reason": r}
                for n, r in steps
            ],
        )

    clients = {}

    def aws(service):
        if service not in clients:
            clients[service] = module.client(service, retry_decorator=AWSRetry.jittered_backoff())
        return clients[service]

    if params["collect_aws"] and not aws_skip:
        # Client creation fails the module outright (fail_json) on a broken profile or endpoint, so
        # it happens here, before anything is collected, rather than inside a collector.
        for service in ("eks", "elbv2", "rds", "elasticache", "ec2", "acm"):
            aws(service)

    workdir = diagnostics.make_workdir()
    try:
        started = diagnostics.utcnow()
        base = f"langsmith-diagnostics-{params['label']}-{started.strftime('%Y%m%dT%H%M%SZ')}"
        bundle = diagnostics.Bundle(os.path.join(workdir, "bundle"))
        runner = diagnostics.Runner(bundle)
        kubectl_path = module.get_bin_path("kubectl", required=False)
        kubectl = diagnostics_k8s.Kubectl(
            module.run_command, kubectl_path or "kubectl", params["namespace"], params["kubeconfig"]
        )
        aws_table = {name: (path, func) for name, path, func in AWS_COLLECTORS}
        script_evidence = None
        for name, reason in steps:
            if reason:
                runner.skip(name, reason)
            elif name == "kubernetes_script":
                script_evidence = runner.run(
                    name, None, diagnostics_script.collect, Host(module), params, workdir, bundle
                )
                if script_evidence.errors and "sha256 mismatch" in script_evidence.errors[0]:
                    runner.findings.append(
                        diagnostics.finding(
                            "diagnostics-script-checksum-mismatch",
                            "critical",
                            "The downloaded debugging script does not match diagnostics_script_sha256; it was not run",
                            script_evidence.errors[0],
                            "gather-evidence-first",
                            params["script_url"] or params["script_path"],
                        )
                    )
            elif name in diagnostics_k8s.RESOURCES:
                if not kubectl_path:
                    runner.run(name, None, _missing_kubectl)
                    continue
                runner.run(
                    name,
                    diagnostics_k8s.RESOURCES[name][2],
                    diagnostics_k8s.make_collector(name),
                    kubectl,
                    params,
                    runner.facts,
                )
            else:
                path, func = aws_table[name]
                runner.run(name, path, func, aws, params, runner.facts)
        meta = {
            "label": params["label"],
            "region": module.region,
            "namespace": params["namespace"],
            "cluster_name": params["cluster_name"],
            "hostname": params["hostname"],
            "script": script_evidence.data if script_evidence is not None else None,
        }
        summary = bundle.redactor.obj(diagnostics.jsonable(runner.summary(meta)))
        bundle.write_json("summary.json", summary)
        archive = bundle.archive(params["dest"], base)
    finally:
        diagnostics.remove_tree(workdir)

    failed = [c["name"] for c in summary["collectors"] if c["status"] == "failed"]
    if failed:
        module.warn("Collectors failed (recorded in summary.json): " + ", ".join(failed))
    module.exit_json(
        changed=True,
        archive=archive,
        counts=summary["counts"],
        findings=summary["findings"],
        collectors=summary["collectors"],
        script=summary["script"],
        summary=summary,
    )


def _missing_kubectl(ev):
    raise diagnostics_script.ScriptError("kubectl is not on PATH: " + diagnostics_script.TOOL_HINTS["kubectl"])


if __name__ == "__main__":
    main()

"""A small recording HTTP proxy in front of the local AWS emulator, with pluggable hooks.

``make bench`` points ``AWS_ENDPOINT_URL`` at this proxy, which forwards every request to the
emulator (moto server, ``tools/emulator.py``) and records what the deploy asked AWS for. The same
proxy is meant to serve fault injection for tests later; hooks decide what happens to each call.

Loopback only: it listens on 127.0.0.1 (a free port) and refuses an upstream that is not a
loopback address (``emulator.require_loopback``). It never prints request bodies or credentials.

Classification (``classify``) of each request:

- service: the SigV4 credential scope ``.../<region>/<service>/aws4_request`` of the
  ``Authorization`` header (or the ``X-Amz-Credential`` query parameter), e.g. ``eks``,
  ``elasticloadbalancing``, ``monitoring``; ``unknown`` for unsigned requests;
- action: ``X-Amz-Target`` (JSON protocols: ``CertificateManager.DescribeCertificate`` ->
  ``DescribeCertificate``), ``/service/<svc>/operation/<Op>`` (Smithy RPC v2 CBOR, CloudWatch),
  ``Action=`` in the query string or form body (query and EC2 protocols), and for REST protocols
  (s3, route53, eks, ...) the operation whose ``requestUri`` in botocore's service model matches
  the method, path and query keys (``GET /clusters/{name}`` -> ``DescribeCluster``, ``PUT
  /{Bucket}?versioning`` -> ``PutBucketVersioning``); without a match ``METHOD /path-pattern``,
  ids replaced by ``{}``;
- mutating: False when the action starts with one of ``READ_PREFIXES`` (Describe, List, Get,
  Head, Lookup, Search, Check, Simulate, Validate, Estimate, Query; so ``sts:GetCallerIdentity`` is
  a read), or for an unnamed REST call, when the method is GET or HEAD; True otherwise.

The moto server's own API (``/moto-api/...``) is forwarded untouched: no hook sees it and the
timeline does not count it.

Timeline: one entry per AWS request (``Proxy.timeline()``, ``Proxy.dump(path)``): ``t``
(``time.monotonic()`` when the request arrived), ``service``, ``region``, ``action``,
``mutating``, ``status`` (HTTP status sent, ``None`` when the connection was dropped),
``duration`` (seconds) and ``hook`` (the hook that answered or replaced the response, if any).

Hooks
-----
A hook is an object with two optional methods (subclass ``Hook``); the proxy calls them, in the
order the hooks were given, from its request threads (a hook with state needs a lock)::

    on_request(call) -> Reply | None
        Before forwarding. Return a Reply to answer instead of forwarding (later hooks'
        on_request are then not called); None forwards.
    on_response(call, reply) -> Reply | None
        After forwarding (or after a hook answered), for every hook. Return a Reply to send that
        instead (it is what later hooks see); None keeps the current one.

``call`` is a ``Call`` (method, path, query, headers, body, service, region, action, protocol,
mutating, ``params()``, ``json()``); ``reply`` a ``Reply`` (status, headers, body, ``json()``,
``with_body()``). ``DROP`` as a reply closes the connection without answering. ``error_reply(call,
code, message, status)`` builds an error in the call's own protocol (JSON, RPC v2 CBOR, query, EC2,
REST-XML, REST-JSON), so fault injection is a few lines, e.g.::

    class Throttle(Hook):                     # throttle N % with each service's own error
        def __init__(self, percent):
            self.percent = percent
        def on_request(self, call):
            if random.random() * 100 < self.percent:
                return error_reply(call, throttling_code(call.service), "Rate exceeded")

    class LoseResponse(Hook):                 # the call happens, its answer is lost
        def on_response(self, call, reply):
            if call.action == "CreateVpc":
                return error_reply(call, "InternalError", "response lost", status=500)

Implemented here: ``RequestCounter`` (requests all / mutating, by service and action) and
``LatencyModel`` (long-running resources stay in their transitional state for a modelled time,
see its docstring).

    python tools/awsproxy.py --upstream http://127.0.0.1:PORT [--latency-factor 10] [--timeline FILE]
"""

from __future__ import annotations

import argparse
import collections
import http.client
import http.server
import json
import re
import sys
import threading
import time
import traceback
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import emulator

LOOPBACK = emulator.LOOPBACK
UPSTREAM_TIMEOUT = 120.0
READ_PREFIXES = (
    "Describe",
    "List",
    "Get",
    "Head",
    "Lookup",
    "Search",
    "Check",
    "Simulate",
    "Validate",
    "Estimate",
    "Query",
)
HOP_BY_HOP = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Expect",
        "Content-Length",
    )
)
# Services whose REST protocol answers in XML (the rest answer REST calls in JSON).
REST_XML_SERVICES = frozenset({"s3", "route53", "cloudfront", "s3-control"})
_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
_RPC_V2 = re.compile(r"^/service/[^/]+/operation/(?P<op>[^/?]+)$")


# --------------------------------------------------------------------------- classification
@dataclass(frozen=True)
class Classification:
    service: str
    region: str
    action: str
    protocol: str  # json | rpc-v2-cbor | query | ec2 | rest-json | rest-xml
    mutating: bool


def is_read(action: str, method: str = "GET") -> bool:
    """The read/mutating rule: read prefixes, or GET/HEAD for an unnamed REST call."""
    if " " in action:  # "METHOD /pattern": no operation name known
        return method.upper() in ("GET", "HEAD")
    return action.startswith(READ_PREFIXES)


def _split_target(target: str) -> tuple[str, str]:
    """``/path?query`` -> (``/path``, ``query``)."""
    parts = target.partition("?")
    return parts[0], parts[2]


def _signing_scope(headers, query: dict[str, list[str]]) -> tuple[str, str]:
    auth = headers.get("Authorization", "") or ""
    match = _CREDENTIAL.search(auth)
    if match is None and "X-Amz-Credential" in query:
        match = _CREDENTIAL.search("Credential=" + query["X-Amz-Credential"][0])
    if match is None:
        return "unknown", ""
    return match.group("service"), match.group("region")


@dataclass(frozen=True)
class _RestOperation:
    name: str
    method: str
    path: re.Pattern
    query: tuple[tuple[str, str | None], ...]  # literal query keys (and values) of the requestUri
    headers: tuple[str, ...]  # required header members (S3 CopyObject: x-amz-copy-source)
    literal: int  # literal characters of the path: more is more specific

    def matches(self, method: str, path: str, query: dict[str, list[str]], headers) -> bool:
        return (
            self.method == method
            and self.path.match(path) is not None
            and all(k in query and (v is None or v in query[k]) for k, v in self.query)
            and all(headers.get(h) is not None for h in self.headers)
        )


class _RestOperations:
    """REST operation names from botocore's service models (method, requestUri, required headers)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_service: dict[str, list[_RestOperation]] = {}
        self._session = None

    def _load(self, service: str) -> list[_RestOperation]:
        try:
            import botocore.session  # noqa: PLC0415 - optional, only for REST names
        except ImportError:  # pragma: no cover - botocore is in the venv
            return []
        if self._session is None:
            self._session = botocore.session.get_session()
        try:
            model = self._session.get_service_model(service)
        except Exception:  # unknown service: no names, the pattern is used
            return []
        ops = []
        for name in model.operation_names:
            op = model.operation_model(name)
            path, query = _split_target(op.http.get("requestUri", "/"))
            regex = "^"
            for part in re.split(r"(\{[^}]+\})", path.rstrip("/") or "/"):
                if part.startswith("{"):
                    regex += ".+" if part.endswith("+}") else "[^/]+"
                else:
                    regex += re.escape(part)
            literal_query = []
            for item in filter(None, query.split("&")):
                key, eq, value = item.partition("=")
                literal_query.append((key, value if eq else None))
            required = []
            if op.input_shape is not None:
                for member in op.input_shape.required_members:
                    ser = op.input_shape.members[member].serialization
                    if ser.get("location") == "header":
                        required.append(ser.get("name", member))
            ops.append(
                _RestOperation(
                    name,
                    op.http.get("method", "GET"),
                    re.compile(regex + "/?$"),
                    tuple(literal_query),
                    tuple(required),
                    len(re.sub(r"\{[^}]+\}", "", path)),
                )
            )
        ops.sort(key=lambda op: (-len(op.query), -len(op.headers), -op.literal))  # most specific first
        return ops

    def name(self, service: str, method: str, path: str, query: dict[str, list[str]], headers) -> str | None:
        with self._lock:
            if service not in self._by_service:
                self._by_service[service] = self._load(service)
            ops = self._by_service[service]
        return next((op.name for op in ops if op.matches(method, path, query, headers)), None)


REST_OPERATIONS = _RestOperations()
_ID_LIKE = re.compile(r"[0-9:%=.A-Z]|^.{33,}$")


def path_pattern(path: str) -> str:
    """``/clusters/demo-1/node-groups/x`` -> ``/clusters/{}/node-groups/{}`` (best effort)."""
    out = []
    for i, segment in enumerate(path.split("/")):
        if not segment or i == 1:
            out.append(segment)  # the leading empty part and the first segment stay as they are
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", segment) or not _ID_LIKE.search(segment):
            out.append(segment)
        else:
            out.append("{}")
    return "/".join(out)


def classify(method: str, path: str, query: str, headers, body: bytes) -> Classification:
    """Service, region, action, protocol and mutating flag of one request (see the module doc)."""
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    service, region = _signing_scope(headers, params)
    target = headers.get("X-Amz-Target")
    if target:
        action, protocol = target.rsplit(".", 1)[-1], "json"
    elif (match := _RPC_V2.match(path)) and method == "POST":
        action, protocol = match.group("op"), "rpc-v2-cbor"
    else:
        action = (params.get("Action") or [""])[0]
        content_type = (headers.get("Content-Type") or "").lower()
        if not action and method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            action = (form.get("Action") or [""])[0]
        if action:
            protocol = "ec2" if service == "ec2" else "query"
        else:
            protocol = "rest-xml" if service in REST_XML_SERVICES else "rest-json"
            action = REST_OPERATIONS.name(service, method, path, params, headers) or f"{method} {path_pattern(path)}"
    return Classification(service, region, action, protocol, not is_read(action, method))


# --------------------------------------------------------------------------- calls and replies
@dataclass
class Call:
    """One AWS request as the proxy received it, classified."""

    method: str
    path: str
    query: str
    headers: Any  # email.message.Message: case-insensitive .get()
    body: bytes
    service: str
    region: str
    action: str
    protocol: str
    mutating: bool
    started: float = field(default_factory=time.monotonic)

    def params(self) -> dict[str, str]:
        """Query-protocol parameters (query string and form body), first value of each."""
        merged = urllib.parse.parse_qs(self.query, keep_blank_values=True)
        if self.body and (self.headers.get("Content-Type") or "").lower().startswith("application/x-www-form"):
            for key, values in urllib.parse.parse_qs(self.body.decode("utf-8", "replace"), True).items():
                merged.setdefault(key, values)
        return {k: v[0] for k, v in merged.items()}

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    reason: str = ""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None

    def with_body(self, body: bytes) -> Reply:
        return Reply(self.status, list(self.headers), body, self.reason)


DROP = Reply(0, [], b"", "dropped")  # as a hook's answer: close the connection without a response

THROTTLING_CODES = {
    "ec2": "RequestLimitExceeded",
    "s3": "SlowDown",
    "rds": "Throttling",
    "elasticache": "Throttling",
    "iam": "Throttling",
    "sts": "Throttling",
    "elasticloadbalancing": "Throttling",
    "autoscaling": "Throttling",
    "route53": "Throttling",
    "sns": "Throttling",
    "monitoring": "Throttling",
}


def throttling_code(service: str) -> str:
    """The error code a service throttles with (``ThrottlingException`` for most JSON APIs)."""
    return THROTTLING_CODES.get(service, "ThrottlingException")


def _cbor_text_map(data: dict[str, str]) -> bytes:
    """A CBOR map of text strings (RFC 8949), enough for an RPC v2 CBOR error body."""

    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        for extra, size in ((24, 1), (25, 2), (26, 4)):
            if n < 256**size:
                return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
        raise ValueError("too long for this encoder")

    def text(value: str) -> bytes:
        raw = value.encode()
        return head(3, len(raw)) + raw

    return head(5, len(data)) + b"".join(text(k) + text(v) for k, v in data.items())


def error_reply(call: Call, code: str, message: str, status: int = 400) -> Reply:
    """An AWS error in ``call``'s protocol, as botocore parses it (code + message)."""
    if call.protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    elif call.protocol == "rpc-v2-cbor":
        body = _cbor_text_map({"__type": code, "message": message})
        headers = [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
    elif call.protocol == "rest-json":
        body = json.dumps({"message": message}).encode()
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif call.protocol == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            "<RequestID>awsproxy</RequestID></Response>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    elif call.protocol == "query":
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>awsproxy</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    else:  # rest-xml
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>awsproxy</RequestId></Error>".encode()
        headers = [("Content-Type", "application/xml")]
    if call.service == "s3" and code == "SlowDown" and status == 400:
        status = 503
    return Reply(status, headers, body)


class Hook:
    """Base hook: forwards and keeps every response. Override one or both methods."""

    name = "hook"

    def on_request(self, call: Call) -> Reply | None:
        return None

    def on_response(self, call: Call, reply: Reply) -> Reply | None:
        return None


# --------------------------------------------------------------------------- counting
class RequestCounter(Hook):
    """Counts the AWS requests it sees: all and mutating, by service and by service:action."""

    name = "count"

    def __init__(self):
        self._lock = threading.Lock()
        self.total = 0
        self.mutating = 0
        self.by_service: dict[str, dict[str, int]] = {}
        self.by_action: collections.Counter[str] = collections.Counter()

    def on_response(self, call: Call, reply: Reply) -> None:
        with self._lock:
            self.total += 1
            self.mutating += int(call.mutating)
            per = self.by_service.setdefault(call.service, {"all": 0, "mutating": 0})
            per["all"] += 1
            per["mutating"] += int(call.mutating)
            self.by_action[f"{call.service}:{call.action}"] += 1

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "all": self.total,
                "mutating": self.mutating,
                "by_service": {k: dict(v) for k, v in sorted(self.by_service.items())},
                "by_action": dict(self.by_action.most_common()),
            }


# --------------------------------------------------------------------------- latency model
# Typical provisioning times on AWS (us-east-1), in seconds; divided by the factor.
CREATE_DELAYS = {
    "eks_cluster": 570.0,  # EKS control plane: 9-10 min
    "eks_nodegroup": 240.0,  # managed node group: 3-5 min
    "eks_addon": 90.0,  # managed add-on: 1-2 min (the emulator has no add-on API)
    "rds_instance": 450.0,  # RDS PostgreSQL: 5-10 min
    "elasticache_replication_group": 450.0,  # ElastiCache replication group: 5-10 min
    "nat_gateway": 90.0,  # NAT gateway: 1-2 min
    "acm_certificate": 180.0,  # ACM DNS validation: 1-5 min after the record exists
}
UPDATE_DELAY = 120.0


@dataclass(frozen=True)
class _Kind:
    ready: str  # the status the emulator reports once done
    creating: str
    updating: str | None  # None: updates are not modelled for this kind


KINDS = {
    "eks_cluster": _Kind("ACTIVE", "CREATING", "UPDATING"),
    "eks_nodegroup": _Kind("ACTIVE", "CREATING", "UPDATING"),
    "eks_addon": _Kind("ACTIVE", "CREATING", "UPDATING"),
    "rds_instance": _Kind("available", "creating", "modifying"),
    "elasticache_replication_group": _Kind("available", "creating", "modifying"),
    "nat_gateway": _Kind("available", "pending", None),
    "acm_certificate": _Kind("ISSUED", "PENDING_VALIDATION", None),
}
# (service, action) -> (kind, event); "create" starts a resource's window, "update" another one.
EVENTS = {
    ("eks", "CreateCluster"): ("eks_cluster", "create"),
    ("eks", "UpdateClusterConfig"): ("eks_cluster", "update"),
    ("eks", "UpdateClusterVersion"): ("eks_cluster", "update"),
    ("eks", "CreateNodegroup"): ("eks_nodegroup", "create"),
    ("eks", "UpdateNodegroupConfig"): ("eks_nodegroup", "update"),
    ("eks", "UpdateNodegroupVersion"): ("eks_nodegroup", "update"),
    ("eks", "CreateAddon"): ("eks_addon", "create"),
    ("eks", "UpdateAddon"): ("eks_addon", "update"),
    ("rds", "CreateDBInstance"): ("rds_instance", "create"),
    ("rds", "ModifyDBInstance"): ("rds_instance", "update"),
    ("elasticache", "CreateReplicationGroup"): ("elasticache_replication_group", "create"),
    ("elasticache", "ModifyReplicationGroup"): ("elasticache_replication_group", "update"),
    ("ec2", "CreateNatGateway"): ("nat_gateway", "create"),
    ("acm", "RequestCertificate"): ("acm_certificate", "create"),
}
# XML kinds: the element holding one resource has these direct children (id, status).
XML_FIELDS = {
    "rds_instance": ("DBInstanceIdentifier", "DBInstanceStatus"),
    "elasticache_replication_group": ("ReplicationGroupId", "Status"),
    "nat_gateway": ("natGatewayId", "state"),
}
XML_SERVICE_KINDS = {"rds": "rds_instance", "elasticache": "elasticache_replication_group", "ec2": "nat_gateway"}
EKS_OBJECTS = {"cluster": "eks_cluster", "nodegroup": "eks_nodegroup", "addon": "eks_addon"}


@dataclass
class Window:
    """One modelled wait: a resource being created or updated."""

    kind: str
    id: str
    event: str  # create | update
    action: str
    start: float  # monotonic: the create/update response
    delay: float  # modelled seconds / factor
    ready: float  # start + delay (an ACM certificate's clock restarts when its record is written)
    noticed: float | None = None  # first read after ready that returned this resource
    polls: int = 0  # reads that returned it in its transitional state
    record_at: float | None = None  # ACM only: the validation record was written

    def as_dict(self, origin: float = 0.0) -> dict[str, Any]:
        def rel(t):
            return None if t is None else round(t - origin, 3)

        return {
            "kind": self.kind,
            "id": self.id,
            "event": self.event,
            "action": self.action,
            "delay": round(self.delay, 3),
            "created": rel(self.start),
            "ready": rel(self.ready),
            "noticed": rel(self.noticed),
            "noticed_after_ready": None if self.noticed is None else round(self.noticed - self.ready, 3),
            "polls": self.polls,
            **({"record_written": rel(self.record_at)} if self.kind == "acm_certificate" else {}),
        }


def _eks_key(kind: str, obj: dict) -> str | None:
    if kind == "eks_cluster":
        return obj.get("name")
    if kind == "eks_nodegroup" and obj.get("nodegroupName"):
        return f"{obj.get('clusterName')}/{obj['nodegroupName']}"
    if kind == "eks_addon" and obj.get("addonName"):
        return f"{obj.get('clusterName')}/{obj['addonName']}"
    return None


def _eks_path_id(kind: str, path: str) -> str | None:
    """The resource an EKS update call names in its path (/clusters/{name}[/node-groups|addons/{x}]/...)."""
    parts = [urllib.parse.unquote(p) for p in path.split("/")]
    if len(parts) < 3 or parts[1] != "clusters":
        return None
    if kind == "eks_cluster":
        return parts[2]
    if len(parts) >= 5 and parts[3] == {"eks_nodegroup": "node-groups", "eks_addon": "addons"}.get(kind):
        return f"{parts[2]}/{parts[4]}"
    return None


def _parse_xml(data: bytes) -> ET.Element | None:
    """Parse an emulator response or an SDK request body (both from loopback), None if not XML."""
    try:
        return ET.fromstring(data)  # noqa: S314 - our own loopback emulator's answers, our SDKs' requests
    except ET.ParseError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ec2_filter_values(params: dict[str, str], name: str) -> set[str] | None:
    """Values of EC2 filter ``name`` in a query request (Filter.N.Name / Filter.N.Value.M)."""
    values = None
    for key, value in params.items():
        match = re.fullmatch(r"Filter\.(\d+)\.Name", key)
        if match and value == name:
            prefix = f"Filter.{match.group(1)}.Value."
            values = (values or set()) | {v for k, v in params.items() if k.startswith(prefix)}
    return values


class LatencyModel(Hook):
    """Keeps long-running resources in their transitional state for a modelled time.

    The emulator creates everything at once; real AWS takes minutes. This hook remembers when each
    resource was created (from the create call's response) and, until ``created + delay / factor``,
    rewrites its status in the responses the SDKs and modules read:

    ==============================  =============================================  ==================
    resource (create call)          rewritten in                                   status
    ==============================  =============================================  ==================
    EKS cluster (CreateCluster)     CreateCluster, DescribeCluster ``cluster``     ACTIVE -> CREATING
    node group (CreateNodegroup)    CreateNodegroup, DescribeNodegroup             ACTIVE -> CREATING
    EKS add-on (CreateAddon)        CreateAddon, DescribeAddon (no emulator API)   ACTIVE -> CREATING
    RDS (CreateDBInstance)          Create/DescribeDBInstances ``DBInstanceStatus``  available -> creating
    Redis (CreateReplicationGroup)  Create/DescribeReplicationGroups ``Status``    available -> creating
    NAT (CreateNatGateway)          Create/DescribeNatGateways ``state``           available -> pending
    ACM (RequestCertificate)        DescribeCertificate, ListCertificates          ISSUED -> PENDING_VALIDATION
    ==============================  =============================================  ==================

    Only the status field changes (an EKS cluster keeps its endpoint and identity, a NAT gateway
    its addresses); ACM's ``DomainValidationOptions[].ValidationStatus`` SUCCESS becomes
    PENDING_VALIDATION too. A list call filtered by status drops the resource when its modelled
    status is not asked for (DescribeNatGateways ``state`` filter, ListCertificates
    ``CertificateStatuses``); the reverse (adding a resource the emulator filtered out) is not done,
    so a query for ``pending`` gateways only or ``PENDING_VALIDATION`` certificates only does not
    see them. A status the emulator reports other than the ready one (deleting, failed) is left
    alone.

    ACM: the clock starts at RequestCertificate; when a Route 53 ChangeResourceRecordSets CREATE or
    UPSERT writes one of the certificate's validation record names (as DescribeCertificate
    reported them) before it is issued, the clock restarts there (AWS validates after the record
    exists). moto issues certificates itself after ``MOTO_ACM_VALIDATION_WAIT`` seconds (default
    60): run the emulator with it set to 0 so this model is the only delay.

    Updates, with ``UPDATE_DELAY`` (120 s) / factor: EKS UpdateClusterConfig / UpdateClusterVersion
    (cluster UPDATING), UpdateNodegroupConfig / UpdateNodegroupVersion (node group UPDATING),
    UpdateAddon, RDS ModifyDBInstance and ElastiCache ModifyReplicationGroup with
    ``ApplyImmediately=true`` (modifying). Not modelled: EKS ``DescribeUpdate`` (stays as the
    emulator says; moto has no update ids), updates that AWS applies in a maintenance window,
    deletions, snapshots, NAT gateways and certificates (no update state).

    Per resource (``windows()``): created (the create response), ready, noticed (the first read
    at or after ready that returned the resource: when the deploy could see it was done) and
    polls (reads that saw it still transitional).
    """

    name = "latency"

    def __init__(
        self, factor: float = 10.0, delays: dict[str, float] | None = None, update_delay: float = UPDATE_DELAY
    ):
        if factor <= 0:
            raise ValueError("the latency factor must be > 0")
        self.factor = float(factor)
        self.delays = {**CREATE_DELAYS, **(delays or {})}
        self.update_delay = update_delay
        self._lock = threading.Lock()
        self._windows: list[Window] = []
        self._current: dict[tuple[str, str], Window] = {}
        self._acm_records: dict[str, str] = {}  # validation record name -> certificate ARN

    # ------------------------------------------------------------------ public
    def windows(self, origin: float = 0.0) -> list[dict[str, Any]]:
        with self._lock:
            return [w.as_dict(origin) for w in self._windows]

    # ------------------------------------------------------------------ hook
    def on_response(self, call: Call, reply: Reply) -> Reply | None:
        if reply is DROP or not 200 <= reply.status < 300:
            return None
        now = time.monotonic()
        event = EVENTS.get((call.service, call.action))
        with self._lock:
            if event is not None:
                self._record_event(call, reply, event, now)
            if call.service == "route53" and call.action == "ChangeResourceRecordSets":
                self._acm_record_written(call, now)
            if call.service == "eks":
                return self._rewrite_eks(call, reply, now)
            if call.service == "acm":
                return self._rewrite_acm(call, reply, now)
            if call.service in XML_SERVICE_KINDS:
                return self._rewrite_xml(call, reply, XML_SERVICE_KINDS[call.service], now)
        return None

    # ------------------------------------------------------------------ events
    def _record_event(self, call: Call, reply: Reply, event: tuple[str, str], now: float) -> None:
        kind, what = event
        if call.service == "eks" and what == "update":
            ident = _eks_path_id(kind, call.path)  # AWS answers EKS updates with an update id only
        else:
            ident = self._created_id(call, reply, kind)
        if not ident:
            return
        if what == "update":
            if KINDS[kind].updating is None or (kind in XML_FIELDS and call.params().get("ApplyImmediately") != "true"):
                return
            delay = self.update_delay / self.factor
        else:
            delay = self.delays[kind] / self.factor
        window = Window(kind, ident, what, call.action, now, delay, now + delay)
        self._windows.append(window)
        self._current[(kind, ident)] = window

    def _created_id(self, call: Call, reply: Reply, kind: str) -> str | None:
        if call.service == "eks":
            data = reply.json() or {}
            for key, obj_kind in EKS_OBJECTS.items():
                if obj_kind == kind and isinstance(data.get(key), dict):
                    return _eks_key(kind, data[key])
            return None
        if call.service == "acm":
            return (reply.json() or {}).get("CertificateArn")
        id_tag = XML_FIELDS[kind][0]
        root = _parse_xml(reply.body)
        for element in root.iter() if root is not None else ():
            if _local(element.tag) == id_tag and element.text:
                return element.text.strip().lower() if kind == "rds_instance" else element.text.strip()
        return None

    def _acm_record_written(self, call: Call, now: float) -> None:
        root = _parse_xml(call.body)
        if root is None:
            return
        for change in (e for e in root.iter() if _local(e.tag) == "Change"):
            action = next((c.text for c in change if _local(c.tag) == "Action"), "")
            if action not in ("CREATE", "UPSERT"):
                continue
            for name in (e.text or "" for e in change.iter() if _local(e.tag) == "Name"):
                arn = self._acm_records.get(name.strip().rstrip(".").lower())
                window = self._current.get(("acm_certificate", arn)) if arn else None
                if window is not None and window.record_at is None and now < window.ready:
                    window.record_at = now
                    window.ready = now + window.delay

    # ------------------------------------------------------------------ status decisions
    def _status(self, kind: str, ident: str, real: str, now: float, read: bool) -> str | None:
        """The status to report instead of ``real``, or None to keep it."""
        window = self._current.get((kind, ident))
        spec = KINDS[kind]
        if window is None or real != spec.ready:
            return None
        if now < window.ready:
            if read:
                window.polls += 1
            return spec.creating if window.event == "create" else spec.updating
        if read and window.noticed is None:
            window.noticed = now
        return None

    # ------------------------------------------------------------------ rewrites
    def _rewrite_eks(self, call: Call, reply: Reply, now: float) -> Reply | None:
        data = reply.json()
        if not isinstance(data, dict):
            return None
        changed = False
        for key, kind in EKS_OBJECTS.items():
            obj = data.get(key)
            if not isinstance(obj, dict) or "status" not in obj:
                continue
            ident = _eks_key(kind, obj)
            new = self._status(kind, ident, obj["status"], now, read=not call.mutating) if ident else None
            if new is not None:
                obj["status"] = new
                changed = True
        return reply.with_body(json.dumps(data).encode()) if changed else None

    def _rewrite_acm(self, call: Call, reply: Reply, now: float) -> Reply | None:
        data = reply.json()
        if not isinstance(data, dict):
            return None
        changed = False
        read = not call.mutating
        cert = data.get("Certificate")
        if isinstance(cert, dict) and cert.get("CertificateArn"):
            for option in cert.get("DomainValidationOptions") or []:
                name = ((option.get("ResourceRecord") or {}).get("Name") or "").rstrip(".").lower()
                if name:
                    self._acm_records[name] = cert["CertificateArn"]
            new = self._status("acm_certificate", cert["CertificateArn"], cert.get("Status"), now, read)
            if new is not None:
                cert["Status"] = new
                for option in cert.get("DomainValidationOptions") or []:
                    if option.get("ValidationStatus") == "SUCCESS":
                        option["ValidationStatus"] = new
                changed = True
        summaries = data.get("CertificateSummaryList")
        if isinstance(summaries, list):
            wanted = call.json().get("CertificateStatuses") or None
            kept = []
            for summary in summaries:
                new = self._status("acm_certificate", summary.get("CertificateArn"), summary.get("Status"), now, read)
                if new is not None:
                    summary["Status"] = new
                    changed = True
                    if wanted and new not in wanted:
                        continue
                kept.append(summary)
            data["CertificateSummaryList"] = kept
        return reply.with_body(json.dumps(data).encode()) if changed else None

    def _rewrite_xml(self, call: Call, reply: Reply, kind: str, now: float) -> Reply | None:
        id_tag, status_tag = XML_FIELDS[kind]
        if status_tag.encode() not in reply.body or id_tag.encode() not in reply.body:
            return None
        root = _parse_xml(reply.body)
        if root is None:
            return None
        wanted = _ec2_filter_values(call.params(), "state") if kind == "nat_gateway" else None
        changed = False
        for parent in list(root.iter()):
            for element in list(parent):
                children = {_local(c.tag): c for c in element}
                if id_tag not in children or status_tag not in children:
                    continue
                ident = (children[id_tag].text or "").strip()
                ident = ident.lower() if kind == "rds_instance" else ident
                new = self._status(kind, ident, (children[status_tag].text or "").strip(), now, not call.mutating)
                if new is None:
                    continue
                children[status_tag].text = new
                changed = True
                if wanted is not None and new not in wanted:
                    parent.remove(element)
        if not changed:
            return None
        return reply.with_body(_xml_bytes(root))


def _xml_bytes(root: ET.Element) -> bytes:
    """Serialise a parsed response again, keeping its default namespace where it has one."""
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else None
    if namespace:
        try:
            return ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=namespace)
        except ValueError:  # an element outside that namespace: prefixes instead (botocore strips them)
            pass
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --------------------------------------------------------------------------- the proxy
def _run_hook(hook: Hook, method: str, *args) -> Reply | None:
    """A hook's answer; a hook that raises is reported (type and place, no bodies) and ignored."""
    try:
        return getattr(hook, method)(*args)
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(
            f"awsproxy: hook {hook.name}.{method} raised {type(exc).__name__} "
            f"at {Path(where.filename).name}:{where.lineno}; ignored",
            file=sys.stderr,
        )
        return None


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):
        """Quiet: the timeline is the log."""

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        proxy = self.server.proxy
        body = self._read_body()
        path, query = _split_target(self.path)
        if path.startswith("/moto-api"):
            self._send(proxy.forward(self.command, self.path, self.headers, body))
            return
        started = time.monotonic()
        c = classify(self.command, path, query, self.headers, body)
        call = Call(
            self.command, path, query, self.headers, body, c.service, c.region, c.action, c.protocol, c.mutating
        )
        call.started = started
        reply, by = None, None
        for hook in proxy.hooks:
            reply = _run_hook(hook, "on_request", call)
            if reply is not None:
                by = hook.name
                break
        if reply is None:
            try:
                reply = proxy.forward(self.command, self.path, self.headers, body)
            except OSError as exc:
                reply = error_reply(call, "ProxyUpstreamError", f"upstream unreachable: {exc}", status=502)
        for hook in proxy.hooks:
            replaced = _run_hook(hook, "on_response", call, reply)
            if replaced is not None:
                reply, by = replaced, hook.name
        proxy.record(call, reply, time.monotonic() - started, by)
        self._send(reply)

    def _send(self, reply: Reply):
        if reply is DROP:
            self.close_connection = True
            return
        self.send_response_only(reply.status, reply.reason or None)
        for key, value in reply.headers:
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        if self.command == "HEAD":
            length = reply.header("Content-Length")
            self.send_header("Content-Length", length if length is not None else "0")
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _handle


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: Proxy


class Proxy:
    """``Proxy(upstream, hooks).start()`` -> listening on ``proxy.endpoint`` until ``stop()``."""

    def __init__(self, upstream: str, hooks: list[Hook] | tuple[Hook, ...] = ()):
        emulator.require_loopback(upstream)
        parts = urllib.parse.urlsplit(upstream)
        if parts.scheme != "http":
            raise emulator.EmulatorError(f"the proxy forwards plain http to the emulator, not {upstream!r}")
        self.upstream = upstream
        self._upstream_host = parts.hostname
        self._upstream_port = parts.port or 80
        self.hooks = list(hooks)
        self._lock = threading.Lock()
        self._timeline: list[dict[str, Any]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.started = time.monotonic()

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def start(self) -> Proxy:
        self._server = _Server((LOOPBACK, 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="awsproxy", daemon=True)
        self._thread.start()
        self.started = time.monotonic()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Proxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def forward(self, method: str, target: str, headers, body: bytes) -> Reply:
        conn = http.client.HTTPConnection(self._upstream_host, self._upstream_port, timeout=UPSTREAM_TIMEOUT)
        try:
            conn.putrequest(method, target, skip_host="Host" in headers, skip_accept_encoding=True)
            for key, value in headers.items():
                if key.lower() not in HOP_BY_HOP:
                    conn.putheader(key, value)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            return Reply(resp.status, list(resp.getheaders()), data, resp.reason)
        finally:
            conn.close()

    def record(self, call: Call, reply: Reply, duration: float, hook: str | None) -> None:
        entry = {
            "t": round(call.started, 6),
            "service": call.service,
            "region": call.region,
            "action": call.action,
            "mutating": call.mutating,
            "status": None if reply is DROP else reply.status,
            "duration": round(duration, 6),
        }
        if hook:
            entry["hook"] = hook
        with self._lock:
            self._timeline.append(entry)

    def timeline(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._timeline)

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps({"started": self.started, "requests": self.timeline()}, indent=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="the emulator endpoint (loopback only)")
    parser.add_argument("--latency-factor", type=float, help="enable the latency model with this factor")
    parser.add_argument("--timeline", type=Path, help="write the timeline (JSON) here on exit")
    args = parser.parse_args(argv)
    hooks: list[Hook] = [RequestCounter()]
    if args.latency_factor:
        hooks.append(LatencyModel(args.latency_factor))
    try:
        proxy = Proxy(args.upstream, hooks).start()
    except emulator.EmulatorError as exc:
        print(f"awsproxy: {exc}", file=sys.stderr)
        return 2
    print(proxy.endpoint, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.stop()
        if args.timeline:
            proxy.dump(args.timeline)
        print(json.dumps(hooks[0].summary()["by_service"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

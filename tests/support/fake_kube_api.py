"""A loopback fake Kubernetes API for the apply paths of the k8s-facing roles (kubernetes.core modules).

No Kubernetes API server can run on these machines. kubernetes.core.k8s_info talks to this server
through the real ``kubernetes`` dynamic client: kubeconfig loading, bearer-token auth, API
discovery (/version, /apis, /apis/<group>/<version>), GET of one object or a list, 404 for a missing
object, and the module's own wait predicates (Deployment/StatefulSet readiness, custom conditions)
all run for real. What the server cannot prove is how a real cluster would reach those states; the
tests build the objects in the state they assert on (``deployment``, ``statefulset``,
``external_secret``, ``ingress`` below). Every request is recorded (method and path) so a test can
assert exactly what a role asked for.

Only GET is served (the roles read through k8s_info; Helm itself is a fake binary in the tests).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import urlsplit

TOKEN = "fake-token-for-release-tests"

# (group, version) -> [(plural, kind, namespaced)]
RESOURCES = {
    ("", "v1"): [("namespaces", "Namespace", False), ("secrets", "Secret", True), ("pods", "Pod", True)],
    ("apps", "v1"): [("deployments", "Deployment", True), ("statefulsets", "StatefulSet", True)],
    ("networking.k8s.io", "v1"): [("ingresses", "Ingress", True)],
    ("external-secrets.io", "v1"): [
        ("externalsecrets", "ExternalSecret", True),
        ("clustersecretstores", "ClusterSecretStore", False),
    ],
}


def _meta(name, namespace, generation=1):
    meta = {"name": name, "generation": generation, "uid": f"uid-{name}", "resourceVersion": "1"}
    if namespace:
        meta["namespace"] = namespace
    return meta


def deployment(name, namespace, replicas=1, ready=True):
    available = replicas if ready else 0
    status = {"observedGeneration": 1, "replicas": replicas, "availableReplicas": available, "readyReplicas": available}
    if not ready:
        status["unavailableReplicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, namespace),
        "spec": {"replicas": replicas},
        "status": status,
    }


def statefulset(name, namespace, replicas=1, ready=True):
    done = replicas if ready else 0
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _meta(name, namespace),
        "spec": {"replicas": replicas, "updateStrategy": {"type": "RollingUpdate"}},
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": done,
            "updatedReplicas": done,
            "currentRevision": "r1",
            "updateRevision": "r1",
        },
    }


def external_secret(name, namespace, ready=True):
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": _meta(name, namespace),
        "spec": {"target": {"name": name}},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": "SecretSynced" if ready else "SecretSyncedError",
                }
            ]
        },
    }


def ingress(name, namespace, hostname=None):
    status = {"loadBalancer": {"ingress": [{"hostname": hostname}]}} if hostname else {"loadBalancer": {}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta(name, namespace),
        "spec": {"ingressClassName": "alb"},
        "status": status,
    }


class FakeKubeApi:
    """``with FakeKubeApi([deployment(...), ...]) as kube: kube.write_kubeconfig(path)``."""

    def __init__(self, objects=(), groups=None):
        self.objects: list[dict] = list(objects)
        self.groups = dict(RESOURCES if groups is None else groups)
        self.requests: list[tuple[str, str]] = []
        self.httpd = HTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeKubeApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def write_kubeconfig(self, path: Path, token: str = TOKEN) -> Path:
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "tester", "user": {"token": token}}],
                    "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester"}}],
                    "current-context": "fake",
                }
            )
        )
        return path

    def object_paths(self) -> list[str]:
        """The GET paths of single objects the clients asked for, in order (discovery left out)."""
        return [path for method, path in self.requests if method == "GET" and "/namespaces/" in path]

    # ------------------------------------------------------------------ routing
    def _kind(self, group, version, plural):
        for name, kind, namespaced in self.groups.get((group, version), []):
            if name == plural:
                return kind, namespaced
        return None, None

    def _discovery(self, path):
        if path == "/version":
            return {"major": "1", "minor": "34", "gitVersion": "v1.34.0", "platform": "linux/amd64"}
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"]}
        if path == "/apis":
            groups = []
            for group, version in sorted(self.groups):
                if group:
                    gv = {"groupVersion": f"{group}/{version}", "version": version}
                    groups.append({"name": group, "versions": [gv], "preferredVersion": gv})
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        parts = path.strip("/").split("/")
        key = None
        if len(parts) == 2 and parts[0] == "api":
            key = ("", parts[1])
        elif len(parts) == 3 and parts[0] == "apis":
            key = (parts[1], parts[2])
        if key is None or key not in self.groups:
            return None
        group, version = key
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": [
                {
                    "name": plural,
                    "singularName": kind.lower(),
                    "namespaced": namespaced,
                    "kind": kind,
                    "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"],
                }
                for plural, kind, namespaced in self.groups[key]
            ],
        }

    def _objects(self, path):
        """``(status, body)`` for /api/v1/... and /apis/<g>/<v>/... object and list paths."""
        parts = path.strip("/").split("/")
        if parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            return None
        namespace = None
        if len(rest) >= 2 and rest[0] == "namespaces" and len(rest) > 2:
            namespace, rest = rest[1], rest[2:]
        if not rest:
            return None
        plural, name = rest[0], (rest[1] if len(rest) > 1 else None)
        kind, _namespaced = self._kind(group, version, plural)
        if kind is None:
            return None
        api_version = f"{group}/{version}" if group else version
        matches = [
            o
            for o in self.objects
            if o["kind"] == kind
            and o["apiVersion"] == api_version
            and (namespace is None or o["metadata"].get("namespace") == namespace)
        ]
        if name is None:
            return 200, {"kind": f"{kind}List", "apiVersion": api_version, "metadata": {}, "items": matches}
        for obj in matches:
            if obj["metadata"]["name"] == name:
                return 200, obj
        return 404, {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "message": f'{plural} "{name}" not found',
            "reason": "NotFound",
            "code": 404,
        }

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = urlsplit(self.path).path
                api.requests.append(("GET", path))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._json(401, {"kind": "Status", "status": "Failure", "reason": "Unauthorized", "code": 401})
                    return
                body = api._discovery(path)
                if body is not None:
                    self._json(200, body)
                    return
                found = api._objects(path)
                if found is None:
                    self._json(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404})
                    return
                self._json(*found)

            def _refuse(self):
                api.requests.append((self.command, urlsplit(self.path).path))
                self._json(405, {"kind": "Status", "status": "Failure", "reason": "MethodNotAllowed", "code": 405})

            do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

        return Handler

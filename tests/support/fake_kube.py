"""A loopback fake of the few Kubernetes API endpoints the live sizing check reads.

Why a fake API server rather than mocking the client: the module talks to Kubernetes through the
real ``kubernetes`` client: kubeconfig loading, bearer-token auth, label selectors, and the
deserialisation of the API's JSON into model objects all run for real against this server, so a
wrong field name or a selector the API would not understand fails the test. No Kubernetes API
server can run on these machines, so the objects are built in the test (``node``, ``pvc``,
``storage_class``) in the shape the API returns.

Serves GET for: /api/v1/nodes (labelSelector with ``k=v`` terms),
/api/v1/namespaces/<ns>/persistentvolumeclaims, /apis/storage.k8s.io/v1/storageclasses and
/apis/storage.k8s.io/v1/csidrivers. Requests without the expected bearer token get 401; an
``error_status`` makes every request fail with that status (RBAC denial, outage).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

TOKEN = "fake-token-for-tests"


def node(name, instance_type, *, cpu, memory, capacity_cpu, capacity_memory, labels=None):
    all_labels = {"node.kubernetes.io/instance-type": instance_type, "kubernetes.io/hostname": name}
    all_labels.update(labels or {})
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": all_labels},
        "status": {
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "58"},
            "capacity": {"cpu": capacity_cpu, "memory": capacity_memory, "pods": "58"},
        },
    }


def pvc(name, namespace, storage_class, size, phase="Bound"):
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
        "status": {"phase": phase},
    }
    if storage_class is not None:
        claim["spec"]["storageClassName"] = storage_class
    if phase == "Bound":
        claim["status"]["capacity"] = {"storage": size}
    return claim


def storage_class(
    name,
    *,
    provisioner="ebs.csi.aws.com",
    parameters=None,
    expansion=True,
    binding="WaitForFirstConsumer",
    default=False,
):
    sc = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "annotations": {}},
        "provisioner": provisioner,
        "parameters": parameters or {},
        "reclaimPolicy": "Delete",
        "volumeBindingMode": binding,
    }
    if expansion is not None:
        sc["allowVolumeExpansion"] = expansion
    if default:
        sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] = "true"
    return sc


def csi_driver(name):
    return {"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver", "metadata": {"name": name}, "spec": {}}


class FakeKubeApi:
    """``with FakeKubeApi(nodes=[...], pvcs=[...], ...) as kube: kube.write_kubeconfig(path)``."""

    def __init__(self, nodes=(), pvcs=(), storage_classes=(), csi_drivers=(), error_status=None):
        self.nodes, self.pvcs = list(nodes), list(pvcs)
        self.storage_classes, self.csi_drivers = list(storage_classes), list(csi_drivers)
        self.error_status = error_status
        self.requests: list[str] = []
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

    def _routes(self, path: str, query: dict):
        if path == "/api/v1/nodes":
            selector = query.get("labelSelector", [""])[0]
            terms = [t.split("=", 1) for t in selector.split(",") if t]
            items = [n for n in self.nodes if all(n["metadata"]["labels"].get(k) == v for k, v in terms)]
            return "NodeList", "v1", items
        parts = path.strip("/").split("/")
        if len(parts) == 5 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "persistentvolumeclaims":
            items = [c for c in self.pvcs if c["metadata"]["namespace"] == parts[3]]
            return "PersistentVolumeClaimList", "v1", items
        if path == "/apis/storage.k8s.io/v1/storageclasses":
            return "StorageClassList", "storage.k8s.io/v1", self.storage_classes
        if path == "/apis/storage.k8s.io/v1/csidrivers":
            return "CSIDriverList", "storage.k8s.io/v1", self.csi_drivers
        return None

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

            def _status(self, code, reason, message):
                self._json(
                    code,
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "message": message,
                        "reason": reason,
                        "code": code,
                    },
                )

            def do_GET(self):
                split = urlsplit(self.path)
                api.requests.append(self.path)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._status(401, "Unauthorized", "Unauthorized")
                    return
                if api.error_status:
                    self._status(api.error_status, "Forbidden", "forbidden: User cannot list resource")
                    return
                route = api._routes(split.path, parse_qs(split.query))
                if route is None:
                    self._status(404, "NotFound", f"the server could not find the requested resource ({split.path})")
                    return
                kind, version, items = route
                self._json(
                    200, {"kind": kind, "apiVersion": version, "metadata": {"resourceVersion": "1"}, "items": items}
                )

        return Handler

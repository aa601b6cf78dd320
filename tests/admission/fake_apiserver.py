"""A small Kubernetes API server for the namespaces controller and the webhook's cache.

It implements, the way kube-apiserver does, only what they use: namespaces (LIST, WATCH as a
chunked stream of JSON events from a resourceVersion, GET, POST, merge/strategic PATCH, PUT,
DELETE) and ConfigMaps (GET, POST, PUT). Every write bumps one global resourceVersion; a PATCH
or PUT that carries a resourceVersion other than the object's current one answers 409 Conflict
with a Status object, as optimistic concurrency requires. ``force_conflicts`` makes the next N
ConfigMap PUTs lose a race against a simulated other writer (the object changes under them).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse


class State:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.rv = 100
        self.namespaces: dict[str, dict[str, Any]] = {}
        self.configmaps: dict[tuple[str, str], dict[str, Any]] = {}
        self.events: list[tuple[int, str, dict[str, Any]]] = []
        self.conflicts = 0
        self.force_conflicts = 0
        self.requests: list[str] = []

    def bump(self, obj: dict[str, Any]) -> None:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)

    def emit(self, kind: str, obj: dict[str, Any]) -> None:
        self.events.append((self.rv, kind, copy.deepcopy(obj)))
        self.lock.notify_all()

    # Direct manipulation by tests (a user running kubectl).
    def create_namespace(self, name: str, annotations: dict[str, str] | None = None) -> None:
        with self.lock:
            obj = {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": name,
                    "uid": str(uuid.uuid4()),
                    "creationTimestamp": _now(),
                    "annotations": dict(annotations or {}),
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
            self.bump(obj)
            self.namespaces[name] = obj
            self.emit("ADDED", obj)

    def delete_namespace(self, name: str) -> None:
        with self.lock:
            obj = self.namespaces.pop(name)
            self.bump(obj)
            self.emit("DELETED", obj)

    def annotation(self, name: str, key: str) -> str | None:
        with self.lock:
            ns = self.namespaces.get(name)
            return None if ns is None else ns["metadata"].get("annotations", {}).get(key)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """RFC 7386 JSON merge patch (strategic merge is the same for maps of strings)."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(length)) if length else None

    def _route(self) -> tuple[list[str], dict[str, list[str]]]:
        url = urlparse(self.path)
        parts = [p for p in url.path.split("/") if p]
        if parts[:2] != ["api", "v1"]:
            return [], {}
        return parts[2:], parse_qs(url.query)

    def do_GET(self) -> None:
        parts, query = self._route()
        st = self.state
        st.requests.append(f"GET {self.path}")
        if parts == ["namespaces"]:
            if query.get("watch", ["false"])[0] in ("true", "1"):
                self._watch(
                    int(query.get("resourceVersion", ["0"])[0] or 0),
                    float(query.get("timeoutSeconds", ["30"])[0]),
                )
                return
            with st.lock:
                items = [copy.deepcopy(ns) for ns in st.namespaces.values()]
                rv = st.rv
            self._send(
                200,
                {
                    "kind": "NamespaceList",
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": str(rv)},
                    "items": items,
                },
            )
            return
        with st.lock:
            if len(parts) == 2 and parts[0] == "namespaces":
                ns = st.namespaces.get(parts[1])
                if ns is None:
                    self._send(404, _status(404, "NotFound", f'namespaces "{parts[1]}" not found'))
                else:
                    self._send(200, ns)
                return
            if len(parts) == 4 and parts[2] == "configmaps":
                cm = st.configmaps.get((parts[1], parts[3]))
                if cm is None:
                    self._send(404, _status(404, "NotFound", f'configmaps "{parts[3]}" not found'))
                else:
                    self._send(200, cm)
                return
        self._send(404, _status(404, "NotFound", "no such path"))

    def _watch(self, since: int, timeout: float) -> None:
        st = self.state
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        sent = since
        try:
            while not deadline.is_set():
                with st.lock:
                    pending = [e for e in st.events if e[0] > sent]
                    if not pending:
                        st.lock.wait(0.2)
                        continue
                for rv, kind, obj in pending:
                    line = json.dumps({"type": kind, "object": obj}).encode() + b"\n"
                    self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                    self.wfile.flush()
                    sent = rv
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass
        finally:
            timer.cancel()
            self.close_connection = True

    def do_POST(self) -> None:
        parts, _ = self._route()
        st = self.state
        body = self._body()
        st.requests.append(f"POST {self.path}")
        with st.lock:
            if len(parts) == 3 and parts[2] == "configmaps":
                name = body["metadata"]["name"]
                if (parts[1], name) in st.configmaps:
                    self._send(
                        409, _status(409, "AlreadyExists", f'configmaps "{name}" already exists')
                    )
                    return
                obj = {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": name,
                        "namespace": parts[1],
                        "uid": str(uuid.uuid4()),
                        "creationTimestamp": _now(),
                    },
                    "data": body.get("data") or {},
                }
                st.bump(obj)
                st.configmaps[(parts[1], name)] = obj
                self._send(201, obj)
                return
        self._send(404, _status(404, "NotFound", "no such path"))

    def do_PUT(self) -> None:
        parts, _ = self._route()
        st = self.state
        body = self._body()
        st.requests.append(f"PUT {self.path}")
        with st.lock:
            if len(parts) == 4 and parts[2] == "configmaps":
                key = (parts[1], parts[3])
                current = st.configmaps.get(key)
                if current is None:
                    self._send(404, _status(404, "NotFound", f'configmaps "{parts[3]}" not found'))
                    return
                if st.force_conflicts > 0:  # another writer got there first
                    st.force_conflicts -= 1
                    st.bump(current)
                sent_rv = body.get("metadata", {}).get("resourceVersion")
                if sent_rv and sent_rv != current["metadata"]["resourceVersion"]:
                    st.conflicts += 1
                    self._send(
                        409,
                        _status(
                            409,
                            "Conflict",
                            "the object has been modified; "
                            "please apply your changes to the latest version and try again",
                        ),
                    )
                    return
                current["data"] = body.get("data") or {}
                st.bump(current)
                self._send(200, current)
                return
            if len(parts) == 2 and parts[0] == "namespaces":
                current = st.namespaces.get(parts[1])
                if current is None:
                    self._send(404, _status(404, "NotFound", "not found"))
                    return
                if (
                    body["metadata"].get("resourceVersion")
                    != current["metadata"]["resourceVersion"]
                ):
                    st.conflicts += 1
                    self._send(409, _status(409, "Conflict", "the object has been modified"))
                    return
                current["metadata"]["annotations"] = body["metadata"].get("annotations") or {}
                st.bump(current)
                st.emit("MODIFIED", current)
                self._send(200, current)
                return
        self._send(404, _status(404, "NotFound", "no such path"))

    def do_PATCH(self) -> None:
        parts, _ = self._route()
        st = self.state
        ctype = self.headers.get("Content-Type", "")
        body = self._body()
        st.requests.append(f"PATCH {self.path} {ctype}")
        if ctype not in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
            self._send(415, _status(415, "UnsupportedMediaType", ctype))
            return
        with st.lock:
            if len(parts) == 2 and parts[0] == "namespaces":
                current = st.namespaces.get(parts[1])
                if current is None:
                    self._send(404, _status(404, "NotFound", f'namespaces "{parts[1]}" not found'))
                    return
                meta = body.get("metadata") or {}
                want = meta.get("resourceVersion")
                if want is not None and want != current["metadata"]["resourceVersion"]:
                    st.conflicts += 1
                    self._send(409, _status(409, "Conflict", "the object has been modified"))
                    return
                patch = copy.deepcopy(body)
                patch.get("metadata", {}).pop("resourceVersion", None)
                _merge(current, patch)
                st.bump(current)
                st.emit("MODIFIED", current)
                self._send(200, current)
                return
        self._send(404, _status(404, "NotFound", "no such path"))


class FakeAPIServer:
    def __init__(self) -> None:
        self.state = State()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeAPIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def kubeconfig(self, folder: Path) -> Path:
        path = folder / "kubeconfig"
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "users": [{"name": "u", "user": {"token": "test-token"}}],
                    "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "u"}}],
                    "current-context": "fake",
                }
            )
        )
        return path

    def core_api(self) -> Any:
        from kubernetes import client

        cfg = client.Configuration()
        cfg.host = self.url
        return client.CoreV1Api(client.ApiClient(cfg))

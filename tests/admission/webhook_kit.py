"""Test kit: certificates, a real webhook server process, HTTPS requests, review builders."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DATA = Path(__file__).parent / "data"


@dataclass
class CA:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    path: Path


def make_ca(folder: Path) -> CA:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "unroot test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = folder / "ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return CA(key, cert, path)


def issue(ca: CA, cert_path: Path, key_path: Path, cn: str = "webhook") -> int:
    """Write a server certificate for 127.0.0.1/localhost signed by ``ca``; returns its serial."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    serial = x509.random_serial_number()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    tmp_key = key_path.with_name(key_path.name + ".tmp")
    tmp_cert = cert_path.with_name(cert_path.name + ".tmp")
    tmp_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp_key, key_path)
    os.replace(tmp_cert, cert_path)
    return serial


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    ca: Path
    stderr_path: Path
    args: list[str] = field(default_factory=list)

    def context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.ca))
        return ctx

    def connection(self, timeout: float = 10.0) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            "127.0.0.1", self.port, context=self.context(), timeout=timeout
        )

    def post(
        self, path: str, body: bytes | dict[str, Any], timeout: float = 10.0
    ) -> dict[str, Any]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn = self.connection(timeout)
        try:
            conn.request("POST", path, data, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            payload = resp.read()
            assert resp.status == 200, (resp.status, payload)
            out: dict[str, Any] = json.loads(payload)
            return out
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, str]:
        conn = self.connection()
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read().decode()
        finally:
            conn.close()

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)


def start_server(
    tmp: Path,
    ca: Path,
    cert: Path,
    key: Path,
    *extra: str,
    name: str = "server",
) -> Server:
    err = tmp / f"{name}.stderr"
    args = [
        sys.executable,
        "-m",
        "unroot",
        "webhook",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--tls-cert",
        str(cert),
        "--tls-key",
        str(key),
        *extra,
    ]
    with open(err, "wb") as fh:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=fh)
    deadline = time.monotonic() + 30
    port = 0
    while time.monotonic() < deadline:
        text = err.read_text(errors="replace")
        if "listening on https://" in text:
            port = int(text.split("listening on https://127.0.0.1:")[1].split()[0])
            break
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}: {text}")
        time.sleep(0.05)
    assert port, err.read_text()
    server = Server(proc, port, ca, err, args)
    while time.monotonic() < deadline:
        try:
            status, _ = server.get("/readyz")
            if status == 200:
                return server
        except (OSError, http.client.HTTPException):
            pass
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}: {server.stderr()}")
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    raise AssertionError(f"server not ready: {server.stderr()}")


def pod_review(
    namespace: str = "shop",
    *,
    uid: str | None = None,
    user: str = "system:serviceaccount:kube-system:replicaset-controller",
    groups: list[str] | None = None,
    pod_sc: dict[str, Any] | None = None,
    container_sc: dict[str, Any] | None = None,
    spec_extra: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """The recorded kube-apiserver review (``data/pod_create.json``) with changes applied."""
    review: dict[str, Any] = json.loads((DATA / "pod_create.json").read_text())
    req = review["request"]
    req["uid"] = uid or str(uuid.uuid4())
    req["namespace"] = namespace
    req["object"]["metadata"]["namespace"] = namespace
    req["userInfo"]["username"] = user
    if groups is not None:
        req["userInfo"]["groups"] = groups
    req["dryRun"] = dry_run
    spec = req["object"]["spec"]
    if pod_sc is not None:
        spec["securityContext"] = pod_sc
    if container_sc is not None:
        for c in spec["containers"]:
            c["securityContext"] = copy.deepcopy(container_sc)
    spec.update(spec_extra or {})
    return review


def workload_review(obj: dict[str, Any], namespace: str = "shop") -> dict[str, Any]:
    group, _, version = obj["apiVersion"].rpartition("/")
    plural = obj["kind"].lower() + "s"
    return {
        "kind": "AdmissionReview",
        "apiVersion": "admission.k8s.io/v1",
        "request": {
            "uid": str(uuid.uuid4()),
            "kind": {"group": group, "version": version, "kind": obj["kind"]},
            "resource": {"group": group, "version": version, "resource": plural},
            "name": obj["metadata"]["name"],
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
            "object": obj,
            "oldObject": None,
            "dryRun": False,
            "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"},
        },
    }


def patch_of(response: dict[str, Any]) -> list[dict[str, Any]]:
    resp = response["response"]
    if "patch" not in resp:
        return []
    assert resp["patchType"] == "JSONPatch"
    ops: list[dict[str, Any]] = json.loads(base64.b64decode(resp["patch"]))
    return ops


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

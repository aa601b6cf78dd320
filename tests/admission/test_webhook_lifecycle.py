"""A running webhook over time: certificate rotation, expiring exemptions, policy reloads,
two processes sharing one SQLite file, and clients that try to stall it."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import socket
import sqlite3
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from webhook_kit import Server, issue, pod_review, start_server

from conftest import PKI


def served_serial(server: Server) -> int:
    from cryptography import x509

    ctx = server.context()
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return int(x509.load_der_x509_certificate(der).serial_number)


def wait_for(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


@pytest.fixture
def own_pki(tmp_path: Path, pki: PKI) -> PKI:
    """A certificate of this test's own (rotation rewrites it), from the module's CA."""
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    issue(pki.ca, cert, key)
    return PKI(pki.ca, cert, key)


@pytest.fixture
def policy_server(tmp_path: Path, own_pki: PKI) -> Iterator[tuple[Server, Path]]:
    policy = tmp_path / "policy.yaml"
    # Long enough for a server start on a busy machine, short enough to wait for in a test.
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10)).isoformat()
    policy.write_text(
        "exemptions:\n"
        "  - name: short-lived\n"
        "    profile: anyuid\n"
        "    namespaces: [legacy]\n"
        f"    expires: '{expires}'\n"
        "    reason: migration window for the legacy database\n"
    )
    srv = start_server(
        tmp_path,
        own_pki.ca.path,
        own_pki.cert,
        own_pki.key,
        "--state",
        str(tmp_path / "state.db"),
        "--policy",
        str(policy),
    )
    yield srv, tmp_path
    assert srv.stop() == 0, srv.stderr()


def records(state: Path) -> list[dict[str, object]]:
    with sqlite3.connect(state) as conn:
        return [json.loads(r[0]) for r in conn.execute("SELECT record FROM audit ORDER BY seq")]


def test_certificate_rotation_without_restart(
    policy_server: tuple[Server, Path], own_pki: PKI
) -> None:
    server, _ = policy_server
    before = served_serial(server)
    conn = server.connection()  # an open keep-alive connection survives the rotation
    conn.request("POST", "/mutate", json.dumps(pod_review("shop")).encode())
    assert json.loads(conn.getresponse().read())["response"]["allowed"] is True
    new = issue(own_pki.ca, own_pki.cert, own_pki.key, cn="rotated")
    assert new != before
    assert wait_for(lambda: served_serial(server) == new), "new certificate never served"
    conn.request("POST", "/mutate", json.dumps(pod_review("shop")).encode())
    assert json.loads(conn.getresponse().read())["response"]["allowed"] is True
    conn.close()
    # A half-written pair (certificate whose key is not there yet) is not loaded.
    own_pki.key.write_bytes(b"-----BEGIN PRIVATE KEY-----\ngarbage\n")
    time.sleep(1.5)
    assert served_serial(server) == new
    assert server.post("/mutate", pod_review("shop"))["response"]["allowed"] is True


def test_exemption_expires_while_the_server_runs(policy_server: tuple[Server, Path]) -> None:
    server, folder = policy_server
    root = {"runAsUser": 0}
    first = server.post("/mutate", pod_review("legacy", container_sc=root))["response"]
    assert first["allowed"] is True and first["auditAnnotations"]["unroot.dev/profile"] == "anyuid"
    assert wait_for(
        lambda: (
            not server.post("/mutate", pod_review("legacy", container_sc=root))["response"][
                "allowed"
            ]
        ),
        timeout=25,
    )
    kinds = [r["kind"] for r in records(folder / "state.db")]
    assert wait_for(
        lambda: "exemption-expired" in [r["kind"] for r in records(folder / "state.db")]
    )
    assert kinds[0] == "policy"
    expired = [r for r in records(folder / "state.db") if r["kind"] == "exemption-expired"]
    assert expired[0]["reason"] == "migration window for the legacy database"


def test_policy_reload_is_applied_and_audited(policy_server: tuple[Server, Path]) -> None:
    server, folder = policy_server
    sc = {"privileged": True}
    assert (
        server.post("/mutate", pod_review("ops", container_sc=sc))["response"]["allowed"] is False
    )
    policy = folder / "policy.yaml"
    tmp = folder / "policy.yaml.new"
    tmp.write_text(
        "exemptions:\n  - name: ops\n    profile: privileged\n    namespaces: [ops]\n"
        "    reason: CSI node plugin\n"
    )
    tmp.replace(policy)
    assert wait_for(
        lambda: server.post("/mutate", pod_review("ops", container_sc=sc))["response"]["allowed"]
    )
    changes = [r for r in records(folder / "state.db") if r["kind"] == "policy"]
    assert changes[-1]["decision"] == "reloaded"
    detail = changes[-1]["detail"]
    assert isinstance(detail, dict)
    assert [a["name"] for a in detail["added"]] == ["ops"] and detail["removed"] == ["short-lived"]
    # An invalid policy is not applied: the last good one stays.
    policy.write_text("exemptions: [{profile: anyuid}]\n")
    time.sleep(1.5)
    assert server.post("/mutate", pod_review("ops", container_sc=sc))["response"]["allowed"]
    assert "policy not reloaded" in server.stderr()


def test_two_processes_sharing_sqlite_never_hand_out_the_same_block(
    tmp_path: Path, own_pki: PKI
) -> None:
    state = tmp_path / "state.db"
    servers = [
        start_server(
            tmp_path,
            own_pki.ca.path,
            own_pki.cert,
            own_pki.key,
            "--state",
            str(state),
            name=f"s{i}",
        )
        for i in range(2)
    ]
    names = [f"team-{i}" for i in range(24)]
    seen: dict[tuple[int, str], int] = {}
    errors: list[BaseException] = []

    def client(which: int) -> None:
        try:
            for name in names:  # both servers see every namespace first, at the same time
                answer = servers[which].post("/mutate", pod_review(name))
                from webhook_kit import patch_of

                ops = patch_of(answer)
                uid = next(
                    op["value"]["runAsUser"]
                    for op in ops
                    if op["path"].endswith("securityContext") and "containers/0" in op["path"]
                )
                seen[(which, name)] = uid
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors, errors
        for name in names:
            assert seen[(0, name)] == seen[(1, name)], name
        starts = [seen[(0, n)] for n in names]
        assert len(set(starts)) == len(names)
        with sqlite3.connect(state) as conn:
            rows = conn.execute("SELECT namespace, start, size FROM uid_ranges").fetchall()
        assert len(rows) == len(names)
        spans = sorted((s, s + z) for _, s, z in rows)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
        allocations = [r for r in records(state) if r["kind"] == "namespace"]
        assert sorted(str(r["namespace"]) for r in allocations) == sorted(names)
    finally:
        for s in servers:
            s.stop()


def test_huge_and_dripping_bodies_do_not_stall_other_requests(tmp_path: Path, own_pki: PKI) -> None:
    server = start_server(
        tmp_path,
        own_pki.ca.path,
        own_pki.cert,
        own_pki.key,
        "--state",
        str(tmp_path / "s.db"),
        "--body-timeout",
        "3",
    )
    try:
        ctx = ssl.create_default_context(cafile=str(own_pki.ca.path))
        # A slow-drip client: headers promise 6 KB, the body comes a byte every 0.2 s.
        drip = ctx.wrap_socket(
            socket.create_connection(("127.0.0.1", server.port)), server_hostname="localhost"
        )
        drip.sendall(
            b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 6000\r\n\r\n{"
        )
        stop = threading.Event()

        def dripping() -> None:
            while not stop.is_set():
                try:
                    drip.sendall(b" ")
                except OSError:
                    return
                time.sleep(0.2)

        dripper = threading.Thread(target=dripping)
        dripper.start()
        # A 10 MB body, streamed.
        big = ctx.wrap_socket(
            socket.create_connection(("127.0.0.1", server.port)), server_hostname="localhost"
        )
        big.settimeout(10)
        big.sendall(
            b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 10485760\r\n\r\n"
        )
        big_answer = b""
        try:
            chunk = b'{"kind": "AdmissionReview", "uid": "big-1", ' + b" " * 65000
            for _ in range(160):
                big.sendall(chunk)
        except OSError:
            pass  # the server answered and closed without reading it all
        try:
            while b"}}}" not in big_answer:
                part = big.recv(65536)
                if not part:
                    break
                big_answer += part
        except OSError:
            pass
        # Meanwhile ordinary requests are answered promptly.
        latencies = []
        for _ in range(20):
            t0 = time.perf_counter()
            assert server.post("/mutate", pod_review("shop"))["response"]["allowed"] is True
            latencies.append(time.perf_counter() - t0)
        assert max(latencies) < 1.0, latencies
        assert b"HTTP/1.1 200" in big_answer and b'"allowed":false' in big_answer
        assert b"exceeds" in big_answer
        # The dripping client is cut off with a denying review after --body-timeout.
        drip.settimeout(10)
        answer = b""
        while b"}}}" not in answer:
            part = drip.recv(65536)
            if not part:
                break
            answer += part
        stop.set()
        dripper.join()
        assert b'"allowed":false' in answer and b"not received within 3 s" in answer
        drip.close()
        big.close()
    finally:
        server.stop()


def test_two_workers_serve_and_stop_cleanly(tmp_path: Path, own_pki: PKI) -> None:
    server = start_server(
        tmp_path,
        own_pki.ca.path,
        own_pki.cert,
        own_pki.key,
        "--state",
        str(tmp_path / "s.db"),
        "--workers",
        "2",
    )
    try:
        answers = [server.post("/mutate", pod_review("shop"))["response"] for _ in range(20)]
        assert all(a["allowed"] for a in answers)
    finally:
        assert server.stop() == 0, server.stderr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "{policy}"], "reason is required"),
        (["--policy", "{missing}"], "cannot read policy"),
        ([], "give --state"),
        (["--audit", "ftp:x"], "bad audit store"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    tmp_path: Path, own_pki: PKI, args: list[str], message: str
) -> None:
    import subprocess
    import sys

    policy = tmp_path / "p.yaml"
    policy.write_text("exemptions:\n  - profile: anyuid\n    namespaces: [x]\n")
    state = [] if not args else ["--state", str(tmp_path / "s.db")]
    filled = [a.format(policy=policy, missing=tmp_path / "nope.yaml") for a in args]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "unroot",
            "webhook",
            "serve",
            "--port",
            "0",
            "--tls-cert",
            str(own_pki.cert),
            "--tls-key",
            str(own_pki.key),
            *state,
            *filled,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and out.stderr.count("\n") == 1, out.stderr


def test_graceful_shutdown_finishes_the_request_in_flight(tmp_path: Path, own_pki: PKI) -> None:
    import signal

    server = start_server(
        tmp_path, own_pki.ca.path, own_pki.cert, own_pki.key, "--state", str(tmp_path / "s.db")
    )
    body = json.dumps(pod_review("shop")).encode()
    ctx = ssl.create_default_context(cafile=str(own_pki.ca.path))
    with ctx.wrap_socket(
        socket.create_connection(("127.0.0.1", server.port)), server_hostname="localhost"
    ) as conn:
        conn.settimeout(20)
        conn.sendall(
            b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:100]
        )
        time.sleep(0.5)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.proc.poll() is None  # still draining
        conn.sendall(body[100:])
        answer = b""
        while b"}}" not in answer:
            part = conn.recv(65536)
            if not part:
                break
            answer += part
    assert b"HTTP/1.1 200" in answer and b'"allowed":true' in answer
    assert server.proc.wait(30) == 0, server.stderr()


def test_dropped_connections_are_released_at_once(tmp_path: Path, own_pki: PKI) -> None:
    """Clients that reset their connections mid-request must not pin memory until the
    keep-alive timeout (60 s): 1,000 resets would otherwise hold ~17 MB."""
    import struct

    server = start_server(
        tmp_path, own_pki.ca.path, own_pki.cert, own_pki.key, "--state", str(tmp_path / "s.db")
    )
    ctx = ssl.create_default_context(cafile=str(own_pki.ca.path))
    body = json.dumps(pod_review("shop")).encode()

    def rss_mb() -> float:
        for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def churn(n: int) -> None:
        for _ in range(n):
            raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            tls = ctx.wrap_socket(raw, server_hostname="localhost")
            tls.sendall(
                b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            tls.recv(65536)  # one answer, then the next request is cut off by a reset
            tls.sendall(b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Length: 9999\r\n\r\n{")
            tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            tls.close()

    try:
        churn(100)  # warm-up: allocator arenas, caches
        before = rss_mb()
        threads = [threading.Thread(target=churn, args=(250,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        time.sleep(0.5)
        grown = rss_mb() - before
        assert grown < 8, f"RSS grew {grown:.1f} MB over 1,000 dropped connections"
        assert server.post("/mutate", pod_review("shop"))["response"]["allowed"] is True
    finally:
        server.stop()

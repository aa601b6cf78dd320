"""Faults: the server killed mid-load, and a full disk under the audit store."""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from webhook_kit import pod_review, start_server

from conftest import PKI

UNROOT = [sys.executable, "-m", "unroot"]
POLICY = (
    "exemptions:\n  - name: legacy\n    profile: anyuid\n    namespaces: [legacy]\n"
    "    reason: vendor image runs as root\n"
)


def verify(spec: str) -> str:
    out = subprocess.run([*UNROOT, "audit", "verify", spec], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def logged_uids(spec: str) -> set[str]:
    out = subprocess.run(
        [*UNROOT, "audit", "show", spec, "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {json.loads(line)["request_uid"] for line in out.splitlines()}


@pytest.mark.parametrize("store", ["sqlite", "jsonl"])
def test_kill_mid_load_loses_no_answered_record(tmp_path: Path, pki: PKI, store: str) -> None:
    state = tmp_path / "state.db"
    spec = f"sqlite:{state}" if store == "sqlite" else f"jsonl:{tmp_path / 'audit.jsonl'}"
    args = ("--state", str(state), "--audit", spec)
    server = start_server(tmp_path, pki.ca.path, pki.cert, pki.key, *args)
    answered: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def load() -> None:
        conn: http.client.HTTPSConnection | None = None
        while not stop.is_set():
            review = pod_review("shop", container_sc={"runAsUser": 0})  # a denial: audited
            try:
                conn = conn or server.connection(5)
                conn.request("POST", "/mutate", json.dumps(review).encode())
                resp = json.loads(conn.getresponse().read())["response"]
            except (OSError, http.client.HTTPException, ValueError):
                return
            assert resp["allowed"] is False
            with lock:
                answered.append(review["request"]["uid"])

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(answered) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(10)
    stop.set()
    for t in threads:
        t.join()
    assert len(answered) >= 50, len(answered)
    assert verify(spec).startswith("ok: ")
    missing = set(answered) - logged_uids(spec)
    assert not missing, f"{len(missing)} answered denials missing from the audit log"

    again = start_server(tmp_path, pki.ca.path, pki.cert, pki.key, *args, name="restarted")
    try:
        review = pod_review("shop", container_sc={"runAsUser": 0})
        assert again.post("/mutate", review)["response"]["allowed"] is False
    finally:
        assert again.stop() == 0
    assert verify(spec).startswith("ok: ")
    assert review["request"]["uid"] in logged_uids(spec)


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str = "1m") -> Iterator[Path]:
    path.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    out = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {out.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


@pytest.mark.parametrize(
    ("store", "mode"), [("sqlite", "deny"), ("jsonl", "allow"), ("jsonl", "deny")]
)
def test_full_disk_follows_the_failure_mode(
    tmp_path: Path, pki: PKI, store: str, mode: str
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    with small_tmpfs(tmp_path / "disk") as disk:
        spec = f"{store}:{disk / ('audit.db' if store == 'sqlite' else 'audit.jsonl')}"
        server = start_server(
            tmp_path,
            pki.ca.path,
            pki.cert,
            pki.key,
            "--state",
            str(tmp_path / "state.db"),
            "--policy",
            str(policy),
            "--audit",
            spec,
            "--audit-failure",
            mode,
        )
        try:
            exempt = {"runAsUser": 0}
            assert server.post("/mutate", pod_review("legacy", container_sc=exempt))["response"][
                "allowed"
            ]
            filler = fill(disk)
            failed = None
            for _ in range(200):  # SQLite may still fit a few records in WAL pages it has
                review = pod_review("legacy", container_sc=exempt)
                resp = server.post("/mutate", review)["response"]
                if "audit_write_failed" in server.stderr():
                    failed = (review, resp)
                    break
            assert failed is not None, "the audit store never reported the full disk"
            review, resp = failed
            uid = review["request"]["uid"]
            if mode == "deny":
                assert resp["allowed"] is False and resp["status"]["code"] == 503
                assert "audit log cannot be written" in resp["status"]["message"]
            else:
                assert resp["allowed"] is True
            # Never silent: the record that could not be stored is on stderr, whole.
            lines = [
                json.loads(x) for x in server.stderr().splitlines() if "audit_write_failed" in x
            ]
            assert any(x["record"]["request_uid"] == uid for x in lines)
            assert lines[0]["failure_mode"] == mode
            # Restricted pods need no record and are still admitted.
            assert server.post("/mutate", pod_review("shop"))["response"]["allowed"] is True
            # Space comes back: writes resume, and the chain holds no partial record.
            filler.unlink()
            later = pod_review("legacy", container_sc=exempt)
            assert server.post("/mutate", later)["response"]["allowed"] is True
            _, metrics = server.get("/metrics")
            assert 'unroot_audit_records_total{outcome="failed"}' in metrics
        finally:
            assert server.stop() == 0, server.stderr()
        assert verify(spec).startswith("ok: ")
        uids = logged_uids(spec)
        assert later["request"]["uid"] in uids and uid not in uids

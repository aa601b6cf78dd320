"""The namespaces controller and the webhook's cluster mode against a faithful fake API server
(LIST/WATCH/GET/PATCH/PUT with 409 on a stale resourceVersion)."""

from __future__ import annotations

import base64
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_apiserver import FakeAPIServer
from webhook_kit import patch_of, pod_review, start_server

from conftest import PKI
from unroot.admission.controller import CONFIGMAP, Controller, Space
from unroot.policy.uidrange import OPENSHIFT_ANNOTATION, parse_range

UNROOT = [sys.executable, "-m", "unroot"]
HOME = "unroot-system"
SPACE = Space(base=1_000_000_000, block=10_000, end=1_000_000_000 + 10_000 * 200)


@pytest.fixture
def api() -> Iterator[FakeAPIServer]:
    with FakeAPIServer() as server:
        server.state.create_namespace(HOME)
        yield server


def wait_for(predicate, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def ranges(api: FakeAPIServer, names: list[str]) -> dict[str, str | None]:
    return {n: api.state.annotation(n, OPENSHIFT_ANNOTATION) for n in names}


def bits_set(api: FakeAPIServer) -> int:
    cm = api.state.configmaps[(HOME, CONFIGMAP)]
    return sum(bin(b).count("1") for b in base64.b64decode(cm["data"]["allocated"]))


def test_two_controller_replicas_never_hand_out_the_same_block(api: FakeAPIServer) -> None:
    names = [f"team-{i:02d}" for i in range(24)]
    for n in names[:12]:
        api.state.create_namespace(n)
    controllers = [Controller(api.core_api(), HOME, SPACE) for _ in range(2)]
    threads = [threading.Thread(target=c.run, kwargs={"watch_timeout": 3}) for c in controllers]
    for t in threads:
        t.start()
    try:
        for n in names[12:]:  # created while both replicas watch
            api.state.create_namespace(n)
        everyone = [HOME, *names]
        assert wait_for(lambda: all(ranges(api, everyone).values())), ranges(api, everyone)
    finally:
        for c in controllers:
            c.stop()
        for t in threads:
            t.join(10)
    got = ranges(api, everyone)
    parsed = [parse_range(v) for v in got.values() if v]
    assert len({r.start for r in parsed}) == len(everyone)
    assert all(r.size == SPACE.block and (r.start - SPACE.base) % SPACE.block == 0 for r in parsed)
    assert bits_set(api) == len(everyone)
    assert sum(c.assigned for c in controllers) == len(everyone)
    # The supplemental-groups annotation follows the UID range, as in OpenShift.
    assert (
        api.state.annotation("team-00", "openshift.io/sa.scc.supplemental-groups") == got["team-00"]
    )


def test_lost_races_are_retried_and_deletion_frees_the_block(api: FakeAPIServer) -> None:
    ctl = Controller(api.core_api(), HOME, SPACE)
    api.state.create_namespace("a")
    api.state.create_namespace("b")
    api.state.force_conflicts = 3  # three other writers win in a row
    first = ctl.ensure("a")
    assert first is not None and first.start == SPACE.base
    assert api.state.conflicts >= 3
    second = ctl.ensure("b")
    assert second is not None and second.start == SPACE.base + SPACE.block
    assert ctl.ensure("a") == first  # idempotent
    # A namespace annotated by someone else between our read and our write: 409, re-read, and
    # the block we had taken goes back.
    api.state.create_namespace("c")
    real_patch = ctl.api.patch_namespace

    def racing_patch(name: str, body: object) -> object:
        if name == "c" and not api.state.annotation("c", OPENSHIFT_ANNOTATION):
            other = ctl.api.read_namespace("c")
            other.metadata.annotations = {
                OPENSHIFT_ANNOTATION: f"{SPACE.base + 50 * SPACE.block}/{SPACE.block}"
            }
            ctl.api.replace_namespace("c", other)
        return real_patch(name, body)

    ctl.api.patch_namespace = racing_patch  # type: ignore[method-assign]
    third = ctl.ensure("c")
    assert third is not None and third.start == SPACE.base + 50 * SPACE.block
    assert bits_set(api) == 2  # the block taken for "c" was given back

    api.state.delete_namespace("a")
    ctl.give_back(first)
    api.state.create_namespace("d")
    assert ctl.ensure("d") == first  # the lowest free block again


def test_existing_annotations_are_respected_at_start(api: FakeAPIServer) -> None:
    api.state.create_namespace("legacy", {OPENSHIFT_ANNOTATION: f"{SPACE.base}/{SPACE.block}"})
    api.state.create_namespace("new")
    ctl = Controller(api.core_api(), HOME, SPACE)
    thread = threading.Thread(target=ctl.run, kwargs={"watch_timeout": 2})
    thread.start()
    try:
        assert wait_for(lambda: api.state.annotation("new", OPENSHIFT_ANNOTATION) is not None)
    finally:
        ctl.stop()
        thread.join(10)
    assert api.state.annotation("legacy", OPENSHIFT_ANNOTATION) == f"{SPACE.base}/{SPACE.block}"
    assert parse_range(api.state.annotation("new", OPENSHIFT_ANNOTATION) or "").start != SPACE.base


def test_webhook_in_cluster_mode_reads_ranges_from_the_watch(
    api: FakeAPIServer, tmp_path: Path, pki: PKI
) -> None:
    api.state.create_namespace(
        "shop", {OPENSHIFT_ANNOTATION: "1000680000/10000", "openshift.io/sa.scc.mcs": "s0:c26,c5"}
    )
    api.state.create_namespace("fresh")
    server = start_server(
        tmp_path,
        pki.ca.path,
        pki.cert,
        pki.key,
        "--kubeconfig",
        str(api.kubeconfig(tmp_path)),
        "--audit",
        f"sqlite:{tmp_path / 'audit.db'}",
    )
    try:
        answer = server.post("/mutate", pod_review("shop"))
        assert answer["response"]["allowed"] is True
        ops = patch_of(answer)
        containers = [op for op in ops if op["path"].startswith("/spec/containers/")]
        assert all(op["value"]["runAsUser"] == 1000680000 for op in containers)
        level = [op for op in ops if op["path"] == "/spec/securityContext/seLinuxOptions"]
        assert level and level[0]["value"] == {"level": "s0:c26,c5"}
        # No range yet: a clear, retryable denial (and no write to the API server).
        writes_before = [r for r in api.state.requests if not r.startswith("GET")]
        resp = server.post("/mutate", pod_review("fresh"))["response"]
        assert resp["allowed"] is False and resp["status"]["code"] == 503
        assert (
            "no UID range yet" in resp["status"]["message"] and "retry" in resp["status"]["message"]
        )
        assert [r for r in api.state.requests if not r.startswith("GET")] == writes_before
        # The controller (here: the CLI) allocates; the watch brings it to the webhook.
        out = subprocess.run(
            [
                *UNROOT,
                "namespaces",
                "allocate",
                "fresh",
                "--kubeconfig",
                str(api.kubeconfig(tmp_path)),
                "--namespace",
                HOME,
            ],
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        assert wait_for(lambda: server.post("/mutate", pod_review("fresh"))["response"]["allowed"])
        listing = subprocess.run(
            [*UNROOT, "namespaces", "list", "--kubeconfig", str(api.kubeconfig(tmp_path))],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "shop\t1000680000/10000" in listing and "fresh\t1000000000/10000" in listing
    finally:
        assert server.stop() == 0, server.stderr()


def test_standalone_namespaces_cli(tmp_path: Path) -> None:
    state = str(tmp_path / "s.db")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*UNROOT, "namespaces", *args, "--state", state], capture_output=True, text=True
        )

    assert run("allocate", "a").stdout.split("\t")[1].strip() == "1000000000/10000"
    assert run("allocate", "b").stdout.split("\t")[1].strip() == "1000010000/10000"
    assert run("allocate", "a").stdout.split("\t")[1].strip() == "1000000000/10000"
    assert run("release", "a").returncode == 0
    assert run("allocate", "c").stdout.split("\t")[1].strip() == "1000000000/10000"
    names = [line.split("\t")[0] for line in run("list").stdout.splitlines()]
    assert names == ["c", "b"]
    missing = run("release", "zzz")
    assert missing.returncode == 2 and "has no range" in missing.stderr

"""``unroot run`` prints what it runs and always removes its container; ``unroot verify`` and
``unroot run`` end promptly on SIGTERM and Ctrl-C (SIGINT) with nothing left behind."""

from __future__ import annotations

import itertools
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

import pytest

from unroot.runtime.podman import Podman
from unroot.runtime.ports import PortAllocator

from .conftest import CliResult, containers_of

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

Unroot = Callable[..., CliResult]


def test_run_as_an_arbitrary_uid_and_print_the_podman_line(
    images: dict[str, str], unroot: Unroot, podman: Podman
) -> None:
    res = unroot(
        "run",
        images["good"],
        "--",
        "sh",
        "-c",
        "id -u; id -g; grep CapEff /proc/self/status; exit 3",
    )
    assert res.returncode == 3
    uid, gid, cap = res.stdout.split("\n")[:3]
    assert (uid, gid) == ("1000680000", "0")
    assert cap.split()[-1] == "0" * 16
    line = next(ln for ln in res.stderr.splitlines() if "podman run" in ln)
    argv = shlex.split(line.removeprefix("unroot: "))
    assert argv[:2] == ["podman", "run"]
    assert "--user" in argv and argv[argv.index("--user") + 1] == "1000680000:0"
    assert (
        argv[-5:] == [images["good"], "sh", "-c", argv[-2], "exit 3"][:0] or images["good"] in argv
    )
    assert containers_of(podman, images["good"]) == []


def test_dry_run_applies_the_port_label_and_overrides(
    images: dict[str, str], unroot: Unroot
) -> None:
    res = unroot("run", "--dry-run", images["labelled"])
    assert res.returncode == 0
    argv = shlex.split(res.stdout.splitlines()[0])
    assert ("--publish", "80:8080/tcp") in itertools.pairwise(argv)
    res = unroot("run", "--dry-run", "-p", "18080:8080", "--uid", "1234", images["labelled"])
    argv = shlex.split(res.stdout.splitlines()[0])
    assert ("--publish", "18080:8080/tcp") in itertools.pairwise(argv)
    assert "80:8080/tcp" not in argv
    assert ("--user", "1234:0") in itertools.pairwise(argv)


def test_run_publishes_the_port_and_serves(images: dict[str, str], podman: Podman) -> None:
    with PortAllocator().allocate() as lease:
        proc = subprocess.Popen(
            [sys.executable, "-m", "unroot", "run", "-p", f"{lease.port}:8080", images["labelled"]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        body = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not body:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{lease.port}/index.html", timeout=2
                ) as r:
                    body = r.read()
            except OSError:
                time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert body == b"hello from an arbitrary UID\n"
    assert containers_of(podman, images["labelled"]) == []


def _wait_for_container(podman: Podman, image: str, timeout: float = 120) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = containers_of(podman, image)
        if names:
            return names
        time.sleep(0.2)
    raise AssertionError(f"no container of {image} appeared")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_verify_cleans_up_on_signals(
    sig: signal.Signals, images: dict[str, str], podman: Podman
) -> None:
    image = images["hang"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "unroot",
            "verify",
            image,
            "--timeout",
            "300",
            "--probe",
            "tcp:8080",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _wait_for_container(podman, image)
    time.sleep(0.5)
    started = time.monotonic()
    os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    assert time.monotonic() - started < 60
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert out == ""
    assert containers_of(podman, image) == []


def test_run_cleans_up_on_ctrl_c(images: dict[str, str], podman: Podman) -> None:
    image = images["hang"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "unroot", "run", image],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _wait_for_container(podman, image)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)  # the terminal sends it to the whole foreground group
    proc.communicate(timeout=120)
    assert containers_of(podman, image) == []


def test_detached_run_prints_the_id_and_is_removed_when_it_stops(
    images: dict[str, str], unroot: Unroot, podman: Podman
) -> None:
    res = unroot("run", "--detach", images["hang"])
    assert res.returncode == 0, res.stderr
    cid = res.stdout.strip()
    try:
        state = podman.container_inspect(cid)["State"]
        assert state["Running"] is True
        assert podman.processes(cid)[0]["huser"] == "1000680000"
    finally:
        podman.run_cmd(["stop", "--time", "0", cid], check=False)
    deadline = time.monotonic() + 60
    while containers_of(podman, images["hang"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert containers_of(podman, images["hang"]) == []

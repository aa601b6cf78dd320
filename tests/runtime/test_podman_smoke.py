"""The adapter really runs a restricted container here, which proves the quirk detection.

Without the generated containers.conf and flags, ``podman run`` on this host kind fails with
"error setting rlimit type 7"; with them, an arbitrary-UID, no-capability container serves HTTP.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from unroot.runtime.podman import Podman, PortMapping, RunSpec

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ARBITRARY_UID = "1000680000:0"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_get(url: str, deadline: float) -> bytes:
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                body: bytes = resp.read()
                return body
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = exc
            time.sleep(0.2)
    raise AssertionError(f"no HTTP answer from {url}: {last}")


def test_restricted_httpd_serves_a_file(podman: Podman, build_image: Callable[..., str]) -> None:
    page = "unroot smoke: served as an arbitrary UID\n"
    tag = build_image(
        "httpd-smoke",
        "FROM localhost/unroot-base/busybox:latest\n"
        "COPY www/ /www/\n"
        "RUN chgrp -R 0 /www && chmod -R g=u /www\n",
        {"www/index.html": page},
    )
    port = free_port()
    spec = RunSpec(
        image=tag,
        command=("httpd", "-f", "-p", "8080", "-h", "/www"),
        user=ARBITRARY_UID,
        cap_drop=("ALL",),
        security_opts=("no-new-privileges",),
        ports=(PortMapping(port, 8080),),
    )
    with podman.container(spec) as cid:
        body = http_get(f"http://127.0.0.1:{port}/index.html", time.monotonic() + 30)
        assert body.decode() == page, podman.logs(cid)
        procs = podman.processes(cid)
        assert [p["comm"] for p in procs] == ["httpd"]
        assert procs[0]["user"] == "1000680000"
        state = podman.container_inspect(cid)["State"]
        assert state["Running"] is True
        whoami = podman.exec(cid, ["id", "-u"]).stdout.strip()
        assert whoami == "1000680000"
    assert podman.run_cmd(["container", "exists", cid], check=False).returncode == 1


def test_run_reports_the_process_identity(podman: Podman, base_images: dict[str, str]) -> None:
    spec = RunSpec(
        image=base_images["busybox"],
        command=("sh", "-c", "id -u; id -g; grep CapEff /proc/self/status"),
        user=ARBITRARY_UID,
        cap_drop=("ALL",),
        security_opts=("no-new-privileges",),
        network="none",
    )
    out = podman.run(spec, timeout=120).stdout.split()
    assert out[:2] == ["1000680000", "0"]
    assert int(out[3], 16) == 0, "all capabilities dropped"


def test_detected_ulimit_workaround_is_needed_and_enough(
    podman: Podman, base_images: dict[str, str], tmp_path: Path
) -> None:
    """With podman's defaults (an empty containers.conf) a run fails here; with ours it works."""
    if "default_ulimits" not in podman.settings.containers_conf:
        pytest.skip("this host lets podman raise rlimits: no workaround detected or needed")
    empty = tmp_path / "empty.conf"
    empty.write_text("")
    argv = [*podman.command(["run", "--rm", "--network", "none", base_images["busybox"], "true"])]
    bare = subprocess.run(
        argv, env={**podman.env(), "CONTAINERS_CONF": str(empty)}, capture_output=True, text=True
    )
    assert bare.returncode != 0
    assert "rlimit" in bare.stderr
    ours = subprocess.run(argv, env=podman.env(), capture_output=True, text=True)
    assert ours.returncode == 0, ours.stderr

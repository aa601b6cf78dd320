"""Images and helpers for the run/verify end-to-end tests.

Broken images are small busybox (or Debian base, no apt) images, each broken in exactly one way
a user would break it; the ``good`` image is the same service prepared for an arbitrary UID.
The 14 Debian daemon images come from ``tests/daemon_images.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from unroot.runtime.podman import Podman

BUSYBOX = "FROM localhost/unroot-base/busybox:latest\n"
DEBIAN = "FROM localhost/unroot-base/debian:bookworm\n"
WWW = {"www/index.html": "hello from an arbitrary UID\n"}
PREPARED_WWW = "COPY www/ /www/\nRUN chgrp -R 0 /www && chmod -R g=u /www\n"

IMAGES: dict[str, tuple[str, dict[str, str]]] = {
    # serves on 8080 from a group-0 writable /www: works as any UID
    "good": (
        BUSYBOX + PREPARED_WWW + 'EXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n',
        WWW,
    ),
    # a data directory left root-owned: the service writes its state file there at start
    "datadir": (
        BUSYBOX
        + PREPARED_WWW
        + "RUN mkdir -p /var/lib/app\nEXPOSE 8080\n"
        + 'CMD ["sh", "-c", "echo started > /var/lib/app/state '
        + '&& exec httpd -f -p 8080 -h /www"]\n',
        WWW,
    ),
    # "listen 80" left in place
    "port80": (
        BUSYBOX + PREPARED_WWW + 'EXPOSE 80\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n',
        WWW,
    ),
    # a privilege drop left in place (util-linux setpriv, as entrypoint scripts use it)
    "drop": (
        DEBIAN + 'EXPOSE 8080\nCMD ["setpriv", "--reuid=daemon", "--regid=daemon", '
        '"--init-groups", "--", "sleep", "600"]\n',
        {},
    ),
    # truly needs root: chowns its content and binds port 80
    "needsroot": (
        BUSYBOX
        + "COPY www/ /www/\nEXPOSE 80\n"
        + 'CMD ["sh", "-c", "chown -R 1:1 /www && exec httpd -f -p 80 -h /www"]\n',
        WWW,
    ),
    # writes a cache directory at start: fine read-write, needs a tmpfs read-only
    "cache": (
        BUSYBOX
        + PREPARED_WWW
        + "RUN mkdir -p /var/cache && chgrp 0 /var/cache && chmod g=u /var/cache\nEXPOSE 8080\n"
        + 'CMD ["sh", "-c", "mkdir -p /var/cache/app && exec httpd -f -p 8080 -h /www"]\n',
        WWW,
    ),
    # never listens: readiness must time out
    "hang": (BUSYBOX + 'EXPOSE 8080\nCMD ["sleep", "600"]\n', {}),
    # accepts connections and never answers
    "mute": (BUSYBOX + 'EXPOSE 8080\nCMD ["nc", "-ll", "-p", "8080", "-e", "sleep", "600"]\n', {}),
    # the label unroot fix writes: the service moved from 80 to 8080
    "labelled": (
        BUSYBOX
        + PREPARED_WWW
        + 'LABEL io.unroot.ports="80:8080"\nEXPOSE 80\n'
        + 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n',
        WWW,
    ),
}


@pytest.fixture(scope="session")
def images(build_image: Callable[..., str]) -> dict[str, str]:
    """name -> tag of every test image (built once, cached by content)."""
    return {
        name: build_image(f"verify-{name}", containerfile, files)
        for name, (containerfile, files) in IMAGES.items()
    }


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data


@pytest.fixture(scope="session")
def unroot(podman: Podman, repo_root: Path) -> Callable[..., CliResult]:
    """``unroot(*args, timeout=...)``: the real CLI in a subprocess; never a traceback."""

    def run(*args: str, timeout: float = 300) -> CliResult:
        proc = subprocess.run(
            [sys.executable, "-m", "unroot", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ},
            check=False,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture(scope="session")
def verify_schema(repo_root: Path) -> Callable[[dict[str, Any]], None]:
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads((repo_root / "docs" / "verify.schema.json").read_text())

    def check(doc: dict[str, Any]) -> None:
        jsonschema.validate(doc, schema)

    return check


def containers_of(podman: Podman, image: str) -> list[str]:
    """Names of containers (any state) created from ``image`` by unroot."""
    proc = podman.run_cmd(
        ["ps", "--all", "--filter", f"ancestor={image}", "--filter", "label=io.unroot.session",
         "--format", "{{.Names}}"],
        check=False,
    )  # fmt: skip
    return proc.stdout.split()


@pytest.fixture(scope="session")
def userns_storage(podman: Podman, base_images: dict[str, str]) -> None:
    """Skip when this host's podman storage cannot mount an image for a user namespace of
    the size ``--userns`` asks for.

    The subordinate ranges are set up by ``scripts/install_system_deps.sh``; what this
    catches is a container store whose overlay refuses the ID-mapped mount (podman then
    fails every such run with "mounting storage ... permission denied", whatever the
    image). That is a property of the host, not of unroot, and podman's own message is
    the reason given."""
    from unroot.runtime.profile import USERNS_SIZE

    if podman.rootless or podman.settings.userns_problem:
        return
    proc = podman.run_cmd(
        ["run", "--rm", f"--userns=auto:size={USERNS_SIZE}", base_images["busybox"], "true"],
        check=False,
        timeout=120,
    )
    if proc.returncode != 0:
        lines = (proc.stderr or "").strip().splitlines()
        reason = lines[-1][:160] if lines else f"exit {proc.returncode}"
        pytest.skip(f"podman cannot mount storage for --userns on this host: {reason}")

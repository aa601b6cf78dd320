"""Run a daemon image the way a restricted platform runs it, and record what happened.

The profile is the one OpenShift's restricted SCC applies: ``--user 1000680000:0
--cap-drop=ALL --security-opt no-new-privileges``. A run ends when the main process exits, when
the daemon answers its protocol probe, or after :data:`PATIENCE` seconds. The record keeps the
container log (where every daemon writes why it stopped), the exit code, and whether it served.
The container gets a terminal: vsftpd writes its "500 OOPS" reasons to file descriptor 0,
which without one is /dev/null.

Runs are cached in a directory shared by the test session's workers, keyed by image id, so each
image runs once per session whichever worker asks first.
"""

from __future__ import annotations

import fcntl
import json
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from daemon_images import DaemonImage
from daemon_probes import ProbeFailed, probe

if TYPE_CHECKING:
    from unroot.runtime.podman import Podman

RESTRICTED_USER = "1000680000:0"
PATIENCE = 20.0
"""Seconds to wait for a daemon to serve (MariaDB and PostgreSQL need a few)."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    image: str
    exited: bool
    exit_code: int
    served: bool
    answer: str
    """The probe's last answer or error."""
    log: str
    default_uid: int | None
    """UID of the image's first process when run as configured (no --user)."""


def run_restricted(podman: Podman, tag: str, daemon: DaemonImage) -> RunRecord:
    """Start ``tag`` under the restricted profile and watch it (see the module docstring)."""
    from unroot.runtime.podman import RunSpec

    name = f"unroot-test-run-{daemon.name}-{uuid.uuid4().hex[:8]}"
    spec = RunSpec(
        image=tag,
        user=RESTRICTED_USER,
        cap_drop=("ALL",),
        security_opts=("no-new-privileges",),
        name=name,
        detach=True,
        remove=False,
        extra_args=("--tty",),
    )
    podman.run(spec)
    served, answer, exited, code = False, "", False, 0
    try:
        deadline = time.monotonic() + PATIENCE
        while True:
            state = podman.container_inspect(name)
            if not state["State"]["Running"]:
                exited, code = True, int(state["State"]["ExitCode"])
                break
            address = state["NetworkSettings"]["IPAddress"]
            try:
                answer = probe(daemon.probe, address, daemon.port, daemon.query)
                served = True
                break
            except ProbeFailed as exc:
                answer = str(exc)
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        log = podman.logs(name)
    finally:
        podman.remove_container(name)
    return RunRecord(tag, exited, code, served, answer, log, default_uid(podman, tag))


def default_uid(podman: Podman, tag: str) -> int | None:
    """The UID the image's configured user resolves to, asked of the runtime itself."""
    proc = podman.run_cmd(
        ["run", "--rm", "--entrypoint", "id", tag, "-u"], check=False, timeout=120
    )
    text = proc.stdout.strip()
    return int(text) if text.isdigit() else None


def cached_run(podman: Podman, tag: str, daemon: DaemonImage, cache_dir: Path) -> RunRecord:
    """:func:`run_restricted` once per image id for everyone sharing ``cache_dir``."""
    image_id = podman.image_inspect(tag)["Id"]
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"run-{image_id}.json"
    with open(cache_dir / f"run-{image_id}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return RunRecord(**json.loads(path.read_text()))
        record = run_restricted(podman, tag, daemon)
        path.write_text(json.dumps(asdict(record)))
        return record

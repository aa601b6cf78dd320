"""``run``: an image under the restricted profile in the foreground, as ``podman run`` would.

The port map ``unroot fix`` recorded (``io.unroot.ports``) is published as it is written
(``80:8080`` binds host port 80 on every address, like ``podman run -p 80:8080``); ``-p`` pairs
replace the label's pair for the same container port or add new ones. The container is always
removed: podman's ``--rm`` when it ends by itself, and ``podman rm --force`` after a signal.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import replace

from unroot.runtime.container import new_name
from unroot.runtime.images import ImageFacts
from unroot.runtime.labels import PortPair, ports_from_labels, tmpfs_from_labels
from unroot.runtime.podman import Podman, RunSpec
from unroot.runtime.profile import SESSION_LABEL, RunOptions, build_spec, publish_pairs

STOP_GRACE = 10
WAIT_AFTER_STOP = 30.0


def published_pairs(facts: ImageFacts, given: Sequence[PortPair]) -> tuple[PortPair, ...]:
    """The label's pairs with ``given`` ones replacing those of the same container port."""
    out: dict[tuple[int, str], PortPair] = {
        (p.container, p.proto): p for p in ports_from_labels(facts.labels)
    }
    for pair in given:
        out[(pair.container, pair.proto)] = pair
    return tuple(out.values())


def plan(
    podman: Podman,
    facts: ImageFacts,
    *,
    publish: Sequence[PortPair] = (),
    uid: int | None = None,
    userns: bool = False,
    read_only: bool = False,
    tmpfs: tuple[str, ...] = (),
    command: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    name: str | None = None,
    detach: bool = False,
) -> RunSpec:
    """The ``podman run`` spec (pure apart from reading the adapter's host facts)."""
    token = new_name("run")[1]
    label_tmpfs = tmpfs_from_labels(facts.labels) if read_only else ()
    opts = RunOptions(
        image=facts.local,
        uid=uid,
        userns=userns,
        read_only=read_only,
        tmpfs=label_tmpfs + tmpfs,
        published=publish_pairs(published_pairs(facts, publish)),
        command=command,
        env=env or {},
        name=name or f"unroot-run-{token}",
        labels={SESSION_LABEL: token},
    )
    spec = build_spec(
        opts,
        rootless=podman.rootless,
        subuid_count=podman.facts.subuid_ranges if podman.facts else 0,
        detach=detach,
    )
    return replace(spec, remove=True)


def run_attached(
    podman: Podman,
    spec: RunSpec,
    *,
    interactive: bool = False,
    tty: bool = False,
    cancel: threading.Event | None = None,
) -> int:
    """Run ``spec`` in the foreground; returns podman's exit code. ``cancel`` (set by a signal
    handler) stops the container with a grace period, then removes it."""
    cancel = cancel or threading.Event()
    assert spec.name
    args = spec.to_args()
    flags = (["--interactive"] if interactive else []) + (["--tty"] if tty else [])
    argv = podman.command([args[0], *flags, *args[1:]])
    proc = subprocess.Popen(
        argv,
        env=podman.env(),
        stdin=None if interactive else subprocess.DEVNULL,
        start_new_session=not (interactive or tty),
    )
    try:
        while proc.poll() is None:
            if cancel.wait(0.1):
                podman.run_cmd(
                    ["stop", "--time", str(STOP_GRACE), spec.name],
                    check=False,
                    timeout=STOP_GRACE + 30,
                    isolate=True,
                )
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=WAIT_AFTER_STOP)
                break
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        podman.run_cmd(
            ["rm", "--force", "--time", "0", "--ignore", spec.name],
            check=False,
            timeout=60,
            isolate=True,
        )
    return proc.returncode if proc.returncode is not None else 1

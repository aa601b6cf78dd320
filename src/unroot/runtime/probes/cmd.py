"""Command probe: a program on the host, told where the container's ports are; exit 0 passes.

The command runs without a shell (write ``cmd:sh -c '...'`` for one), in its own session so
that a timeout kills everything it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

from unroot.runtime.probes.base import ProbeContext, ProbeResult
from unroot.runtime.probes.spec import PORT_PLACEHOLDER, ProbeSpec

DEFAULT_TIMEOUT = 10.0


def expand(argv: tuple[str, ...], ctx: ProbeContext) -> list[str]:
    def port(match: object) -> str:
        assert hasattr(match, "group")
        return str(ctx.host_port(int(match.group(1)), match.group(2) or "tcp"))

    return [PORT_PLACEHOLDER.sub(port, arg).replace("{host}", ctx.host) for arg in argv]


def probe(spec: ProbeSpec, ctx: ProbeContext) -> ProbeResult:
    argv = expand(spec.command, ctx)
    timeout = spec.timeout or DEFAULT_TIMEOUT
    env = {**os.environ, "UNROOT_PROBE_HOST": ctx.host}
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
    except OSError as exc:
        return ProbeResult(False, f"cannot run {argv[0]}: {exc.strerror}", answered=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return ProbeResult(False, f"{argv[0]} still running after {timeout:g}s (killed)")
    finally:
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    lines = [ln for ln in out.decode("utf-8", "replace").splitlines() if ln.strip()]
    last = lines[-1].strip()[:120] if lines else ""
    detail = f"{argv[0]} exited {proc.returncode}" + (f": {last}" if last else "")
    return ProbeResult(proc.returncode == 0, detail, answered=proc.returncode == 0)

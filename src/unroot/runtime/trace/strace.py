"""strace attached from the host to a container's init process before it is started.

Why strace, and why this way (measured in docs/verify.md): it reports each failed call with its
arguments and result, which a seccomp user-notify agent cannot (it sees a call before the
kernel decides, not the EACCES it ends with), and it needs no host-wide state, unlike audit
rules. Attaching to a running daemon would miss what fails in its first milliseconds, so unroot
creates the container, lets ``podman init`` build it (runc's init process then waits, with its
final UID and capabilities, for the start signal), attaches ``strace -f`` to that process, and
only then starts the container: the first instruction of the entrypoint is already traced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from unroot.errors import ToolError
from unroot.runtime.trace.events import Event, parse_lines

SYSCALLS = (
    # paths: open, create, remove, rename, link, execute, enter
    "open", "openat", "openat2", "creat", "mkdir", "mkdirat", "mknod", "mknodat", "unlink",
    "unlinkat", "rmdir", "rename", "renameat", "renameat2", "link", "linkat", "symlink",
    "symlinkat", "truncate", "utimensat", "access", "faccessat", "faccessat2", "execve",
    "execveat", "chdir",
    # ports and sockets
    "bind", "socket",
    # identity
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
    "setfsuid", "setfsgid", "capset",
    # ownership and modes
    "chown", "fchown", "lchown", "fchownat", "chmod", "fchmod", "fchmodat",
    # the host: mounts, limits, names, scheduling, memory locking, kernel
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "setrlimit", "prlimit64",
    "sethostname", "setdomainname", "setpriority", "sched_setscheduler", "mlockall",
    "iopl", "ioperm", "init_module", "finit_module", "settimeofday", "clock_settime", "swapon",
)  # fmt: skip
MAX_OUTPUT = 16 * 1024 * 1024
"""Bytes of trace read back; a daemon retrying a refused call in a loop cannot fill memory."""
ATTACH_TIMEOUT = 10.0


def strace_path() -> str | None:
    """strace on PATH (package strace), or None."""
    return shutil.which("strace")


OUTPUT_SYSCALLS = ("write", "writev", "pwrite64")
TraceMode = str
"""``failures``: refused calls; ``output``: what the processes wrote, wherever it went."""


def strace_argv(
    exe: str, pid: int, output: str, mode: TraceMode = "failures", string_limit: int = 512
) -> list[str]:
    """The strace command line (pure; ``?name`` skips calls this architecture lacks).

    ``output`` mode is for a program that fails without a word in the logs: it may have
    written its error to a descriptor podman does not collect (vsftpd writes to stdin, which
    is /dev/null in a detached container) or to its own log file.
    """
    if mode == "output":
        select = ["-e", "trace=" + ",".join("?" + n for n in OUTPUT_SYSCALLS)]
    else:
        select = ["-e", "trace=" + ",".join("?" + n for n in SYSCALLS), "-e", "status=failed"]
    return [
        exe,
        "-f",
        "-q",
        "-ttt",
        "-yy",
        "-s",
        str(string_limit),
        *select,
        "-e",
        "signal=none",
        "-o",
        output,
        "-p",
        str(pid),
    ]


@dataclass(slots=True)
class TraceResult:
    events: list[Event] = field(default_factory=list)
    truncated: bool = False
    error: str | None = None


class Tracer:
    """One strace process attached to one container's init process."""

    def __init__(self, pid: int, exe: str | None = None, mode: TraceMode = "failures") -> None:
        found = exe or strace_path()
        if found is None:
            raise ToolError("tracing needs strace (apt-get install strace)")
        self.pid = pid
        self._dir = tempfile.mkdtemp(prefix="unroot-trace-")
        self.output = os.path.join(self._dir, "trace.txt")
        self._stderr = os.path.join(self._dir, "stderr.txt")
        self._proc: subprocess.Popen[bytes] | None = None
        self.mode = mode
        self.argv = strace_argv(found, pid, self.output, mode)

    def start(self) -> None:
        """Attach, and return only once strace holds every thread of the process."""
        with open(self._stderr, "wb") as err:
            self._proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        deadline = time.monotonic() + ATTACH_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ToolError(f"strace could not attach to pid {self.pid}: {self._error()}")
            if _traced_by(self.pid, self._proc.pid):
                return
            time.sleep(0.002)
        self.stop()
        raise ToolError(f"strace did not attach to pid {self.pid} within {ATTACH_TIMEOUT:g}s")

    def stop(self, grace: float = 5.0) -> TraceResult:
        """Detach (strace ends by itself once every traced process has exited) and parse."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(OSError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        return self._collect()

    def kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)

    def _collect(self) -> TraceResult:
        result = TraceResult()
        try:
            with open(self.output, "rb") as fh:
                data = fh.read(MAX_OUTPUT + 1)
        except OSError:
            result.error = self._error() or "no trace written"
            return result
        if len(data) > MAX_OUTPUT:
            data = data[: data.rfind(b"\n", 0, MAX_OUTPUT) + 1]
            result.truncated = True
        text = data.decode("utf-8", "surrogateescape")
        result.events = list(parse_lines(text.splitlines()))
        return result

    def _error(self) -> str:
        try:
            lines = Path(self._stderr).read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return next((ln.strip() for ln in reversed(lines) if ln.strip()), "")

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self._dir, ignore_errors=True)


def _traced_by(pid: int, tracer: int) -> bool:
    """Every thread of ``pid`` reports ``tracer`` as its TracerPid."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/status", encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            return False
        line = next((ln for ln in text.splitlines() if ln.startswith("TracerPid:")), "")
        if line.split(":", 1)[-1].strip() != str(tracer):
            return False
    return True

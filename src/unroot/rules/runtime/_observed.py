"""What the runtime rules read about one run: the refusals it saw (from a trace or the logs),
the files they concern, and how findings word the evidence. Pure data; ``unroot.runtime``
fills it from strace, the logs and the container's filesystem."""

from __future__ import annotations

import stat as stat_mod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from unroot.findings import Evidence, Severity

KINDS = ("path", "read_only", "ownership", "port", "identity", "capability", "host")
"""``path``: access refused by file modes; ``read_only``: EROFS; ``ownership``: the program
refused a path owned by someone else (only logs say so); ``port``: bind below 1024;
``identity``: setuid/setgid/setgroups; ``capability``: an operation that needs one;
``host``: a change to the host (mount, sysctl, clock, limits)."""


@dataclass(frozen=True, slots=True)
class PathInfo:
    """lstat of a path inside the container's root (``path`` as the container names it)."""

    path: str
    uid: int
    gid: int
    mode: int

    @property
    def is_dir(self) -> bool:
        return stat_mod.S_ISDIR(self.mode)

    @property
    def perms(self) -> str:
        return f"{stat_mod.S_IMODE(self.mode):04o}"


Stat = Callable[[str], PathInfo | None]
"""lstat-like lookups in the container's filesystem, symlinks followed inside it."""


@dataclass(frozen=True, slots=True)
class Denial:
    """One thing the container was refused (or, from a log, said it was refused)."""

    kind: str
    what: str
    """A short description: ``openat /run/x.pid for writing``."""
    source: str = "trace"
    """``trace`` or ``log``."""
    syscall: str = ""
    errno: str = ""
    args: tuple[str, ...] = ()
    raw: str = ""
    """The strace line or the log line."""
    pid: int = 0
    time: float = 0.0
    path: str | None = None
    access: str | None = None
    """For paths: ``write``, ``read``, ``exec`` or ``search``."""
    check_only: bool = False
    """An ``access()`` test: the program asked, and may cope with the answer."""
    port: int | None = None
    proto: str | None = None
    capability: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        """What the denial is about, for de-duplication and for matching against logs."""
        if self.port is not None:
            return f"{self.port}/{self.proto or 'tcp'}"
        return self.path or self.capability or self.syscall


OBSERVED = "observed at run time"
"""The mark every discovery finding carries (``data.observed`` and the evidence detail)."""

ENTRY_CALLS = frozenset(
    {"mkdir", "mkdirat", "mknod", "mknodat", "unlink", "unlinkat", "rmdir", "rename"}
    | {"renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "bind"}
)
"""Calls that add or remove a directory entry: the directory's mode decides."""


@dataclass(slots=True)
class Observed:
    """One run's denials with what is known around them."""

    denials: list[Denial]
    failed: bool
    """The run failed (start, probe or proof): denials are candidate causes, not noise."""
    likely: set[int] = field(default_factory=set)
    """Indexes into ``denials`` of the likely causes (named in the logs, or the last refusal
    of a process that then exited with an error)."""
    uid: int | None = None
    """The UID the processes ran as inside the container (None: unknown)."""
    gids: tuple[int, ...] = (0,)
    stat: Stat | None = None
    """lstat-like lookups in the container's filesystem (None: not available, e.g. rootless)."""
    names: Mapping[int, str] = field(default_factory=dict)
    """Host PID -> process name, from the samples."""
    started: float = 0.0
    """Wall-clock time the container was started (trace timestamps are relative to it)."""
    ports: tuple[int, ...] = ()
    """Container ports the run probed (names the port of a log line that does not)."""

    def severity(self, index: int) -> Severity:
        if not self.failed:
            return Severity.INFO
        return Severity.ERROR if index in self.likely else Severity.WARNING

    def evidence(self, denial: Denial) -> Evidence:
        """The syscall (or log line) as evidence, marked as observed."""
        who = self.names.get(denial.pid, "")
        if denial.source != "trace":
            where = "container log" if denial.source == "log" else "written outside the logs"
            return Evidence(
                path=(denial.path or "").lstrip("/") or None,
                value=denial.raw[:300],
                detail=f"{OBSERVED} ({where})",
            )
        at = f" +{denial.time - self.started:.3f}s" if self.started and denial.time else ""
        proc = f" by pid {denial.pid}" + (f" ({who})" if who else "")
        return Evidence(
            path=(denial.path or "").lstrip("/") or None,
            value=_call_text(denial),
            detail=f"{OBSERVED}: {denial.syscall} failed with {denial.errno}{proc}{at}",
        )

    def data(self, index: int, denial: Denial, **extra: object) -> dict[str, object]:
        """The structured facts every discovery finding carries, for ``unroot fix`` to read."""
        out: dict[str, object] = {
            "observed": OBSERVED,
            "source": denial.source,
            "likely_cause": index in self.likely,
        }
        if denial.source == "trace":
            out.update(
                syscall=denial.syscall,
                errno=denial.errno,
                args=list(denial.args),
                pid=denial.pid,
            )
            if denial.pid in self.names:
                out["process"] = self.names[denial.pid]
        else:
            out["log_line"] = denial.raw[:500]
        for key, value in extra.items():
            if value is not None:
                out[key] = value
        return out


def _call_text(denial: Denial) -> str:
    raw = denial.raw
    # drop strace's "PID TIMESTAMP " prefix: the evidence carries both separately
    parts = raw.split(None, 2)
    text = parts[2] if len(parts) == 3 and parts[0].isdigit() else raw
    return text[:400]

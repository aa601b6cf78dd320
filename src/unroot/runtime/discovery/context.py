"""Everything the discovery rules read about one run, and how they word the evidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from unroot.findings import Evidence, Severity
from unroot.runtime.discovery.access import Stat
from unroot.runtime.discovery.denials import Denial

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

"""Why a run failed, observed rather than guessed: refused calls (or logged permission errors)
become findings in the scan's format, with categories ``unroot fix`` plans from.

:func:`discover` turns the trace and the logs into denials (``denials.py``, ``logscan.py``),
merges them, marks the likely causes, runs the ``runtime`` rules (``unroot.rules.runtime``,
UR601-UR606, pure functions of :class:`Observed`) and removes repeats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from unroot.findings import Finding
from unroot.rules.base import Rule, rules_of
from unroot.rules.runtime._observed import OBSERVED, Denial, Observed, Stat
from unroot.runtime.discovery.denials import from_syscall
from unroot.runtime.discovery.logscan import from_logs
from unroot.runtime.trace.events import Event, Exit, Syscall

__all__ = ["OBSERVED", "Observed", "denials_from_trace", "discover", "runtime_rules"]


def runtime_rules() -> tuple[Rule, ...]:
    """The UR6xx rules, in id order."""
    return rules_of("runtime")


def denials_from_trace(events: Iterable[Event]) -> list[Denial]:
    out = []
    for event in events:
        if isinstance(event, Syscall):
            denial = from_syscall(event)
            if denial is not None:
                out.append(denial)
    return out


def discover(
    *,
    events: Sequence[Event] | None,
    logs: str,
    failed: bool,
    uid: int | None,
    gids: tuple[int, ...] = (0,),
    stat: Stat | None = None,
    names: Mapping[int, str] | None = None,
    started: float = 0.0,
    output: str = "",
    ports: Sequence[int] = (),
) -> list[Finding]:
    """Findings for one run. ``events`` None: no trace was taken, the logs are all there is.
    ``output``: what the processes wrote where podman does not collect it (an output trace)."""
    traced = _anchor_relative(
        denials_from_trace(events) if events is not None else [], logs + output
    )
    logged = from_logs(logs) + from_logs(output, "output")
    denials = list(traced)
    covered = {(d.kind, d.subject) for d in traced} | {("port", d.subject) for d in traced}
    for d in logged:
        if d.kind == "port" and d.port is None and any(t.kind == "port" for t in traced):
            continue
        if (d.kind, d.subject) in covered or _mentioned(d, traced):
            continue
        if traced and d.kind in ("path", "capability", "host"):
            continue  # the trace saw every such call; an unmatched log line is about the past
        denials.append(d)
    likely = _likely(denials, events or (), logs + output) if failed else set()
    obs = Observed(
        denials=denials,
        failed=failed,
        likely=likely,
        uid=uid,
        gids=gids,
        stat=stat,
        names=dict(names or {}),
        started=started,
        ports=tuple(ports),
    )
    findings: list[tuple[int, Finding]] = []
    seen: set[tuple[str, str, str]] = set()
    text = logs + "\n" + output
    for rule in runtime_rules():
        for finding in rule.check(obs):
            key = (finding.rule, str(finding.data.get("path") or finding.data.get("port")),
                   finding.message)  # fmt: skip
            if key in seen:
                continue
            seen.add(key)
            findings.append((_tier(finding, text), finding))
    findings.sort(key=lambda pair: pair[0])
    return [f for _, f in findings]


_STRONG = re.compile(r"fatal|emerg|\bcrit|\berror\b|\balert\b|\bERR\b|OOPS", re.IGNORECASE)
_WEAK = re.compile(r"cannot|can't|unable|failed|refus|denied|not permitted", re.IGNORECASE)


def _tier(finding: Finding, logs: str) -> int:
    """Order: likely causes the daemon called an error first, then those it only mentioned,
    then likely causes it did not log, then the rest."""
    if not finding.data.get("likely_cause"):
        return 3
    lines = [str(finding.data["log_line"])] if "log_line" in finding.data else []
    subject = finding.data.get("path") or finding.data.get("port")
    if subject is not None and not lines:
        needle = str(subject)
        lines = [ln for ln in logs.splitlines() if needle in ln]
        name = needle.rsplit("/", 1)[-1]
        if not lines and needle.startswith("/") and len(name) >= 4:
            # daemons often print the path they opened, relative to their directory
            lines = [ln for ln in logs.splitlines() if name in ln]
    if any(_STRONG.search(ln) for ln in lines):
        return 0
    if any(_WEAK.search(ln) for ln in lines):
        return 1
    return 2


def _anchor_relative(denials: list[Denial], logs: str) -> list[Denial]:
    """Give relative paths (a plain ``mkdir("apache2")`` after a ``chdir`` the failure-only
    trace does not show) the absolute path the logs name, when exactly one ends with it."""
    out = []
    for d in denials:
        if d.path and not d.path.startswith("/"):
            tail = "/" + d.path.lstrip("./")
            found = {m for m in re.findall(r"/[\w.+@%~/-]+", logs) if m.endswith(tail)}
            if len(found) == 1:
                path = found.pop()
                d = replace(d, path=path, what=d.what.replace(d.path, path, 1))
        out.append(d)
    return out


def _mentioned(log: Denial, traced: Sequence[Denial]) -> bool:
    """A log line about something the trace already shows (same path, port or identity).

    Ownership complaints never are: the daemon decides them from stat(), which succeeds.
    """
    if log.kind == "ownership":
        return False
    for d in traced:
        if log.path and d.path and (log.path == d.path or d.path.startswith(log.path + "/")):
            return True
        if log.port is not None and d.port == log.port:
            return True
        if log.kind == "identity" and d.kind == "identity":
            return True
    return False


def _likely(denials: Sequence[Denial], events: Iterable[Event], logs: str) -> set[int]:
    """The denials that most probably made the run fail.

    A denial is likely when the logs name its path or port (the daemon reported it), or when
    it is the last refusal of a process that then exited with an error. Log-sourced denials
    are likely by construction: the daemon printed them.
    """
    likely = {i for i, d in enumerate(denials) if _named_in_logs(d, logs)}
    failed_exits = {
        e.pid: e.time
        for e in events
        if isinstance(e, Exit) and (e.signal is not None or (e.code or 0) != 0)
    }
    for pid, when in failed_exits.items():
        last = None
        for i, d in enumerate(denials):
            if d.pid == pid and d.time <= when and not d.check_only:
                last = i
        if last is not None:
            likely.add(last)
    return likely


def _named_in_logs(d: Denial, logs: str) -> bool:
    if d.source != "trace":
        return True
    if d.path and not d.check_only:
        name = d.path.rsplit("/", 1)[-1]
        # also "./ddl_recovery.log": daemons print paths relative to their directory
        return d.path in logs or (
            len(name) >= 4 and re.search(rf"\./{re.escape(name)}\b", logs) is not None
        )
    if d.port is not None:
        return _port_in(d.port, logs)
    return d.kind == "identity" and _identity_in(logs)


def _port_in(port: int, logs: str) -> bool:
    return re.search(rf"(?<![\d.]){port}(?!\d)", logs) is not None


def _identity_in(logs: str) -> bool:
    lowered = logs.lower()
    return any(w in lowered for w in ("setgid", "setuid", "setgroups", "initgroups", "user"))

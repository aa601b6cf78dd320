"""What ``verify`` returns: the verdict and its evidence, as typed data with a stable JSON form.

The JSON form (:meth:`VerifyResult.to_dict`) is documented in docs/verify.md and validated
against docs/verify.schema.json by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from unroot.findings import Finding
from unroot.runtime.identity import cap_names
from unroot.runtime.procs import Observation

PASS = "pass"
FAIL = "fail"
ERROR = "error"


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    spec: str
    kind: str
    port: int | None
    proto: str
    ok: bool
    detail: str
    attempts: int
    ready_after: float | None
    """Seconds from the container's start until the probe first passed."""
    derived: str | None = None
    """Why this probe was chosen, when unroot derived it."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "kind": self.kind,
            "port": self.port,
            "proto": self.proto,
            "ok": self.ok,
            "detail": self.detail,
            "attempts": self.attempts,
            "ready_after": self.ready_after,
            "derived": self.derived,
        }


@dataclass(frozen=True, slots=True)
class ProcessView:
    """One identity one process had, in the host's and the container's view."""

    pid: int
    container_pid: int
    name: str
    host_uids: tuple[int, int, int, int]
    host_gids: tuple[int, int, int, int]
    container_uids: tuple[int | None, ...]
    container_gids: tuple[int | None, ...]
    cap_eff: int
    cap_prm: int
    cap_amb: int
    no_new_privs: int | None
    user_namespace: bool
    uid_map: str
    first_seen: float
    last_seen: float
    samples: int
    run: int = 1
    """Which container run (1, or 2 for the traced re-run) saw it."""

    @classmethod
    def of(cls, obs: Observation, run: int = 1) -> ProcessView:
        st = obs.status
        return cls(
            pid=st.pid,
            container_pid=st.ns_pid,
            name=st.name,
            host_uids=st.uids,
            host_gids=st.gids,
            container_uids=obs.container_uids,
            container_gids=obs.container_gids,
            cap_eff=st.cap_eff,
            cap_prm=st.cap_prm,
            cap_amb=st.cap_amb,
            no_new_privs=st.no_new_privs,
            user_namespace=obs.in_userns,
            uid_map=obs.uid_map,
            first_seen=round(obs.first_seen, 4),
            last_seen=round(obs.last_seen, 4),
            samples=obs.samples,
            run=run,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "container_pid": self.container_pid,
            "name": self.name,
            "host": {"uid": list(self.host_uids), "gid": list(self.host_gids)},
            "container": {"uid": list(self.container_uids), "gid": list(self.container_gids)},
            "cap_eff": f"{self.cap_eff:016x}",
            "cap_prm": f"{self.cap_prm:016x}",
            "cap_amb": f"{self.cap_amb:016x}",
            "capabilities": cap_names(self.cap_eff | self.cap_prm | self.cap_amb),
            "no_new_privs": self.no_new_privs,
            "user_namespace": self.user_namespace,
            "uid_map": self.uid_map,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "samples": self.samples,
            "run": self.run,
        }


@dataclass(slots=True)
class RunRecord:
    """One container run (the first, and a traced re-run when the first failed)."""

    number: int
    traced: bool
    container: str
    ok: bool = False
    failure: str | None = None
    exited: bool = False
    exit_code: int | None = None
    duration: float = 0.0
    sample_rounds: int = 0
    sample_interval: float = 0.0
    trace_events: int | None = None
    trace_error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.number,
            "traced": self.traced,
            "container": self.container,
            "ok": self.ok,
            "failure": self.failure,
            "exited": self.exited,
            "exit_code": self.exit_code,
            "duration": round(self.duration, 3),
            "sample_rounds": self.sample_rounds,
            "sample_interval": self.sample_interval,
            "trace_events": self.trace_events,
            "trace_error": self.trace_error,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


@dataclass(slots=True)
class VerifyResult:
    """The answer for one image: verdict, evidence, observed failures."""

    image: str
    verdict: str = ERROR
    image_id: str = ""
    mode: str = "restricted"
    user: str | None = None
    command: str = ""
    """The equivalent ``podman run`` line."""
    host_note: str | None = None
    reasons: list[str] = field(default_factory=list)
    probes: list[ProbeOutcome] = field(default_factory=list)
    processes: list[ProcessView] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    logs: str = ""
    uncollected_output: str = ""
    """What a silently failing program wrote where podman does not collect it (its own log
    file, /dev/null, a terminal), from an ``output`` trace."""
    runs: list[RunRecord] = field(default_factory=list)
    duration: float = 0.0
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.verdict == PASS

    def to_dict(self) -> dict[str, Any]:
        return {
            "image": self.image,
            "image_id": self.image_id,
            "verdict": self.verdict,
            "mode": self.mode,
            "user": self.user,
            "command": self.command,
            "host_note": self.host_note,
            "reasons": list(self.reasons),
            "probes": [p.to_dict() for p in self.probes],
            "processes": [p.to_dict() for p in self.processes],
            "violations": list(self.violations),
            "findings": [f.to_dict() for f in self.findings],
            "logs": self.logs,
            "uncollected_output": self.uncollected_output,
            "runs": [r.to_dict() for r in self.runs],
            "duration": round(self.duration, 3),
            "error": self.error,
        }

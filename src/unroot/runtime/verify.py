"""``verify``: run an image under the restricted profile, probe it, prove who its processes were,
and, when it fails, find out why from what its processes were refused.

This is the library entry point (``unroot verify`` and ``unroot fix --verify`` both call
:func:`verify`); it never prints. Every wait is bounded, every container it creates is removed
(also when ``cancel`` is set from a signal handler, or on any error), and host ports come from
:class:`~unroot.runtime.ports.PortAllocator`, so parallel verifies never share one.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal

from unroot.errors import ToolError, UnrootError
from unroot.findings import Finding
from unroot.runtime import rootfs
from unroot.runtime.container import Container, created, new_name
from unroot.runtime.identity import judge
from unroot.runtime.images import IMPORT_REPO, ImageFacts, configured_ports, local_image
from unroot.runtime.labels import ports_from_labels, tmpfs_from_labels
from unroot.runtime.podman import Podman
from unroot.runtime.ports import PortAllocator, PortLease
from unroot.runtime.probes.base import ProbeContext, attempt
from unroot.runtime.probes.registry import probe_for
from unroot.runtime.probes.spec import ProbeSpec
from unroot.runtime.procs import Observation, ProcessSampler
from unroot.runtime.profile import (
    SESSION_LABEL,
    Published,
    RunOptions,
    build_spec,
    equivalent_command,
    host_note,
)
from unroot.runtime.result import (
    ERROR,
    FAIL,
    PASS,
    ProbeOutcome,
    ProcessView,
    RunRecord,
    VerifyResult,
)
from unroot.runtime.trace.events import Event, uncollected_output
from unroot.runtime.trace.strace import Tracer, strace_path

TraceMode = Literal["on-failure", "always", "never"]
WRONG_ANSWER_GRACE = 5.0
"""A service that answers, but wrongly, gets this long to start answering right."""
RUNNING_CHECK = 3.0
"""Without a probe, the container must still run after this many seconds."""
EXIT_WAIT = 5.0
POLL_FIRST = 0.02
POLL_MAX = 0.25
"""Readiness polls start at 20 ms and back off to 250 ms: a fast service is seen within a few
milliseconds, a slow one costs at most four attempts a second."""


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    """How to run and judge one image (defaults: the restricted profile, derived probe)."""

    probes: tuple[ProbeSpec, ...] = ()
    uid: int | None = None
    userns: bool = False
    read_only: bool = False
    tmpfs: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 60.0
    """Seconds the service gets to pass its probes (from the container's start)."""
    probe_timeout: float = 2.0
    """Seconds one probe attempt may take."""
    trace: TraceMode = "on-failure"
    """``on-failure``: a failed run is repeated under strace to find out why; ``always``:
    the first run is traced; ``never``: the logs are the only source."""
    sample_interval: float = 0.02
    settle: float = 0.0
    """Seconds to keep watching (and sampling) after the probes passed."""
    host_ip: str = "127.0.0.1"


@dataclass(slots=True)
class _Plan:
    facts: ImageFacts
    probes: list[tuple[ProbeSpec, str | None]]
    """(probe, why it was derived or None when given)."""
    running_check: str | None = None


def verify(
    image: str,
    options: VerifyOptions | None = None,
    *,
    podman: Podman | None = None,
    ports: PortAllocator | None = None,
    cancel: threading.Event | None = None,
) -> VerifyResult:
    """Verify ``image``; problems with podman or the image give verdict ``error``, never raise."""
    options = options or VerifyOptions()
    cancel = cancel or threading.Event()
    started = time.monotonic()
    result = VerifyResult(image=image, mode="userns" if options.userns else "restricted")
    try:
        podman = podman or Podman.detect()
        ports = ports or PortAllocator()
        # with probes given, the image config is needed only for its tmpfs label
        needs_config = not options.probes or options.read_only
        with local_image(podman, image, inspect=needs_config) as facts:
            result.image_id = facts.id
            plan = _plan(podman, facts, options)
            _verify(podman, ports, plan, options, cancel, result)
    except UnrootError as exc:
        result.verdict = ERROR
        result.error = str(exc)
        result.reasons.append(str(exc))
    finally:
        result.duration = time.monotonic() - started
    return result


def verify_many(
    images: Sequence[str],
    options: VerifyOptions | None = None,
    *,
    jobs: int = 1,
    podman: Podman | None = None,
    cancel: threading.Event | None = None,
    on_done: Callable[[VerifyResult], None] | None = None,
) -> list[VerifyResult]:
    """Verify several images, ``jobs`` at a time; results in the order of ``images``."""
    podman = podman or Podman.detect()
    allocator = PortAllocator()
    cancel = cancel or threading.Event()

    def one(ref: str) -> VerifyResult:
        res = verify(ref, options, podman=podman, ports=allocator, cancel=cancel)
        if on_done is not None:
            on_done(res)
        return res

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="unroot-verify") as pool:
        return list(pool.map(one, images))


# -- planning ---------------------------------------------------------------------------------


def _plan(podman: Podman, facts: ImageFacts, options: VerifyOptions) -> _Plan:
    if options.probes:
        return _Plan(facts, [(p, None) for p in options.probes])
    from unroot.runtime.probes.derive import derive  # the daemon table: only when deriving

    argv = facts.argv(options.command)
    labelled = tuple((p.container, p.proto) for p in ports_from_labels(facts.labels))
    configured: tuple[tuple[int, str], ...] = ()
    if not labelled:
        configured = configured_ports(podman, facts, argv)
    derived = derive(argv, labelled=labelled, configured=configured, exposed=facts.exposed)
    if derived.probe is None:
        return _Plan(facts, [], running_check=derived.reason)
    return _Plan(facts, [(derived.probe, derived.reason)])


def _needed_ports(plan: _Plan) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for spec, _ in plan.probes:
        for key in spec.ports():
            if key not in out:
                out.append(key)
    return out


# -- running ----------------------------------------------------------------------------------


def _verify(
    podman: Podman,
    ports: PortAllocator,
    plan: _Plan,
    options: VerifyOptions,
    cancel: threading.Event,
    result: VerifyResult,
) -> None:
    tracer_exe = strace_path() if options.trace != "never" else None
    first_traced = options.trace == "always"
    if first_traced and tracer_exe is None:
        raise UnrootError("--trace always needs strace (apt-get install strace)")
    run1 = _Run(podman, ports, plan, options, cancel, number=1, traced=first_traced)
    run1.execute(result)
    runs = [run1]
    if (
        not run1.record.ok
        and options.trace == "on-failure"
        and tracer_exe is not None
        and not cancel.is_set()
    ):
        run2 = _Run(podman, ports, plan, options, cancel, number=2, traced=True)
        run2.execute(None)
        runs.append(run2)
    traced = runs[-1]
    if (
        traced.traced
        and traced.events is not None
        and not traced.record.ok
        and not any(f.data.get("likely_cause") for f in traced.findings)
        and not cancel.is_set()
    ):
        # refused calls explain nothing: look at what it wrote where podman does not look
        quiet = _Run(podman, ports, plan, options, cancel, number=len(runs) + 1, traced=True)
        quiet.trace_mode = "output"
        quiet.prior_events = traced.events
        quiet.execute(None)
        runs.append(quiet)
        result.uncollected_output = quiet.output
    result.runs = [r.record for r in runs]
    for run in runs:
        result.processes.extend(ProcessView.of(o, run.number) for o in run.observations)
    violations: list[str] = []
    for run in runs:
        violations.extend(str(v) for v in judge(run.observations, userns=options.userns))
    result.violations = list(dict.fromkeys(violations))
    first = runs[0]
    result.probes = first.outcomes
    result.logs = first.logs
    result.reasons = list(first.reasons)
    if result.violations:
        result.reasons.append(
            f"{len(result.violations)} identity violation(s): " + "; ".join(result.violations[:3])
        )
    if not any(r.observations for r in runs):
        result.reasons.append("no process of the container was observed")
    source = runs[-1] if len(runs) > 1 else first
    result.findings = source.findings
    if cancel.is_set():
        result.verdict = ERROR
        result.error = "cancelled"
        result.reasons.append("cancelled")
    elif first.record.ok and not result.violations and any(r.observations for r in runs):
        result.verdict = PASS
    else:
        result.verdict = FAIL
    if len(runs) > 1 and runs[1].record.ok and not first.record.ok:
        result.reasons.append("the traced re-run passed: the failure did not repeat")


class _Run:
    """One container run: create, init, attach, start, probe, collect, remove."""

    def __init__(
        self,
        podman: Podman,
        ports: PortAllocator,
        plan: _Plan,
        options: VerifyOptions,
        cancel: threading.Event,
        *,
        number: int,
        traced: bool,
    ) -> None:
        self.podman = podman
        self.ports = ports
        self.plan = plan
        self.options = options
        self.cancel = cancel
        self.number = number
        self.traced = traced
        name, self.token = new_name("verify")
        self.record = RunRecord(number, traced, name, sample_interval=options.sample_interval)
        self.outcomes: list[ProbeOutcome] = []
        self.observations: list[Observation] = []
        self.reasons: list[str] = []
        self.logs = ""
        self.findings: list[Finding] = []
        self.uid: int | None = None
        self.trace_mode = "failures"
        self.events: list[Event] | None = None
        self.prior_events: list[Event] | None = None
        """Refused calls of an earlier traced run (``output`` runs explain with them)."""
        self.output = ""

    def spec_options(self, published: tuple[Published, ...]) -> RunOptions:
        facts, opts = self.plan.facts, self.options
        tmpfs = tuple(opts.tmpfs) + (tmpfs_from_labels(facts.labels) if opts.read_only else ())
        return RunOptions(
            image=facts.local,
            uid=opts.uid,
            userns=opts.userns,
            read_only=opts.read_only,
            tmpfs=tmpfs,
            published=published,
            command=opts.command,
            env=opts.env,
            name=self.record.container,
            labels={SESSION_LABEL: self.token},
        )

    def execute(self, result: VerifyResult | None) -> None:
        leases: list[PortLease] = []
        start = time.monotonic()
        try:
            published = []
            for port, proto in _needed_ports(self.plan):
                lease = self.ports.allocate(self.options.host_ip)
                leases.append(lease)
                published.append(Published(lease.port, port, proto, self.options.host_ip))
            spec = build_spec(
                self.spec_options(tuple(published)),
                rootless=self.podman.rootless,
                subuid_count=self.podman.facts.subuid_ranges if self.podman.facts else 0,
            )
            if result is not None:
                result.user = spec.user
                facts = self.plan.facts
                # an image copied in from a transport is shown by the reference the user gave
                imported = facts.local.startswith(IMPORT_REPO)
                shown = replace(spec, image=facts.ref) if imported else spec
                result.command = equivalent_command(shown)
                result.host_note = host_note(
                    self.podman.settings,
                    str(self.podman.conf_path) if self.podman.conf_path else None,
                )
            if spec.user:
                self.uid = int(spec.user.split(":")[0])
            container: Container | None = None
            try:
                with created(self.podman, spec) as container:
                    host = {(p.container_port, p.proto): p.host_port for p in published}
                    self._run(container, host)
            finally:
                if container is not None and container.remove_error:
                    self.reasons.append(
                        f"container {container.name} may not have been removed: "
                        f"{container.remove_error}"
                    )
        finally:
            for lease in leases:
                lease.release()
            self.record.duration = time.monotonic() - start

    def _run(self, container: Container, host_ports: dict[tuple[int, str], int]) -> None:
        record = self.record
        pid = container.init()
        sampler = ProcessSampler(pid, self.options.sample_interval).start()
        tracer: Tracer | None = None
        events: list[Event] | None = None
        wall_start = time.time()
        try:
            if self.traced:
                tracer = Tracer(pid, mode=self.trace_mode)
                try:
                    tracer.start()
                except ToolError as exc:
                    # not allowed to trace here (no CAP_SYS_PTRACE, Yama): the logs remain
                    record.trace_error = str(exc)
                    tracer.cleanup()
                    tracer = None
            for spec, _ in self.plan.probes:
                probe_for(spec.kind)  # import before the clock starts
            wall_start = time.time()
            try:
                container.start()
            except ToolError as exc:
                # the runtime could not start the program (e.g. it may not be executed by this
                # UID): a failed run to explain, not a broken tool
                self._fail(str(exc))
            else:
                sampler.sample()  # at once: a daemon that fails may live only milliseconds
                self._probe(sampler, host_ports, time.monotonic())
                self._settle(sampler)
            alive = sampler.alive()
            record.exited = not alive
            self.logs = container.logs()
            if not alive:
                record.exit_code = container.exit_code()
                if not record.ok and not self.reasons:
                    self._fail(f"the container exited with code {record.exit_code}")
            elif tracer is not None or not record.ok:
                # the trace ends with the processes; a passing untraced run is simply removed
                container.kill()
                _wait_exit(sampler, EXIT_WAIT)
            if tracer is not None:
                trace = tracer.stop()
                events = self.events = trace.events
                record.trace_events = len(trace.events)
                record.trace_error = trace.error or (
                    "trace truncated at 16 MiB" if trace.truncated else None
                )
        finally:
            self.observations = sampler.stop()
            record.sample_rounds = sampler.rounds
            if tracer is not None:
                tracer.cleanup()
        if self.trace_mode == "output":
            self.output = uncollected_output(events or ())
            events = self.prior_events
        if not record.ok or self.traced:
            from unroot.runtime.discovery import discover  # only to explain

            names = {o.status.pid: o.status.name for o in self.observations}
            with container.mounted() as root:
                stat = (lambda p: rootfs.stat_path(root, p)) if root else None
                self.findings = discover(
                    events=events,
                    logs=self.logs,
                    output=self.output,
                    failed=not record.ok,
                    uid=self._container_uid(),
                    stat=stat,
                    names=names,
                    started=wall_start,
                    ports=[port for port, _ in host_ports],
                )
        record.timings = dict(container.timings)

    def _settle(self, sampler: ProcessSampler) -> None:
        if self.record.ok and self.options.settle > 0:
            self.cancel.wait(self.options.settle)
            if not sampler.alive():
                self._fail("the container exited while being watched after its probes passed")

    def _container_uid(self) -> int | None:
        if self.uid is not None:
            return self.uid
        for obs in self.observations:
            if obs.container_uids and obs.container_uids[1] is not None:
                return int(obs.container_uids[1])
        return None

    def _fail(self, reason: str) -> None:
        self.record.ok = False
        if self.record.failure is None:
            self.record.failure = reason
        self.reasons.append(reason)

    def _probe(
        self,
        sampler: ProcessSampler,
        host_ports: dict[tuple[int, str], int],
        t0: float,
    ) -> None:
        opts = self.options
        deadline = t0 + opts.timeout
        if not self.plan.probes:
            window = min(RUNNING_CHECK, opts.timeout)
            self.cancel.wait(window)
            if sampler.alive():
                self.record.ok = True
            else:
                self._fail(f"{self.plan.running_check}; but it exited within {window:g}s")
            return
        self.record.ok = True
        for spec, why in self.plan.probes:
            outcome = self._poll(spec, why, sampler, host_ports, t0, deadline)
            self.outcomes.append(outcome)
            if not outcome.ok:
                exited = "" if sampler.alive() else " (the container exited)"
                self._fail(f"probe {spec} failed: {outcome.detail}{exited}")
                return
        if not sampler.alive():
            self._fail("the container exited right after its probes passed")

    def _poll(
        self,
        spec: ProbeSpec,
        why: str | None,
        sampler: ProcessSampler,
        host_ports: dict[tuple[int, str], int],
        t0: float,
        deadline: float,
    ) -> ProbeOutcome:
        ctx = ProbeContext(
            self.options.host_ip,
            host_ports,
            timeout=spec.timeout or self.options.probe_timeout,
            cancel=self.cancel,
        )
        probe = probe_for(spec.kind)
        attempts = 0
        wrong_since: float | None = None
        delay = POLL_FIRST
        while True:
            attempts += 1
            res = attempt(probe, spec, ctx)
            now = time.monotonic()
            if res.ok:
                return _outcome(spec, why, True, res.detail, attempts, now - t0)
            if self.cancel.is_set():
                return _outcome(spec, why, False, "cancelled", attempts, None)
            if not sampler.alive():
                return _outcome(spec, why, False, res.detail, attempts, None)
            if res.answered:
                wrong_since = wrong_since if wrong_since is not None else now
                if now - wrong_since > WRONG_ANSWER_GRACE:
                    return _outcome(spec, why, False, res.detail, attempts, None)
            else:
                wrong_since = None
            if now >= deadline:
                detail = f"{res.detail}; not ready within {self.options.timeout:g}s"
                return _outcome(spec, why, False, detail, attempts, None)
            self.cancel.wait(min(delay, max(0.0, deadline - now)))
            delay = min(delay * 1.5, POLL_MAX)


def _outcome(
    spec: ProbeSpec, why: str | None, ok: bool, detail: str, attempts: int, ready: float | None
) -> ProbeOutcome:
    return ProbeOutcome(
        spec=str(spec),
        kind=spec.kind,
        port=spec.port,
        proto=spec.proto,
        ok=ok,
        detail=detail,
        attempts=attempts,
        ready_after=round(ready, 3) if ready is not None else None,
        derived=why,
    )


def _wait_exit(sampler: ProcessSampler, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sampler.alive() and time.monotonic() < deadline:
        time.sleep(0.01)


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


__all__ = ["TraceMode", "VerifyOptions", "VerifyResult", "default_jobs", "verify", "verify_many"]

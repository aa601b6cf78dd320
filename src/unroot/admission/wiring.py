"""Assemble a serving :class:`~unroot.admission.handler.Admission` from the server options,
and the once-a-second housekeeping: policy reloads and exemption expiry, both audited."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unroot.admission.engine import Engine
from unroot.admission.exemptions import Policy, load_policy, policy_changes
from unroot.admission.handler import Admission, AuditSink, Event, PolicyState
from unroot.admission.namespaces import RangeSource, SQLiteRanges
from unroot.admission.options import ServeOptions
from unroot.errors import UsageError


def policy_state(policy: Policy, extra_profiles: tuple[str, ...] = ()) -> PolicyState:
    """Load the profiles the policy names and check every exemption's profile exists."""
    from unroot.policy.scc import load_profiles

    profiles = load_profiles(list(policy.profile_paths) + list(extra_profiles))
    unknown = sorted({e.profile for e in policy.exemptions if e.profile not in profiles})
    if unknown:
        raise UsageError(
            f"policy {policy.source}: unknown profile(s) {', '.join(unknown)} "
            f"(known: {', '.join(sorted(profiles))})"
        )
    if policy.pod_security is not None:
        from unroot.policy.psa import parse_level, parse_version

        parse_level(policy.pod_security[0])
        parse_version(policy.pod_security[1])
    return PolicyState(policy, Engine(profiles, policy.pod_security))


def default_audit_spec(opts: ServeOptions) -> str | None:
    if opts.audit:
        return opts.audit
    if opts.state is not None:
        return f"sqlite:{opts.state}"
    return None


def build(
    opts: ServeOptions, open_audit: Callable[[str], tuple[AuditSink, Callable[[], None]]]
) -> tuple[Admission, list[Callable[[], None]]]:
    """The serving state; ``open_audit(spec)`` returns the audit sink and its closer."""
    policy = load_policy(opts.policy) if opts.policy else Policy()
    state = policy_state(policy, opts.extra_profiles)
    closers: list[Callable[[], None]] = []
    ranges: RangeSource
    if opts.kubeconfig or opts.in_cluster:
        from unroot.admission.kube import core_api
        from unroot.admission.namespaces import ClusterNamespaces

        cache = ClusterNamespaces(core_api(opts.kubeconfig, opts.in_cluster))
        cache.start()
        ranges = cache
    elif opts.state is not None:
        ranges = SQLiteRanges(opts.state)
    else:
        raise UsageError("give --state FILE (standalone) or --kubeconfig/--in-cluster")
    closers.append(ranges.close)
    spec = default_audit_spec(opts)
    writer: AuditSink | None = None
    if spec:
        writer, close_audit = open_audit(spec)
        closers.insert(0, close_audit)
    adm = Admission(state, ranges, writer, failure_mode=opts.failure_mode)
    adm.policy_stamp = _stamp(opts.policy)
    if writer is not None:
        record = policy_record(Policy(), policy, "loaded")
        try:
            writer.submit(record).result()
        except Exception as exc:
            sys.stderr.write(f"unroot webhook: audit write failed at start: {exc}\n")
    if isinstance(ranges, SQLiteRanges) and writer is not None:
        ranges.on_allocate = lambda ns, rng: _allocation_record(writer, ns, rng)
    return adm, closers


def policy_record(old: Policy, new: Policy, what: str) -> Event:
    return {
        "kind": "policy",
        "time": _now(),
        "subject": f"file:{new.source}" if new.source else "built-in",
        "decision": what,
        "reason": f"policy {what}",
        "detail": policy_changes(old, new),
    }


def _allocation_record(writer: AuditSink, namespace: str, rng: Any) -> None:
    writer.submit(
        {
            "kind": "namespace",
            "time": _now(),
            "namespace": namespace,
            "decision": "allocate",
            "reason": "first pod seen in the namespace",
            "detail": {"uid_range": str(rng)},
        }
    )


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


async def housekeeping_tick(adm: Admission, opts: ServeOptions) -> None:
    """Reload a changed policy file (keeping the old one if the new is invalid) and record
    exemptions that expired since the last tick."""
    stamp = _stamp(opts.policy)
    if opts.policy is not None and stamp is not None and stamp != adm.policy_stamp:
        adm.policy_stamp = stamp
        try:
            new = load_policy(opts.policy)
            state = policy_state(new, opts.extra_profiles)
        except UsageError as exc:
            sys.stderr.write(f"unroot webhook: policy not reloaded: {exc}\n")
        else:
            old = adm.state.policy
            if new.digest != old.digest:
                adm.state = state
                await adm.write_record(policy_record(old, new, "reloaded"))
    now = dt.datetime.now(dt.UTC)
    seen = adm.expired_seen
    for ex in adm.state.policy.exemptions:
        key = f"{ex.name}@{ex.expires}"
        if ex.expires is not None and not ex.active(now) and key not in seen:
            seen.add(key)
            await adm.write_record(
                {
                    "kind": "exemption-expired",
                    "time": _now(),
                    "subject": f"file:{adm.state.policy.source}",
                    "profile": ex.profile,
                    "decision": "expired",
                    "reason": ex.reason,
                    "detail": ex.describe(),
                }
            )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")

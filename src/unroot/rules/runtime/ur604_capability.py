"""UR604: observed at run time, an operation that needs a capability was refused."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.runtime._observed import Observed

FIXES = {
    "CHOWN": "Set ownership at build time (chgrp 0, chmod g=u) instead of chown at start.",
    "FOWNER": "Set modes at build time instead of chmod at start.",
    "SYS_CHROOT": "Turn the daemon's chroot off (the container is its jail already).",
    "NET_RAW": "Use a datagram ICMP socket (ping_group_range) or grant NET_RAW.",
}


def check(obs: Observed) -> Iterator[Finding]:
    for index, d in enumerate(obs.denials):
        if d.kind != "capability":
            continue
        cap = d.capability or "?"
        yield RULE.finding(
            f"{d.what} was refused: it needs CAP_{cap}",
            obs.evidence(d),
            severity=obs.severity(index),
            fix=FIXES.get(cap, f"Avoid the operation, or grant CAP_{cap} explicitly."),
            data=obs.data(
                index, d, capability=f"CAP_{cap}", path=d.path, owner=d.extra.get("owner")
            ),
        )


RULE = Rule(
    id="UR604",
    kind="runtime",
    category=Category.NEEDS_CAPABILITY,
    severity=Severity.ERROR,
    title="Observed: an operation needing a capability was refused",
    rationale=(
        "With every capability dropped, chown of another user's file, chmod of a file the "
        "process does not own, chroot, raw sockets, scheduling priorities and memory locking "
        "fail. The trace names the call and the capability it needs."
    ),
    fix="Do the operation at build time, turn the feature off, or grant that one capability.",
    docs=(
        "From chown, chmod, chroot, capset, unshare, setns, setpriority, sched_setscheduler, "
        "mlockall, iopl and raw socket() failing with EPERM or EACCES."
    ),
    check=check,
)

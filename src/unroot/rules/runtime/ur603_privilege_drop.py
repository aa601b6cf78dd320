"""UR603: observed at run time, a switch of user or group was refused."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.runtime._observed import Observed


def check(obs: Observed) -> Iterator[Finding]:
    for index, d in enumerate(obs.denials):
        if d.kind != "identity":
            continue
        who = f" ({obs.names[d.pid]})" if d.pid in obs.names else ""
        yield RULE.finding(
            f"the process{who} tried to change its identity ({d.what}) and was refused: "
            "it expects to start as root and drop privileges",
            obs.evidence(d),
            severity=obs.severity(index),
            data=obs.data(index, d, call=d.what, ids=d.extra.get("ids")),
        )


RULE = Rule(
    id="UR603",
    kind="runtime",
    category=Category.PRIVILEGE_DROP_AT_START,
    severity=Severity.ERROR,
    title="Observed: a privilege drop at start was refused",
    rationale=(
        "Daemons that start as root switch to their own user with setgroups, setgid and setuid. "
        "Started as an arbitrary UID without CAP_SETUID/CAP_SETGID, that switch fails and most "
        "daemons exit. Already running unprivileged, they do not need it."
    ),
    fix=(
        "Remove the switch: drop the daemon's user directive or '-u USER' option, or the gosu/"
        "su-exec/setpriv wrapper, and let the platform pick the UID."
    ),
    docs="From setuid, setgid, setgroups and their variants failing with EPERM (strace or logs).",
    check=check,
)

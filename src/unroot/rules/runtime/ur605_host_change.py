"""UR605: observed at run time, a change to the host was refused (mount, sysctl, limits)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.runtime._observed import Observed


def check(obs: Observed) -> Iterator[Finding]:
    for index, d in enumerate(obs.denials):
        if d.kind != "host":
            continue
        sysctl = d.extra.get("sysctl")
        fix = (
            f"Set the sysctl on the pod ('securityContext.sysctls: {sysctl}', or "
            f"'podman run --sysctl {sysctl}=...') instead of writing it at start."
            if sysctl
            else None
        )
        yield RULE.finding(
            f"{d.what} was refused: containers may not change the host"
            + (f" (needs CAP_{d.capability})" if d.capability and not sysctl else ""),
            obs.evidence(d),
            severity=obs.severity(index),
            fix=fix,
            data=obs.data(
                index, d, sysctl=sysctl, path=d.path,
                capability=f"CAP_{d.capability}" if d.capability else None,
            ),
        )  # fmt: skip


RULE = Rule(
    id="UR605",
    kind="runtime",
    category=Category.HOST_MODIFICATION,
    severity=Severity.ERROR,
    title="Observed: a change to the host was refused",
    rationale=(
        "Mounting, writing /proc/sys, raising resource limits, setting the clock or the host "
        "name change the node, not the container. They need root and capabilities that no "
        "restricted profile grants."
    ),
    fix="Move the setting to the platform (pod sysctls, resource limits, volumes).",
    docs=(
        "From mount, umount2, pivot_root, writes under /proc/sys, setrlimit/prlimit64, "
        "sethostname, settimeofday and module loading failing with EPERM, EACCES or EROFS."
    ),
    check=check,
)

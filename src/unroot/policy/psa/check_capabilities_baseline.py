"""capabilities_baseline (baseline).

Adding additional capabilities beyond the default set must be disallowed.

**Restricted Fields:**
spec.containers[*].securityContext.capabilities.add,
spec.initContainers[*].securityContext.capabilities.add,
spec.ephemeralContainers[*].securityContext.capabilities.add

**Allowed Values:** undefined/empty, AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL,
MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT

Names are compared exactly, as the container runtime receives them: ``chown`` and
``CAP_CHOWN`` are not in the list.
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase, join_quote

DEFAULT_CAPABILITIES_V1_0: Final = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)


def capabilities_baseline_v1_0(pod: PodView) -> CheckResult:
    """No container may add a capability outside the container runtime's default set."""
    bad: list[str] = []
    added: set[str] = set()
    paths: list[str] = []
    for c in pod.containers:
        caps = c.sc.get("capabilities")
        if caps is None:
            continue
        adds = caps.get("add")
        if not adds:
            continue
        found = False
        for index, cap in enumerate(adds):
            if cap not in DEFAULT_CAPABILITIES_V1_0:
                found = True
                added.add(cap)
                paths.append(f"{c.path}.securityContext.capabilities.add[{index}]")
        if found:
            bad.append(c.name)
    if not bad:
        return ALLOWED
    return CheckResult(
        False,
        "non-default capabilities",
        f"{containers_phrase(bad)} must not include {join_quote(sorted(added))} "
        "in securityContext.capabilities.add",
        tuple(paths),
    )


CHECK: Final = Check(
    id="capabilities_baseline",
    level="baseline",
    versions=(VersionedCheck(0, capabilities_baseline_v1_0),),
)

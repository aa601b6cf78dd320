"""windowsHostProcess (baseline).

Windows pods offer the ability to run HostProcess containers which enables privileged access to
the Windows node. Privileged access to the host is disallowed in the baseline policy.

**Restricted Fields:**
spec.securityContext.windowsOptions.hostProcess,
spec.containers[*].securityContext.windowsOptions.hostProcess,
spec.initContainers[*].securityContext.windowsOptions.hostProcess,
spec.ephemeralContainers[*].securityContext.windowsOptions.hostProcess

**Allowed Values:** false, undefined/null
"""

from __future__ import annotations

from typing import Any, Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase


def _host_process(sc: dict[str, Any]) -> bool:
    options = sc.get("windowsOptions")
    return options is not None and options.get("hostProcess") is True


def windows_host_process_v1_0(pod: PodView) -> CheckResult:
    """Neither the pod nor any container may set windowsOptions.hostProcess=true."""
    setters: list[str] = []
    paths: list[str] = []
    if _host_process(pod.psc):
        setters.append("pod")
        paths.append("spec.securityContext.windowsOptions.hostProcess")
    bad: list[str] = []
    for c in pod.containers:
        if _host_process(c.sc):
            bad.append(c.name)
            paths.append(f"{c.path}.securityContext.windowsOptions.hostProcess")
    if bad:
        setters.append(containers_phrase(bad))
    if not setters:
        return ALLOWED
    return CheckResult(
        False,
        "hostProcess",
        f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true",
        tuple(paths),
    )


CHECK: Final = Check(
    id="windowsHostProcess",
    level="baseline",
    versions=(VersionedCheck(0, windows_host_process_v1_0),),
)

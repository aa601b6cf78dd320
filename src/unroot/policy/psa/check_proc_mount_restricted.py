"""procMount_restricted (restricted; replaces procMount from v1.35).

The default /proc masks are set up to reduce attack surface, and should be required, also for
pods in their own user namespace (``spec.hostUsers: false``), which baseline relaxes from v1.35.

**Restricted Fields:**
spec.containers[*].securityContext.procMount,
spec.initContainers[*].securityContext.procMount,
spec.ephemeralContainers[*].securityContext.procMount

**Allowed Values:** undefined/null, "Default"
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import Check, CheckResult, VersionedCheck
from unroot.policy.psa.check_proc_mount import proc_mount_v1_0
from unroot.policy.psa.pod import PodView


def proc_mount_restricted_v1_35(pod: PodView) -> CheckResult:
    """The v1.0 baseline rule, with no user-namespace exception."""
    return proc_mount_v1_0(pod)


CHECK: Final = Check(
    id="procMount_restricted",
    level="restricted",
    versions=(VersionedCheck(35, proc_mount_restricted_v1_35, overrides=("procMount",)),),
)

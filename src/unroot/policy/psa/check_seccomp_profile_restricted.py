"""seccompProfile_restricted (restricted; replaces seccompProfile_baseline from v1.19).

Seccomp profile must be explicitly set to one of the allowed values. Both the Unconfined
profile and the absence of a profile are prohibited.

**Restricted Fields:**
spec.securityContext.seccompProfile.type,
spec.containers[*].securityContext.seccompProfile.type,
spec.initContainers[*].securityContext.seccompProfile.type,
spec.ephemeralContainers[*].securityContext.seccompProfile.type

**Allowed Values:** RuntimeDefault, Localhost

Containers may leave it unset when the pod sets an allowed value. From v1.25 the rule does not
apply to Windows pods (``spec.os.name: windows``).
"""

from __future__ import annotations

from typing import Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.check_seccomp_profile_baseline import _profile_type, is_allowed_type
from unroot.policy.psa.pod import PodView, containers_phrase, join_quote

_OVERRIDES: Final = ("seccompProfile_baseline",)


def seccomp_profile_restricted_v1_19(pod: PodView) -> CheckResult:
    """Pod or every container sets RuntimeDefault or Localhost; nobody sets anything else."""
    setters: list[str] = []
    values: set[str] = set()
    paths: list[str] = []
    pod_type = _profile_type(pod.psc)
    pod_ok = False
    if pod_type is not None:
        if is_allowed_type(pod_type):
            pod_ok = True
        else:
            setters.append("pod")
            values.add(pod_type)
            paths.append("spec.securityContext.seccompProfile.type")
    explicit: list[str] = []
    implicit: list[str] = []
    implicit_paths: list[str] = []
    for c in pod.containers:
        ctype = _profile_type(c.sc)
        if ctype is not None:
            if not is_allowed_type(ctype):
                explicit.append(c.name)
                values.add(ctype)
                paths.append(f"{c.path}.securityContext.seccompProfile.type")
        elif not pod_ok:
            implicit.append(c.name)
            implicit_paths.append(f"{c.path}.securityContext.seccompProfile")
    if explicit:
        setters.append(containers_phrase(explicit))
    if setters:
        return CheckResult(
            False,
            "seccompProfile",
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to "
            f"{join_quote(sorted(values))}",
            tuple(paths),
        )
    if implicit:
        return CheckResult(
            False,
            "seccompProfile",
            f"pod or {containers_phrase(implicit)} must set securityContext.seccompProfile.type "
            'to "RuntimeDefault" or "Localhost"',
            ("spec.securityContext.seccompProfile", *implicit_paths),
        )
    return ALLOWED


def seccomp_profile_restricted_v1_25(pod: PodView) -> CheckResult:
    """As v1.19, but Windows pods are exempt: seccomp is a Linux feature."""
    if pod.is_windows():
        return ALLOWED
    return seccomp_profile_restricted_v1_19(pod)


CHECK: Final = Check(
    id="seccompProfile_restricted",
    level="restricted",
    versions=(
        VersionedCheck(19, seccomp_profile_restricted_v1_19, overrides=_OVERRIDES),
        VersionedCheck(25, seccomp_profile_restricted_v1_25, overrides=_OVERRIDES),
    ),
)

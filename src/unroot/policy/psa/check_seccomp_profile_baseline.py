"""seccompProfile_baseline (baseline).

Seccomp profile must not be explicitly set to Unconfined.

**Restricted Fields (v1.0, annotations):**
metadata.annotations['seccomp.security.alpha.kubernetes.io/pod'],
metadata.annotations['container.seccomp.security.alpha.kubernetes.io/*']

**Allowed Values:** undefined/null, any value but "unconfined"

**Restricted Fields (from v1.19, fields):**
spec.securityContext.seccompProfile.type,
spec.containers[*].securityContext.seccompProfile.type,
spec.initContainers[*].securityContext.seccompProfile.type,
spec.ephemeralContainers[*].securityContext.seccompProfile.type

**Allowed Values:** undefined/null, RuntimeDefault, Localhost
"""

from __future__ import annotations

from typing import Any, Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase, join_quote, quote
from unroot.workload.podspec import join_path

POD_ANNOTATION: Final = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION_PREFIX: Final = "container.seccomp.security.alpha.kubernetes.io/"
_UNCONFINED_ANNOTATION: Final = "unconfined"
_ALLOWED_TYPES: Final = frozenset({"RuntimeDefault", "Localhost"})


def seccomp_profile_baseline_v1_0(pod: PodView) -> CheckResult:
    """Neither the pod nor a container annotation may ask for "unconfined"."""
    annotations = pod.annotations
    if not annotations:
        return ALLOWED
    forbidden: list[str] = []
    paths: list[str] = []
    if annotations.get(POD_ANNOTATION) == _UNCONFINED_ANNOTATION:
        forbidden.append(f"{POD_ANNOTATION}={quote(_UNCONFINED_ANNOTATION)}")
        paths.append(join_path("metadata", "annotations", POD_ANNOTATION))
    for c in pod.containers:
        key = CONTAINER_ANNOTATION_PREFIX + c.name
        if annotations.get(key) == _UNCONFINED_ANNOTATION:
            forbidden.append(f"{key}={quote(_UNCONFINED_ANNOTATION)}")
            paths.append(join_path("metadata", "annotations", key))
    if not forbidden:
        return ALLOWED
    word = "annotation" if len(forbidden) == 1 else "annotations"
    return CheckResult(
        False, "seccompProfile", f"forbidden {word} {', '.join(forbidden)}", tuple(paths)
    )


def _profile_type(sc: dict[str, Any]) -> str | None:
    """The seccompProfile.type, ``""`` for a profile without a type, None when unset."""
    profile = sc.get("seccompProfile")
    if profile is None:
        return None
    value = profile.get("type")
    return value if value is not None else ""


def seccomp_profile_baseline_v1_19(pod: PodView) -> CheckResult:
    """The pod and its containers may set a profile, but not type Unconfined."""
    setters: list[str] = []
    values: set[str] = set()
    paths: list[str] = []
    pod_type = _profile_type(pod.psc)
    if pod_type == "Unconfined":
        setters.append("pod")
        values.add(pod_type)
        paths.append("spec.securityContext.seccompProfile.type")
    bad: list[str] = []
    for c in pod.containers:
        ctype = _profile_type(c.sc)
        if ctype == "Unconfined":
            bad.append(c.name)
            values.add(ctype)
            paths.append(f"{c.path}.securityContext.seccompProfile.type")
    if bad:
        setters.append(containers_phrase(bad))
    if not setters:
        return ALLOWED
    return CheckResult(
        False,
        "seccompProfile",
        f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to "
        f"{join_quote(sorted(values))}",
        tuple(paths),
    )


def is_allowed_type(value: str) -> bool:
    """RuntimeDefault and Localhost are the only profile types that confine syscalls."""
    return value in _ALLOWED_TYPES


CHECK: Final = Check(
    id="seccompProfile_baseline",
    level="baseline",
    versions=(
        VersionedCheck(0, seccomp_profile_baseline_v1_0),
        VersionedCheck(19, seccomp_profile_baseline_v1_19),
    ),
)

"""appArmorProfile (baseline).

On supported hosts, the RuntimeDefault AppArmor profile is applied by default. The baseline
policy should prevent overriding or disabling the default AppArmor profile, or restrict
overrides to an allowed set of profiles.

**Restricted Fields:**
spec.securityContext.appArmorProfile.type,
spec.containers[*].securityContext.appArmorProfile.type,
spec.initContainers[*].securityContext.appArmorProfile.type,
spec.ephemeralContainers[*].securityContext.appArmorProfile.type

**Allowed Values:** undefined/null, RuntimeDefault, Localhost

**Restricted Fields:**
metadata.annotations["container.apparmor.security.beta.kubernetes.io/*"]

**Allowed Values:** undefined/null, "runtime/default", "localhost/*"

The fields appeared in Kubernetes 1.30; like upstream, the v1.0 rule checks them too, since an
older cluster could not have set them.
"""

from __future__ import annotations

from typing import Any, Final

from unroot.policy.psa.api import ALLOWED, Check, CheckResult, VersionedCheck
from unroot.policy.psa.pod import PodView, containers_phrase, join_quote, pluralize, quote
from unroot.workload.podspec import join_path

ANNOTATION_PREFIX: Final = "container.apparmor.security.beta.kubernetes.io/"
_ALLOWED_TYPES: Final = frozenset({"RuntimeDefault", "Localhost"})


def _allowed_annotation(value: str | None) -> bool:
    return not value or value == "runtime/default" or value.startswith("localhost/")


def _bad_type(sc: dict[str, Any]) -> str | None:
    profile = sc.get("appArmorProfile")
    if profile is None:
        return None
    value = profile.get("type")
    value = value if value is not None else ""
    return None if value in _ALLOWED_TYPES else value


def app_armor_profile_v1_0(pod: PodView) -> CheckResult:
    """Annotations and fields may only select the runtime default or a localhost profile."""
    setters: list[str] = []
    types: set[str] = set()
    paths: list[str] = []
    pod_bad = _bad_type(pod.psc)
    if pod_bad is not None:
        setters.append("pod")
        types.add(pod_bad)
        paths.append("spec.securityContext.appArmorProfile.type")
    bad: list[str] = []
    for c in pod.containers:
        value = _bad_type(c.sc)
        if value is not None:
            bad.append(c.name)
            types.add(value)
            paths.append(f"{c.path}.securityContext.appArmorProfile.type")
    if bad:
        setters.append(containers_phrase(bad))
    annotations: list[str] = []
    for key, value in pod.annotations.items():
        if (
            isinstance(key, str)
            and key.startswith(ANNOTATION_PREFIX)
            and not _allowed_annotation(value)
        ):
            annotations.append(f"{key}={quote(value)}")
            paths.append(join_path("metadata", "annotations", key))
    if not setters and not annotations:
        return ALLOWED
    details: list[str] = []
    if setters:
        details.append(
            f"{' and '.join(setters)} must not set securityContext.appArmorProfile.type to "
            f"{join_quote(sorted(types))}"
        )
    if annotations:
        annotations.sort()
        details.append(
            f"{pluralize('annotation', 'annotations', len(annotations))} {', '.join(annotations)}"
        )
    count = len(types) + len(annotations)
    return CheckResult(
        False,
        pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", count),
        "; ".join(details),
        tuple(paths),
    )


CHECK: Final = Check(
    id="appArmorProfile",
    level="baseline",
    versions=(VersionedCheck(0, app_armor_profile_v1_0),),
)

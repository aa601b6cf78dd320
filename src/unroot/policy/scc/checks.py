"""What each SCC refusal and mutation means in a report: rule ids, titles, categories, docs.

A profile refuses a pod field by field; the field a reason names decides its rule id
(``SCC-runAsUser``, ``SCC-hostPath``...), from the fixed table :data:`CHECKS`, so every id that
can appear is described. ``SCC-mutate`` marks a value the profile fills in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from unroot.findings import Category, Descriptor, Severity
from unroot.workload.podspec import split_path

PREFIX: Final = "SCC-"
FIX: Final = "change the field, or allow a broader profile with --allow-profile"


@dataclass(frozen=True, slots=True)
class SCCCheck:
    field: str
    """The field name that identifies the check in a reason's path."""
    category: Category
    title: str
    rationale: str


CHECKS: Final[tuple[SCCCheck, ...]] = (
    SCCCheck(
        "runAsUser",
        Category.UID_RANGE,
        "runAsUser outside the profile's strategy",
        "MustRunAsRange profiles (restricted-v2) admit only UIDs of the namespace's range, "
        "MustRunAs one UID, MustRunAsNonRoot any UID but 0; a refused UID 0 is reported in the "
        "no_user category.",
    ),
    SCCCheck(
        "runAsNonRoot",
        Category.NO_USER,
        "runAsNonRoot set to false",
        "A MustRunAsNonRoot profile refuses a pod that explicitly allows running as root.",
    ),
    SCCCheck(
        "runAsGroup",
        Category.UID_RANGE,
        "runAsGroup outside the allowed range",
        "The primary group must be one the profile allows.",
    ),
    SCCCheck(
        "fsGroup",
        Category.UID_RANGE,
        "fsGroup outside the allowed range",
        "Volume ownership is changed to fsGroup; MustRunAs profiles allow only the namespace's "
        "group range.",
    ),
    SCCCheck(
        "supplementalGroups",
        Category.UID_RANGE,
        "supplemental group outside the allowed range",
        "Under MustRunAs, every supplemental group must be in the namespace's group range.",
    ),
    SCCCheck(
        "seLinuxOptions",
        Category.SECURITY_PROFILE,
        "SELinux options the profile does not allow",
        "MustRunAs profiles pin the SELinux level to the namespace's MCS label, so pods of "
        "different namespaces cannot read each other's files.",
    ),
    SCCCheck(
        "seccompProfile",
        Category.SECURITY_PROFILE,
        "seccomp profile the profile does not allow",
        "Each profile lists the seccomp profiles it allows (restricted-v2: runtime/default); "
        "Unconfined removes the system-call filter.",
    ),
    SCCCheck(
        "capabilities",
        Category.NEEDS_CAPABILITY,
        "capabilities the profile does not allow",
        "Each added capability must be in allowedCapabilities, and required drops (ALL for "
        "restricted-v2) must be dropped.",
    ),
    SCCCheck(
        "privileged",
        Category.PRIVILEGED,
        "privileged container",
        "A privileged container has every capability and the host's devices; only the "
        "privileged profile admits it.",
    ),
    SCCCheck(
        "allowPrivilegeEscalation",
        Category.PRIVILEGE_ESCALATION,
        "privilege escalation allowed",
        "With allowPrivilegeEscalation the no_new_privs flag is unset, so setuid files and "
        "file capabilities can raise privileges.",
    ),
    SCCCheck(
        "readOnlyRootFilesystem",
        Category.ROOT_OWNED_WRITABLE_PATHS,
        "writable root filesystem",
        "Profiles with readOnlyRootFilesystem require every container to write only to volumes.",
    ),
    SCCCheck(
        "hostNetwork",
        Category.HOST_ACCESS,
        "host network namespace",
        "The pod would see and bind the node's network interfaces.",
    ),
    SCCCheck(
        "hostPID",
        Category.HOST_ACCESS,
        "host PID namespace",
        "The pod would see and signal every process of the node.",
    ),
    SCCCheck(
        "hostIPC",
        Category.HOST_ACCESS,
        "host IPC namespace",
        "The pod would share System V IPC and POSIX message queues with the node.",
    ),
    SCCCheck(
        "hostUsers",
        Category.HOST_ACCESS,
        "host user namespace",
        "Profiles with userNamespaceLevel RequirePodLevel run every pod in its own user "
        "namespace (hostUsers: false).",
    ),
    SCCCheck(
        "hostPort",
        Category.HOST_ACCESS,
        "host port",
        "A hostPort binds a port of the node itself.",
    ),
    SCCCheck(
        "hostPath",
        Category.HOST_ACCESS,
        "hostPath volume",
        "A hostPath volume mounts a directory of the node into the pod.",
    ),
    SCCCheck(
        "volumes",
        Category.VOLUME_TYPE,
        "volume type the profile does not allow",
        "Each profile lists the volume types it allows (configMap, secret, emptyDir, "
        "persistentVolumeClaim... for restricted-v2).",
    ),
    SCCCheck(
        "sysctls",
        Category.HOST_MODIFICATION,
        "sysctl the profile does not allow",
        "Only the namespaced safe sysctls are allowed unless the profile lists more in "
        "allowedUnsafeSysctls; forbiddenSysctls always win.",
    ),
)

_BY_FIELD: Final = {c.field: c for c in CHECKS}
OTHER: Final = SCCCheck(
    "profile",
    Category.HOST_MODIFICATION,
    "a field the profile does not allow",
    "The profile refuses a value of this field.",
)
"""For a reason whose path names no field of :data:`CHECKS`."""

MUTATE: Final = Descriptor(
    id=f"{PREFIX}mutate",
    kind="scc",
    category=Category.HOST_MODIFICATION,
    severity=Severity.INFO,
    title="value the profile fills in",
    rationale=(
        "Like OpenShift, a profile fills in what the pod leaves unset (a UID from the "
        "namespace's range, runAsNonRoot, dropped capabilities, the seccomp profile...). The "
        "finding's category is that of the field."
    ),
    fix="nothing to do; `unroot check --fix` writes these values into the manifest",
    docs="One finding per value, with the field path and the value.",
)


def check_for(field_path: str) -> SCCCheck:
    """The check a reason or mutation at ``field_path`` belongs to (the last known field)."""
    for token in reversed(split_path(field_path)):
        if isinstance(token, str) and token in _BY_FIELD:
            return _BY_FIELD[token]
    return OTHER


def _describe(check: SCCCheck) -> Descriptor:
    return Descriptor(
        id=PREFIX + check.field,
        kind="scc",
        category=check.category,
        severity=Severity.ERROR,
        title=f"SCC: {check.title}",
        rationale=check.rationale,
        fix=FIX,
        docs="Reported when no allowed profile admits the pod; the message names the profile "
        "and the field.",
    )


@cache
def descriptors() -> dict[str, Descriptor]:
    """Rule id -> descriptor for every refusal id and ``SCC-mutate``."""
    out = {d.id: d for d in (_describe(c) for c in (*CHECKS, OTHER))}
    out[MUTATE.id] = MUTATE
    return out


def descriptor(field_path: str) -> Descriptor:
    """The descriptor of a refusal at ``field_path``."""
    return descriptors()[PREFIX + check_for(field_path).field]

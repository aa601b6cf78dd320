"""What each Pod Security check means in a report: its rule id, title, category and docs.

A finding of check ``X`` carries rule id ``PSA-X``. The title is the Pod Security Standards
control name; the rationale and the restricted fields come from the check module's docstring
(written in the standard's vocabulary), so the docs are the specification text. The category is
what a user would recognise the control as, from :data:`CATEGORIES`.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Final

from unroot.findings import Category, Descriptor, Severity
from unroot.policy.psa.api import Check
from unroot.policy.psa.registry import ALL_CHECKS

PREFIX: Final = "PSA-"
FIX: Final = "run `unroot check --fix` to fill in a restricted securityContext"

CATEGORIES: Final[dict[str, Category]] = {
    "allowPrivilegeEscalation": Category.PRIVILEGE_ESCALATION,
    "appArmorProfile": Category.SECURITY_PROFILE,
    "capabilities_baseline": Category.NEEDS_CAPABILITY,
    "capabilities_restricted": Category.NEEDS_CAPABILITY,
    "hostNamespaces": Category.HOST_ACCESS,
    "hostPathVolumes": Category.HOST_ACCESS,
    "hostPorts": Category.HOST_ACCESS,
    "hostProbesAndHostLifecycle": Category.HOST_ACCESS,
    "privileged": Category.PRIVILEGED,
    "procMount": Category.SECURITY_PROFILE,
    "procMount_restricted": Category.SECURITY_PROFILE,
    "restrictedVolumes": Category.VOLUME_TYPE,
    "runAsNonRoot": Category.NO_USER,
    "runAsUser": Category.NO_USER,
    "seccompProfile_baseline": Category.SECURITY_PROFILE,
    "seccompProfile_restricted": Category.SECURITY_PROFILE,
    "seLinuxOptions": Category.SECURITY_PROFILE,
    "sysctls": Category.HOST_MODIFICATION,
    "windowsHostProcess": Category.PRIVILEGED,
}
"""Check id -> category; docs/rules.md shows the same table."""

TITLES: Final[dict[str, str]] = {
    "allowPrivilegeEscalation": "Privilege Escalation",
    "appArmorProfile": "AppArmor",
    "capabilities_baseline": "Capabilities (baseline)",
    "capabilities_restricted": "Capabilities (restricted)",
    "hostNamespaces": "Host Namespaces",
    "hostPathVolumes": "HostPath Volumes",
    "hostPorts": "Host Ports",
    "hostProbesAndHostLifecycle": "Host Probes / Lifecycle Hooks",
    "privileged": "Privileged Containers",
    "procMount": "/proc Mount Type",
    "procMount_restricted": "/proc Mount Type (restricted)",
    "restrictedVolumes": "Volume Types",
    "runAsNonRoot": "Running as Non-root",
    "runAsUser": "Running as Non-root user",
    "seccompProfile_baseline": "Seccomp (baseline)",
    "seccompProfile_restricted": "Seccomp (restricted)",
    "seLinuxOptions": "SELinux",
    "sysctls": "Sysctls",
    "windowsHostProcess": "HostProcess",
}
"""Check id -> the control's name in the Pod Security Standards."""


def _describe(check: Check) -> Descriptor:
    module = importlib.import_module(check.versions[0].fn.__module__)
    header, _, body = (module.__doc__ or "").partition("\n\n")
    rationale, _, fields = body.partition("\n\n")
    return Descriptor(
        id=PREFIX + check.id,
        kind="psa",
        category=CATEGORIES[check.id],
        severity=Severity.ERROR,
        title=f"Pod Security: {TITLES[check.id]}",
        rationale=" ".join(rationale.split()),
        fix=FIX,
        docs=" ".join(f"{header.strip()} {fields}".split()),
    )


@cache
def descriptors() -> dict[str, Descriptor]:
    """Rule id -> descriptor, for every check of the registry."""
    return {d.id: d for d in (_describe(c) for c in ALL_CHECKS)}


def descriptor(check_id: str) -> Descriptor:
    """The descriptor of a registered check (KeyError for an unknown id: a programming error)."""
    return descriptors()[PREFIX + check_id]

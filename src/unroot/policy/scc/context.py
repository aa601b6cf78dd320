"""What every strategy shares: the reason type, the evaluation context, pod-spec accessors.

Strategies work on a pod spec (``spec`` of a Pod, ``spec.template.spec`` of a Deployment...) and
name fields by their full path from the object root (``ctx.prefix`` + relative path), so a
reason's ``field_path`` can be looked up for a line number as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from unroot.policy.uidrange import UIDRange

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True, slots=True)
class SCCReason:
    """Why a profile refuses a pod: the offending field and a message built from the data."""

    field_path: str
    message: str
    profile: str | None = None

    def __str__(self) -> str:
        who = f"profile {self.profile}: " if self.profile else ""
        return f"{who}{self.field_path}: {self.message}"


@dataclass(frozen=True, slots=True)
class Context:
    """Per-request facts the strategies need besides the profile."""

    prefix: str
    """Field path of the pod spec inside the object (``spec``, ``spec.template.spec``)."""
    uid_range: UIDRange | None = None
    """The namespace's UID range (MustRunAsRange, and group defaults)."""
    mcs: str | None = None
    """The namespace's SELinux MCS level (``s0:c26,c5``)."""
    groups_range: UIDRange | None = None
    """The namespace's supplemental-groups range; falls back to ``uid_range``."""

    def path(self, rel: str) -> str:
        return f"{self.prefix}.{rel}" if rel else self.prefix


def containers(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(relative path, container) for init, regular and ephemeral containers."""
    for key in CONTAINER_LISTS:
        items = spec.get(key)
        if isinstance(items, list):
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    yield f"{key}[{i}]", c


_EMPTY: dict[str, Any] = {}


def get_sc(holder: dict[str, Any]) -> dict[str, Any]:
    """The securityContext of a pod spec or container, or an empty mapping (do not mutate)."""
    sc = holder.get("securityContext")
    return sc if isinstance(sc, dict) else _EMPTY


def ensure(holder: dict[str, Any], key: str) -> dict[str, Any]:
    """``holder[key]`` as a mapping, created when missing (for mutation)."""
    sub = holder.get(key)
    if not isinstance(sub, dict):
        sub = {}
        holder[key] = sub
    return sub


def effective(spec: dict[str, Any], container: dict[str, Any], key: str) -> tuple[Any, str]:
    """A container's effective securityContext value and where it comes from.

    Returns ``(value, where)`` with ``where`` = ``"container"``, ``"pod"`` or ``""`` (unset).
    """
    csc = get_sc(container)
    if csc.get(key) is not None:
        return csc[key], "container"
    psc = get_sc(spec)
    if psc.get(key) is not None:
        return psc[key], "pod"
    return None, ""

"""What every strategy shares: the reason type, the evaluation context, pod-spec accessors.

Strategies work on a pod spec (``spec`` of a Pod, ``spec.template.spec`` of a Deployment...) and
name fields by their full path from the object root (``ctx.prefix`` + relative path), so a
reason's ``field_path`` can be looked up for a line number as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unroot.policy.scc.profile import IDRange
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
    uid_ids: IDRange | None = None
    """``uid_range`` as an inclusive IDRange (computed once, see :func:`make_context`)."""
    group_ids: IDRange | None = None
    """The groups range (or the UID range) as an inclusive IDRange."""

    def path(self, rel: str) -> str:
        return f"{self.prefix}.{rel}" if rel else self.prefix


Containers = list[tuple[str, dict[str, Any]]]
"""(relative path, container) pairs, computed once per candidate profile (mutation never adds
or removes containers), so eight strategies do not each walk the three lists."""


def make_context(
    prefix: str,
    uid_range: UIDRange | None,
    mcs: str | None = None,
    groups_range: UIDRange | None = None,
) -> Context:
    groups = groups_range or uid_range
    return Context(
        prefix=prefix,
        uid_range=uid_range,
        mcs=mcs,
        groups_range=groups_range,
        uid_ids=IDRange(uid_range.start, uid_range.last) if uid_range else None,
        group_ids=IDRange(groups.start, groups.last) if groups else None,
    )


def containers(spec: dict[str, Any]) -> Containers:
    """(relative path, container) for init, regular and ephemeral containers."""
    out: Containers = []
    for key in CONTAINER_LISTS:
        items = spec.get(key)
        if items.__class__ is list:
            for i, c in enumerate(items):
                if isinstance(c, dict):
                    out.append((f"{key}[{i}]", c))
    return out


_EMPTY: dict[str, Any] = {}


def get_sc(holder: dict[str, Any]) -> dict[str, Any]:
    """The securityContext of a pod spec or container, or an empty mapping (do not mutate).

    Types were checked before any strategy runs, so a present value is a mapping.
    """
    return holder.get("securityContext") or _EMPTY


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
    value = (container.get("securityContext") or _EMPTY).get(key)
    if value is not None:
        return value, "container"
    value = (spec.get("securityContext") or _EMPTY).get(key)
    if value is not None:
        return value, "pod"
    return None, ""

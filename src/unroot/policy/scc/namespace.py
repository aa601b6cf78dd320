"""What an SCC takes from the pod's namespace: the UID block, the groups, the SELinux level.

An SCC that leaves its UID range, group ranges or SELinux level open is completed from the
namespace's ``openshift.io/sa.scc.*`` annotations before it is used, as OpenShift's admission
does (``CreateProviderFromConstraint``): the UID range and the supplemental groups are whole
blocks, fsGroup is the first ID of the first groups block only, and a missing groups annotation
falls back to the UID block. A missing or empty annotation that an SCC needs is an error, and
upstream's wording is kept.

Offline (``unroot check``), the SELinux level is usually unknown; a :class:`Namespace` built
with ``level_optional`` then leaves the level open instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from unroot.policy.scc.model import IDRange

UID_RANGE = "openshift.io/sa.scc.uid-range"
SUPPLEMENTAL_GROUPS = "openshift.io/sa.scc.supplemental-groups"
MCS = "openshift.io/sa.scc.mcs"

_MAX_UINT32 = 2**32 - 1


class PreallocationError(ValueError):
    """A namespace annotation an SCC needs is missing, empty or malformed."""


@dataclass(frozen=True, slots=True)
class Namespace:
    """The request's namespace: its name and annotations (only string values count)."""

    name: str
    annotations: Mapping[str, str] = field(default_factory=dict)
    level_optional: bool = False
    """Offline checks: an SCC that needs the namespace's SELinux level and finds none leaves
    the level open instead of failing."""

    def key(self) -> tuple[str, str | None, str | None, str | None, bool]:
        """What provider construction depends on (for caching)."""
        ann = self.annotations
        return (
            self.name,
            ann.get(UID_RANGE),
            ann.get(SUPPLEMENTAL_GROUPS),
            ann.get(MCS),
            self.level_optional,
        )


_SLASH = re.compile(r"\s*(\d+)/(\d+)\s*\Z")
_DASH = re.compile(r"\s*(\d+)-(\d+)\s*\Z")


def parse_block(text: str) -> IDRange:
    """A block annotation: ``START/SIZE`` or ``START-END`` (library-go ``uid.ParseBlock``)."""
    slash = _SLASH.match(text)
    if slash:
        start, size = int(slash.group(1)), int(slash.group(2))
        if start > _MAX_UINT32 or size > _MAX_UINT32 or size < 1:
            raise PreallocationError(f"block not in the form START/SIZE: {text!r}")
        end = start + size - 1
        if end > _MAX_UINT32:
            raise PreallocationError(f"block {text!r} ends beyond {_MAX_UINT32}")
        return IDRange(start, end)
    dash = _DASH.match(text)
    if dash:
        start, end = int(dash.group(1)), int(dash.group(2))
        if end > _MAX_UINT32:
            raise PreallocationError(f"block {text!r} ends beyond {_MAX_UINT32}")
        if end < start:
            raise PreallocationError(f"block {text!r}: end is before start")
        return IDRange(start, end)
    raise PreallocationError(f"block not in the form START/SIZE or START-END: {text!r}")


def uid_range(ns: Namespace) -> IDRange:
    value = ns.annotations.get(UID_RANGE)
    if value is None:
        raise PreallocationError(f"unable to find annotation {UID_RANGE}")
    if not value:
        raise PreallocationError(f"found annotation {UID_RANGE} but it was empty")
    return parse_block(value)


def selinux_level(ns: Namespace) -> str | None:
    """The namespace's MCS level; ``None`` when it may stay open (see ``level_optional``)."""
    value = ns.annotations.get(MCS)
    if value is None:
        if ns.level_optional:
            return None
        raise PreallocationError(f"unable to find annotation {MCS}")
    if not value:
        if ns.level_optional:
            return None
        raise PreallocationError(f"found annotation {MCS} but it was empty")
    return value


def _group_blocks(ns: Namespace) -> list[IDRange]:
    value = ns.annotations.get(SUPPLEMENTAL_GROUPS)
    if value is None:
        value = ns.annotations.get(UID_RANGE)
        if value is None:
            raise PreallocationError(
                f"unable to find supplemental group or uid annotation for namespace {ns.name}"
            )
    if not value:
        raise PreallocationError(
            f"unable to find groups using {SUPPLEMENTAL_GROUPS} and {UID_RANGE} annotations"
        )
    return [parse_block(part) for part in value.split(",")]


def fs_group_ranges(ns: Namespace) -> tuple[IDRange, ...]:
    first = _group_blocks(ns)[0]
    return (IDRange(first.min, first.min),)


def supplemental_group_ranges(ns: Namespace) -> tuple[IDRange, ...]:
    return tuple(_group_blocks(ns))

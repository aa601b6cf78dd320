"""Value types of the Pod Security Standards engine: levels, versions, checks and their results.

Nothing here knows a rule; the rules live in ``check_*.py`` and are listed in ``registry.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, NamedTuple

from unroot.errors import UsageError

if TYPE_CHECKING:
    from unroot.policy.psa.pod import PodView

Level = Literal["privileged", "baseline", "restricted"]
LEVELS: Final[tuple[Level, ...]] = ("privileged", "baseline", "restricted")

LATEST: Final = "latest"
_VERSION_RE = re.compile(r"v1\.(0|[1-9][0-9]{0,8})")


class CheckResult(NamedTuple):
    """One check's answer about one pod.

    ``reason`` is short and stable (``"privileged"``, ``"runAsUser=0"``); ``detail`` names the
    containers and values; ``field_paths`` are the offending fields, relative to the pod
    template (``spec.containers[0].securityContext.privileged``). A named tuple rather than a
    frozen dataclass: it is built on every denial, and tuples are several times cheaper.
    """

    allowed: bool
    reason: str = ""
    detail: str = ""
    field_paths: tuple[str, ...] = ()


ALLOWED: Final = CheckResult(True)
"""The shared "allowed" answer; checks return it instead of building a new one each time."""

CheckFn = Callable[["PodView"], CheckResult]


@dataclass(frozen=True, slots=True)
class VersionedCheck:
    """The behaviour of a check from ``minimum_version`` (a 1.N minor) on.

    ``overrides`` names baseline checks that this (restricted) behaviour replaces while it is
    the current one; a later version must list them again to keep replacing them.
    """

    minimum_version: int
    fn: CheckFn
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    """One rule of the standard, with every behaviour it ever had."""

    id: str
    level: Level
    versions: tuple[VersionedCheck, ...] = field(default_factory=tuple)


def parse_level(text: str) -> Level:
    """``privileged``, ``baseline`` or ``restricted``; anything else is a usage error."""
    for level in LEVELS:
        if text == level:
            return level
    raise UsageError(
        f"unknown Pod Security level {text!r} (use baseline, restricted or privileged)"
    )


def parse_version(text: str) -> str:
    """``v1.N`` or ``latest``, returned unchanged; anything else is a usage error."""
    if text == LATEST or _VERSION_RE.fullmatch(text):
        return text
    raise UsageError(f"invalid Pod Security version {text!r} (use v1.N, e.g. v1.30, or latest)")


def version_minor(text: str) -> int | None:
    """The N of ``v1.N``, or ``None`` for ``latest`` (callers validate with parse_version)."""
    if text == LATEST:
        return None
    return int(text[3:])

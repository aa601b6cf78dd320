"""Pod Security Standards (baseline, restricted; v1.0 … v1.37 and latest) as pure functions.

``evaluate(obj, level, version)`` takes a Pod or a workload (Deployment, CronJob, …) as plain
Python data and returns every forbidden reason with the offending field paths. Nothing here
reads files or talks to a cluster; see ``registry.py`` for the list of checks and
``check_*.py`` for the rules.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

from unroot.errors import InputError
from unroot.policy.psa.api import LATEST, Level, parse_level, parse_version, version_minor
from unroot.policy.psa.pod import PodView
from unroot.policy.psa.registry import BoundCheck, default_registry
from unroot.policy.psa.shape import validate_pod
from unroot.workload.podspec import pod_spec_of

__all__ = [
    "LATEST",
    "ForbiddenReason",
    "Level",
    "PSADecision",
    "evaluate",
    "evaluate_pod",
    "parse_level",
    "parse_version",
]


class ForbiddenReason(NamedTuple):
    """Why one check denies the pod; ``field_paths`` are absolute within the document.

    A named tuple (immutable, cheap to build on the denial path).
    """

    check_id: str
    reason: str
    detail: str
    field_paths: tuple[str, ...]

    def text(self) -> str:
        """``reason (detail)``, the form upstream uses in its denial messages."""
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


@dataclass(frozen=True, slots=True)
class PSADecision:
    """The verdict of one level and version for one pod: allowed, or denied with reasons.

    Allowed decisions are shared between calls (one per level and version); they are frozen.
    """

    allowed: bool
    level: Level
    version: str
    results: tuple[ForbiddenReason, ...] = ()

    def message(self) -> str:
        """All reasons on one line, separated by ``; ``; empty when allowed."""
        return "; ".join(r.text() for r in self.results)


@functools.lru_cache(maxsize=256)
def _resolve(level: str, version: str) -> tuple[PSADecision, tuple[BoundCheck, ...]]:
    """The shared "allowed" decision and the check functions for a level and version."""
    parsed_level = parse_level(level)
    minor = version_minor(parse_version(version))
    allowed = PSADecision(True, parsed_level, version)
    return allowed, default_registry().checks_for(parsed_level, minor)


def evaluate(obj: Any, level: str, version: str) -> PSADecision:
    """Evaluate a Pod, or the pod template of a workload, at ``level`` and ``version``.

    Raises :class:`UsageError` for a bad level or version and :class:`InputError` when the
    object holds no pod (unknown kind) or a field has the wrong type.
    """
    ref = pod_spec_of(obj)
    if ref is None:
        kind = obj.get("kind") if isinstance(obj, dict) else None
        what = f"kind {kind!r}" if isinstance(kind, str) else "an object without a kind"
        raise InputError(f"{what} holds no pod to evaluate")
    return evaluate_pod(ref.metadata, ref.spec, level, version, ref.path_prefix)


def evaluate_pod(
    metadata: dict[str, Any], spec: dict[str, Any], level: str, version: str, prefix: str = ""
) -> PSADecision:
    """Evaluate pod ``metadata`` and ``spec``; ``prefix`` is prepended to the field paths."""
    allowed, checks = _resolve(level, version)
    if not checks:
        return allowed
    validate_pod(metadata, spec, prefix)
    pod = PodView(metadata, spec)
    denied: list[ForbiddenReason] | None = None
    try:
        for check_id, fn in checks:
            result = fn(pod)
            if not result.allowed:
                if denied is None:
                    denied = []
                paths = result.field_paths
                if prefix:
                    paths = tuple([f"{prefix}.{p}" for p in paths])
                denied.append(
                    ForbiddenReason(
                        check_id,
                        result.reason or "unknown forbidden reason",
                        result.detail,
                        paths,
                    )
                )
    except (AttributeError, TypeError, KeyError, ValueError) as exc:  # pragma: no cover
        # validate_pod should make this unreachable; never let a malformed object crash us.
        raise InputError(f"cannot evaluate the pod: malformed field ({exc})") from exc
    if denied is None:
        return allowed
    return PSADecision(False, allowed.level, version, tuple(denied))

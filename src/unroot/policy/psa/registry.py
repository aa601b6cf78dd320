"""Every Pod Security check, listed explicitly, and the per-version tables built from them.

The list below is the whole standard: adding a check means adding a module and a line here
(nothing registers itself on import). :class:`Registry` validates a list of checks once and
precomputes, for every minor version from 1.0 to the newest one any check knows, the ordered
functions that baseline and restricted run, with overrides applied. Evaluating a pod is then a
table lookup plus a loop. Anything newer than the newest version, ``latest`` included, is
evaluated as the newest version.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Final

from unroot.policy.psa import (
    check_allow_privilege_escalation,
    check_app_armor_profile,
    check_capabilities_baseline,
    check_capabilities_restricted,
    check_host_namespaces,
    check_host_path_volumes,
    check_host_ports,
    check_host_probes_and_host_lifecycle,
    check_privileged,
    check_proc_mount,
    check_proc_mount_restricted,
    check_restricted_volumes,
    check_run_as_non_root,
    check_run_as_user,
    check_seccomp_profile_baseline,
    check_seccomp_profile_restricted,
    check_selinux_options,
    check_sysctls,
    check_windows_host_process,
)
from unroot.policy.psa.api import Check, CheckFn, Level, VersionedCheck

ALL_CHECKS: Final[tuple[Check, ...]] = (
    check_allow_privilege_escalation.CHECK,
    check_app_armor_profile.CHECK,
    check_capabilities_baseline.CHECK,
    check_capabilities_restricted.CHECK,
    check_host_namespaces.CHECK,
    check_host_path_volumes.CHECK,
    check_host_ports.CHECK,
    check_host_probes_and_host_lifecycle.CHECK,
    check_privileged.CHECK,
    check_proc_mount.CHECK,
    check_proc_mount_restricted.CHECK,
    check_restricted_volumes.CHECK,
    check_run_as_non_root.CHECK,
    check_run_as_user.CHECK,
    check_seccomp_profile_baseline.CHECK,
    check_seccomp_profile_restricted.CHECK,
    check_selinux_options.CHECK,
    check_sysctls.CHECK,
    check_windows_host_process.CHECK,
)

BoundCheck = tuple[str, CheckFn]
"""A check id and the function that implements it at one version."""


class RegistryError(ValueError):
    """The list of checks is inconsistent (a programming error, caught by the tests)."""


def validate_checks(checks: Sequence[Check]) -> None:
    """Reject duplicate ids, unordered versions and overrides that cannot mean anything.

    Only restricted checks may override, only baseline checks may be overridden, and once a
    check overrides another it must keep doing so in later versions (dropping an override
    would make a newer policy version weaker without anyone noticing).
    """
    by_id: dict[str, Check] = {}
    for check in checks:
        if not check.id:
            raise RegistryError("check with an empty id")
        if check.id in by_id:
            raise RegistryError(f"duplicate check id {check.id!r}")
        if check.level not in ("baseline", "restricted"):
            raise RegistryError(f"check {check.id!r}: invalid level {check.level!r}")
        if not check.versions:
            raise RegistryError(f"check {check.id!r}: no versions")
        by_id[check.id] = check
    for check in checks:
        previous: VersionedCheck | None = None
        for versioned in check.versions:
            if versioned.minimum_version < 0:
                raise RegistryError(f"check {check.id!r}: negative version")
            if previous is not None:
                if versioned.minimum_version <= previous.minimum_version:
                    raise RegistryError(
                        f"check {check.id!r}: versions must increase "
                        f"(v1.{previous.minimum_version} then v1.{versioned.minimum_version})"
                    )
                dropped = set(previous.overrides) - set(versioned.overrides)
                if dropped:
                    raise RegistryError(
                        f"check {check.id!r}: v1.{versioned.minimum_version} stops overriding "
                        f"{sorted(dropped)}"
                    )
            for target in versioned.overrides:
                if check.level != "restricted":
                    raise RegistryError(f"check {check.id!r}: only restricted checks override")
                other = by_id.get(target)
                if other is None:
                    raise RegistryError(f"check {check.id!r}: overrides unknown check {target!r}")
                if other.level != "baseline":
                    raise RegistryError(
                        f"check {check.id!r}: overrides {target!r}, which is not baseline"
                    )
            previous = versioned


def _current(check: Check, minor: int) -> VersionedCheck | None:
    """The behaviour of ``check`` at 1.``minor``: its newest version not newer than that."""
    found = None
    for versioned in check.versions:
        if versioned.minimum_version <= minor:
            found = versioned
    return found


class Registry:
    """Validated checks plus the precomputed function lists per level and minor version."""

    __slots__ = ("_tables", "checks", "max_minor")

    def __init__(self, checks: Sequence[Check]) -> None:
        validate_checks(checks)
        self.checks: tuple[Check, ...] = tuple(checks)
        self.max_minor: int = max(v.minimum_version for c in checks for v in c.versions)
        baseline = sorted((c for c in checks if c.level == "baseline"), key=lambda c: c.id)
        restricted = sorted((c for c in checks if c.level == "restricted"), key=lambda c: c.id)
        self._tables: dict[Level, tuple[tuple[BoundCheck, ...], ...]] = {
            "privileged": tuple(() for _ in range(self.max_minor + 1)),
            "baseline": tuple(
                self._populate(baseline, [], minor) for minor in range(self.max_minor + 1)
            ),
            "restricted": tuple(
                self._populate(baseline, restricted, minor) for minor in range(self.max_minor + 1)
            ),
        }

    @staticmethod
    def _populate(
        baseline: list[Check], restricted: list[Check], minor: int
    ) -> tuple[BoundCheck, ...]:
        active_restricted: list[BoundCheck] = []
        overridden: set[str] = set()
        for check in restricted:
            versioned = _current(check, minor)
            if versioned is not None:
                active_restricted.append((check.id, versioned.fn))
                overridden.update(versioned.overrides)
        active: list[BoundCheck] = []
        for check in baseline:
            versioned = _current(check, minor)
            if versioned is not None and check.id not in overridden:
                active.append((check.id, versioned.fn))
        return tuple(active + active_restricted)

    def checks_for(self, level: Level, minor: int | None) -> tuple[BoundCheck, ...]:
        """The functions to run for ``level`` at 1.``minor`` (``None`` = latest), in order."""
        table = self._tables[level]
        if minor is None or minor > self.max_minor:
            return table[-1]
        return table[minor]


@functools.cache
def default_registry() -> Registry:
    """The registry of :data:`ALL_CHECKS`, built on first use and shared afterwards."""
    return Registry(ALL_CHECKS)

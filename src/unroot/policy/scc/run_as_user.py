"""runAsUser strategies: MustRunAs (one UID), MustRunAsRange, MustRunAsNonRoot, RunAsAny.

A container whose effective runAsUser is unset gets the strategy's UID (the SCC's ``uid``, or
the first UID of the range, which for a namespace-allocated range is the namespace's first
UID). Validation reads the effective UID: a MustRunAs* strategy requires one, in its set.
MustRunAsNonRoot generates nothing; it requires ``runAsNonRoot: true`` or a non-zero UID, and
the admission step that sets ``runAsNonRoot`` lives in :mod:`unroot.policy.scc.provider`.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import ContainerScope, StrategyError
from unroot.policy.scc.fielderr import FieldError, go_value, invalid, required
from unroot.policy.scc.model import SCC


class RunAsUser:
    """Base: RunAsAny (generates nothing, accepts everything)."""

    kind = "RunAsAny"

    def generate(self) -> int | None:
        return None

    def accepts(self, uid: int) -> bool:
        """Whether an explicit UID passes (MustRunAsNonRoot also needs runAsNonRoot)."""
        return True

    def validate(
        self, uid: Any, nonroot: Any, scope: ContainerScope, scc: str, out: list[FieldError]
    ) -> None:
        """``uid``/``nonroot``: the container's effective values after filling in."""
        return None


class MustRunAs(RunAsUser):
    kind = "MustRunAs"

    def __init__(self, uid: int) -> None:
        self.uid = uid

    def generate(self) -> int | None:
        return self.uid

    def accepts(self, uid: int) -> bool:
        return uid == self.uid

    def validate(
        self, uid: Any, nonroot: Any, scope: ContainerScope, scc: str, out: list[FieldError]
    ) -> None:
        if uid == self.uid:
            return
        path = scope.path + ".runAsUser"
        if uid is None:
            out.append(required(path, "", scope.source("runAsUser"), scc))
        else:
            detail = f"must be: {self.uid}"
            out.append(invalid(path, go_value(uid), detail, scope.source("runAsUser"), scc))


class MustRunAsRange(RunAsUser):
    kind = "MustRunAsRange"

    def __init__(self, low: int, high: int) -> None:
        self.low = low
        self.high = high
        self.detail = f"must be in the ranges: [{low}, {high}]"

    def generate(self) -> int | None:
        return self.low

    def accepts(self, uid: int) -> bool:
        return self.low <= uid <= self.high

    def validate(
        self, uid: Any, nonroot: Any, scope: ContainerScope, scc: str, out: list[FieldError]
    ) -> None:
        if uid is not None and self.low <= uid <= self.high:
            return
        path = scope.path + ".runAsUser"
        if uid is None:
            out.append(required(path, "", scope.source("runAsUser"), scc))
        else:
            out.append(invalid(path, go_value(uid), self.detail, scope.source("runAsUser"), scc))


class NonRoot(RunAsUser):
    kind = "MustRunAsNonRoot"

    def accepts(self, uid: int) -> bool:
        return uid != 0

    def validate(
        self, uid: Any, nonroot: Any, scope: ContainerScope, scc: str, out: list[FieldError]
    ) -> None:
        if nonroot is None and uid is None:
            path = scope.path + ".runAsNonRoot"
            out.append(required(path, "must be true", scope.source("runAsNonRoot"), scc))
        elif nonroot is False:
            path = scope.path + ".runAsNonRoot"
            out.append(invalid(path, "false", "must be true", scope.source("runAsNonRoot"), scc))
        elif uid == 0:
            path = scope.path + ".runAsUser"
            detail = "running with the root UID is forbidden"
            out.append(invalid(path, "0", detail, scope.source("runAsUser"), scc))


_ANY = RunAsUser()
_NON_ROOT = NonRoot()


def create(scc: SCC, low: int | None, high: int | None) -> RunAsUser:
    """The strategy for ``scc``; ``low``/``high`` are its range after namespace allocation."""
    kind = scc.run_as_user_type
    if kind == "MustRunAs":
        if scc.uid is None:
            raise StrategyError("MustRunAs requires a UID")
        return MustRunAs(scc.uid)
    if kind == "MustRunAsRange":
        if low is None:
            raise StrategyError("MustRunAsRange requires a UIDRangeMin")
        if high is None:
            raise StrategyError("MustRunAsRange requires a UIDRangeMax")
        return MustRunAsRange(low, high)
    if kind == "MustRunAsNonRoot":
        return _NON_ROOT
    if kind == "RunAsAny":
        return _ANY
    raise StrategyError(f"Unrecognized RunAsUser strategy type {kind}")

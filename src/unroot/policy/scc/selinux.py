"""seLinuxContext strategies: MustRunAs and RunAsAny.

MustRunAs fills the SCC's ``seLinuxOptions`` into a pod that sets none (the level comes from
the namespace when the SCC leaves it open) and then requires the pod's and every container's
effective options to equal them: user, role and type exactly (an option the SCC leaves empty
must stay empty), the level with its categories compared in any order (``s0:c1,c0`` equals
``s0:c0,c1``). When the level may stay open (offline, no namespace level known), it is neither
filled in nor checked.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import StrategyError
from unroot.policy.scc.fielderr import FieldError, go_value, invalid, required
from unroot.policy.scc.model import SELinuxOptions


def equal_levels(expected: str, actual: str) -> bool:
    if expected == actual:
        return True
    want = expected.split(":", 1)
    got = actual.split(":", 1)
    if len(want) != 2 or len(got) != 2:
        return False
    if want[0] != got[0]:
        return False
    return sorted(want[1].split(",")) == sorted(got[1].split(","))


class MustRunAs:
    __slots__ = ("check_level", "generated", "options")

    def __init__(self, options: SELinuxOptions | None, check_level: bool = True) -> None:
        if options is None:
            raise StrategyError("MustRunAs requires SELinuxOptions")
        self.options = options
        self.check_level = check_level
        generated = options.as_json()
        self.generated: dict[str, str] | None = generated if (generated or check_level) else None

    def generate(self) -> dict[str, str] | None:
        """A fresh copy of the options to fill in (``None``: nothing to fill in)."""
        return dict(self.generated) if self.generated is not None else None

    def matches(self, given: dict[str, Any]) -> bool:
        """Whether ``given`` passes (the fast path of :meth:`validate`)."""
        if given == self.generated:
            return True
        opts = self.options
        return (
            (not self.check_level or equal_levels(opts.level, given.get("level") or ""))
            and (given.get("role") or "") == opts.role
            and (given.get("type") or "") == opts.type
            and (given.get("user") or "") == opts.user
        )

    def validate(
        self,
        given: Any,
        path: str,
        field: str,
        scc: str,
        out: list[FieldError],
    ) -> None:
        """``path``/``field``: upstream's path and the document path of ``seLinuxOptions``."""
        if not isinstance(given, dict):
            if self.generated is not None:  # else: an open level and nothing else to require
                out.append(required(path, "", field, scc))
            return
        opts = self.options
        level = given.get("level") or ""
        if self.check_level and not equal_levels(opts.level, level):
            out.append(
                invalid(
                    path + ".level", go_value(level), f"must be {opts.level}", field + ".level", scc
                )
            )
        for key, want in (("role", opts.role), ("type", opts.type), ("user", opts.user)):
            value = given.get(key) or ""
            if value != want:
                out.append(
                    invalid(
                        f"{path}.{key}", go_value(value), f"must be {want}", f"{field}.{key}", scc
                    )
                )


def create(kind: str, options: SELinuxOptions | None, check_level: bool) -> MustRunAs | None:
    """``None`` for RunAsAny."""
    if kind == "RunAsAny":
        return None
    if kind == "MustRunAs":
        return MustRunAs(options, check_level)
    raise StrategyError(f"Unrecognized SELinuxContext strategy type {kind}")

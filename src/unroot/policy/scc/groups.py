"""fsGroup and supplementalGroups strategies: MustRunAs (ranges) and RunAsAny.

MustRunAs fills in the first ID of its first range when the pod sets none (``fsGroup: N``,
``supplementalGroups: [N]``) and then requires every group the pod lists to fall in one of its
ranges. An SCC without ranges takes them from the namespace (see
:mod:`unroot.policy.scc.namespace`). RunAsAny fills in nothing and accepts everything.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import StrategyError
from unroot.policy.scc.fielderr import FieldError, go_int64s, invalid
from unroot.policy.scc.model import IDRange


class MustRunAs:
    __slots__ = ("bounds", "field", "ranges")

    def __init__(self, ranges: tuple[IDRange, ...], field: str) -> None:
        if not ranges:
            raise StrategyError("ranges must be supplied for MustRunAs")
        self.ranges = ranges
        self.bounds = tuple((r.min, r.max) for r in ranges)
        self.field = field

    def first(self) -> int:
        return self.ranges[0].min

    def allows(self, group: Any) -> bool:
        return any(low <= group <= high for low, high in self.bounds)

    def validate(
        self, groups: list[int] | None, pod_path: str, scc: str, out: list[FieldError]
    ) -> None:
        """``groups`` as the pod has them (``None`` when unset); ``pod_path`` is upstream's
        ``provider x: .spec.securityContext``."""
        if groups and all(self.allows(g) for g in groups):
            return
        path = f"{pod_path}.{self.field}"
        field = f"spec.securityContext.{self.field}"
        if not groups:
            shown = go_int64s([] if self.field == "fsGroup" else groups)
            detail = "unable to validate empty groups against required ranges"
            out.append(invalid(path, shown, detail, field, scc))
            return
        for index, group in enumerate(groups):
            if not self.allows(group):
                where = field if self.field == "fsGroup" else f"{field}[{index}]"
                detail = f"{group} is not an allowed group"
                out.append(invalid(path, go_int64s(groups), detail, where, scc))


def create(kind: str, ranges: tuple[IDRange, ...], field: str) -> MustRunAs | None:
    """``None`` for RunAsAny; ``field`` is ``fsGroup`` or ``supplementalGroups``."""
    if kind == "RunAsAny":
        return None
    if kind == "MustRunAs":
        return MustRunAs(ranges, field)
    label = "FSGroup" if field == "fsGroup" else "SupplementalGroups"
    raise StrategyError(f"Unrecognized {label} strategy type {kind}")

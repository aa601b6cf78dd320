"""Capabilities: defaultAddCapabilities, requiredDropCapabilities, allowedCapabilities.

Names are compared exactly as written, case and ``CAP_`` prefix included, as upstream does.
Mutation adds the SCC's default capabilities (unless the container drops them) and its required
drops to the container's lists; when anything changes, both lists are rewritten sorted and
without duplicates, otherwise the container's lists are kept as they are. Validation refuses an
added capability that is neither a default nor allowed (``*`` in allowedCapabilities allows
anything and skips the other checks) and a required drop the container does not list.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import ContainerScope
from unroot.policy.scc.fielderr import NULL, FieldError, go_capabilities, go_quote, invalid


class Capabilities:
    __slots__ = ("allow_all", "allowed", "default_add", "drops_only", "required", "required_drop")

    def __init__(
        self,
        default_add: tuple[str, ...],
        required_drop: tuple[str, ...],
        allowed: tuple[str, ...],
    ) -> None:
        self.default_add = default_add
        self.required_drop = required_drop
        self.allowed = frozenset(allowed)
        self.allow_all = "*" in self.allowed
        self.required = bool(default_add or required_drop)
        self.drops_only = sorted(set(required_drop))
        """What a container without capabilities gets when there are no default adds."""
        """Whether a container must end up with capabilities set."""

    def generate(self, caps: Any) -> Any:
        """The container's new ``capabilities`` (the same object when nothing changes)."""
        if not self.default_add:
            if not self.required_drop:
                return caps
            if caps is None:
                return {"drop": list(self.drops_only)}
            if caps.__class__ is dict:
                drops = caps.get("drop")
                if drops and all(cap in drops for cap in self.required_drop):
                    return caps
        add: list[str] = []
        drop: list[str] = []
        if isinstance(caps, dict):
            add = caps.get("add") or []
            drop = caps.get("drop") or []
        container_add = set(add)
        container_drop = set(drop)
        combined_add = (set(self.default_add) - container_drop) | container_add
        combined_drop = set(self.required_drop) | container_drop
        if len(combined_add) == len(container_add) and len(combined_drop) == len(container_drop):
            return caps
        new: dict[str, list[str]] = {}
        if combined_add:
            new["add"] = sorted(combined_add)
        if combined_drop:
            new["drop"] = sorted(combined_drop)
        return new

    def refuses_added(self, added: Any) -> bool:
        """Whether a container adding ``added`` fails whatever else it sets."""
        if not added or self.allow_all:
            return False
        return any(cap not in self.default_add and cap not in self.allowed for cap in added)

    def validate(self, caps: Any, scope: ContainerScope, scc: str, out: list[FieldError]) -> None:
        """``caps``: the container's ``capabilities`` after filling in."""
        if not isinstance(caps, dict):
            if not self.default_add and not self.required_drop:
                return
            base = scope.field + ".securityContext.capabilities"
            detail = "required capabilities are not set on the securityContext"
            out.append(invalid(scope.path + ".capabilities", NULL, detail, base, scc))
            return
        if self.allow_all:
            return
        add = caps.get("add")
        drops = caps.get("drop")
        if not add and (
            not self.required_drop or (drops and all(cap in drops for cap in self.required_drop))
        ):
            return
        defaults = self.default_add
        base = scope.field + ".securityContext.capabilities"
        for index, cap in enumerate(add or []):
            if cap not in defaults and cap not in self.allowed:
                out.append(
                    invalid(
                        scope.path + ".capabilities.add",
                        go_quote(str(cap)),
                        "capability may not be added",
                        f"{base}.add[{index}]",
                        scc,
                    )
                )
        if not self.required_drop:
            return
        present = set(drops or ())
        for cap in self.required_drop:
            if cap not in present:
                out.append(
                    invalid(
                        scope.path + ".capabilities.drop",
                        go_capabilities(drops),
                        f"{cap} is required to be dropped but was not found",
                        f"{base}.drop",
                        scc,
                    )
                )

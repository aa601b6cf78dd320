"""Capabilities: requiredDropCapabilities, allowedCapabilities, defaultAddCapabilities.

Mutation appends missing required drops to each container's ``capabilities.drop`` and adds the
default capabilities the container does not drop. Validation refuses an added capability that is
neither allowed nor a default (``*`` allows any) or that the profile requires to be dropped;
``NET_BIND_SERVICE`` with ``drop: [ALL]`` is the usual allowed combination.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import Containers, Context, SCCReason, ensure, get_sc
from unroot.policy.scc.profile import Profile


def norm(name: Any) -> str:
    text = str(name).strip().upper()
    return text[4:] if text.startswith("CAP_") else text


def mutate(spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers) -> None:
    if not p.requiredDropCapabilities and not p.defaultAddCapabilities:
        return
    for _rel, c in conts:
        caps = get_sc(c).get("capabilities")
        if not caps and not p.defaultAddCapabilities:  # the common case: nothing set
            ensure(ensure(c, "securityContext"), "capabilities")["drop"] = list(
                p.requiredDropCapabilities
            )
            continue
        caps = caps if isinstance(caps, dict) else {}
        drop = [norm(x) for x in caps.get("drop") or []]
        add = [norm(x) for x in caps.get("add") or []]
        need_drop = [d for d in p.requiredDropCapabilities if d not in drop and "ALL" not in drop]
        need_add = [a for a in p.defaultAddCapabilities if a not in add and a not in drop]
        if not need_drop and not need_add:
            continue
        target = ensure(ensure(c, "securityContext"), "capabilities")
        if need_drop:
            target["drop"] = list(target.get("drop") or []) + need_drop
        if need_add:
            target["add"] = list(target.get("add") or []) + need_add


def validate(
    spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers, out: list[SCCReason]
) -> None:
    allowed = set(p.allowedCapabilities) | set(p.defaultAddCapabilities)
    any_cap = "*" in allowed
    for rel, c in conts:
        caps = get_sc(c).get("capabilities")
        caps = caps if isinstance(caps, dict) else {}
        drop = {norm(x) for x in caps.get("drop") or []}
        for i, raw in enumerate(caps.get("add") or []):
            cap = norm(raw)
            path = ctx.path(f"{rel}.securityContext.capabilities.add[{i}]")
            if cap in p.requiredDropCapabilities:
                out.append(
                    SCCReason(path, f"capabilities.add: Invalid value: {cap!r}: must be dropped")
                )
            elif not any_cap and cap not in allowed:
                shown = ", ".join(sorted(allowed)) or "none"
                out.append(
                    SCCReason(
                        path,
                        f"capabilities.add: Invalid value: {cap!r}: capability may not be added "
                        f"(allowed: {shown})",
                    )
                )
        missing = [d for d in p.requiredDropCapabilities if d not in drop and "ALL" not in drop]
        if missing:
            out.append(
                SCCReason(
                    ctx.path(f"{rel}.securityContext.capabilities.drop"),
                    f"capabilities.drop must include {', '.join(missing)}",
                )
            )

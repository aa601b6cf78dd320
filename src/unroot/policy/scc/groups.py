"""fsGroup and supplementalGroups strategies: MustRunAs (with ranges) and RunAsAny.

Ranges come from the profile; when it names none, from the namespace's supplemental-groups
annotation, else its UID range (as OpenShift does). Mutation fills the first ID of the first
range: ``fsGroup: <min>`` and ``supplementalGroups: [<min>]``.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import Containers, Context, SCCReason, ensure, get_sc
from unroot.policy.scc.profile import IDRange, Profile


def ranges_for(kind: str, p: Profile, ctx: Context) -> tuple[IDRange, ...]:
    own = p.fs_group_ranges if kind == "fsGroup" else p.supplemental_groups_ranges
    if own:
        return own
    return (ctx.group_ids,) if ctx.group_ids is not None else ()


def _strategy(kind: str, p: Profile) -> str:
    return p.fs_group if kind == "fsGroup" else p.supplemental_groups


def mutate(spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers) -> None:
    for kind in ("fsGroup", "supplementalGroups"):
        if _strategy(kind, p) != "MustRunAs":
            continue
        rngs = ranges_for(kind, p, ctx)
        if not rngs:
            continue
        current = get_sc(spec).get(kind)
        if current is None or current == []:
            value: Any = rngs[0].min if kind == "fsGroup" else [rngs[0].min]
            ensure(spec, "securityContext")[kind] = value


def validate(
    spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers, out: list[SCCReason]
) -> None:
    sc = get_sc(spec)
    for kind in ("fsGroup", "supplementalGroups"):
        if _strategy(kind, p) != "MustRunAs":
            continue
        rngs = ranges_for(kind, p, ctx)
        shown = ", ".join(str(r) for r in rngs)
        if not rngs:
            out.append(
                SCCReason(
                    ctx.path(f"securityContext.{kind}"),
                    f"{kind}: no range for this namespace: annotate it with unroot.dev/uid-range "
                    "or pass --uid-range START/SIZE",
                )
            )
            continue
        value = sc.get(kind)
        values = [value] if kind == "fsGroup" else value
        if value is None:
            out.append(SCCReason(ctx.path(f"securityContext.{kind}"), f"{kind} must be set"))
            continue
        for i, v in enumerate(values or []):
            if not any(v in r for r in rngs):
                where = "fsGroup" if kind == "fsGroup" else f"supplementalGroups[{i}]"
                out.append(
                    SCCReason(
                        ctx.path(f"securityContext.{where}"),
                        f"{kind}: Invalid value: {v}: must be in the ranges: {shown}",
                    )
                )

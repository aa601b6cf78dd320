"""seLinuxContext strategies: MustRunAs and RunAsAny.

MustRunAs requires the profile's seLinuxOptions; the level defaults to the namespace's MCS
annotation (``openshift.io/sa.scc.mcs``), filled in on the pod like OpenShift does. Options the
profile leaves open are still bounded: user and role must stay unset and type must be one of the
container types Pod Security baseline allows, so MustRunAs never lets ``spc_t`` through. When
no level is known, a level set by the pod is accepted (offline checks rarely know the MCS).
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import Containers, Context, SCCReason, ensure, get_sc
from unroot.policy.scc.profile import Profile

_OK_TYPES = frozenset(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
)


def required(p: Profile, ctx: Context) -> dict[str, str]:
    opts = dict(p.selinux_options)
    if "level" not in opts and ctx.mcs:
        opts["level"] = ctx.mcs
    return opts


def mutate(spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers) -> None:
    if p.selinux != "MustRunAs":
        return
    opts = required(p, ctx)
    if not opts:
        return
    current = get_sc(spec).get("seLinuxOptions")
    current = current if isinstance(current, dict) else {}
    missing = {k: v for k, v in opts.items() if not current.get(k)}
    if missing:
        target = ensure(ensure(spec, "securityContext"), "seLinuxOptions")
        target.update(missing)


def validate(
    spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers, out: list[SCCReason]
) -> None:
    if p.selinux != "MustRunAs":
        return
    opts = required(p, ctx)
    holders = [
        ("securityContext", spec),
        *((r + ".securityContext", c) for r, c in conts),
    ]
    for rel, holder in holders:
        given = get_sc(holder).get("seLinuxOptions")
        if not isinstance(given, dict):
            continue
        for key in ("user", "role", "type", "level"):
            value = given.get(key) or ""
            if key in opts:
                bad = bool(value) and value != opts[key]
                want = f"must be {opts[key]!r}"
            elif key == "type":
                bad = value not in _OK_TYPES
                want = "must be one of " + ", ".join(sorted(t for t in _OK_TYPES if t))
            elif key == "level":
                bad = False
                want = ""
            else:
                bad = bool(value)
                want = "must not be set"
            if bad:
                out.append(
                    SCCReason(
                        ctx.path(f"{rel}.seLinuxOptions.{key}"),
                        f"seLinuxOptions.{key}: Invalid value: {value!r}: {want}",
                    )
                )

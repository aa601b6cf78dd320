"""seccompProfiles: an allow-list in OpenShift's spelling (``runtime/default``,
``docker/default``, ``localhost/<file>``, ``unconfined``, ``*``). The first entry is the default,
filled in on the pod (``seccompProfile: {type: RuntimeDefault}``) when neither the pod nor a
container sets one. A profile without the list (null) neither fills nor restricts."""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import Containers, Context, SCCReason, ensure, get_sc
from unroot.policy.scc.profile import Profile


def to_api(entry: str) -> dict[str, str] | None:
    if entry in ("runtime/default", "docker/default"):
        return {"type": "RuntimeDefault"}
    if entry == "unconfined":
        return {"type": "Unconfined"}
    if entry.startswith("localhost/") and not entry.endswith("*"):
        return {"type": "Localhost", "localhostProfile": entry[len("localhost/") :]}
    return None


def allowed(value: Any, entries: tuple[str, ...]) -> bool:
    if not isinstance(value, dict):
        return True
    kind = value.get("type")
    for entry in entries:
        if entry == "*":
            return True
        if kind == "RuntimeDefault" and entry in ("runtime/default", "docker/default"):
            return True
        if kind == "Unconfined" and entry == "unconfined":
            return True
        if kind == "Localhost" and entry.startswith("localhost/"):
            want = entry[len("localhost/") :]
            if want == "*" or want == value.get("localhostProfile"):
                return True
    return False


def mutate(spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers) -> None:
    if not p.seccompProfiles:
        return
    default = to_api(p.seccompProfiles[0])
    if default is None or get_sc(spec).get("seccompProfile") is not None:
        return
    if all(get_sc(c).get("seccompProfile") is not None for _r, c in conts) and any(
        True for _ in conts
    ):
        return
    ensure(spec, "securityContext")["seccompProfile"] = default


def validate(
    spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers, out: list[SCCReason]
) -> None:
    entries = p.seccompProfiles
    if not entries:
        return
    holders = [
        ("securityContext", spec),
        *((r + ".securityContext", c) for r, c in conts),
    ]
    for rel, holder in holders:
        value = get_sc(holder).get("seccompProfile")
        if value is not None and not allowed(value, entries):
            kind = value.get("type") if isinstance(value, dict) else value
            out.append(
                SCCReason(
                    ctx.path(rel + ".seccompProfile.type"),
                    f"seccompProfile: Invalid value: {kind!r}: must be one of "
                    + ", ".join(entries),
                )
            )

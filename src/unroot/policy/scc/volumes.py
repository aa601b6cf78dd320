"""Volume types: an allow-list (``*`` allows all); ``hostPath`` also needs
``allowHostDirVolumePlugin``. A volume's type is its one key besides ``name``; a volume with no
source is what the API server defaults to ``emptyDir``."""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import Containers, Context, SCCReason
from unroot.policy.scc.profile import Profile


def volume_type(volume: dict[str, Any]) -> str:
    for key in volume:
        if key != "name":
            return str(key)
    return "emptyDir"


def mutate(spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers) -> None:
    return None


def validate(
    spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers, out: list[SCCReason]
) -> None:
    allowed = set(p.volumes)
    for i, vol in enumerate(spec.get("volumes") or []):
        if not isinstance(vol, dict):
            continue
        kind = volume_type(vol)
        path = ctx.path(f"volumes[{i}].{kind}")
        if kind == "hostPath" and not p.allowHostDirVolumePlugin:
            out.append(SCCReason(path, "hostPath volumes are not allowed to be used"))
        elif "*" not in allowed and kind not in allowed:
            shown = ", ".join(sorted(allowed)) or "none"
            out.append(
                SCCReason(path, f"{kind} volumes are not allowed to be used (allowed: {shown})")
            )

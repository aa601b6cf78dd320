"""Container privilege: privileged, allowPrivilegeEscalation, readOnlyRootFilesystem.

Mutation fills ``allowPrivilegeEscalation: false`` when the profile forbids escalation (or its
``defaultAllowPrivilegeEscalation`` when set) and ``readOnlyRootFilesystem: true`` when required.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import Containers, Context, SCCReason, ensure, get_sc
from unroot.policy.scc.profile import Profile


def mutate(spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers) -> None:
    default_ape = False if not p.allowPrivilegeEscalation else p.defaultAllowPrivilegeEscalation
    for _rel, c in conts:
        sc = get_sc(c)
        # the API server rejects privileged: true with allowPrivilegeEscalation: false
        if (
            default_ape is not None
            and sc.get("allowPrivilegeEscalation") is None
            and not (sc.get("privileged") is True and default_ape is False)
        ):
            ensure(c, "securityContext")["allowPrivilegeEscalation"] = default_ape
        if p.readOnlyRootFilesystem and get_sc(c).get("readOnlyRootFilesystem") is None:
            ensure(c, "securityContext")["readOnlyRootFilesystem"] = True


def validate(
    spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers, out: list[SCCReason]
) -> None:
    for rel, c in conts:
        sc = get_sc(c)
        base = f"{rel}.securityContext"
        if sc.get("privileged") is True and not p.allowPrivilegedContainer:
            out.append(
                SCCReason(
                    ctx.path(base + ".privileged"),
                    "privileged: Invalid value: true: Privileged containers are not allowed",
                )
            )
        if sc.get("allowPrivilegeEscalation") is True and not p.allowPrivilegeEscalation:
            out.append(
                SCCReason(
                    ctx.path(base + ".allowPrivilegeEscalation"),
                    "allowPrivilegeEscalation: Invalid value: true: "
                    "Allowing privilege escalation for containers is not allowed",
                )
            )
        if p.readOnlyRootFilesystem and sc.get("readOnlyRootFilesystem") is not True:
            out.append(
                SCCReason(
                    ctx.path(base + ".readOnlyRootFilesystem"),
                    "readOnlyRootFilesystem: Invalid value: false: "
                    "must be true (the profile requires a read-only root filesystem)",
                )
            )

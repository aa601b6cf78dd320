"""runAsUser strategies: MustRunAs (one UID), MustRunAsRange, MustRunAsNonRoot, RunAsAny.

Mutation follows OpenShift: a container whose effective runAsUser is unset gets the first UID
of the range (or the profile's uid) on its own securityContext, plus ``runAsNonRoot: true`` when
neither it nor the pod says otherwise and the UID is not 0. Validation checks the effective UID
of every container and names the field that set it.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.context import Containers, Context, SCCReason, effective, ensure
from unroot.policy.scc.profile import IDRange, Profile


def allowed_range(p: Profile, ctx: Context) -> IDRange | None:
    if p.run_as_user == "MustRunAs" and p.uid is not None:
        return IDRange(p.uid, p.uid)
    if p.run_as_user == "MustRunAsRange":
        if p.uid_range is not None:
            return p.uid_range
        return ctx.uid_ids
    return None


def mutate(spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers) -> None:
    if p.run_as_user == "RunAsAny":
        return
    rng = allowed_range(p, ctx)
    for _rel, c in conts:
        uid, _ = effective(spec, c, "runAsUser")
        nonroot, _ = effective(spec, c, "runAsNonRoot")
        if uid is None and rng is not None:
            ensure(c, "securityContext")["runAsUser"] = rng.min
            uid = rng.min
        if nonroot is None and uid != 0:
            ensure(c, "securityContext")["runAsNonRoot"] = True


def validate(
    spec: dict[str, Any], p: Profile, ctx: Context, conts: Containers, out: list[SCCReason]
) -> None:
    if p.run_as_user == "RunAsAny":
        return
    rng = allowed_range(p, ctx)
    if p.run_as_user in ("MustRunAs", "MustRunAsRange") and rng is None:
        out.append(
            SCCReason(
                ctx.path("securityContext.runAsUser"),
                "no UID range for this namespace: annotate it with unroot.dev/uid-range "
                "(or openshift.io/sa.scc.uid-range) or pass --uid-range START/SIZE",
            )
        )
        return
    pod_reported = False
    for rel, c in conts:
        uid, where = effective(spec, c, "runAsUser")
        src = rel + ".securityContext" if where == "container" else "securityContext"
        if rng is not None:
            if uid is None:
                out.append(SCCReason(ctx.path(rel), f"runAsUser must be set within {rng}"))
            elif uid not in rng:
                if where == "pod" and pod_reported:
                    continue
                pod_reported = pod_reported or where == "pod"
                out.append(
                    SCCReason(
                        ctx.path(src + ".runAsUser"),
                        f"runAsUser: Invalid value: {uid}: must be in the ranges: {rng}",
                    )
                )
            continue
        # MustRunAsNonRoot
        nonroot, nr_where = effective(spec, c, "runAsNonRoot")
        if uid == 0:
            if where == "pod" and pod_reported:
                continue
            pod_reported = pod_reported or where == "pod"
            out.append(
                SCCReason(
                    ctx.path(src + ".runAsUser"),
                    "runAsUser: Invalid value: 0: running with the root UID is forbidden",
                )
            )
        elif uid is None and nonroot is not True:
            nr_src = rel + ".securityContext" if nr_where == "container" else "securityContext"
            out.append(
                SCCReason(
                    ctx.path(nr_src + ".runAsNonRoot"),
                    "runAsNonRoot must be true, or runAsUser set to a non-zero UID",
                )
            )

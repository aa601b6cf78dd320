"""UR503: runAsNonRoot without runAsUser, and an image whose USER the kubelet refuses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.untrusted import is_decimal
from unroot.workload.context import PodContext


def check(ctx: PodContext) -> Iterator[Finding]:
    """Combine the pod's securityContext, as admitted, with each scanned image's USER.

    ``runAsNonRoot: true`` without a runAsUser makes the kubelet check the image's user: a name
    cannot be verified (CreateContainerConfigError), and UID 0 is refused.
    """
    spec = ctx.admitted_spec
    raw_psc = spec.get("securityContext")
    psc: Mapping[str, Any] = raw_psc if isinstance(raw_psc, dict) else {}
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        for ci, c in enumerate(items if isinstance(items, list) else []):
            if not isinstance(c, dict) or c.get("image") not in ctx.images:
                continue
            image = ctx.images[c["image"]]
            raw = c.get("securityContext")
            csc: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
            uid = csc.get("runAsUser", psc.get("runAsUser"))
            nonroot = csc.get("runAsNonRoot", psc.get("runAsNonRoot"))
            if uid is not None or nonroot is not True:
                continue
            user = str(image.info.get("user") or "")
            name_part = user.partition(":")[0]
            if name_part and not is_decimal(name_part):
                message = (
                    f"kubelet will refuse to start container {c.get('name')!r}: runAsNonRoot is "
                    f"true and image {c['image']} runs as user {name_part!r}, a name, not a "
                    'number ("image has non-numeric user, cannot verify user is non-root")'
                )
            elif name_part in ("", "0"):
                message = (
                    f"kubelet will refuse to start container {c.get('name')!r}: runAsNonRoot is "
                    f"true and image {c['image']} runs as root (UID 0)"
                )
            else:
                continue
            yield RULE.finding(
                message,
                ctx.evidence(f"{ctx.spec_prefix}.{key}[{ci}].image"),
                data={"image": c["image"], "image_user": user},
            )


RULE = Rule(
    id="UR503",
    kind="workload",
    category=Category.NO_USER,
    severity=Severity.ERROR,
    title="runAsNonRoot with an image the kubelet cannot verify",
    rationale=(
        "With runAsNonRoot: true and no runAsUser, the kubelet checks the image's USER before "
        "starting the container: a user name cannot be verified and UID 0 is refused, so the "
        "pod never starts."
    ),
    fix="set securityContext.runAsUser to a numeric UID, or give the image a numeric USER "
    "(unroot fix)",
    docs="Only with `unroot check --image-scan`, which scans each container's image; the pod "
    "is judged as the profile admits it (after SCC mutation).",
    check=check,
)

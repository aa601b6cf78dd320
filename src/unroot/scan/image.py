"""Scan one image: build the context, run the rules, decide the verdict.

:func:`scan_image` is pure (an :class:`Image` in, a :class:`Target` out); :func:`scan_image_ref`
adds the I/O of opening the image reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unroot.findings import Finding, Target
from unroot.oci.model import Image, LayerInfo
from unroot.rules.base import run_rules
from unroot.scan.context import ImageContext, build_context
from unroot.scan.verdict import decide

RULE_KINDS_FOR_IMAGES = ("image", "script", "daemon")
"""Rule kinds that read an :class:`ImageContext`; script and daemon rules add their findings."""

Progress = Callable[[int, int, LayerInfo], None]


def scan_image(image: Image) -> Target:
    ctx = build_context(image)
    findings: list[Finding] = []
    for kind in RULE_KINDS_FOR_IMAGES:
        findings.extend(run_rules(kind, ctx))
    verdict, reasons = decide(findings, ready_reasons(ctx))
    return Target(
        ref=image.ref,
        kind="image",
        verdict=verdict,
        findings=findings,
        reasons=reasons,
        info=image_info(ctx),
    )


def ready_reasons(ctx: ImageContext) -> list[str]:
    user = ctx.user
    group = " (group 0, the OpenShift convention for arbitrary UIDs)" if user.gid == 0 else ""
    return [
        f"runs as {user.describe()}{group}, not root",
        "HOME, WORKDIR and VOLUME directories are writable by an arbitrary UID with group 0",
        "no setuid/setgid files, file capabilities or ports below 1024",
    ]


def image_info(ctx: ImageContext) -> dict[str, Any]:
    image, user = ctx.image, ctx.user
    info: dict[str, Any] = {
        "user": user.spec,
        "uid": user.uid,
        "gid": user.gid,
        "effective_user": user.describe(),
        "layers": len(image.layers),
        "files": len(image.tree),
    }
    for key, value in (
        ("platform", image.platform),
        ("manifest_digest", image.manifest_digest),
        ("config_digest", image.config_digest),
    ):
        if value:
            info[key] = value
    return info


def scan_image_ref(
    ref: str, platform: str | None = None, progress: Progress | None = None
) -> Target:
    """Open ``ref`` (any supported transport) and scan it."""
    from unroot.oci.load import open_image  # imported late: pure scans do not need readers

    return scan_image(open_image(ref, platform=platform, progress=progress))

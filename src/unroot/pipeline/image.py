"""Scan one image: build the contexts, run the rules, decide the verdict.

:func:`scan_image` is pure (an :class:`Image` in, a :class:`Target` out); :func:`scan_image_ref`
adds the I/O of opening the image reference.

Three rule kinds look at an image, each through its own context:

- ``image`` rules read an :class:`~unroot.image.context.ImageContext`;
- ``script`` rules read the entrypoint analysis (``unroot.shell.entrypoint.analyze_image``);
- ``daemon`` rules read the daemon-config analysis (``unroot.daemons.analyze.analyze_image``,
  given the image and the entrypoint analysis).

"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unroot.daemons.analyze import analyze_image as analyze_daemons
from unroot.findings import Finding, Target
from unroot.image.context import ImageContext, build_context
from unroot.oci.model import Image, LayerInfo
from unroot.pipeline.image_verdict import decide
from unroot.rules.base import run_rules
from unroot.shell.entrypoint import analyze_image as analyze_entrypoint

Progress = Callable[[int, int, LayerInfo], None]


def scan_image(image: Image) -> Target:
    ctx = build_context(image)
    findings = rule_findings(ctx)
    verdict, reasons = decide(findings, ready_reasons(ctx))
    return Target(
        ref=image.ref,
        kind="image",
        verdict=verdict,
        findings=findings,
        reasons=reasons,
        info=image_info(ctx),
    )


def rule_findings(ctx: ImageContext) -> list[Finding]:
    """Findings of the image, script and daemon rules, in that order."""
    findings = run_rules("image", ctx)
    entry = analyze_entrypoint(ctx.image)
    findings += run_rules("script", entry)
    findings += run_rules("daemon", analyze_daemons(ctx.image, entry))
    return findings


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

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

from unroot.daemons.analyze import DaemonAnalysis
from unroot.daemons.analyze import analyze_image as analyze_daemons
from unroot.findings import Finding, Target
from unroot.image.context import ImageContext, StartFacts, build_context
from unroot.oci.model import Image, LayerInfo
from unroot.pipeline.image_verdict import decide
from unroot.rules.base import run_rules
from unroot.shell.entrypoint import EntrypointAnalysis
from unroot.shell.entrypoint import analyze_image as analyze_entrypoint

Progress = Callable[[int, int, LayerInfo], None]


def scan_image(image: Image) -> Target:
    entry = analyze_entrypoint(image)
    daemons = analyze_daemons(image, entry)
    ctx = build_context(image, start_facts(entry, daemons))
    findings = run_rules("image", ctx)
    findings += run_rules("script", entry)
    findings += run_rules("daemon", daemons)
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
    return scan_image(ctx.image).findings


def start_facts(entry: EntrypointAnalysis, daemons: DaemonAnalysis) -> StartFacts:
    """What the image starts, for the image rules: programs run, ports of started daemons."""
    programs: set[str] = set()
    for run in entry.programs:
        if run.argv:
            programs.add(run.argv[0])
            programs.add(run.argv[0].rsplit("/", 1)[-1])
    for script in entry.scripts:
        programs.add(script)
    for drop in entry.drops:  # su, sudo, gosu...: the walker follows the program they run
        programs.add(drop.tool)
    ports: set[tuple[int, str]] = set()
    read = False
    main = ""
    for cfg in daemons.daemons:
        if not cfg.main:
            continue
        main = main or cfg.daemon
        if cfg.files:
            read = True
            ports.update((x.port, x.proto) for x in cfg.listen)
    return StartFacts(
        programs=frozenset(programs),
        known=bool(entry.programs),
        daemon_ports=frozenset(ports) if read else None,
        daemon=main,
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

"""The Dockerfile pipeline: parse, build the model of the final image, run the rules, decide.

The directory holding the Dockerfile is the build context: the entrypoint script and daemon
configs the final image COPYs are read from it and analyzed with the same script and daemon
rules as an image scan.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from unroot.daemons.analyze import analyze_files
from unroot.dockerfile import filemodel
from unroot.dockerfile.analysis import analyze
from unroot.dockerfile.basefiles import WithBaseIncludes
from unroot.dockerfile.context import DockerfileContext
from unroot.dockerfile.contextfiles import ContextFiles
from unroot.dockerfile.entry import entry_argv, final_workdir
from unroot.dockerfile.parse import read_text
from unroot.errors import InputError
from unroot.findings import Finding, Severity, Target, Verdict
from unroot.pipeline.dockerfile_verdict import assumed_note, decide, root_kind
from unroot.rules.base import run_rules
from unroot.shell.entrypoint import analyze_entrypoint

NAMES = ("Containerfile", "Dockerfile")


def locate(path: str) -> tuple[str, str]:
    """(Dockerfile path, context dir) for a file or a directory argument."""
    if os.path.isdir(path):
        for name in NAMES:
            candidate = os.path.join(path, name)
            if os.path.lexists(candidate):
                return candidate, path
        raise InputError(f"{path}: no Containerfile or Dockerfile in this directory")
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file or directory")
    return path, os.path.dirname(path) or "."


def scan_dockerfile(
    path: str,
    target: str | None = None,
    platform: str | None = None,
    *,
    build_args: Mapping[str, str] | None = None,
    base_lookup: bool | None = None,
) -> Target:
    """Scan one Dockerfile (or a directory holding one) and return its verdict and findings."""
    file_path, context_dir = locate(path)
    text = read_text(file_path, context_dir if os.path.isdir(path) else None)
    ctx = analyze(
        text,
        file_path,
        context_dir,
        target=target,
        platform=platform,
        build_args=build_args,
        base_lookup=base_lookup,
    )
    return target_of(ctx)


def target_of(ctx: DockerfileContext) -> Target:
    findings = run_rules("dockerfile", ctx)
    findings += _entrypoint_findings(ctx)
    findings = _dedupe(findings)
    verdict, reasons = decide(ctx, findings)
    info: dict[str, object] = {
        "final_stage": ctx.final.name or ctx.final.index,
        "stages": len(ctx.stages),
        "base": ctx.base.ref,
        "base_user_source": ctx.base.source,
        "user": ctx.user.user.spec or None,
        "user_source": ctx.user.source,
    }
    if verdict is Verdict.ROOT:
        info["root_kind"] = root_kind(findings)
    if ctx.user.user.is_root is None:
        info["assumed"] = "user"
        info["assumed_note"] = (
            f"base {ctx.base.ref} is not known here: its user is assumed to be root; "
            + assumed_note(ctx)
        )
    if ctx.builders:
        info["builder_stages"] = [
            {"stage": s.name or s.index, "user": ctx.stage_users[s.index].user.spec or None}
            for s in ctx.builders
        ]
    return Target(
        ref=ctx.path,
        kind="dockerfile",
        verdict=verdict,
        findings=findings,
        reasons=reasons,
        info=info,
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, tuple[object, ...]]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule, f.message, tuple((e.file, e.line) for e in f.evidence))
        if key not in seen:
            seen.add(key)
            out.append(f)
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(out, key=lambda f: (order[f.severity], f.rule))


def _entrypoint_findings(ctx: DockerfileContext) -> list[Finding]:
    """Script and daemon rule findings for what the final image starts.

    Files are read from the build context (what the final image COPYs) and from the base
    image when its tree is known; owners and modes come from the Dockerfile's file model
    (:mod:`unroot.dockerfile.filemodel`), "unknown" where the model does not know them.
    """
    files = ContextFiles(ctx)
    model = filemodel.build(ctx, files, ctx.base_tree)
    read_file = filemodel.reader(model, filemodel.with_base(files, model, ctx.base_tree))
    entrypoint, cmd = entry_argv(ctx)
    env = dict(ctx.final.env)
    user = ctx.user.user.spec if ctx.user.user.is_root is not None else ""

    def listing() -> list[str]:
        return filemodel.known_paths(model, files.paths())

    out: list[Finding] = []
    analysis = analyze_entrypoint(
        entrypoint,
        cmd,
        read_file,
        env,
        user=user,
        workdir=final_workdir(ctx),
        exists=model.exists_or_unknown,
        list_paths=listing,
        lookup=model.lookup,
    )
    out += run_rules("script", analysis)
    ordered = sorted(analysis.programs, key=lambda p: p.main)  # main process last
    # main configs that a package installed by RUN provides are not known here: the stand-ins
    # keep the include lines, so files the Dockerfile copies into conf.d are still read
    sources = WithBaseIncludes(read_file, listing)
    daemon = analyze_files(
        sources,
        model.lookup,
        sources.paths,
        [p.argv for p in ordered],
        env=env,
        created=analysis.created_at_start(),
        entrypoint_known=bool(analysis.programs),
    )
    unseen = {cfg.daemon for cfg in daemon.daemons if not cfg.files}
    out += [f for f in run_rules("daemon", daemon) if not _guessed(f, unseen)]
    return out


def _guessed(finding: Finding, unseen: set[str]) -> bool:
    """A daemon finding built on the daemon's built-in default while its config file is not
    in the build context: the config the package installs decides, and it is not visible
    here (Debian's apache2 ships Listen 80 in a file the Dockerfile may rewrite with sed)."""
    return bool(finding.data.get("default")) and finding.data.get("daemon") in unseen

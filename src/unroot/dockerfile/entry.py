"""Hand the final image's ENTRYPOINT/CMD and COPY'd files to the script and daemon analysers."""

from __future__ import annotations

import json

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Finding


def entry_argv(ctx: DockerfileContext) -> tuple[list[str] | None, list[str] | None]:
    """(ENTRYPOINT, CMD) of the final image as argv lists (shell form -> /bin/sh -c)."""
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    config = ctx.base.config
    if config:
        entrypoint = _list(config.get("Entrypoint"))
        cmd = _list(config.get("Cmd"))
    for _stage, ins, _scope in ctx.final_instructions():
        if ins.cmd not in ("ENTRYPOINT", "CMD"):
            continue
        argv = list(ins.value) if ins.json else ["/bin/sh", "-c", " ".join(ins.value)]
        if ins.cmd == "ENTRYPOINT":
            entrypoint = argv
            cmd = None
        else:
            cmd = argv
    return entrypoint, cmd


def _list(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError:
            return None
        return _list(loaded)
    return None


def entrypoint_findings(ctx: DockerfileContext) -> list[Finding]:
    """Script and daemon rule findings for what the final image starts."""
    from unroot.daemons.analyze import analyze_files
    from unroot.dockerfile.contextfiles import ContextFiles
    from unroot.rules.base import run_rules
    from unroot.shell.entrypoint import analyze_entrypoint

    read_file = ContextFiles(ctx)
    entrypoint, cmd = entry_argv(ctx)
    env = dict(ctx.final.env)
    user = ctx.user.user.spec if ctx.user.user.is_root is not None else ""
    out: list[Finding] = []
    analysis = analyze_entrypoint(entrypoint, cmd, read_file, env, user=user, workdir=_workdir(ctx))
    out += run_rules("script", analysis)
    ordered = sorted(analysis.programs, key=lambda p: p.main)  # main process last
    from unroot.dockerfile.basefiles import WithBaseIncludes

    sources = WithBaseIncludes(read_file, read_file.paths)
    daemon = analyze_files(sources, None, sources.paths, [p.argv for p in ordered], env=env)
    unseen = {cfg.daemon for cfg in daemon.daemons if not cfg.files}
    out += [f for f in run_rules("daemon", daemon) if not _guessed(f, unseen)]
    return out


def _guessed(finding: Finding, unseen: set[str]) -> bool:
    """A daemon finding built on the daemon's built-in default while its config file is not
    in the build context: the config the package installs decides, and it is not visible
    here (Debian's apache2 ships Listen 80 in a file the Dockerfile may rewrite with sed)."""
    return bool(finding.data.get("default")) and finding.data.get("daemon") in unseen


def _workdir(ctx: DockerfileContext) -> str:
    import posixpath

    workdir = "/"
    for _stage, ins, scope in ctx.final_instructions():
        if ins.cmd == "WORKDIR" and ins.value:
            workdir = posixpath.join(workdir, ctx.word(ins.value[0], scope))
    return workdir

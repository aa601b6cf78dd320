"""What the final image starts: its ENTRYPOINT and CMD as argv lists, and its WORKDIR."""

from __future__ import annotations

import json
import posixpath

from unroot.dockerfile.context import DockerfileContext


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


def final_workdir(ctx: DockerfileContext) -> str:
    """The WORKDIR the final image starts in ("/" when none is set)."""
    workdir = "/"
    for _stage, ins, scope in ctx.final_instructions():
        if ins.cmd == "WORKDIR" and ins.value:
            workdir = posixpath.join(workdir, ctx.word(ins.value[0], scope))
    return workdir

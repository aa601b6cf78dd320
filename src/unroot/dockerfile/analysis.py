"""Build a :class:`DockerfileContext` from Dockerfile text: stages, users, base, RUN commands."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from unroot.dockerfile.baseimage import BaseInfo, lookup
from unroot.dockerfile.basetree import lookup_mode, resolve_base
from unroot.dockerfile.context import DockerfileContext, UserSetting, UserSpec
from unroot.dockerfile.expand import word
from unroot.dockerfile.model import Dockerfile, Stage
from unroot.dockerfile.runs import SHELLS, RunStep, run_commands
from unroot.dockerfile.stages import chain, load, select_target


def stage_user(dockerfile: Dockerfile, stage: Stage, base: BaseInfo | None) -> UserSetting:
    """The user a stage ends with: its last USER, else its base stage's, else the image's."""
    for current in reversed(chain(dockerfile, stage)):
        for ins, scope in zip(
            reversed(current.instructions), reversed(current.scopes), strict=True
        ):
            if ins.cmd == "USER" and ins.value:
                expanded = word(ins.value[0], scope, escape=dockerfile.escape)
                return UserSetting(
                    UserSpec.parse(expanded.text),
                    "dockerfile",
                    current.index,
                    ins,
                    expanded.unknown,
                )
    if base is not None and base.user is not None:
        return UserSetting(UserSpec.parse(base.user or "root"), "base")
    return UserSetting(UserSpec.parse(""), "unknown")


def _env_of(value: object) -> dict[str, str]:
    if not isinstance(value, list):
        return {}
    out: dict[str, str] = {}
    for item in value:
        if isinstance(item, str) and "=" in item:
            key, _, val = item.partition("=")
            out[key] = val
    return out


def analyze(
    text: str,
    path: str,
    context_dir: str,
    *,
    target: str | None = None,
    platform: str | None = None,
    build_args: Mapping[str, str] | None = None,
    base_lookup: bool | None = None,
) -> DockerfileContext:
    dockerfile = load(text, path, build_args=build_args, platform=platform)
    final = select_target(dockerfile, target)
    stages = chain(dockerfile, final)
    root_stage = stages[0]
    mode = lookup_mode(base_lookup)
    base = lookup(root_stage.base, local=mode != "0")
    base, tree = resolve_base(base, mode)
    known_env = _env_of(base.config.get("Env"))
    if known_env:  # the base's own environment (its PATH) instead of the default
        dockerfile = load(
            text,
            path,
            build_args=build_args,
            platform=platform,
            base_env={root_stage.base: known_env},
        )
        final = select_target(dockerfile, target)
        stages = chain(dockerfile, final)
        root_stage = stages[0]
    user = stage_user(dockerfile, final, base)
    runs: list[RunStep] = []
    current_user = base.user or ""
    posix_shell = True
    for stage in stages:
        for ins, scope in zip(stage.instructions, stage.scopes, strict=True):
            if ins.cmd == "USER" and ins.value:
                current_user = word(ins.value[0], scope, escape=dockerfile.escape).text
            elif ins.cmd == "SHELL" and ins.json and ins.value:
                # SHELL ["powershell", "-Command"]: shell-form RUNs are not POSIX shell.
                posix_shell = posixpath.basename(ins.value[0]) in SHELLS
            elif ins.cmd == "RUN":
                if not posix_shell and not ins.json:
                    runs.append(RunStep(stage.index, ins, (), current_user))
                    continue
                commands = run_commands(dockerfile, ins, scope)
                runs.append(RunStep(stage.index, ins, tuple(commands), current_user))
    in_chain = {s.index for s in stages}
    builders = tuple(s for s in dockerfile.stages if s.index not in in_chain)
    stage_users = {s.index: stage_user(dockerfile, s, None) for s in dockerfile.stages}
    return DockerfileContext(
        path=path,
        context_dir=context_dir,
        dockerfile=dockerfile,
        final=final,
        chain=tuple(stages),
        base=base,
        user=user,
        runs=tuple(runs),
        builders=builders,
        stage_users=stage_users,
        base_tree=tree,
    )

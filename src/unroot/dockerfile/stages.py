"""Group instructions into stages and resolve names, variables and stage edges.

Scoping follows BuildKit: ARGs before the first FROM are global and only visible to FROM lines
(and to a stage that re-declares them with a bare ``ARG NAME``); an ARG or ENV inside a stage is
visible from the next instruction on; ENV wins over ARG of the same name; ``FROM <stage>``
inherits the parent's ENV (and USER, WORKDIR) but not its ARGs; ONBUILD triggers do not run in
this image, so they are kept but never analyzed as this image's instructions.

Stage references: ``FROM x`` is a stage when an earlier stage is named ``x``, or a later one
(which can only form a cycle); ``FROM x AS x`` is the image ``x``. ``COPY --from=X`` and
``RUN --mount=from=X`` accept a stage name or index, or an image reference; a bare name with
no tag, digest, registry or path that matches no stage is reported as an undefined stage
(BuildKit would silently pull ``docker.io/library/X``, which is almost always a typo). Cycles,
undefined stages and an unknown ``--target`` raise InputError/UsageError.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from unroot.dockerfile.expand import expand, word
from unroot.dockerfile.model import Dockerfile, Instruction, Stage
from unroot.dockerfile.parse import directives, parse_instructions
from unroot.errors import InputError, UsageError
from unroot.untrusted import is_decimal

_IMAGE_HINT = re.compile(r"[/:@.]")

MAX_STAGES = 256
"""Most stages (FROM lines) in one Dockerfile: every stage is analysed and COPY --from
chains between them are followed, so the work grows with their number; real multi-stage
builds have a handful."""


def platform_args(platform: str | None) -> dict[str, str]:
    """The automatic platform ARGs BuildKit defines (the target defaults to linux/amd64)."""
    plat = platform or "linux/amd64"
    parts = plat.split("/")
    os_ = parts[0] if parts else "linux"
    arch = parts[1] if len(parts) > 1 else "amd64"
    variant = parts[2] if len(parts) > 2 else ""
    out = {
        "TARGETPLATFORM": plat,
        "TARGETOS": os_,
        "TARGETARCH": arch,
        "TARGETVARIANT": variant,
        "BUILDPLATFORM": "linux/amd64",
        "BUILDOS": "linux",
        "BUILDARCH": "amd64",
        "BUILDVARIANT": "",
    }
    return out


def load(
    text: str,
    path: str,
    *,
    build_args: Mapping[str, str] | None = None,
    platform: str | None = None,
    base_env: Mapping[str, Mapping[str, str]] | None = None,
) -> Dockerfile:
    """Parse ``text`` into a :class:`Dockerfile` with resolved stages and scopes.

    A stage built on an external image starts with that image's environment: ``base_env``
    (base reference -> its Env) where it is known, else the standard default PATH, which nearly
    every image sets (so ``ENV PATH=$PATH:/opt/bin`` never loses the system directories).
    """
    instructions = parse_instructions(text, path)
    lines = text.split("\n")
    found = directives(lines)
    escape = found.get("escape", "\\")
    if escape not in ("\\", "`"):
        escape = "\\"
    args = dict(build_args or {})
    auto = platform_args(platform)

    global_args: dict[str, str] = {}
    global_scope: dict[str, str] = dict(auto)
    stages: list[Stage] = []
    for ins in instructions:
        if ins.cmd == "FROM":
            if len(stages) >= MAX_STAGES:
                raise InputError(
                    f"{path}:{ins.line}: more than {MAX_STAGES} stages (FROM lines); refusing"
                )
            stages.append(_new_stage(ins, len(stages), global_scope, escape, path))
            continue
        if not stages:
            if ins.cmd == "ARG":
                for name, default in _arg_pairs(ins, global_scope, escape):
                    value = args.get(name, default)
                    if value is not None:
                        global_args[name] = value
                        global_scope[name] = value
                continue
            raise InputError(
                f"{path}:{ins.line}: {_word(ins.cmd)} before the first FROM "
                "(only ARG may come first)"
            )
        stages[-1].instructions.append(ins)
    if not stages:
        raise InputError(f"{path}: no FROM instruction (not a Dockerfile?)")

    _link_bases(stages)
    _check_cycles(stages, path)
    for stage in _dependency_order(stages):
        _scope_stage(stage, stages, global_args, args, auto, escape, base_env or {})
    _check_from_refs(stages, path, escape)
    return Dockerfile(
        path=path,
        lines=lines,
        escape=escape,
        directives=found,
        global_args=global_args,
        stages=stages,
    )


def _new_stage(
    ins: Instruction, index: int, scope: Mapping[str, str], escape: str, path: str
) -> Stage:
    values = list(ins.value)
    name: str | None = None
    if len(values) >= 3 and values[-2].lower() == "as":
        name = values[-1].lower()
        values = values[:-2]
    if len(values) != 1:
        raise InputError(f"{path}:{ins.line}: malformed FROM: {ins.original.strip()[:120]}")
    raw = values[0]
    base = word(raw, scope, escape=escape)
    platform_flag = ins.flag("platform")
    platform = word(platform_flag, scope, escape=escape).text if platform_flag else None
    return Stage(
        index=index,
        name=name,
        line=ins.line,
        base_raw=raw,
        base=base.text,
        platform=platform,
        unresolved_base=base.unknown,
    )


def _link_bases(stages: list[Stage]) -> None:
    for stage in stages:
        wanted = stage.base.lower()
        earlier = [s for s in stages[: stage.index] if s.name == wanted]
        later = [s for s in stages[stage.index + 1 :] if s.name == wanted]
        if earlier:
            stage.base_stage = earlier[-1].index
        elif later and stage.name != wanted:
            stage.base_stage = later[0].index


def stage_ref(stages: list[Stage], ref: str) -> Stage | None:
    """The stage ``ref`` names (name or index), or None for an image reference."""
    if is_decimal(ref):
        index = int(ref)
        return stages[index] if index < len(stages) else None
    lowered = ref.lower()
    return next((s for s in stages if s.name == lowered), None)


def copy_sources(ins: Instruction) -> list[str]:
    """``--from`` of COPY/ADD and ``from=`` of every RUN ``--mount`` (unexpanded)."""
    out: list[str] = []
    if ins.cmd in ("COPY", "ADD"):
        value = ins.flag("from")
        if value:
            out.append(value)
    elif ins.cmd == "RUN":
        for item in ins.flags:
            if item.startswith("--mount="):
                for field in item[len("--mount=") :].split(","):
                    key, _, value = field.partition("=")
                    if key.strip().lower() == "from" and value:
                        out.append(value.strip())
    return out


def _check_cycles(stages: list[Stage], path: str) -> None:
    """Cycles through ``FROM <stage>`` (checked before scoping needs the order)."""
    for stage in stages:
        seen = [stage.index]
        current = stage
        while current.base_stage is not None:
            if current.base_stage in seen:
                names = " -> ".join(stages[i].name or str(i) for i in [*seen, current.base_stage])
                raise InputError(f"{path}:{stage.line}: circular stage reference: {names}")
            seen.append(current.base_stage)
            current = stages[current.base_stage]


def _dependency_order(stages: list[Stage]) -> list[Stage]:
    done: set[int] = set()
    order: list[Stage] = []

    def visit(stage: Stage) -> None:
        if stage.index in done:
            return
        if stage.base_stage is not None:
            visit(stages[stage.base_stage])
        done.add(stage.index)
        order.append(stage)

    for stage in stages:
        visit(stage)
    return order


def _arg_pairs(
    ins: Instruction, scope: Mapping[str, str], escape: str
) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for item in ins.value:
        name, sep, default = item.partition("=")
        value = word(default, scope, escape=escape).text if sep else None
        out.append((name.strip(), value))
    return out


DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""The PATH runtimes and base images use when nothing else is known."""


def _env_pairs(ins: Instruction) -> list[tuple[str, str]]:
    values = list(ins.value)
    return [(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]


def _scope_stage(
    stage: Stage,
    stages: list[Stage],
    global_args: Mapping[str, str],
    build_args: Mapping[str, str],
    auto: Mapping[str, str],
    escape: str,
    base_env: Mapping[str, Mapping[str, str]],
) -> None:
    env: dict[str, str] = {}
    if stage.base_stage is not None:
        env.update(stages[stage.base_stage].env)
    elif not stage.is_scratch:
        env.update(base_env.get(stage.base, {"PATH": DEFAULT_PATH}))
    args: dict[str, str] = {}
    stage.scopes = []
    for ins in stage.instructions:
        scope = {**args, **env}
        stage.scopes.append(scope)
        if ins.cmd == "ARG":
            for name, default in _arg_pairs(ins, scope, escape):
                if name in build_args:
                    args[name] = build_args[name]
                elif default is not None:
                    args[name] = default
                elif name in global_args:
                    args[name] = global_args[name]
                elif name in auto:
                    args[name] = auto[name]
        elif ins.cmd == "ENV":
            for name, value in _env_pairs(ins):
                env[name] = word(value, {**args, **env}, escape=escape).text
    stage.env = env


def _check_from_refs(stages: list[Stage], path: str, escape: str) -> None:
    edges: dict[int, set[int]] = {s.index: set() for s in stages}
    for stage in stages:
        if stage.base_stage is not None:
            edges[stage.index].add(stage.base_stage)
        for ins, scope in zip(stage.instructions, stage.scopes, strict=True):
            for raw in copy_sources(ins):
                ref = expand(raw, scope, escape=escape).text
                target = stage_ref(stages, ref)
                if target is None:
                    if is_decimal(ref):
                        raise InputError(
                            f"{path}:{ins.line}: --from={ref}: there is no stage {ref}"
                        )
                    if not _IMAGE_HINT.search(ref):
                        raise InputError(
                            f"{path}:{ins.line}: --from={ref}: undefined stage "
                            f"(write an image reference with a tag, e.g. {ref}:latest)"
                        )
                    continue
                if target.index == stage.index:
                    raise InputError(
                        f"{path}:{ins.line}: --from={ref}: a stage cannot copy from itself"
                    )
                edges[stage.index].add(target.index)
    _find_cycle(edges, stages, path)


def _find_cycle(edges: dict[int, set[int]], stages: list[Stage], path: str) -> None:
    state: dict[int, int] = {}

    for start in edges:
        if state.get(start):
            continue
        stack: list[tuple[int, list[int]]] = [(start, sorted(edges[start]))]
        trail = [start]
        state[start] = 1
        while stack:
            node, pending = stack[-1]
            if not pending:
                state[node] = 2
                stack.pop()
                trail.pop()
                continue
            nxt = pending.pop()
            if state.get(nxt) == 1:
                loop = [*trail[trail.index(nxt) :], nxt]
                names = " -> ".join(stages[i].name or str(i) for i in loop)
                raise InputError(f"{path}: circular stage reference: {names}")
            if not state.get(nxt):
                state[nxt] = 1
                trail.append(nxt)
                stack.append((nxt, sorted(edges[nxt])))


def select_target(dockerfile: Dockerfile, target: str | None) -> Stage:
    """The stage being built: ``--target`` or the last one."""
    if target is None:
        return dockerfile.stages[-1]
    found = stage_ref(dockerfile.stages, target)
    if found is None:
        names = ", ".join(s.name for s in dockerfile.stages if s.name) or "none"
        raise UsageError(f"--target {target}: no such stage (named stages: {names})")
    return found


def chain(dockerfile: Dockerfile, stage: Stage) -> list[Stage]:
    """``stage`` and the stages it is built on, root first: their instructions are all in
    the final image."""
    out = [stage]
    while out[0].base_stage is not None:
        out.insert(0, dockerfile.stages[out[0].base_stage])
    return out


def _word(cmd: str) -> str:
    """An instruction keyword for a message; anything else is not quoted (a line of a file
    that is no Dockerfile may be a secret)."""
    return cmd.upper() if cmd.isascii() and cmd.isalpha() and len(cmd) <= 12 else "a line"

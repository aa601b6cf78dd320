"""What every Dockerfile rule reads, computed once: stages, the final stage and its chain,
who each step runs as, the base image, and every RUN of the final image parsed into commands.

"Final image" means the final stage (or ``--target``) plus the stages it is built on through
``FROM <stage>``: their instructions are all layers of the image that ships. Other stages are
builders: analyzed for the record, never blamed.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from unroot.dockerfile.baseimage import BaseInfo
from unroot.dockerfile.expand import word
from unroot.dockerfile.model import Dockerfile, Instruction, Stage
from unroot.dockerfile.runs import RunStep
from unroot.oci.model import FileTree
from unroot.untrusted import is_decimal

ROOT_NAMES = frozenset({"root", "0"})


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A USER value (expanded) and what can be said about it without the image's passwd."""

    spec: str
    user_part: str
    group_part: str | None
    is_root: bool | None
    """True for root/0, False for any other user, None when unknown (empty)."""
    uid: int | None

    @classmethod
    def parse(cls, spec: str) -> UserSpec:
        text = spec.strip()
        user_part, sep, group_part = text.partition(":")
        if not user_part:
            return cls(spec, "", group_part if sep else None, None, None)
        uid = int(user_part) if is_decimal(user_part) else None
        is_root = user_part.lower() == "root" or uid == 0
        return cls(spec, user_part, group_part if sep else None, is_root, uid)

    @property
    def group_zero(self) -> bool:
        return self.group_part is not None and self.group_part.strip().lower() in ROOT_NAMES


@dataclass(frozen=True, slots=True)
class UserSetting:
    """Where the effective user comes from."""

    user: UserSpec
    source: str
    """"dockerfile" (a USER instruction), "base" (the base image's config), "unknown"."""
    stage: int | None = None
    instruction: Instruction | None = None
    unresolved: tuple[str, ...] = ()
    """Variables in the USER value that had no value."""


@dataclass(slots=True)
class DockerfileContext:
    path: str
    """The Dockerfile as given (used in evidence)."""
    context_dir: str
    dockerfile: Dockerfile
    final: Stage
    chain: tuple[Stage, ...]
    base: BaseInfo
    user: UserSetting
    runs: tuple[RunStep, ...]
    builders: tuple[Stage, ...] = ()
    stage_users: dict[int, UserSetting] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)
    """Per-scan memo for values several rules derive the same way (e.g. unwrapped commands)."""
    base_tree: FileTree | None = None
    """The base image's file tree when it could be read (local storage or a registry);
    scratch is an empty tree; None when the base is not known."""

    @property
    def stages(self) -> list[Stage]:
        return self.dockerfile.stages

    def final_instructions(self) -> list[tuple[Stage, Instruction, dict[str, str]]]:
        """Every instruction of the final image, in build order, with its variable scope."""
        cached = self.memo.get("final_instructions")
        if cached is not None:
            return list(cached)
        out: list[tuple[Stage, Instruction, dict[str, str]]] = []
        for stage in self.chain:
            for ins, scope in zip(stage.instructions, stage.scopes, strict=True):
                out.append((stage, ins, scope))
        self.memo["final_instructions"] = tuple(out)
        return out

    def workdir(self, ins: Instruction) -> str:
        """WORKDIR in effect for ``ins`` (through the chain; "/" for an external base's)."""
        table = self.memo.get("workdirs")
        if table is None:
            table = {}
            current = "/"
            for _stage, item, scope in self.final_instructions():
                table[id(item)] = current
                if item.cmd == "WORKDIR" and item.value:
                    current = posixpath.join(current, self.word(item.value[0], scope))
            self.memo["workdirs"] = table
        return str(table.get(id(ins), "/"))

    def absolute(self, path: str, ins: Instruction) -> str:
        """``path`` made absolute against the WORKDIR of ``ins``."""
        if path.startswith("/") or "$" in path:
            return path
        return posixpath.normpath(posixpath.join(self.workdir(ins), path))

    def word(self, text: str, scope: dict[str, str]) -> str:
        return word(text, scope, escape=self.dockerfile.escape).text

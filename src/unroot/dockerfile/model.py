"""The parsed Dockerfile: instructions with their original lines, grouped into stages.

Pure data, built by :mod:`unroot.dockerfile.parse` and :mod:`unroot.dockerfile.stages`; rules
read it and never re-parse the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Heredoc:
    name: str
    content: str


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction as BuildKit's parser saw it (continuations joined, comments dropped)."""

    cmd: str
    """Upper-case keyword (``RUN``, ``COPY``...); ``ONBUILD`` keeps its trigger in sub_cmd."""
    line: int
    end_line: int
    original: str
    value: tuple[str, ...]
    flags: tuple[str, ...] = ()
    json: bool = False
    heredocs: tuple[Heredoc, ...] = ()
    sub_cmd: str | None = None

    def flag(self, name: str) -> str | None:
        """Value of ``--name=value`` (last one wins), ``""`` for a bare ``--name``."""
        found: str | None = None
        for item in self.flags:
            key, sep, value = item.removeprefix("--").partition("=")
            if key.lower() == name:
                found = value if sep else ""
        return found


@dataclass(slots=True)
class Stage:
    """One ``FROM`` and its instructions."""

    index: int
    name: str | None
    line: int
    base_raw: str
    base: str
    """``base_raw`` with global ARGs expanded."""
    base_stage: int | None = None
    """Index of the stage this one is built on (``FROM <stage>``), None for an image."""
    platform: str | None = None
    instructions: list[Instruction] = field(default_factory=list)
    scopes: list[dict[str, str]] = field(default_factory=list)
    """Variables (ARG and ENV) visible to each instruction, parallel to ``instructions``."""
    env: dict[str, str] = field(default_factory=dict)
    """ENV at the end of the stage, including what it inherited from its base stage."""
    unresolved_base: tuple[str, ...] = ()
    """Variables in FROM with no value (the base name is then a guess)."""

    @property
    def label(self) -> str:
        return f"stage {self.index}" + (f" ({self.name})" if self.name else "")

    @property
    def is_scratch(self) -> bool:
        """``FROM scratch``: an empty file tree and no environment."""
        return self.base_stage is None and self.base.lower() == "scratch"


@dataclass(slots=True)
class Dockerfile:
    path: str
    lines: list[str]
    escape: str
    directives: dict[str, str]
    global_args: dict[str, str]
    stages: list[Stage]

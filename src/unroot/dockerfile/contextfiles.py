"""Read files of the image being built from the build context, through COPY/ADD.

``read_file("/usr/local/bin/docker-entrypoint.sh")`` answers with the build-context file that
the final image's last matching COPY/ADD put there (or a ``COPY <<EOF`` heredoc body), so the
entrypoint and daemon analyzers can read a Dockerfile's image before it is built. ``COPY
--from=<stage>`` is followed into that stage the same way. Sources never leave the context
directory, and files above :data:`MAX_FILE` are not read.
"""

from __future__ import annotations

import glob
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from unroot.dockerfile.context import DockerfileContext
from unroot.dockerfile.model import Stage
from unroot.dockerfile.stages import chain, stage_ref
from unroot.errors import InputError
from unroot.files.jail import Jail

MAX_FILE = 1024 * 1024
MAX_CONTEXT_FILES = 100_000
"""Most context files COPY instructions may reach (all instructions together): a context
walk is bounded even when it is a home directory."""
_MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Source:
    """Where an image path comes from: a context file, a heredoc, or unknown."""

    image_path: str
    context_path: str | None = None
    content: str | None = None
    line: int = 0
    """Line of the COPY/ADD instruction."""


class ContextFiles:
    """The ``read_file`` callable handed to the script and daemon analyzers."""

    def __init__(self, ctx: DockerfileContext) -> None:
        self.ctx = ctx
        self.root = os.path.realpath(ctx.context_dir)
        self._jail = Jail(self.root)
        self._walked = 0
        self._cache: dict[int, dict[str, Source]] = {}

    def __call__(self, path: str) -> str | None:
        source = self.find(path)
        if source is None:
            return None
        if source.content is not None:
            return source.content
        return self._read(source.context_path) if source.context_path else None

    def find(self, path: str) -> Source | None:
        return self._table(self.ctx.final, 0).get(_norm(path))

    def paths(self) -> list[str]:
        """Every image path the final image gets from the context (for daemon config lookup)."""
        return sorted(self._table(self.ctx.final, 0))

    def table_items(self) -> list[tuple[str, Source]]:
        """(image path, where it comes from) for the final image, the last COPY/ADD winning."""
        return sorted(self._table(self.ctx.final, 0).items())

    def _table(self, stage: Stage, depth: int) -> dict[str, Source]:
        """image path -> source for ``stage`` (later COPYs win), computed once per stage."""
        table = self._cache.get(stage.index)
        if table is None:
            table = dict(self._entries(stage, depth))
            self._cache[stage.index] = table
        return table

    def _entries(self, stage: Stage, depth: int) -> Iterator[tuple[str, Source]]:
        if depth > _MAX_DEPTH:
            return
        dockerfile = self.ctx.dockerfile
        for current in chain(dockerfile, stage):
            workdir = "/"
            for ins, scope in zip(current.instructions, current.scopes, strict=True):
                if ins.cmd == "WORKDIR" and ins.value:
                    workdir = posixpath.join(workdir, self.ctx.word(ins.value[0], scope))
                    continue
                if ins.cmd not in ("COPY", "ADD") or len(ins.value) < 2:
                    continue
                dest = self.ctx.word(ins.value[-1], scope)
                dest_abs = _norm(posixpath.join(workdir, dest))
                sources = [self.ctx.word(v, scope) for v in ins.value[:-1]]
                dir_dest = dest.endswith("/") or len(sources) > 1
                heredocs = {h.name: h.content for h in ins.heredocs}
                origin = ins.flag("from")
                for src in sources:
                    if src.startswith("<<"):
                        name = src.lstrip("<-").strip("'\"")
                        target = posixpath.join(dest_abs, name) if dir_dest else dest_abs
                        if name in heredocs:
                            yield target, Source(target, content=heredocs[name], line=ins.line)
                        continue
                    if origin:
                        other = stage_ref(dockerfile.stages, self.ctx.word(origin, scope))
                        if other is not None and other.index != stage.index:
                            yield from self._from_stage(other, src, dest_abs, dir_dest, depth)
                        continue
                    if "://" in src:
                        continue
                    yield from self._from_context(src, dest_abs, dir_dest, ins.line)

    def _from_stage(
        self, other: Stage, src: str, dest: str, dir_dest: bool, depth: int
    ) -> Iterator[tuple[str, Source]]:
        src_abs = _norm(src)
        if depth + 1 > _MAX_DEPTH:
            return
        for path, source in self._table(other, depth + 1).items():
            if path == src_abs:
                target = posixpath.join(dest, posixpath.basename(path)) if dir_dest else dest
                yield target, source
            elif path.startswith(src_abs.rstrip("/") + "/"):
                yield _norm(posixpath.join(dest, path[len(src_abs) :].lstrip("/"))), source

    def _from_context(
        self, src: str, dest: str, dir_dest: bool, line: int
    ) -> Iterator[tuple[str, Source]]:
        pattern = os.path.join(self.root, src.lstrip("/"))
        matches = glob.glob(pattern) if any(c in src for c in "*?[") else [pattern]
        for match in matches:
            real = os.path.realpath(match)
            if not (real == self.root or real.startswith(self.root + os.sep)):
                continue
            if os.path.isdir(real):
                for dirpath, _dirs, files in os.walk(real):
                    self._walked += len(files)
                    if self._walked > MAX_CONTEXT_FILES:
                        raise InputError(
                            f"{self.root}: COPY reaches more than {MAX_CONTEXT_FILES} context "
                            "files; refusing"
                        )
                    for name in files:
                        full = os.path.join(dirpath, name)
                        rel = os.path.relpath(full, real).replace(os.sep, "/")
                        target = _norm(posixpath.join(dest, rel))
                        yield target, Source(target, context_path=full, line=line)
            elif os.path.isfile(real):
                inside = _norm(posixpath.join(dest, posixpath.basename(match)))
                if dir_dest:
                    yield inside, Source(inside, context_path=real, line=line)
                    continue
                yield dest, Source(dest, context_path=real, line=line)
                leaf = posixpath.basename(dest)
                if "." not in leaf and leaf != posixpath.basename(match):
                    # ``COPY x.sh /usr/local/bin``: BuildKit copies *into* dest when the
                    # image already has that directory, which only the base knows.
                    yield inside, Source(inside, context_path=real, line=line)

    def _read(self, path: str) -> str | None:
        """The text of a context file: a regular file inside the context under
        :data:`MAX_FILE` (a link out of it, a FIFO or a device is never opened)."""
        data = self._jail.try_read(path, MAX_FILE)
        if data is None or b"\x00" in data:
            return None
        return data.decode("utf-8", "replace")


def _norm(path: str) -> str:
    return "/" + posixpath.normpath("/" + path).lstrip("/") if path else "/"

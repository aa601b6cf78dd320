"""The final stage's file tree as far as the Dockerfile tells it.

It starts from the base image's tree when that is available (read from local storage or a
registry by the caller; see :mod:`unroot.dockerfile.basetree`), or from nothing known, and
applies, in build order, what the Dockerfile itself does to files:

- ``COPY``/``ADD`` (``--chown``, ``--chmod``; modes of build-context files as on disk),
  ``WORKDIR``;
- in ``RUN``: ``mkdir [-m]``, ``chown``/``chgrp``/``chmod`` (``-R`` too), ``install -d/-o/-g/-m``,
  ``ln -s``, ``touch``, ``rm``, ``useradd``/``adduser``/``groupadd`` (names resolve to ids
  through the base's /etc/passwd and /etc/group plus those users).

Anything else a RUN does (package installs, scripts, ``make install``) is not modelled: after
it, a path the model has not seen may exist with any owner, so it is "unknown", never
"absent" or "root-owned" (inside a directory the build itself made after the last such RUN,
what the model has not seen is absent). ``mkdir``, ``WORKDIR`` and ``touch`` of a path whose
existence is unknown are taken to create it: builds make their own directories, bases do not
ship them. Nodes carry None for what the model does not know, which the access model
(:mod:`unroot.image.access`) turns into "unknown" answers.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from unroot.dockerfile.context import DockerfileContext
from unroot.dockerfile.contextfiles import ContextFiles
from unroot.dockerfile.model import Instruction
from unroot.image.users import parse_group, parse_passwd
from unroot.oci.model import FileTree
from unroot.shell.classify import ownership_change
from unroot.shell.command import Command
from unroot.shell.modes import UMASK, apply_mode
from unroot.shell.unwrap import unwrap
from unroot.shell.words import basename, flag_value, has_flag, positional

UNKNOWN = "unknown"
"""Node type of a path whose existence or kind the model does not know."""
_MAX_NODES = 200_000


@dataclass(frozen=True, slots=True)
class ModelNode:
    """A path of the model: what is known of it (None where not known)."""

    type: str
    mode: int | None
    uid: int | None
    gid: int | None
    linkname: str = ""
    source: str = ""
    """Where it comes from: "base", "COPY line 5", "RUN line 7 (mkdir)"..."""
    layer: str = ""
    created: bool = False
    """Made by the Dockerfile (not a base path it changed): what is below it is known."""


@dataclass(frozen=True, slots=True)
class _Recursive:
    """A ``chown -R``/``chmod -R`` applied below ``path`` after step ``seq``."""

    seq: int
    path: str
    uid: int | None
    gid: int | None
    mode: str | None
    set_uid: bool
    set_gid: bool
    source: str


class FileModel:
    """Lookups (lstat-like: symlinks returned, not followed) over the modelled tree."""

    def __init__(self, base: FileTree | None) -> None:
        self.base = base
        self.overlay: dict[str, tuple[int, ModelNode | None]] = {}
        """path -> (step, node or None for removed)."""
        self.recursive: list[_Recursive] = []
        self.step = 0
        self.opaque = base is None
        """True once paths may exist that the model has not seen (unknown base, or a RUN it
        does not model)."""
        self.last_opaque = -1
        """The step of the last RUN the model does not follow (-1: none)."""
        self.users: dict[str, tuple[int, int]] = {}
        self.groups: dict[str, int] = {}
        if base is not None:
            for p in parse_passwd(base.read_text("etc/passwd")):
                self.users.setdefault(p.name, (p.uid, p.gid))
            for g in parse_group(base.read_text("etc/group")):
                self.groups.setdefault(g.name, g.gid)
        self.users.setdefault("root", (0, 0))
        self.groups.setdefault("root", 0)

    # -- lookups ---------------------------------------------------------------------------
    def __call__(self, path: str) -> ModelNode | None:
        return self.lookup(path)

    def lookup(self, path: str) -> ModelNode | None:
        path = _norm(path)
        step, node = self._current(path)
        if node is None:
            return None
        for rec in self.recursive:
            if rec.seq > step and (path == rec.path or path.startswith(rec.path + "/")):
                node = _apply_recursive(node, rec)
        return node

    def _current(self, path: str) -> tuple[int, ModelNode | None]:
        if path in self.overlay:
            return self.overlay[path]
        removed_at = self._removed_above(path)
        if removed_at is not None:
            return removed_at, None
        if path == "/":
            return 0, ModelNode("dir", 0o755, 0, 0, source="root")
        if self.base is not None:
            entry = self.base.get(path)
            if entry is not None:
                return 0, ModelNode(
                    str(entry.type),
                    entry.mode,
                    entry.uid,
                    entry.gid,
                    entry.linkname,
                    "base",
                    entry.layer,
                )
        if not self.opaque:
            return 0, None
        created = self._created_above(path)
        if created is not None and created > self.last_opaque:
            return 0, None  # inside a directory the build made, after anything it cannot see
        return 0, ModelNode(UNKNOWN, None, None, None, source="not modelled")

    def _created_above(self, path: str) -> int | None:
        parent = posixpath.dirname(path)
        while parent != "/":
            found = self.overlay.get(parent)
            if found is not None:
                step, node = found
                return step if node is not None and node.created else None
            parent = posixpath.dirname(parent)
        return None

    def mark_opaque(self) -> None:
        """A RUN the model does not follow: what it made is not known."""
        self.step += 1
        self.opaque = True
        self.last_opaque = self.step

    def _removed_above(self, path: str) -> int | None:
        parent = posixpath.dirname(path)
        while parent != "/":
            found = self.overlay.get(parent)
            if found is not None and found[1] is None:
                return found[0]
            parent = posixpath.dirname(parent)
        return None

    def exists(self, path: str) -> bool:
        node = self.lookup(path)
        return node is not None and node.type != UNKNOWN

    def exists_or_unknown(self, path: str) -> bool | None:
        """True, False, or None when the model cannot tell."""
        node = self.lookup(path)
        if node is None:
            return False
        return None if node.type == UNKNOWN else True

    def paths(self) -> Iterator[str]:
        """Paths the model knows (base and Dockerfile), for glob expansion."""
        seen: set[str] = set()
        for path, (_step, node) in self.overlay.items():
            if node is not None:
                seen.add(path)
                yield path
        if self.base is not None:
            for entry in self.base:
                path = "/" + entry.path
                if path not in seen and self.lookup(path) is not None:
                    yield path

    # -- changes ---------------------------------------------------------------------------
    def put(self, path: str, node: ModelNode | None) -> None:
        if len(self.overlay) >= _MAX_NODES:
            return
        self.step += 1
        self.overlay[_norm(path)] = (self.step, node)

    def ensure_parents(
        self, path: str, source: str, uid: int | None = 0, gid: int | None = 0
    ) -> None:
        """Missing parent directories are created, 0755, owned as the builder creates them."""
        missing: list[str] = []
        parent = posixpath.dirname(_norm(path))
        while parent != "/" and self.lookup(parent) is None:
            missing.append(parent)
            parent = posixpath.dirname(parent)
        for p in reversed(missing):
            self.put(p, ModelNode("dir", 0o755, uid, gid, source=source, created=True))

    def change(
        self,
        path: str,
        *,
        uid: int | None = None,
        gid: int | None = None,
        mode: str | None = None,
        set_uid: bool = False,
        set_gid: bool = False,
        recursive: bool = False,
        source: str,
    ) -> None:
        """chown/chgrp/chmod of ``path`` (and, with ``recursive``, everything below it)."""
        path = _norm(path)
        node = self.lookup(path)
        if node is not None:
            changed = _set(node, uid, gid, mode, set_uid, set_gid, source)
            self.put(path, changed)
        if recursive:
            self.step += 1
            self.recursive.append(
                _Recursive(self.step, path, uid, gid, mode, set_uid, set_gid, source)
            )

    def remove(self, path: str) -> None:
        self.put(path, None)


def _set(
    node: ModelNode,
    uid: int | None,
    gid: int | None,
    mode: str | None,
    set_uid: bool,
    set_gid: bool,
    source: str,
) -> ModelNode:
    new_mode = node.mode
    if mode is not None:
        new_mode = apply_mode(node.mode, mode, is_dir=node.type == "dir")
    return replace(
        node,
        uid=uid if set_uid else node.uid,
        gid=gid if set_gid else node.gid,
        mode=new_mode,
        source=source,
    )


def _apply_recursive(node: ModelNode, rec: _Recursive) -> ModelNode:
    if node.type == "symlink":
        return node  # chown -R and chmod -R do not follow or change links
    return _set(node, rec.uid, rec.gid, rec.mode, rec.set_uid, rec.set_gid, rec.source)


def _norm(path: str) -> str:
    return posixpath.normpath("/" + path.lstrip("/")) if path else "/"


# -- building the model from a Dockerfile ----------------------------------------------------


def build(ctx: DockerfileContext, files: ContextFiles, base: FileTree | None) -> FileModel:
    """Apply the final image's instructions, in order, to ``base`` (see the module docstring)."""
    model = FileModel(None if ctx.final.is_scratch and base is None else base)
    if ctx.chain[0].is_scratch:
        model.opaque = False
    steps = {id(step.instruction): step for step in ctx.runs}
    user = ctx.base.user or ""
    workdir = "/"
    for _stage, ins, scope in ctx.final_instructions():
        if ins.cmd == "USER" and ins.value:
            user = ctx.word(ins.value[0], scope)
        elif ins.cmd == "WORKDIR" and ins.value:
            workdir = posixpath.join(workdir, ctx.word(ins.value[0], scope))
            if not model.exists(workdir):
                owner = _identity(model, user)
                where = f"WORKDIR line {ins.line}"
                model.ensure_parents(workdir, where)
                model.put(workdir, ModelNode("dir", 0o755, owner[0], owner[1], source=where,
                                             created=True))  # fmt: skip
        elif ins.cmd in ("COPY", "ADD"):
            _copy(model, ctx, files, ins, scope)
        elif ins.cmd == "RUN":
            step = steps.get(id(ins))
            if step is None or not step.commands:
                model.mark_opaque()
                continue
            for cmd in step.commands:
                _run(model, unwrap(cmd), step.user or user, ins.line, workdir)
    return model


def _identity(model: FileModel, spec: str) -> tuple[int | None, int | None]:
    """(uid, gid) of a USER/--chown spec through the modelled passwd and group."""
    user, _, group = spec.strip().partition(":")
    if not user:
        return 0, 0
    uid: int | None
    gid: int | None = None
    if user.isdigit():
        uid = int(user)
        gid = next((g for u, g in model.users.values() if u == uid), None)
    elif user in model.users:
        uid, gid = model.users[user]
    else:
        uid = None
    if group:
        gid = int(group) if group.isdigit() else model.groups.get(group)
    elif gid is None and uid is not None and user.isdigit():
        gid = 0
    return uid, gid


def _copy(
    model: FileModel,
    ctx: DockerfileContext,
    files: ContextFiles,
    ins: Instruction,
    scope: dict[str, str],
) -> None:
    chown = ins.flag("chown")
    chmod = ins.flag("chmod")
    uid, gid = _identity(model, ctx.word(chown, scope)) if chown else (0, 0)
    source = f"{ins.cmd} line {ins.line}"
    made = [(path, src) for path, src in files.table_items() if src.line == ins.line]
    if not made and len(ins.value) >= 2:
        # content not visible here (a remote URL, another stage's build output): the
        # destination exists afterwards, what it holds is not known
        dest = _norm(posixpath.join(_workdir(ctx, ins), ctx.word(ins.value[-1], scope)))
        model.ensure_parents(dest, source)
        model.put(dest, ModelNode(UNKNOWN, None, uid, gid, source=source, created=True))
        return
    for path, src in made:
        model.ensure_parents(path, source)
        mode: int | None = 0o644
        if src.context_path is not None:
            try:
                mode = stat.S_IMODE(os.stat(src.context_path).st_mode)
            except OSError:
                mode = None
        elif src.content is None:
            mode = None
        if chmod:
            mode = apply_mode(mode, chmod, is_dir=False)
        model.put(path, ModelNode("file", mode, uid, gid, source=source, created=True))


def _workdir(ctx: DockerfileContext, ins: Instruction) -> str:
    return ctx.workdir(ins)


def _run(model: FileModel, cmd: Command, user: str, line: int, workdir: str) -> None:
    if not cmd.argv:
        return
    prog = basename(cmd.argv[0])
    source = f"RUN line {line} ({prog})"
    uid, gid = _identity(model, user)

    def absolute(p: str) -> str:
        return _norm(p if p.startswith("/") else posixpath.join(workdir, p))

    if prog in ("chown", "chgrp", "chmod"):
        for change in ownership_change(cmd, source):
            new_uid, new_gid = (None, None)
            if change.owner:
                new_uid, new_gid = _identity(model, change.owner)
            if change.group is not None:
                group = change.group
                new_gid = int(group) if group.isdigit() else model.groups.get(group)
            for p in change.paths:
                model.change(
                    absolute(p),
                    uid=new_uid,
                    gid=new_gid,
                    mode=change.mode,
                    set_uid=change.owner is not None,
                    set_gid=change.group is not None,
                    recursive=change.recursive,
                    source=source,
                )
    elif prog == "mkdir":
        mode = flag_value(cmd, "-m", "--mode")
        parents = has_flag(cmd, "-p", "--parents")
        for p in positional(cmd, ("-m", "--mode", "--context")):
            path = absolute(p)
            if model.exists(path):
                continue
            if parents:
                model.ensure_parents(path, source, uid, gid)
            final = apply_mode(0o777 & ~UMASK, mode, is_dir=True) if mode else 0o755
            model.put(path, ModelNode("dir", final, uid, gid, source=source, created=True))
    elif prog == "install":
        _install(model, cmd, absolute, uid, gid, source)
    elif prog == "ln" and has_flag(cmd, "-s", "--symbolic"):
        ops = positional(cmd, ("-t", "--target-directory", "-S", "--suffix"))
        if len(ops) >= 2:
            target, link = ops[0], absolute(ops[-1])
            existing = model.lookup(link)
            if existing is not None and existing.type == "dir":
                link = _norm(posixpath.join(link, posixpath.basename(target)))
            model.put(link, ModelNode("symlink", 0o777, uid, gid, target, source, created=True))
    elif prog == "touch":
        for p in positional(cmd, ("-d", "--date", "-r", "--reference", "-t")):
            path = absolute(p)
            if not model.exists(path):
                model.put(path, ModelNode("file", 0o644, uid, gid, source=source, created=True))
    elif prog == "rm":
        for p in positional(cmd):
            model.remove(absolute(p))
    elif prog in ("useradd", "adduser"):
        _useradd(model, cmd, source)
    elif prog in ("groupadd", "addgroup"):
        ops = positional(cmd, ("-g", "--gid", "-K"))
        gid_text = flag_value(cmd, "-g", "--gid")
        if ops and gid_text and gid_text.isdigit():
            model.groups[ops[-1]] = int(gid_text)
    elif prog in _INERT:
        return
    else:
        model.mark_opaque()  # a program the model does not follow may create anything


_INERT = frozenset(
    {"echo", "printf", "true", ":", "set", "export", "cd", "test", "[", "sleep", "id", "whoami"}
)


def _install(
    model: FileModel,
    cmd: Command,
    absolute: Callable[[str], str],
    uid: int | None,
    gid: int | None,
    source: str,
) -> None:
    owner = flag_value(cmd, "-o", "--owner")
    group = flag_value(cmd, "-g", "--group")
    mode = flag_value(cmd, "-m", "--mode")
    if owner is not None:
        uid, _ = _identity(model, owner)
    if group is not None:
        gid = int(group) if group.isdigit() else model.groups.get(group)
    ops = positional(cmd, ("-o", "--owner", "-g", "--group", "-m", "--mode", "-t", "-S"))
    if has_flag(cmd, "-d", "--directory"):
        for p in ops:
            path = absolute(p)
            model.ensure_parents(path, source)
            final = apply_mode(0o755, mode, is_dir=True) if mode else 0o755
            model.put(path, ModelNode("dir", final, uid, gid, source=source, created=True))
        return
    if len(ops) >= 2:
        dest = absolute(ops[-1])
        node = model.lookup(dest)
        if node is not None and node.type == "dir":
            dest = _norm(posixpath.join(dest, posixpath.basename(ops[0])))
        final = apply_mode(0o755, mode, is_dir=False) if mode else 0o755
        model.put(dest, ModelNode("file", final, uid, gid, source=source, created=True))


def _useradd(model: FileModel, cmd: Command, source: str) -> None:
    takes = ("-u", "--uid", "-g", "--gid", "-d", "--home", "--home-dir", "-s", "--shell", "-G",
             "--groups", "-c", "--comment", "-k", "-K", "-e", "-f", "-p")  # fmt: skip
    ops = positional(cmd, takes)
    if not ops:
        return
    name = ops[-1]
    uid_text = flag_value(cmd, "-u", "--uid")
    gid_text = flag_value(cmd, "-g", "--gid")
    uid = int(uid_text) if uid_text and uid_text.isdigit() else None
    gid: int | None
    if gid_text is None:
        gid = model.groups.get(name, uid)
    else:
        gid = int(gid_text) if gid_text.isdigit() else model.groups.get(gid_text)
    if uid is not None:
        model.users[name] = (uid, gid if gid is not None else uid)
    if has_flag(cmd, "-m", "--create-home"):
        home = flag_value(cmd, "-d", "--home", "--home-dir") or f"/home/{name}"
        model.ensure_parents(home, source)
        model.put(home, ModelNode("dir", 0o700, uid, gid, source=source, created=True))


def reader(model: FileModel, read_file: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """``read_file`` with symlinks of the model followed (``RUN ln -s`` made them)."""

    def read(path: str) -> str | None:
        current = _norm(path)
        for _ in range(16):
            text = read_file(current)
            if text is not None:
                return text
            node = model.lookup(current)
            if node is None or node.type != "symlink":
                return None
            target = node.linkname
            current = _norm(target if target.startswith("/") else
                            posixpath.join(posixpath.dirname(current), target))  # fmt: skip
        return None

    return read


def with_base(
    files: Callable[[str], str | None], model: FileModel, base: FileTree | None
) -> Callable[[str], str | None]:
    """Build-context content first; else the base image's, for paths the Dockerfile left as
    the base had them."""

    def read(path: str) -> str | None:
        text = files(path)
        if text is not None or base is None:
            return text
        node = model.lookup(path)
        if node is None or node.source != "base":
            return None
        return base.read_text(path)

    return read


def known_paths(model: FileModel, extra: Iterable[str]) -> list[str]:
    """The model's paths plus ``extra`` (build-context destinations), sorted."""
    return sorted(set(model.paths()) | set(extra))

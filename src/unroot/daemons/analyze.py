"""Which daemons an image or build context runs, what the configuration they load says, and
which of their paths an arbitrary UID cannot use.

The configuration read is the one the actual command line loads: the file named by the
daemon's own flag (``nginx -c``, ``haproxy -f``, ``redis-server FILE``, ``postgres -c
config_file=``), else the compiled-in default, and nothing when the daemon reads no file without
a flag (``memcached``, bare ``redis-server``). A file named on the command line that the image
does not have is not replaced by the default: the analysis says so instead. Files the
entrypoint copies into place at start (``cp /etc/x.conf /tmp/x.conf``) are read from their
source and belong to the UID that runs the container.

Pure: files come through ``read_file`` (None = content unknown), metadata through ``entry``
(lstat-like: symlinks are returned, not followed), the set of existing paths through
``list_paths``. Image mode wires these to the merged tree (:func:`analyze_image`). Permission
answers come from :mod:`unroot.image.access` for UID 1000680000, GID 0 and no capabilities,
whoever owns the path.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from unroot.daemons.model import (
    BLOCKING,
    IGNORED,
    DaemonConfig,
    DaemonPath,
    DaemonRead,
    IdentityCheck,
    Listen,
)
from unroot.daemons.source import ConfigSource
from unroot.daemons.table import DAEMONS, DaemonSpec
from unroot.image.access import Access, AccessModel, Lookup, Need

if TYPE_CHECKING:
    from unroot.oci.model import FileEntry, Image
    from unroot.shell.facts import EntrypointAnalysis

__all__ = [
    "DaemonAnalysis",
    "IdentityIssue",
    "PathIssue",
    "ReadIssue",
    "analyze_files",
    "analyze_image",
]

_BIN_DIRS = ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin")
_MAX_CONTENTS = 4096
"""Entries of a data directory checked one by one (the first refusal is enough)."""


@dataclass(frozen=True, slots=True)
class PathIssue:
    """A path a daemon writes that an arbitrary UID cannot write."""

    daemon: str
    path: DaemonPath
    checked: str
    """The existing path whose metadata decided (the path itself, an ancestor, or the
    directory on the way that cannot be searched)."""
    uid: int
    gid: int
    mode: int
    layer: str = ""
    reason: str = ""
    """The access model's words: "no write permission on /run (mode 0755, owner 0:0)"."""
    allowed: bool | None = False
    """False: refused; None: depends on metadata not known (a Dockerfile's file model)."""


@dataclass(frozen=True, slots=True)
class ReadIssue:
    """A config, key or certificate a daemon reads that an arbitrary UID cannot read."""

    daemon: str
    read: DaemonRead
    checked: str
    uid: int
    gid: int
    mode: int
    layer: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class IdentityIssue:
    """An identity check of the daemon that fails for an arbitrary UID, with what decided."""

    daemon: str
    check: IdentityCheck
    owner: str = ""
    """``uid:gid mode`` of the checked path, when it exists."""
    layer: str = ""


@dataclass(slots=True)
class DaemonAnalysis:
    daemons: list[DaemonConfig] = field(default_factory=list)
    detected_by: dict[str, str] = field(default_factory=dict)
    """daemon -> "config" | "binary" | "entrypoint"."""
    path_issues: list[PathIssue] = field(default_factory=list)
    running: set[str] = field(default_factory=set)
    """Daemons the entrypoint actually runs (from hints)."""
    errors: list[str] = field(default_factory=list)
    """Config files a parser could not make sense of (partial results are kept)."""
    read_issues: list[ReadIssue] = field(default_factory=list)
    identity_issues: list[IdentityIssue] = field(default_factory=list)
    entrypoint_known: bool = False
    """True when the entrypoint was followed to programs: daemons it does not run are only
    present in the image, and what they would need is a note, not a reason."""

    def get(self, name: str) -> DaemonConfig | None:
        return next((d for d in self.daemons if d.daemon == name), None)


Hint = str | tuple[str, ...]


def analyze_files(
    read_file: Callable[[str], str | None],
    entry: Lookup | None = None,
    list_paths: Callable[[], Iterable[str]] | None = None,
    hints: Sequence[Hint] = (),
    *,
    env: dict[str, str] | None = None,
    created: Mapping[str, str | None] | None = None,
    entrypoint_known: bool | None = None,
) -> DaemonAnalysis:
    """Find the daemons present, parse the configs they load, apply command-line overrides from
    ``hints`` (program names, or full argv tuples of programs the entrypoint runs, the main
    process last), and check their paths against ``entry`` metadata when given.

    ``created`` maps paths the entrypoint makes at start to the file they are copied from
    (None when made another way); they belong to the running UID. ``entrypoint_known``
    (default: True when argv hints are given) says that daemons missing from ``hints`` do not
    run.
    """
    exists = _exists(entry) if entry is not None else None
    src = ConfigSource(read_file, list_paths, env, exists=exists, created=created)
    out = DaemonAnalysis()
    argvs: dict[str, list[tuple[str, ...]]] = {}
    any_argv = False
    for h in hints:
        argv = (h,) if isinstance(h, str) else tuple(h)
        if not argv:
            continue
        any_argv = any_argv or not isinstance(h, str)
        name = posixpath.basename(argv[0])
        for spec in DAEMONS:
            if name in spec.binaries:
                argvs.setdefault(spec.name, []).append(argv)
    out.entrypoint_known = any_argv if entrypoint_known is None else entrypoint_known
    for spec in DAEMONS:
        cfg = _analyze_one(spec, src, entry, argvs.get(spec.name, []), out)
        if cfg is not None:
            out.daemons.append(cfg)
    if entry is not None:
        model = AccessModel(entry)
        for cfg in out.daemons:
            out.path_issues.extend(_check_paths(cfg, model, entry, src))
            out.read_issues.extend(_check_reads(cfg, model, src))
            out.identity_issues.extend(_check_identity(cfg, entry, src))
    else:
        for cfg in out.daemons:
            out.identity_issues.extend(_check_identity(cfg, None, src))
    return out


def _exists(entry: Lookup) -> Callable[[str], bool]:
    def exists(path: str) -> bool:
        node = entry(path)
        return node is not None and str(node.type) != "unknown"

    return exists


def _analyze_one(
    spec: DaemonSpec,
    src: ConfigSource,
    entry: Lookup | None,
    argvs: list[tuple[str, ...]],
    out: DaemonAnalysis,
) -> DaemonConfig | None:
    main_argv = argvs[-1] if argvs else None
    config_path: str | None = None
    note = ""
    named_config = False
    if main_argv is not None:
        named = spec.config_from_argv(main_argv) if spec.config_from_argv else None
        if named:
            named_config = True
            if src.read(named) is not None:
                config_path = named
            elif src.exists(named):
                note = (
                    f"{named} (named on the command line) is in the image, but its content "
                    "was not read (larger than the image reader keeps)"
                )
            else:
                note = f"{named} (named on the command line) is not in the image"
        elif spec.reads_default:
            config_path = _find_config(spec, src)
        else:
            note = f"{posixpath.basename(main_argv[0])} reads no config file without a flag"
    else:
        config_path = _find_config(spec, src)
    how = "config" if config_path else None
    if main_argv is not None:
        how = "entrypoint"
        out.running.add(spec.name)
    elif how is None and _binary_present(spec, src, entry):
        how = "binary"
    if how is None:
        return None
    out.detected_by[spec.name] = how
    cfg = DaemonConfig(spec.name)
    cfg.config_note = note
    cfg.config_missing = bool(note) and config_path is None and named_config
    if main_argv is not None:
        cfg.main, cfg.argv = True, main_argv
    else:
        cfg.main = False if out.entrypoint_known else None
    try:
        if config_path is not None:
            spec.parse(src, config_path, cfg)
        if main_argv is not None and spec.apply_argv is not None:
            spec.apply_argv(cfg, main_argv)
        if spec.finish is not None and (config_path is not None or main_argv is not None):
            spec.finish(src, cfg)
    except (ValueError, IndexError, KeyError, RecursionError) as exc:
        # hostile or truncated config: keep what was read, say what went wrong
        out.errors.append(f"{spec.name}: {config_path or 'argv'}: {type(exc).__name__}: {exc}")
    cfg.listen = [x for x in cfg.listen if 0 < x.port <= 65535]
    if not cfg.listen and main_argv is not None and not cfg.files:
        cfg.listen = [
            Listen(port, proto, "argv", 0, "", "default", default=True)
            for port, proto in spec.default_ports
        ]
    effect = BLOCKING if spec.user_blocks else IGNORED
    if cfg.user is not None and not cfg.user.effect:
        cfg.user = replace(cfg.user, effect=effect)
    if cfg.group is not None and not cfg.group.effect:
        cfg.group = replace(cfg.group, effect=effect)
    return cfg


def _find_config(spec: DaemonSpec, src: ConfigSource) -> str | None:
    for pattern in spec.configs:
        for path in src.glob(pattern) if any(c in pattern for c in "*?[") else [pattern]:
            if src.read(path) is not None:
                return path
    return None


def _binary_present(spec: DaemonSpec, src: ConfigSource, entry: Lookup | None) -> bool:
    for name in spec.binaries:
        for d in _BIN_DIRS:
            path = f"{d}/{name}"
            if entry is not None and _exists(entry)(path):
                return True
    if entry is None:
        known = set(src.known())
        return any(f"{d}/{n}" in known for n in spec.binaries for d in _BIN_DIRS)
    return False


# -- access checks ------------------------------------------------------------------------------


def _node_facts(access: Access) -> tuple[str, int, int, int, str]:
    node = access.node
    checked = access.blocker or access.resolved or access.path
    if node is None:
        return checked, -1, -1, -1, ""
    layer = str(getattr(node, "layer", "") or "")
    return checked, node.uid or 0, node.gid or 0, node.mode or 0, layer


def _check_paths(
    cfg: DaemonConfig,
    model: AccessModel,
    entry: Lookup,
    src: ConfigSource,
) -> list[PathIssue]:
    out: list[PathIssue] = []
    seen: set[str] = set()
    for p in cfg.paths:
        if p.path in seen or p.kind == "chroot":
            continue
        seen.add(p.path)
        if src.made_at_start(p.path):
            continue
        access = _path_access(p, model)
        if access.allowed is True and p.contents and access.exists:
            access = _contents_access(p.path, model, src) or access
        if access.allowed is True or _nothing_known(access):
            continue
        checked, uid, gid, mode, layer = _node_facts(access)
        out.append(
            PathIssue(cfg.daemon, p, checked, uid, gid, mode, layer, access.reason, access.allowed)
        )
    return out


def _nothing_known(access: Access) -> bool:
    """Undecided on a path the metadata says nothing about (a Dockerfile whose base is not
    known): no finding, rather than a guess."""
    node = access.node
    return access.allowed is None and (node is None or str(node.type) == "unknown")


def _path_access(p: DaemonPath, model: AccessModel) -> Access:
    if p.is_dir:
        need = Need.MKDIR if p.creates else Need.CREATE_IN
        return model.check(p.path, need)
    return model.check(p.path, Need.WRITE)


def _contents_access(path: str, model: AccessModel, src: ConfigSource) -> Access | None:
    """The first existing entry under ``path`` the daemon could not rewrite, or None."""
    prefix = path.rstrip("/") + "/"
    for n, inner in enumerate(p for p in src.known() if p.startswith(prefix)):
        if n >= _MAX_CONTENTS:
            break
        node = model.lookup(inner)
        if node is None or str(node.type) == "symlink":
            continue
        need = Need.CREATE_IN if str(node.type) == "dir" else Need.WRITE
        access = model.check(inner, need)
        if access.allowed is False:
            return access
    return None


def _check_reads(cfg: DaemonConfig, model: AccessModel, src: ConfigSource) -> list[ReadIssue]:
    out: list[ReadIssue] = []
    seen: set[str] = set()
    wanted: list[DaemonRead] = [
        DaemonRead(path, "config", path, 0, "config file") for path in cfg.files
    ]
    wanted += cfg.reads
    for r in wanted:
        if r.path in seen or src.made_at_start(r.path):
            continue
        seen.add(r.path)
        access = model.check(r.path, Need.READ)
        if access.allowed is not False:
            continue
        if not access.exists and access.node is None:
            continue  # missing, not unreadable: the daemon says "no such file", whoever runs it
        checked, uid, gid, mode, layer = _node_facts(access)
        out.append(ReadIssue(cfg.daemon, r, checked, uid, gid, mode, layer, access.reason))
    return out


def _check_identity(
    cfg: DaemonConfig, entry: Lookup | None, src: ConfigSource
) -> list[IdentityIssue]:
    out: list[IdentityIssue] = []
    for check in cfg.identity:
        if check.kind == "owner":
            if src.made_at_start(check.path):
                continue  # made by the process itself at start: it owns it
            node = entry(check.path) if entry is not None else None
            if entry is not None and node is None:
                continue  # absent: the daemon reports something else (not an identity check)
            if node is not None and (node.uid is None or node.mode is None):
                continue  # who owns it is not known here (a Dockerfile's file model)
            owner = ""
            layer = ""
            if node is not None and node.mode is not None:
                owner = f"{node.uid}:{node.gid} mode {node.mode & 0o7777:04o}"
                layer = str(getattr(node, "layer", "") or "")
            out.append(IdentityIssue(cfg.daemon, check, owner, layer))
        else:
            out.append(IdentityIssue(cfg.daemon, check))
    return out


def analyze_image(image: Image, entrypoint: EntrypointAnalysis | None = None) -> DaemonAnalysis:
    tree = image.tree

    def read(path: str) -> str | None:
        return tree.read_text(path)

    def entry(path: str) -> FileEntry | None:
        return tree.get(path)

    def listing() -> Iterable[str]:
        return ("/" + e.path for e in tree)

    hints: list[Hint] = []
    created: dict[str, str | None] = {}
    known = False
    if entrypoint is not None:
        ordered = sorted(entrypoint.programs, key=lambda p: p.main)  # main processes last
        hints = [p.argv for p in ordered]
        created = dict(entrypoint.created_at_start())
        known = bool(entrypoint.programs)
    return analyze_files(
        read,
        entry,
        listing,
        hints,
        env=image.config.env_map(),
        created=created,
        entrypoint_known=known,
    )

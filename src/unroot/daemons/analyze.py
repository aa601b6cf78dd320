"""Which daemons an image or build context runs, what their configs say, and which of the
paths they write are root-owned.

Pure: files come through ``read_file`` (None = content unknown), metadata through ``entry``
(lstat-like: symlinks are returned, not followed), the set of existing paths through
``list_paths``. Image mode wires these to the merged tree (:func:`analyze_image`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from unroot.daemons.model import DaemonConfig, DaemonPath, Listen
from unroot.daemons.source import ConfigSource
from unroot.daemons.table import DAEMONS, DaemonSpec
from unroot.oci.model import EntryType, FileEntry

if TYPE_CHECKING:
    from unroot.oci.model import Image
    from unroot.shell.facts import EntrypointAnalysis

__all__ = ["DaemonAnalysis", "PathIssue", "analyze_files", "analyze_image"]

_BIN_DIRS = ("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin", "/bin")
_MAX_LINKS = 8


@dataclass(frozen=True, slots=True)
class PathIssue:
    """A path a daemon writes that only root can write."""

    daemon: str
    path: DaemonPath
    checked: str
    """The existing path whose metadata decided (the path itself or its nearest ancestor)."""
    uid: int
    gid: int
    mode: int
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

    def get(self, name: str) -> DaemonConfig | None:
        return next((d for d in self.daemons if d.daemon == name), None)


Hint = str | tuple[str, ...]


def analyze_files(
    read_file: Callable[[str], str | None],
    entry: Callable[[str], FileEntry | None] | None = None,
    list_paths: Callable[[], Iterable[str]] | None = None,
    hints: Sequence[Hint] = (),
    *,
    env: dict[str, str] | None = None,
) -> DaemonAnalysis:
    """Find the daemons present, parse their configs, apply command-line overrides from
    ``hints`` (program names, or full argv tuples of programs the entrypoint runs, the main
    process last), and check their write paths against ``entry`` metadata when given."""
    src = ConfigSource(read_file, list_paths, env)
    out = DaemonAnalysis()
    argvs: dict[str, list[tuple[str, ...]]] = {}
    for h in hints:
        argv = (h,) if isinstance(h, str) else tuple(h)
        if not argv:
            continue
        name = posixpath.basename(argv[0])
        for spec in DAEMONS:
            if name in spec.binaries:
                argvs.setdefault(spec.name, []).append(argv)
    for spec in DAEMONS:
        cfg = _analyze_one(spec, src, entry, argvs.get(spec.name, []), out)
        if cfg is not None:
            out.daemons.append(cfg)
    if entry is not None:
        for cfg in out.daemons:
            out.path_issues.extend(_check_paths(cfg, entry))
    return out


def _analyze_one(
    spec: DaemonSpec,
    src: ConfigSource,
    entry: Callable[[str], FileEntry | None] | None,
    argvs: list[tuple[str, ...]],
    out: DaemonAnalysis,
) -> DaemonConfig | None:
    main_argv = argvs[-1] if argvs else None
    config_path: str | None = None
    if main_argv is not None and spec.config_from_argv is not None:
        named = spec.config_from_argv(main_argv)
        if named and src.read(named) is not None:
            config_path = named
    if config_path is None:
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
    try:
        if config_path is not None:
            spec.parse(src, config_path, cfg)
        if main_argv is not None and spec.apply_argv is not None:
            spec.apply_argv(cfg, main_argv)
    except (ValueError, IndexError, KeyError, RecursionError) as exc:
        # hostile or truncated config: keep what was read, say what went wrong
        out.errors.append(f"{spec.name}: {config_path or 'argv'}: {type(exc).__name__}: {exc}")
    cfg.listen = [x for x in cfg.listen if 0 < x.port <= 65535]
    if not cfg.listen and main_argv is not None and not cfg.files:
        cfg.listen = [
            Listen(port, proto, "argv", 0, "", "default", default=True)
            for port, proto in spec.default_ports
        ]
    return cfg


def _find_config(spec: DaemonSpec, src: ConfigSource) -> str | None:
    for pattern in spec.configs:
        for path in src.glob(pattern) if any(c in pattern for c in "*?[") else [pattern]:
            if src.read(path) is not None:
                return path
    return None


def _binary_present(
    spec: DaemonSpec, src: ConfigSource, entry: Callable[[str], FileEntry | None] | None
) -> bool:
    for name in spec.binaries:
        for d in _BIN_DIRS:
            path = f"{d}/{name}"
            if entry is not None and entry(path) is not None:
                return True
    if entry is None:
        known = set(src.known())
        return any(f"{d}/{n}" in known for n in spec.binaries for d in _BIN_DIRS)
    return False


def _nearest(
    path: str, entry: Callable[[str], FileEntry | None]
) -> tuple[str, FileEntry | None, bool, bool]:
    """(checked path, its entry, special, complete) for the deepest existing prefix of ``path``.

    Symlinks inside the tree are followed (``/var/run -> /run``); ``special`` is True when the
    path leads into /dev or /proc (``access.log -> /dev/stdout``), which is always writable;
    ``complete`` is True when the whole path exists.
    """
    parts = [p for p in posixpath.normpath(path).split("/") if p]
    resolved = ""
    last: tuple[str, FileEntry | None] = ("/", entry("/"))
    hops = 0
    i = 0
    while i < len(parts):
        candidate = f"{resolved}/{parts[i]}"
        e = entry(candidate)
        if e is None:
            break
        if e.type is EntryType.SYMLINK:
            hops += 1
            if hops > _MAX_LINKS:
                return candidate, None, False, False
            target = e.linkname
            if not target.startswith("/"):
                target = posixpath.join(resolved or "/", target)
            target = posixpath.normpath(target)
            if target in ("/dev", "/proc") or target.startswith(("/dev/", "/proc/")):
                return candidate, e, True, False
            parts = [p for p in target.split("/") if p] + parts[i + 1 :]
            resolved, i = "", 0
            continue
        resolved = candidate
        last = (candidate, e)
        i += 1
    return last[0], last[1], False, i >= len(parts)


def root_only_writable(e: FileEntry) -> bool:
    """Root-owned and writable neither by group 0 nor by others."""
    if e.uid != 0:
        return False
    return not (e.mode & 0o002 or (e.gid == 0 and e.mode & 0o020))


def _check_paths(cfg: DaemonConfig, entry: Callable[[str], FileEntry | None]) -> list[PathIssue]:
    out: list[PathIssue] = []
    seen: set[str] = set()
    for p in cfg.paths:
        if p.path in seen:
            continue
        seen.add(p.path)
        checked, e, special, complete = _nearest(p.path, entry)
        if special or e is None:
            continue
        if not e.is_dir and not complete:
            continue  # an ancestor is a file: the path cannot exist, nothing to report
        if root_only_writable(e):
            out.append(PathIssue(cfg.daemon, p, checked, e.uid, e.gid, e.mode, e.layer))
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
    if entrypoint is not None:
        ordered = sorted(entrypoint.programs, key=lambda p: p.main)  # main processes last
        hints = [p.argv for p in ordered]
    return analyze_files(read, entry, listing, hints, env=image.config.env_map())

"""CUPS (cupsd): ``Listen``/``Port`` (631), the log files and state directories of
cups-files.conf, from the files ``-c``/``-s`` name (default /etc/cups/cupsd.conf and
/etc/cups/cups-files.conf).

Run as 1000680000:0, Debian's packaged cupsd keeps running: a listener or log it cannot open
is reported and skipped, so none of these stops it.
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config

DEFAULT_PORT = 631
_LOGS = {"errorlog", "accesslog", "pagelog"}
_DIRS = {"requestroot": "data", "cachedir": "cache", "statedir": "socket", "tempdir": "temp"}


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    named = [cfg.argv[i + 1] for i, a in enumerate(cfg.argv[:-1]) if a == "-s"]
    files = named[-1] if named else posixpath.join(posixpath.dirname(path), "cups-files.conf")
    _parse_file(src, files, cfg)


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    depth = 0
    for line, stmt in logical_lines(text):
        if stmt.startswith("</"):
            depth = max(depth - 1, 0)
            continue
        if stmt.startswith("<"):
            depth += 1
            continue
        if depth:
            continue
        words = stmt.split()
        key, args = words[0].lower(), words[1:]
        if not args:
            continue
        if key == "listen":
            if args[0].startswith("/"):
                cfg.add_path(args[0], "socket", path, line, "Listen", fatal=False)
            else:
                ap = split_addr_port(args[0])
                if ap is not None:
                    cfg.listen.append(Listen(ap[1], "tcp", path, line, ap[0], "Listen"))
        elif key == "port" and args[0].isdigit():
            cfg.listen.append(Listen(int(args[0]), "tcp", path, line, "", "Port"))
        elif key == "user":
            cfg.user = Setting(args[0], path, line, "User")
        elif key in _LOGS and args[0].startswith("/"):
            cfg.add_path(args[0], "log", path, line, words[0], fatal=False)
        elif key in _DIRS:
            cfg.add_path(args[0], _DIRS[key], path, line, words[0], is_dir=True, fatal=False)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-c":
            return argv[i + 1]
    return None

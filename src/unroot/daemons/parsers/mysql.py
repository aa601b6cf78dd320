"""MySQL/MariaDB: ``[mysqld]``-family sections of my.cnf with ``!include``/``!includedir``."""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.source import ConfigSource, logical_lines, open_config
from unroot.untrusted import is_decimal

DEFAULT_PORT = 3306
_SERVER_SECTIONS = ("mysqld", "server", "mariadb", "mariadbd", "mysqld_safe", "galera")


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    if not cfg.listen:
        cfg.listen.append(Listen(DEFAULT_PORT, "tcp", path, 0, "", "port", default=True))


def _is_server(section: str) -> bool:
    s = section.lower()
    return any(s == x or s.startswith(x + "-") for x in _SERVER_SECTIONS)


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    section = ""
    for line, stmt in logical_lines(text, comment="#;"):
        if stmt.startswith("!include "):
            _parse_file(src, stmt.split(None, 1)[1].strip(), cfg)
            continue
        if stmt.startswith("!includedir "):
            d = stmt.split(None, 1)[1].strip()
            for inc in src.glob(posixpath.join(d, "*.cnf")):
                _parse_file(src, inc, cfg)
            continue
        if stmt.startswith("[") and stmt.endswith("]"):
            section = stmt[1:-1].strip()
            continue
        if not _is_server(section):
            continue
        key, _, value = stmt.partition("=")
        _directive(
            cfg, key.strip().lower().replace("_", "-"), value.strip().strip("'\""), path, line
        )


def _directive(cfg: DaemonConfig, key: str, value: str, path: str, line: int) -> None:
    if key == "port" and is_decimal(value):
        cfg.listen = [Listen(int(value), "tcp", path, line, "", "port")]
    elif key == "user" and value:
        cfg.user = Setting(value, path, line, "user")
    elif key == "datadir":
        cfg.add_path(value, "data", path, line, key, is_dir=True)
    elif key == "pid-file":
        cfg.add_path(value, "pid", path, line, key)
    elif key == "socket":
        cfg.add_path(posixpath.dirname(value), "socket", path, line, key, is_dir=True)
    elif key in ("log-error", "general-log-file", "slow-query-log-file"):
        cfg.add_path(value, "log", path, line, key)
    elif key == "tmpdir":
        cfg.add_path(value, "temp", path, line, key, is_dir=True)


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    for i, a in enumerate(args):
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            _directive(cfg, k.lower().replace("_", "-"), v, "argv", 0)
        elif a in ("--port", "-P", "--user", "-u", "--datadir", "-h") and i + 1 < len(args):
            k = {"-P": "port", "-u": "user", "-h": "datadir"}.get(a, a[2:])
            _directive(cfg, k, args[i + 1], "argv", 0)

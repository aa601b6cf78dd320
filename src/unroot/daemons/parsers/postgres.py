"""PostgreSQL: ``port`` (default 5432), data, socket and pid paths from postgresql.conf.

The official image writes postgresql.conf at first start (initdb), so the image usually has
only ``postgresql.conf.sample``; its commented defaults are what initdb copies.
"""

from __future__ import annotations

import posixpath
import re

from unroot.daemons.model import DaemonConfig, Listen
from unroot.daemons.source import ConfigSource, logical_lines, open_config
from unroot.untrusted import is_decimal

DEFAULT_PORT = 5432
_KV = re.compile(r"^([A-Za-z_.]+)\s*=?\s*(.*)$")


def _value(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith("'"):
        end = raw.find("'", 1)
        return raw[1:end] if end > 0 else raw[1:]
    return raw.split()[0] if raw.split() else ""


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    if not cfg.listen:
        cfg.listen.append(Listen(DEFAULT_PORT, "tcp", path, 0, "", "port", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    base = posixpath.dirname(path)
    for line, stmt in logical_lines(text):
        m = _KV.match(stmt)
        if not m:
            continue
        key, value = m.group(1).lower(), _value(m.group(2))
        _directive(cfg, key, value, path, line)
        if key in ("include", "include_if_exists") and value:
            _parse_file(src, value if value.startswith("/") else posixpath.join(base, value), cfg)
        elif key == "include_dir" and value:
            d = value if value.startswith("/") else posixpath.join(base, value)
            for inc in src.glob(posixpath.join(d, "*.conf")):
                _parse_file(src, inc, cfg)


def _directive(cfg: DaemonConfig, key: str, value: str, path: str, line: int) -> None:
    if key == "port" and is_decimal(value):
        cfg.listen = [Listen(int(value), "tcp", path, line, "", "port")]
    elif key == "data_directory":
        cfg.add_path(value, "data", path, line, key, is_dir=True)
    elif key == "unix_socket_directories":
        for d in value.split(","):
            cfg.add_path(d.strip(), "socket", path, line, key, is_dir=True)
    elif key == "external_pid_file":
        cfg.add_path(value, "pid", path, line, key)
    elif key == "log_directory" and value.startswith("/"):
        cfg.add_path(value, "log", path, line, key, is_dir=True)
    elif key == "stats_temp_directory" and value.startswith("/"):
        cfg.add_path(value, "temp", path, line, key, is_dir=True)


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    """``postgres -p 5433``, ``-c port=80``, ``--port=80``, ``-D /data``."""
    args = argv[1:]
    for i, a in enumerate(args):
        nxt = args[i + 1] if i + 1 < len(args) else ""
        if a == "-p" and is_decimal(nxt):
            _directive(cfg, "port", nxt, "argv", 0)
        elif a == "-c" and "=" in nxt:
            k, v = nxt.split("=", 1)
            _directive(cfg, k.strip().lower(), _value(v), "argv", 0)
        elif a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            _directive(cfg, k.replace("-", "_").lower(), _value(v), "argv", 0)
        elif a == "-D" and nxt:
            _directive(cfg, "data_directory", nxt, "argv", 0)
        elif a == "-k" and nxt:
            _directive(cfg, "unix_socket_directories", nxt, "argv", 0)

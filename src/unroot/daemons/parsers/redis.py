"""Redis: ``port`` (default 6379), ``tls-port``, ``pidfile``, ``dir``, ``logfile``, ``include``.

Command-line arguments override the file: ``redis-server /etc/redis.conf --port 80``. Without
a file operand redis-server reads no config at all. While loading the config it changes into
``dir`` and opens ``logfile`` (either failing stops it); a pid file it cannot write is only
logged ("Failed to write PID file"), so that one does not block.
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen
from unroot.daemons.source import ConfigSource, logical_lines, open_config
from unroot.untrusted import is_decimal

DEFAULT_PORT = 6379


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    _default(cfg, path)


def _default(cfg: DaemonConfig, path: str) -> None:
    if not any(x.directive == "port" for x in cfg.listen):
        cfg.listen.insert(0, Listen(DEFAULT_PORT, "tcp", path, 0, "", "port", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line, stmt in logical_lines(text):
        words = stmt.split(None, 1)
        key = words[0].lower()
        value = words[1].strip().strip("\"'") if len(words) > 1 else ""
        _directive(cfg, key, value, path, line)
        if key == "include" and value:
            for inc in src.glob(value):
                _parse_file(src, inc, cfg)


def _directive(cfg: DaemonConfig, key: str, value: str, path: str, line: int) -> None:
    if key in ("port", "tls-port") and is_decimal(value):
        cfg.listen = [x for x in cfg.listen if x.directive != key]
        if int(value) != 0:
            cfg.listen.append(Listen(int(value), "tcp", path, line, "", key))
    elif key == "pidfile" and value:
        cfg.paths = [p for p in cfg.paths if p.directive != key]
        cfg.add_path(value, "pid", path, line, key, fatal=False)
    elif key == "logfile" and value:
        cfg.paths = [p for p in cfg.paths if p.directive != key]
        cfg.add_path(value, "log", path, line, key)
    elif key == "dir" and value:
        cfg.paths = [p for p in cfg.paths if p.directive != key]
        cfg.add_path(value, "data", path, line, key, is_dir=True, contents=True)
    elif key in ("tls-cert-file", "tls-ca-cert-file"):
        cfg.add_read(value, "cert", path, line, key)
    elif key == "tls-key-file":
        cfg.add_read(value, "key", path, line, key)
    elif key == "aclfile":
        cfg.add_read(value, "auth", path, line, key)
    elif key == "unixsocket" and value:
        cfg.add_path(posixpath.dirname(value), "socket", path, line, key, is_dir=True)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    """``redis-server /path/redis.conf [--opt val...]``: the first operand is the config."""
    if len(argv) > 1 and not argv[1].startswith("-"):
        return argv[1]
    return None


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = list(argv[1:])
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--") and len(a) > 2:
            key = a[2:].lower()
            value = args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("--") else ""
            if "=" in key:
                key, value = key.split("=", 1)
            else:
                i += 1 if value else 0
            _directive(cfg, key, value.strip("\"'"), "argv", 0)
        i += 1
    _default(cfg, "argv")

"""lighttpd: ``server.port``, ``$SERVER["socket"]``, ``server.username``, pid, logs, cache.

At start lighttpd binds its ports, writes the pid file and opens the error and access logs;
any failure there stops it. Upload and compression cache directories are used per request
(a failure shows up later, not at start). Without root it does not switch to
``server.username``.
"""

from __future__ import annotations

import posixpath
import re

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config, resolve
from unroot.untrusted import is_decimal

_ASSIGN = re.compile(r"^([A-Za-z0-9_.-]+)\s*(\+?=|:=)\s*(.*)$")
_SOCKET = re.compile(r'^\$SERVER\["socket"\]\s*==\s*"([^"]*)"')
_STRINGS = re.compile(r'"([^"]*)"')


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg, posixpath.dirname(path))
    if not any(x.directive == "server.port" for x in cfg.listen):
        main = cfg.files[0] if cfg.files else path
        cfg.listen.insert(0, Listen(80, "tcp", main, 0, "", "server.port", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig, base: str) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line, stmt in logical_lines(text):
        sock = _SOCKET.match(stmt)
        if sock:
            ap = split_addr_port(sock.group(1))
            if ap is not None:
                cfg.listen.append(Listen(ap[1], "tcp", path, line, ap[0], '$SERVER["socket"]'))
            continue
        if stmt.startswith("include ") or stmt.startswith("include\t"):
            for target in _STRINGS.findall(stmt):
                for inc in src.glob(resolve(base, target)):
                    _parse_file(src, inc, cfg, base)
            continue
        m = _ASSIGN.match(stmt)
        if not m:
            continue
        key, value = m.group(1), m.group(3).strip()
        strings = _STRINGS.findall(value)
        first = strings[0] if strings else value.split()[0] if value.split() else ""
        if key == "server.port" and is_decimal(first):
            cfg.listen = [x for x in cfg.listen if not x.default]
            cfg.listen.append(Listen(int(first), "tcp", path, line, "", "server.port"))
        elif key == "server.username":
            cfg.user = Setting(first, path, line, key)
        elif key == "server.groupname":
            cfg.group = Setting(first, path, line, key)
        elif key == "server.pid-file":
            cfg.add_path(first, "pid", path, line, key)
        elif key in ("server.errorlog", "accesslog.filename", "server.breakagelog"):
            if not first.startswith("|"):
                cfg.add_path(first, "log", path, line, key)
        elif key in ("server.upload-dirs",):
            for s in strings:
                cfg.add_path(s, "temp", path, line, key, is_dir=True, fatal=False)
        elif key in ("compress.cache-dir", "deflate.cache-dir"):
            cfg.add_path(first, "cache", path, line, key, is_dir=True, fatal=False)
        elif key in ("ssl.pemfile", "ssl.privkey"):
            cfg.add_read(first, "key", path, line, key)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-f":
            return argv[i + 1]
    return None

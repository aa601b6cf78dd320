"""PHP-FPM: pool ``listen`` (TCP port or socket), pool ``user``/``group``, global ``pid`` and
``error_log``. The official image's php-fpm.conf includes ``php-fpm.d/*.conf``; Debian's
includes ``pool.d/*.conf``. When only pool files are known (a build context that copies
``www.conf``), every pool file of that directory is read. ``-y``/``--fpm-config`` names
another main file.

At start PHP-FPM opens ``error_log`` and writes ``pid`` (either failing stops it: "failed to
open error_log", "Unable to create the PID file"), and binds each pool's ``listen``. Without
root it ignores the pools' ``user``/``group`` ("'user' directive is ignored when FPM is not
running as root").
"""

from __future__ import annotations

import posixpath
import re

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config, resolve

_KV = re.compile(r"^([A-Za-z_.\[\]]+)\s*=\s*(.*)$")


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    if path.endswith(".conf") and posixpath.basename(posixpath.dirname(path)) in (
        "php-fpm.d",
        "pool.d",
    ):
        for pool in src.glob(posixpath.join(posixpath.dirname(path), "*.conf")) or [path]:
            _parse_file(src, pool, cfg, "/usr/local")
        return
    prefix = "/usr/local" if path.startswith("/usr/local/") else posixpath.dirname(path)
    _parse_file(src, path, cfg, prefix)


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig, prefix: str) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line, stmt in logical_lines(text, comment=";#"):
        if stmt.startswith("["):
            continue
        m = _KV.match(stmt)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip().strip("'\"")
        if key == "include":
            for inc in src.glob(resolve(prefix, value)):
                _parse_file(src, inc, cfg, prefix)
        elif key == "listen" and not value.startswith("/"):
            ap = split_addr_port(value)
            if ap is not None:
                cfg.listen.append(Listen(ap[1], "tcp", path, line, ap[0], "listen"))
        elif key == "listen":
            cfg.add_path(posixpath.dirname(value), "socket", path, line, key, is_dir=True)
        elif key == "user" and value:
            cfg.user = Setting(value, path, line, "user")
        elif key == "group" and value:
            cfg.group = Setting(value, path, line, "group")
        elif key == "pid" and value:
            cfg.add_path(resolve(prefix + "/var", value), "pid", path, line, key)
        elif key in ("error_log", "slowlog", "access.log") and value not in ("", "syslog"):
            cfg.add_path(resolve(prefix + "/var", value), "log", path, line, key)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        if a in ("-y", "--fpm-config") and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--fpm-config="):
            return a.split("=", 1)[1]
    return None

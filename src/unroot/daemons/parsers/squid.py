"""Squid: ``http_port``/``https_port`` (default 3128), ``cache_effective_user``, pid, cache.

squid reads the file ``-f`` names (default /etc/squid/squid.conf). At start it writes its pid
file (compiled in: /run/squid.pid in Debian's build) and its log daemon opens access.log and
cache.log under the compiled-in log directory; either failing stops it. It switches to
``cache_effective_user`` (default "proxy") only when started as root.
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config

DEFAULT_PORT = 3128


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    if not cfg.listen:
        cfg.listen.append(Listen(DEFAULT_PORT, "tcp", path, 0, "", "http_port", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line, stmt in logical_lines(text):
        words = stmt.split()
        key, args = words[0], words[1:]
        if not args:
            continue
        if key in ("http_port", "https_port", "icp_port", "htcp_port", "snmp_port"):
            ap = split_addr_port(args[0])
            if ap is not None and ap[1] != 0:
                proto = "udp" if key in ("icp_port", "htcp_port", "snmp_port") else "tcp"
                cfg.listen.append(Listen(ap[1], proto, path, line, ap[0], key))
        elif key == "cache_effective_user":
            cfg.user = Setting(args[0], path, line, key)
        elif key == "cache_effective_group":
            cfg.group = Setting(args[0], path, line, key)
        elif key == "pid_filename":
            cfg.paths = [p for p in cfg.paths if p.directive != key]
            cfg.options["pid_filename"] = args[0]
            if args[0] != "none":
                cfg.add_path(args[0], "pid", path, line, key)
        elif key == "cache_dir" and len(args) > 1:
            cfg.add_path(args[1], "cache", path, line, key, is_dir=True)
        elif key in ("access_log", "cache_log", "cache_store_log"):
            cfg.options[key] = args[0]
            target = args[0].removeprefix("daemon:").removeprefix("stdio:")
            if target != "none" and not target.startswith(("syslog", "tcp:", "udp:")):
                cfg.add_path(target, "log", path, line, key)
        elif key == "coredump_dir":
            cfg.add_path(args[0], "data", path, line, key, is_dir=True, fatal=False)
        elif key in ("tls_key", "sslcrtd_program"):
            pass
        elif key == "include":
            for pattern in args:
                base = posixpath.dirname(path)
                full = pattern if pattern.startswith("/") else posixpath.join(base, pattern)
                for inc in src.glob(full):
                    _parse_file(src, inc, cfg)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-f":
            return argv[i + 1]
    return None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """Compiled-in pid file and logs where no directive sets them (Debian's build)."""
    if "pid_filename" not in cfg.options:
        pid = "/run/squid.pid" if src.exists("/etc/debian_version") else "/var/run/squid.pid"
        cfg.set_default_path(("pid_filename",), pid, "pid")
    logdir = "/var/log/squid"
    if not src.exists(logdir):
        return
    if "access_log" not in cfg.options:
        cfg.set_default_path(("access_log",), f"{logdir}/access.log", "log")
    if "cache_log" not in cfg.options:
        cfg.set_default_path(("cache_log",), f"{logdir}/cache.log", "log")

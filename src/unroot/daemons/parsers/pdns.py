"""PowerDNS Authoritative Server: ``local-port`` (default 53), ``local-address``,
``setuid``/``setgid``, ``socket-dir``, from ``pdns.conf`` in ``--config-dir`` (default
/etc/powerdns) plus the files of its ``include-dir``.

Debian ships pdns.conf 0640 root:pdns: run as 1000680000:0 the server stops at once ("Unable
to open /etc/powerdns/pdns.conf"). pdns_server changes group and user to ``setgid``/``setuid``
whenever they are set, and exits when it cannot.
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config

DEFAULT_PORT = 53


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg, 0)
    if not any(x.directive == "local-port" for x in cfg.listen):
        addrs = cfg.options.get("local-address", "").replace(",", " ").split()
        for addr in addrs or [""]:
            ap = split_addr_port(addr) if ":" in addr and not addr.startswith("[") else None
            port = ap[1] if ap else DEFAULT_PORT
            for proto in ("udp", "tcp"):
                cfg.listen.append(Listen(port, proto, path, 0, addr, "local-port", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig, depth: int) -> None:
    text = open_config(src, path, cfg.files)
    if text is None or depth > 4:
        return
    for line, stmt in logical_lines(text):
        key, sep, value = stmt.partition("=")
        if not sep:
            continue
        _directive(cfg, key.strip().lower(), value.strip(), path, line)
        if key.strip().lower() == "include-dir" and value.strip():
            for inc in src.glob(posixpath.join(value.strip(), "*.conf")):
                _parse_file(src, inc, cfg, depth + 1)


def _directive(cfg: DaemonConfig, key: str, value: str, path: str, line: int) -> None:
    if key == "local-port" and value.isdigit():
        cfg.listen = [x for x in cfg.listen if x.directive != "local-port"]
        for proto in ("udp", "tcp"):
            cfg.listen.append(Listen(int(value), proto, path, line, "", "local-port"))
    elif key == "local-address":
        cfg.options[key] = value
    elif key == "setuid" and value:
        cfg.user = Setting(value, path, line, "setuid")
    elif key == "setgid" and value:
        cfg.group = Setting(value, path, line, "setgid")
    elif key == "socket-dir" and value:
        cfg.add_path(value, "socket", path, line, key, is_dir=True)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        if a.startswith("--config-dir="):
            return posixpath.join(a.split("=", 1)[1], "pdns.conf")
        if a == "--config-dir" and i + 1 < len(argv):
            return posixpath.join(argv[i + 1], "pdns.conf")
    return None


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    for a in argv[1:]:
        if a.startswith("--") and "=" in a:
            key, value = a[2:].split("=", 1)
            _directive(cfg, key.lower(), value, "argv", 0)


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """The compiled-in control socket directory when none is set."""
    if cfg.files or cfg.argv:
        cfg.set_default_path(("socket-dir",), "/run/pdns", "socket", is_dir=True)

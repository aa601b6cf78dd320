"""NSD: ``port`` (default 53) and ``ip-address`` (``addr@port``), ``username`` (default "nsd"),
``pidfile``, the zone database and transfer state, and the remote-control key files, from
the file ``-c`` names (default /etc/nsd/nsd.conf, including nsd.conf.d/*.conf).

Run as 1000680000:0 without capabilities, Debian's packaged config stops on port 53 (it only
logs to syslog, so the container log stays empty). NSD switches to ``username`` only when
started as root.
"""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.parsers._yamlish import entries
from unroot.daemons.source import ConfigSource

DEFAULT_PORT = 53
_YES = frozenset({"yes", "true"})


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    port, port_at = DEFAULT_PORT, (path, 0)
    addresses: list[tuple[str, str, int]] = []
    control_enabled = False
    keys: list[tuple[str, str, str, int]] = []
    for section, key, value, file, line in entries(src, path, cfg.files):
        if section == "server":
            if key == "port" and value.isdigit():
                port, port_at = int(value), (file, line)
            elif key in ("ip-address", "interface"):
                addresses.append((value, file, line))
            elif key == "username":
                cfg.user = Setting(value, file, line, key) if value else None
                cfg.directives.add(key)
            elif key == "pidfile":
                cfg.add_path(value, "pid", file, line, key)
            elif key in ("database", "xfrdfile", "zonelistfile"):
                cfg.add_path(value, "data", file, line, key)
            elif key == "logfile":
                cfg.add_path(value, "log", file, line, key)
            elif key == "zonesdir":
                cfg.options["zonesdir"] = value
        elif section == "remote-control":
            if key == "control-enable":
                control_enabled = value.lower() in _YES
            elif key in ("server-key-file", "server-cert-file"):
                keys.append((value, key, file, line))
    if addresses:
        for value, file, line in addresses:
            addr, _, at = value.partition("@")
            p = int(at) if at.isdigit() else port
            cfg.listen += [
                Listen(p, proto, file, line, addr, "ip-address") for proto in ("udp", "tcp")
            ]
    else:
        default = port_at[1] == 0
        cfg.listen += [
            Listen(port, proto, port_at[0], port_at[1], "", "port", default)
            for proto in ("udp", "tcp")
        ]
    if control_enabled:
        for value, key, file, line in keys:
            cfg.add_read(value, "key" if "key" in key else "cert", file, line, key)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-c":
            return argv[i + 1]
    return None


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    for i, a in enumerate(args[:-1]):
        if a == "-p" and args[i + 1].isdigit():
            port = int(args[i + 1])
            cfg.listen = [Listen(port, p, "argv", 0, "", "-p") for p in ("udp", "tcp")]
        elif a == "-u":
            cfg.user = Setting(args[i + 1], "argv", 0, "-u")
        elif a == "-P":
            cfg.paths = [p for p in cfg.paths if p.kind != "pid"]
            cfg.add_path(args[i + 1], "pid", "argv", 0, "-P")


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """Debian's compiled-in pid file, database directory and user."""
    if not cfg.files:
        return
    cfg.set_default_path(("pidfile", "-P"), "/run/nsd/nsd.pid", "pid")
    cfg.set_default_path(("xfrdfile",), "/var/lib/nsd/xfrd.state", "data")
    if cfg.user is None and "username" not in cfg.directives:
        cfg.user = Setting("nsd", cfg.files[0], 0, "username")

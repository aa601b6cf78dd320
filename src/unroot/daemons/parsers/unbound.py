"""Unbound: ``port`` (default 53) and ``interface`` (``addr@port``), ``username``, ``pidfile``,
the remote-control interface, the trust anchor and key files, from the file ``-c`` names
(default /etc/unbound/unbound.conf, which includes unbound.conf.d/*.conf on Debian).

Run as 1000680000:0 without capabilities, Debian's packaged config stops on port 53 ("can't
bind socket: Permission denied"), then on the control socket /run/unbound.ctl that
unbound.conf.d/remote-control.conf enables ("Cannot bind local socket"): both before any
switch to ``username``, which it only makes when started as root.
"""

from __future__ import annotations

from unroot.daemons.model import CapabilityNeed, DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.parsers._yamlish import entries
from unroot.daemons.source import ConfigSource

DEFAULT_PORT = 53
_YES = frozenset({"yes", "true"})


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    port = DEFAULT_PORT
    port_at = (path, 0)
    interfaces: list[tuple[str, str, int]] = []
    control = {"enable": "no", "interface": "127.0.0.1", "port": "8953"}
    control_at = (path, 0)
    for section, key, value, file, line in entries(src, path, cfg.files):
        if section == "server":
            if key == "port" and value.isdigit():
                port, port_at = int(value), (file, line)
            elif key == "interface":
                interfaces.append((value, file, line))
            elif key == "username":
                cfg.user = Setting(value, file, line, "username") if value else None
            elif key == "chroot" and value:
                cfg.capabilities.append(
                    CapabilityNeed(
                        "CAP_SYS_CHROOT",
                        key,
                        value,
                        file,
                        line,
                        f"unbound calls chroot({value}) at start, which needs CAP_SYS_CHROOT",
                        "Set 'chroot: \"\"' (the container is already its own jail).",
                    )
                )
            elif key == "pidfile":
                cfg.add_path(value, "pid", file, line, key)
            elif key == "logfile":
                cfg.add_path(value, "log", file, line, key)
            elif key == "auto-trust-anchor-file":
                cfg.add_path(value, "data", file, line, key)
            elif key in ("tls-service-key",):
                cfg.add_read(value, "key", file, line, key)
            elif key in ("tls-service-pem",):
                cfg.add_read(value, "cert", file, line, key)
        elif section == "remote-control":
            if key == "control-enable":
                control["enable"], control_at = value.lower(), (file, line)
            elif key == "control-interface":
                control["interface"], control_at = value, (file, line)
            elif key == "control-port" and value.isdigit():
                control["port"] = value
            elif key in ("server-key-file", "control-key-file"):
                cfg.options[f"read:{key}"] = f"{value}@{file}:{line}"
    if interfaces:
        for value, file, line in interfaces:
            addr, _, at = value.partition("@")
            cfg.listen += _both(int(at) if at.isdigit() else port, file, line, addr, "interface")
    else:
        cfg.listen += _both(port, port_at[0], port_at[1], "", "port", default=not port_at[1])
    if control["enable"] in _YES:
        file, line = control_at
        if control["interface"].startswith("/"):
            cfg.add_path(control["interface"], "socket", file, line, "control-interface")
        else:
            ap = split_addr_port(f"{control['interface']}:{control['port']}")
            if ap is not None:
                cfg.listen.append(Listen(ap[1], "tcp", file, line, ap[0], "control-port"))
            for key in ("server-key-file", "control-key-file"):
                ref = cfg.options.get(f"read:{key}")
                if ref:
                    value, _, where = ref.rpartition("@")
                    rfile, _, rline = where.rpartition(":")
                    cfg.add_read(value, "key", rfile, int(rline), key)


def _both(
    port: int, file: str, line: int, addr: str, directive: str, *, default: bool = False
) -> list[Listen]:
    return [Listen(port, proto, file, line, addr, directive, default) for proto in ("udp", "tcp")]


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-c":
            return argv[i + 1]
    return None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """Debian's compiled-in pid file and user (``--with-pidfile``, ``--with-username``)."""
    if not cfg.files:
        return
    cfg.set_default_path(("pidfile",), "/run/unbound.pid", "pid")
    if cfg.user is None and "username" not in cfg.directives:
        cfg.user = Setting("unbound", cfg.files[0], 0, "username")

"""Mosquitto MQTT broker: ``listener PORT`` / ``port``, ``user``, ``pid_file``, logs, data.

mosquitto reads a config only with ``-c``. A pid file it cannot write stops it ("Unable to
write pid file"); a log file it cannot open is reported and the broker goes on; the
persistence database is written at autosave and shutdown, not at start. ``user`` (default
"mosquitto") is used only when it starts as root.
"""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config
from unroot.untrusted import is_decimal

DEFAULT_PORT = 1883


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    if not cfg.listen:
        cfg.listen.append(Listen(DEFAULT_PORT, "tcp", path, 0, "", "listener", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line, stmt in logical_lines(text):
        words = stmt.split()
        key, args = words[0], words[1:]
        if not args:
            continue
        if key in ("listener", "port"):
            ap = split_addr_port(args[0])
            if ap is not None and ap[1]:
                addr = args[1] if len(args) > 1 and not args[1].startswith("/") else ap[0]
                cfg.listen.append(Listen(ap[1], "tcp", path, line, addr, key))
        elif key == "user":
            cfg.user = Setting(args[0], path, line, key)
        elif key == "pid_file":
            cfg.add_path(args[0], "pid", path, line, key)
        elif key == "log_dest" and args[0] == "file" and len(args) > 1:
            cfg.add_path(args[1], "log", path, line, key, fatal=False)
        elif key == "persistence_location":
            cfg.add_path(args[0], "data", path, line, key, is_dir=True, fatal=False)
        elif key in ("certfile", "cafile"):
            cfg.add_read(args[0], "cert", path, line, key)
        elif key == "keyfile":
            cfg.add_read(args[0], "key", path, line, key)
        elif key in ("password_file", "acl_file", "psk_file"):
            cfg.add_read(args[0], "auth", path, line, key)
        elif key == "include_dir":
            for inc in src.glob(args[0].rstrip("/") + "/*.conf"):
                _parse_file(src, inc, cfg)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        if a in ("-c", "--config-file") and i + 1 < len(argv):
            return argv[i + 1]
    return None


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    for i, a in enumerate(argv):
        if a in ("-p", "--port") and i + 1 < len(argv) and is_decimal(argv[i + 1]):
            cfg.listen = [Listen(int(argv[i + 1]), "tcp", "argv", 0, "", "-p")]

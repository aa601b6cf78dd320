"""OpenSSH sshd: ``Port`` (default 22), ``ListenAddress``, ``PidFile``, ``Include``, host keys.

sshd reads ``-f FILE`` (default /etc/ssh/sshd_config) and loads every ``HostKey`` (default the
rsa, ecdsa and ed25519 keys in /etc/ssh); keys are 0600 root, and with none readable it stops
("sshd: no hostkeys available"). A pid file it cannot write is only logged.
"""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig, Listen, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config, resolve
from unroot.untrusted import is_decimal

DEFAULT_PORT = 22


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    if not cfg.listen:
        cfg.listen.append(Listen(DEFAULT_PORT, "tcp", path, 0, "", "Port", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    in_match = False
    for line, stmt in logical_lines(text):
        words = stmt.replace("=", " ", 1).split()
        if not words:
            continue
        key, args = words[0].lower(), words[1:]
        if key == "match":
            in_match = True
            continue
        if not args or in_match:
            continue
        if key == "include":
            for pattern in args:
                for inc in src.glob(resolve("/etc/ssh", pattern)):
                    _parse_file(src, inc, cfg)
        elif key == "port" and is_decimal(args[0]):
            cfg.listen.append(Listen(int(args[0]), "tcp", path, line, "", "Port"))
        elif key == "listenaddress":
            ap = split_addr_port(args[0])
            if ap is not None and ap[1]:
                cfg.listen.append(Listen(ap[1], "tcp", path, line, ap[0], "ListenAddress"))
        elif key == "pidfile" and args[0] != "none":
            cfg.add_path(args[0], "pid", path, line, "PidFile", fatal=False)
        elif key == "hostkey":
            cfg.add_read(args[0], "key", path, line, "HostKey")
            cfg.options["hostkey"] = "set"


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    ports = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-p" and is_decimal(args[i + 1])]
    if ports:
        cfg.listen = [Listen(int(p), "tcp", "argv", 0, "", "-p") for p in ports]


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-f":
            return argv[i + 1]
    return None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    if cfg.options.get("hostkey") == "set":
        return
    main = cfg.files[0] if cfg.files else "default"
    for kind in ("rsa", "ecdsa", "ed25519"):
        key = f"/etc/ssh/ssh_host_{kind}_key"
        if src.exists(key):
            cfg.add_read(key, "key", main, 0, "HostKey", default=True)

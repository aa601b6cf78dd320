"""Postfix: the ``inet`` services of master.cf (smtp is port 25), ``inet_interfaces``,
``mail_owner``, the queue directory, from the config directory ``-c`` names (default
/etc/postfix).

Postfix has no unprivileged mode: ``postfix start``/``start-fg`` and ``master`` refuse to run
unless they are root ("fatal: the postfix command is reserved for the superuser"), then
switch to ``mail_owner`` themselves.
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, IdentityCheck, Listen, Setting
from unroot.daemons.source import ConfigSource, open_config

SERVICE_PORTS = {"smtp": 25, "submission": 587, "submissions": 465, "smtps": 465, "qmqp": 628}


def _logical(text: str) -> list[tuple[int, str]]:
    """Postfix lines: a line starting with whitespace continues the previous one."""
    out: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + " " + raw.strip())
        else:
            out.append((number, raw.strip()))
    return out


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line, stmt in _logical(text):
        key, sep, value = stmt.partition("=")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        cfg.options[key] = value
        if key == "mail_owner":
            cfg.user = Setting(value, path, line, key)
        elif key == "queue_directory":
            cfg.add_path(value, "data", path, line, key, is_dir=True)
        elif key == "smtpd_tls_key_file" and value.startswith("/"):
            cfg.add_read(value, "key", path, line, key, fatal=False)
    master = posixpath.join(posixpath.dirname(path), "master.cf")
    text = open_config(src, master, cfg.files)
    if text is None:
        return
    for line, stmt in _logical(text):
        fields = stmt.split()
        if len(fields) < 8 or fields[1] != "inet":
            continue
        host, _, service = fields[0].rpartition(":")
        port = int(service) if service.isdigit() else SERVICE_PORTS.get(service)
        if port is not None:
            cfg.listen.append(Listen(port, "tcp", master, line, host, fields[0]))


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-c":
            return posixpath.join(argv[i + 1], "main.cf")
    return None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    main = cfg.files[0] if cfg.files else "/etc/postfix/main.cf"
    cfg.identity.append(
        IdentityCheck(
            "root",
            "",
            main,
            0,
            "postfix",
            "postfix: fatal: the postfix command is reserved for the superuser",
            "Postfix cannot run without root (its master starts as root and switches to "
            "mail_owner itself); keep it where the platform allows root, or use a mail relay "
            "built to run unprivileged.",
        )
    )

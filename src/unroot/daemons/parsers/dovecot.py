"""Dovecot: the ``inet_listener`` ports of its services (imap 143, imaps 993, pop3 110, pop3s
995, submission 587) for the ``protocols`` enabled, ``ssl_cert``/``ssl_key`` (read at start
when ``ssl`` is not ``no``), ``base_dir``, from the file ``-c`` names (default
/etc/dovecot/dovecot.conf with its ``!include`` files).

Run as 1000680000:0, Debian's packaged config stops while the config is read: the
certificate is reached through /etc/dovecot/private, 0700 root ("ssl_cert: Can't open file
/etc/dovecot/private/dovecot.pem: Permission denied").
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen
from unroot.daemons.source import ConfigSource, logical_lines, open_config, resolve

DEFAULT_PORTS = {
    "imap": (("imap", 143), ("imaps", 993)),
    "pop3": (("pop3", 110), ("pop3s", 995)),
    "submission": (("submission", 587),),
}


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    listeners: dict[str, tuple[int, str, int]] = {}
    _parse_file(src, path, cfg, listeners, [], 0)
    protocols = cfg.options.get("protocols", "imap pop3 lmtp").replace("$protocols", "").split()
    for protocol in protocols:
        for name, default in DEFAULT_PORTS.get(protocol, ()):
            port, file, line = listeners.get(name, (default, path, 0))
            if port:
                cfg.listen.append(Listen(port, "tcp", file, line, "", f"inet_listener {name}"))


def _parse_file(
    src: ConfigSource,
    path: str,
    cfg: DaemonConfig,
    listeners: dict[str, tuple[int, str, int]],
    stack: list[str],
    depth: int,
) -> None:
    text = open_config(src, path, cfg.files)
    if text is None or depth > 8:
        return
    for line, stmt in logical_lines(text):
        if stmt.startswith(("!include ", "!include_try ")):
            pattern = resolve(posixpath.dirname(path), stmt.split(None, 1)[1])
            for inc in src.glob(pattern):
                _parse_file(src, inc, cfg, listeners, stack, depth + 1)
            continue
        if stmt.endswith("{"):
            stack.append(stmt[:-1].strip())
            continue
        if stmt == "}":
            if stack:
                stack.pop()
            continue
        key, sep, value = stmt.partition("=")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        inside = stack[-1] if stack else ""
        if inside.startswith("inet_listener") and key == "port" and value.isdigit():
            listeners[inside.split()[-1]] = (int(value), path, line)
        elif stack:
            continue
        elif key == "protocols":
            cfg.options["protocols"] = value.replace("$protocols", cfg.options.get("protocols", ""))
        elif key == "ssl":
            cfg.options["ssl"] = value
        elif key in ("ssl_cert", "ssl_key") and value.startswith("<"):
            cfg.options[key] = f"{value[1:].strip()}@{line}@{path}"
        elif key == "base_dir":
            cfg.add_path(value, "socket", path, line, key, is_dir=True, creates=True)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-c":
            return argv[i + 1]
    return None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    if not cfg.files:
        return
    if cfg.options.get("ssl", "yes") != "no":
        for key in ("ssl_cert", "ssl_key"):
            value = cfg.options.get(key)
            if value:
                target, line, file = value.split("@", 2)
                cfg.add_read(target, "cert" if key == "ssl_cert" else "key", file, int(line), key)
    cfg.set_default_path(("base_dir",), "/run/dovecot", "socket", is_dir=True, creates=True)

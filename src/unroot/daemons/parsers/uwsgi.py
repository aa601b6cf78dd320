"""uWSGI: ``http``/``http-socket``/``socket`` addresses, ``uid``/``gid``, ``pidfile``,
``logto``, from its command line and the ini file it loads (``--ini FILE`` or a bare
``FILE.ini`` argument; Debian's /etc/uwsgi/apps-enabled/*.ini are read by its init script).

uWSGI switches to ``uid``/``gid`` only when started as root.
"""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config

_LISTEN = ("http", "http-socket", "socket", "https", "uwsgi-socket", "shared-socket")


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    section = ""
    for line, stmt in logical_lines(text, comment="#;"):
        if stmt.startswith("[") and stmt.endswith("]"):
            section = stmt[1:-1].strip()
            continue
        if section != "uwsgi":
            continue
        key, sep, value = stmt.partition("=")
        if sep:
            _option(cfg, key.strip().lower(), value.strip(), path, line)


def _option(cfg: DaemonConfig, key: str, value: str, path: str, line: int) -> None:
    key = key.replace("_", "-")
    if key in _LISTEN:
        target = value.split(",", 1)[0]
        if target.startswith("/") or target.startswith("@"):
            if target.startswith("/"):
                cfg.add_path(target, "socket", path, line, key)
            return
        ap = split_addr_port(target if ":" in target else f":{target}")
        if ap is not None and ap[1]:
            cfg.listen.append(Listen(ap[1], "tcp", path, line, ap[0], key))
    elif key == "uid" and value:
        cfg.user = Setting(value, path, line, key)
    elif key == "gid" and value:
        cfg.group = Setting(value, path, line, key)
    elif key in ("pidfile", "pidfile2"):
        cfg.add_path(value, "pid", path, line, key)
    elif key in ("logto", "daemonize", "logto2"):
        cfg.add_path(value, "log", path, line, key)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[1:], start=1):
        if a == "--ini" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--ini="):
            return a.split("=", 1)[1]
        if (
            not a.startswith("-")
            and a.endswith(".ini")
            and (i == 1 or not argv[i - 1].startswith("-"))
        ):
            return a
    return None


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    for i, a in enumerate(args):
        if not a.startswith("--"):
            continue
        key, sep, value = a[2:].partition("=")
        if not sep and i + 1 < len(args) and not args[i + 1].startswith("-"):
            value = args[i + 1]
        if value:
            _option(cfg, key.lower(), value, "argv", 0)

"""Apache httpd: ``Listen``, ``User``/``Group`` (with Debian's envvars), ``PidFile``, logs.

Debian's apache2.conf says ``User ${APACHE_RUN_USER}`` and sets the value in
``/etc/apache2/envvars`` (``export APACHE_RUN_USER=www-data``); the image env may override it.
"""

from __future__ import annotations

import posixpath
import re

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.source import ConfigSource, logical_lines, open_config, resolve

_ENVVAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EXPORT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def envvars(src: ConfigSource, path: str) -> dict[str, str]:
    """Variables from Debian's ``envvars`` next to apache2.conf (shell assignments)."""
    text = src.read(posixpath.join(posixpath.dirname(path), "envvars"))
    out: dict[str, str] = {}
    if text is None:
        return out
    for _, line in logical_lines(text):
        m = _EXPORT.match(line)
        if m:
            value = m.group(2).strip().strip("'\"")
            value = _ENVVAR.sub(lambda v: out.get(v.group(1), v.group(0)), value)
            if not value.startswith("$"):
                out[m.group(1)] = value
    return out


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    variables = envvars(src, path)
    variables.update(src.env)
    root = (
        "/etc/apache2"
        if path.startswith("/etc/apache2/")
        else posixpath.dirname(posixpath.dirname(path))
    )
    _parse_file(src, path, cfg, variables, [root])


def _expand(word: str, variables: dict[str, str]) -> str:
    return _ENVVAR.sub(lambda m: variables.get(m.group(1), m.group(0)), word)


def _parse_file(
    src: ConfigSource, path: str, cfg: DaemonConfig, variables: dict[str, str], root: list[str]
) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line, stmt in logical_lines(text, continuation=True):
        if stmt.startswith("<"):
            continue
        words = stmt.split()
        name = words[0].lower()
        args = [_expand(w.strip("\"'"), variables) for w in words[1:]]
        if not args:
            continue
        if name == "serverroot":
            root[0] = args[0]
        elif name == "define" and len(args) > 1:
            variables[args[0]] = args[1]
        elif name in ("include", "includeoptional"):
            for inc in src.glob(resolve(root[0], args[0])):
                _parse_file(src, inc, cfg, variables, root)
        elif name == "listen":
            ap = split_addr_port(args[0])
            if ap is not None:
                proto = "tcp"
                cfg.listen.append(Listen(ap[1], proto, path, line, ap[0], "Listen"))
        elif name == "user":
            cfg.user = Setting(args[0], path, line, "User")
        elif name == "group":
            cfg.group = Setting(args[0], path, line, "Group")
        elif name == "pidfile":
            cfg.add_path(resolve(root[0], args[0]), "pid", path, line, "PidFile")
        elif name in ("errorlog", "customlog", "transferlog"):
            if not args[0].startswith(("|", "syslog")):
                cfg.add_path(resolve(root[0], args[0]), "log", path, line, words[0])
        elif name in ("mutex",) and len(args) > 0 and args[0].startswith("file:"):
            cfg.add_path(args[0][5:], "temp", path, line, "Mutex", is_dir=True)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        if a == "-f" and i + 1 < len(argv):
            return argv[i + 1]
    return None

"""MySQL/MariaDB: ``[mysqld]``-family sections of my.cnf with ``!include``/``!includedir``.

``--defaults-file=FILE`` replaces the default search (``/etc/my.cnf``, ``/etc/mysql/my.cnf``).
The server writes into its datadir (compiled in as /var/lib/mysql when none is set), including
the files already there, and creates its socket and pid file; any of these failing stops it.
Without root it ignores ``user`` with a warning ("One can only use the --user switch if
running as root").
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.source import ConfigSource, logical_lines, open_config
from unroot.untrusted import is_decimal

DEFAULT_PORT = 3306
_SERVER_SECTIONS = (
    "mysqld",
    "server",
    "mariadb",
    "mariadbd",
    "mysqld_safe",
    "galera",
    "client-server",
)


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    if not cfg.listen:
        cfg.listen.append(Listen(DEFAULT_PORT, "tcp", path, 0, "", "port", default=True))


def _is_server(section: str) -> bool:
    s = section.lower()
    return any(s == x or s.startswith(x + "-") for x in _SERVER_SECTIONS)


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    section = ""
    for line, stmt in logical_lines(text, comment="#;"):
        if stmt.startswith("!include "):
            _parse_file(src, stmt.split(None, 1)[1].strip(), cfg)
            continue
        if stmt.startswith("!includedir "):
            d = stmt.split(None, 1)[1].strip()
            for inc in src.glob(posixpath.join(d, "*.cnf")):
                _parse_file(src, inc, cfg)
            continue
        if stmt.startswith("[") and stmt.endswith("]"):
            section = stmt[1:-1].strip()
            continue
        if not _is_server(section):
            continue
        key, _, value = stmt.partition("=")
        _directive(
            cfg, key.strip().lower().replace("_", "-"), value.strip().strip("'\""), path, line
        )


def _directive(cfg: DaemonConfig, key: str, value: str, path: str, line: int) -> None:
    if key == "port" and is_decimal(value):
        cfg.listen = [Listen(int(value), "tcp", path, line, "", "port")]
    elif key == "user" and value:
        cfg.user = Setting(value, path, line, "user")
    elif key in ("datadir", "pid-file", "socket", "log-error", "tmpdir"):
        cfg.paths = [p for p in cfg.paths if p.directive != key]
        if key == "datadir":
            cfg.add_path(value, "data", path, line, key, is_dir=True, contents=True)
        elif key == "pid-file":
            cfg.add_path(value, "pid", path, line, key)
        elif key == "socket":
            cfg.add_path(posixpath.dirname(value), "socket", path, line, key, is_dir=True)
        elif key == "log-error":
            cfg.add_path(value, "log", path, line, key)
        else:
            cfg.add_path(value, "temp", path, line, key, is_dir=True)
    elif key in ("general-log-file", "slow-query-log-file"):
        cfg.add_path(value, "log", path, line, key, fatal=False)
    elif key in ("ssl-key", "ssl-cert", "ssl-ca"):
        cfg.add_read(value, "key" if key == "ssl-key" else "cert", path, line, key, fatal=False)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for a in argv[1:2]:  # mysqld requires it to be the first option
        if a.startswith("--defaults-file="):
            return a.split("=", 1)[1]
    return None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """Compiled-in datadir and socket of the Debian/upstream builds when none is set."""
    cfg.set_default_path(("datadir",), "/var/lib/mysql", "data", is_dir=True, contents=True)
    socket = "/run/mysqld" if src.exists("/run/mysqld") else "/var/run/mysqld"
    if src.exists(socket) or src.exists("/etc/mysql"):
        cfg.set_default_path(("socket",), socket, "socket", is_dir=True)


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    for i, a in enumerate(args):
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            _directive(cfg, k.lower().replace("_", "-"), v, "argv", 0)
        elif a in ("--port", "-P", "--user", "-u", "--datadir", "-h") and i + 1 < len(args):
            k = {"-P": "port", "-u": "user", "-h": "datadir"}.get(a, a[2:])
            _directive(cfg, k, args[i + 1], "argv", 0)

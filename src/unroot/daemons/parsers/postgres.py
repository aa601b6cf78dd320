"""PostgreSQL: ``port`` (default 5432), the data directory, sockets, pid file, the files it
reads at start (pg_hba.conf, pg_ident.conf, TLS key and certificate), from the config the
command line names.

The server reads ``config_file`` (``-c config_file=FILE``), else ``postgresql.conf`` in the
data directory (``-D DIR``, else ``$PGDATA``). The official image and ``initdb`` write that file
at first start, so the image may have only ``postgresql.conf.sample``, whose commented
defaults are what initdb copies.

PostgreSQL checks its identity: the data directory must belong to the user running the
server ("data directory ... has wrong ownership"), which an arbitrary UID never is for a
directory the image ships; one that ``initdb`` makes at start is fine. Then it reads the TLS
key (``ssl = on``), creates the socket lock file in each ``unix_socket_directories`` entry
(compiled in as /var/run/postgresql for Debian's and the PGDG packages, /tmp upstream), and
reads pg_hba.conf; each failure stops it. An external pid file it cannot write is only logged.
"""

from __future__ import annotations

import posixpath
import re

from unroot.daemons.model import DaemonConfig, IdentityCheck, Listen
from unroot.daemons.source import ConfigSource, logical_lines, open_config
from unroot.untrusted import is_decimal

DEFAULT_PORT = 5432
_KV = re.compile(r"^([A-Za-z_.]+)\s*=?\s*(.*)$")
_TRUE = frozenset({"on", "true", "yes", "1"})


def _value(raw: str) -> str:
    raw = raw.strip()
    if raw.startswith("'"):
        end = raw.find("'", 1)
        return raw[1:end] if end > 0 else raw[1:]
    return raw.split()[0] if raw.split() else ""


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    if not cfg.listen:
        cfg.listen.append(Listen(DEFAULT_PORT, "tcp", path, 0, "", "port", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    base = posixpath.dirname(path)
    sample = path.endswith(".sample")
    for line, stmt in logical_lines(text):
        m = _KV.match(stmt)
        if not m:
            continue
        key, value = m.group(1).lower(), _value(m.group(2))
        if sample and key not in ("port",):
            continue  # a sample's settings are commented; only its shape matters
        _directive(cfg, key, value, path, line)
        if key in ("include", "include_if_exists") and value:
            _parse_file(src, value if value.startswith("/") else posixpath.join(base, value), cfg)
        elif key == "include_dir" and value:
            d = value if value.startswith("/") else posixpath.join(base, value)
            for inc in src.glob(posixpath.join(d, "*.conf")):
                _parse_file(src, inc, cfg)


def _directive(cfg: DaemonConfig, key: str, value: str, path: str, line: int) -> None:
    where = {"file": path, "line": str(line)}
    if key == "port" and is_decimal(value):
        cfg.listen = [Listen(int(value), "tcp", path, line, "", "port")]
    elif key in (
        "data_directory",
        "hba_file",
        "ident_file",
        "ssl",
        "ssl_cert_file",
        "ssl_key_file",
        "ssl_ca_file",
        "unix_socket_directories",
        "external_pid_file",
        "logging_collector",
        "log_directory",
    ):
        cfg.options[key] = value
        cfg.options[f"{key}@"] = f"{where['file']}:{where['line']}"


def _where(cfg: DaemonConfig, key: str) -> tuple[str, int]:
    loc = cfg.options.get(f"{key}@", "")
    file, _, line = loc.rpartition(":")
    if file and line.isdigit():
        return file, int(line)
    return (cfg.files[0] if cfg.files else "default"), 0


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    """``-c config_file=FILE`` / ``--config-file=FILE``, else DIR/postgresql.conf for ``-D DIR``."""
    args = argv[1:]
    data = None
    for i, a in enumerate(args):
        nxt = args[i + 1] if i + 1 < len(args) else ""
        if a == "-c" and nxt.replace("-", "_").startswith("config_file="):
            return _value(nxt.split("=", 1)[1])
        if a.startswith(("--config-file=", "--config_file=")):
            return _value(a.split("=", 1)[1])
        if a == "-D" and nxt:
            data = nxt
        elif a.startswith("-D") and len(a) > 2:
            data = a[2:]
    return posixpath.join(data, "postgresql.conf") if data else None


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    """``postgres -p 5433``, ``-c port=80``, ``--port=80``, ``-D /data``, ``-k DIR``."""
    args = argv[1:]
    for i, a in enumerate(args):
        nxt = args[i + 1] if i + 1 < len(args) else ""
        if a == "-p" and is_decimal(nxt):
            _directive(cfg, "port", nxt, "argv", 0)
        elif a == "-c" and "=" in nxt:
            k, v = nxt.split("=", 1)
            _directive(cfg, k.strip().replace("-", "_").lower(), _value(v), "argv", 0)
        elif a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            _directive(cfg, k.replace("-", "_").lower(), _value(v), "argv", 0)
        elif a == "-D" and nxt:
            _directive(cfg, "data_directory", nxt, "argv", 0)
        elif a == "-k" and nxt:
            _directive(cfg, "unix_socket_directories", nxt, "argv", 0)


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """The data directory's identity check, the files read and written at start."""
    data = cfg.options.get("data_directory") or src.env.get("PGDATA", "")
    if not data and cfg.files and not cfg.files[0].endswith(".sample"):
        data = posixpath.dirname(cfg.files[0])
    if data.startswith("/"):
        file, line = _where(cfg, "data_directory")
        if file == "argv" or not cfg.options.get("data_directory"):
            file, line = ("argv", 0) if cfg.argv else (file, line)
        cfg.add_path(data, "data", file, line, "data_directory", is_dir=True, contents=True)
        cfg.identity.append(
            IdentityCheck(
                "owner",
                data,
                file,
                line,
                "data_directory",
                f'FATAL: data directory "{data}" has wrong ownership (the server must be '
                "started by the user that owns the data directory)",
                f"Do not ship the cluster in the image: create it at first start with initdb "
                f"(the UID that runs the container then owns it), in a directory group 0 can "
                f"write, e.g. 'RUN mkdir -p {posixpath.dirname(data)} && chgrp 0 "
                f"{posixpath.dirname(data)} && chmod g=u {posixpath.dirname(data)}' and an "
                "entrypoint that runs initdb when PG_VERSION is missing.",
            )
        )
        for key, default, kind in (
            ("hba_file", "pg_hba.conf", "auth"),
            ("ident_file", "pg_ident.conf", "auth"),
        ):
            target = cfg.options.get(key) or posixpath.join(data, default)
            file, line = _where(cfg, key)
            cfg.add_read(target, kind, file, line, key, default=not cfg.options.get(key))
    if cfg.options.get("ssl", "off").lower() in _TRUE:
        for key, default, kind in (
            ("ssl_cert_file", "server.crt", "cert"),
            ("ssl_key_file", "server.key", "key"),
        ):
            target = cfg.options.get(key) or (posixpath.join(data, default) if data else "")
            if target:
                file, line = _where(cfg, key)
                cfg.add_read(target, kind, file, line, key)
    sockets = cfg.options.get("unix_socket_directories")
    if sockets is None:
        sockets = "/var/run/postgresql" if src.exists("/usr/lib/postgresql") else "/tmp"
        file, line = (cfg.files[0] if cfg.files else "default"), 0
        for d in sockets.split(","):
            cfg.add_path(d.strip(), "socket", file, line, "unix_socket_directories",
                         is_dir=True, default=True)  # fmt: skip
    else:
        file, line = _where(cfg, "unix_socket_directories")
        for d in sockets.split(","):
            cfg.add_path(d.strip(), "socket", file, line, "unix_socket_directories", is_dir=True)
    pid = cfg.options.get("external_pid_file")
    if pid:
        file, line = _where(cfg, "external_pid_file")
        cfg.add_path(pid, "pid", file, line, "external_pid_file", fatal=False)
    log_dir = cfg.options.get("log_directory", "log")
    if cfg.options.get("logging_collector", "off").lower() in _TRUE and data:
        target = log_dir if log_dir.startswith("/") else posixpath.join(data, log_dir)
        file, line = _where(cfg, "logging_collector")
        cfg.add_path(target, "log", file, line, "log_directory", is_dir=True, creates=True)

"""memcached: Debian's ``/etc/memcached.conf`` holds command-line options, one per line.

``-p`` TCP port (default 11211), ``-U`` UDP port (default off), ``-u`` user, ``-P`` pid file,
``logfile`` (Debian's wrapper). The same option parser reads the daemon's argv. memcached itself
reads no config file: only Debian's wrapper script turns that file into arguments. Without root
it ignores ``-u``; a pid file it cannot write is only reported.
"""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.source import ConfigSource, logical_lines
from unroot.untrusted import is_decimal

DEFAULT_PORT = 11211
_LONG = {
    "--port": "-p",
    "--udp-port": "-U",
    "--user": "-u",
    "--pidfile": "-P",
    "--listen": "-l",
    "--unix-socket": "-s",
}


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = src.read(path)
    if text is None:
        return
    cfg.files.append(path)
    for line, stmt in logical_lines(text):
        words = stmt.split()
        if words[0] == "logfile" and len(words) > 1:
            cfg.add_path(words[1], "log", path, line, "logfile")
            continue
        _options(cfg, words, path, line)
    _default(cfg, path)


def _default(cfg: DaemonConfig, path: str) -> None:
    if not any(x.proto == "tcp" for x in cfg.listen):
        cfg.listen.insert(0, Listen(DEFAULT_PORT, "tcp", path, 0, "", "-p", default=True))


def _options(cfg: DaemonConfig, words: list[str], path: str, line: int) -> None:
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("--") and "=" in w:
            opt, value = w.split("=", 1)
            opt = _LONG.get(opt, opt)
        elif w in _LONG or (w.startswith("-") and len(w) == 2):
            opt = _LONG.get(w, w)
            nxt = words[i + 1] if i + 1 < len(words) else ""
            value = "" if nxt.startswith("-") else nxt
            i += 1 if value else 0
        elif w.startswith("-") and len(w) > 2 and not w.startswith("--"):
            opt, value = w[:2], w[2:]
        else:
            i += 1
            continue
        i += 1
        if opt == "-p" and is_decimal(value):
            cfg.listen = [x for x in cfg.listen if x.proto != "tcp"]
            if int(value):
                cfg.listen.append(Listen(int(value), "tcp", path, line, "", "-p"))
        elif opt == "-U" and is_decimal(value):
            cfg.listen = [x for x in cfg.listen if x.proto != "udp"]
            if int(value):
                cfg.listen.append(Listen(int(value), "udp", path, line, "", "-U"))
        elif opt == "-u" and value:
            cfg.user = Setting(value, path, line, "-u")
        elif opt == "-P" and value:
            cfg.add_path(value, "pid", path, line, "-P", fatal=False)
        elif opt == "-s" and value:
            cfg.add_path(value, "socket", path, line, "-s")


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    _options(cfg, list(argv[1:]), "argv", 0)
    _default(cfg, "argv")

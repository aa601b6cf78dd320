"""BIND 9 named: ``listen-on [port N]`` (default 53), ``directory``, ``pid-file``, includes.

named drops privileges with ``-u bind`` on its command line (Debian's default), not in the
config file; :func:`apply_argv` reads that.
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.parsers._braces import statements
from unroot.daemons.source import ConfigSource, open_config, resolve
from unroot.untrusted import is_decimal

DEFAULT_PORT = 53


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    if not cfg.listen:
        for proto in ("udp", "tcp"):
            cfg.listen.append(Listen(DEFAULT_PORT, proto, path, 0, "", "listen-on", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for st in statements(text, slash_comments=True):
        if not st.words:
            continue
        key, args = st.words[0], st.words[1:]
        if key == "include" and args and not st.blocks:
            for inc in src.glob(resolve(posixpath.dirname(path), args[0])):
                _parse_file(src, inc, cfg)
        elif key in ("listen-on", "listen-on-v6") and st.opens_block and st.blocks == ("options",):
            port = DEFAULT_PORT
            if "port" in args:
                i = args.index("port")
                if i + 1 < len(args) and is_decimal(args[i + 1]):
                    port = int(args[i + 1])
            for proto in ("udp", "tcp"):
                cfg.listen.append(Listen(port, proto, path, st.line, "", key))
        elif key == "directory" and args and st.blocks == ("options",):
            cfg.add_path(args[0], "cache", path, st.line, key, is_dir=True)
        elif key == "pid-file" and args and args[0] != "none":
            cfg.add_path(args[0], "pid", path, st.line, key)


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    for i, a in enumerate(args[:-1]):
        if a == "-u":
            cfg.user = Setting(args[i + 1], "argv", 0, "-u")
        elif a == "-p" and is_decimal(args[i + 1]):
            cfg.listen = [Listen(int(args[i + 1]), p, "argv", 0, "", "-p") for p in ("udp", "tcp")]

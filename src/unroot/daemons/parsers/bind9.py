"""BIND 9 named: ``listen-on [port N]`` (default 53), ``directory``, ``pid-file``, includes.

named switches to another user with ``-u bind`` on its command line (Debian's default), not
in the config file. Without root that switch fails ("named: setgid(): Operation not permitted")
and named stops, so ``-u`` blocks. Its working ``directory`` must be writable ("directory ...
is not writable" stops it). The pid file and session key under /run/named and the
command-channel key /etc/bind/rndc.key are optional: named logs the failure and serves. A port
it cannot bind is not fatal either: named keeps running without that listener, and so answers
nothing.
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import CapabilityNeed, DaemonConfig, Listen, Setting
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
        elif key in ("pid-file", "session-keyfile") and args and st.blocks == ("options",):
            if args[0] != "none":
                cfg.add_path(args[0], "pid", path, st.line, key, fatal=False)
        elif key == "controls" and st.opens_block:
            cfg.options["controls"] = "configured"
        elif key in ("key-file", "cert-file") and args and st.blocks[:1] == ("tls",):
            cfg.add_read(args[0], "key" if key == "key-file" else "cert", path, st.line, key)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv[:-1]):
        if a == "-c":
            return argv[i + 1]
    return None


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    for i, a in enumerate(args[:-1]):
        if a == "-u":
            cfg.user = Setting(args[i + 1], "argv", 0, "-u")
        elif a == "-p" and is_decimal(args[i + 1]):
            cfg.listen = [Listen(int(args[i + 1]), p, "argv", 0, "", "-p") for p in ("udp", "tcp")]
        elif a == "-t":
            cfg.capabilities.append(
                CapabilityNeed(
                    "CAP_SYS_CHROOT",
                    "-t",
                    args[i + 1],
                    "argv",
                    0,
                    f"named -t calls chroot({args[i + 1]}), which needs CAP_SYS_CHROOT",
                    "Remove '-t DIR' from the command line.",
                )
            )


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """Debian's compiled-in run directory (pid file, session key) and the default command
    channel key; all optional for serving."""
    if not cfg.files:
        return
    cfg.set_default_path(("pid-file",), "/run/named/named.pid", "pid", fatal=False)
    cfg.set_default_path(("session-keyfile",), "/run/named/session.key", "pid", fatal=False)
    key = posixpath.join(posixpath.dirname(cfg.files[0]), "rndc.key")
    if cfg.options.get("controls") != "configured" and src.exists(key):
        cfg.add_read(key, "key", cfg.files[0], 0, "controls", fatal=False, default=True)

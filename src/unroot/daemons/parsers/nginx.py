"""nginx: ``listen`` (http and stream servers), ``user``, ``pid``, logs, temp and cache paths."""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen, Setting, split_addr_port
from unroot.daemons.parsers._braces import statements
from unroot.daemons.source import ConfigSource, open_config, resolve

_TEMP = (
    "client_body_temp_path",
    "proxy_temp_path",
    "fastcgi_temp_path",
    "uwsgi_temp_path",
    "scgi_temp_path",
)
_CACHE = ("proxy_cache_path", "fastcgi_cache_path", "uwsgi_cache_path", "scgi_cache_path")


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    prefix = posixpath.dirname(path)
    _parse_file(src, path, cfg, prefix, ())


def _parse_file(
    src: ConfigSource, path: str, cfg: DaemonConfig, prefix: str, outer: tuple[str, ...]
) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    server_has_listen: list[bool] = []
    server_line = 0
    for st in statements(text):
        blocks = outer + st.blocks
        name, args = st.words[0] if st.words else "", st.words[1:]
        if st.opens_block:
            if name == "server" and blocks[-1:] in (("http",), ("stream",), ()):
                server_has_listen.append(False)
                server_line = st.line
            continue
        if name == "include" and args:
            for inc in src.glob(resolve(prefix, args[0])):
                _parse_file(src, inc, cfg, prefix, blocks)
        elif name == "listen" and args:
            if server_has_listen:
                server_has_listen[-1] = True
            _listen(cfg, args, path, st.line, "stream" in blocks)
        elif name == "user" and args and not blocks:
            cfg.user = Setting(args[0], path, st.line, "user")
            if len(args) > 1:
                cfg.group = Setting(args[1], path, st.line, "user")
        elif name == "pid" and args and args[0] != "off":
            cfg.add_path(resolve(prefix, args[0]), "pid", path, st.line, "pid")
        elif name in ("error_log", "access_log") and args:
            target = args[0]
            if target not in ("off", "stderr") and not target.startswith(("syslog:", "memory:")):
                cfg.add_path(resolve(prefix, target), "log", path, st.line, name)
        elif name in _TEMP and args:
            cfg.add_path(resolve(prefix, args[0]), "temp", path, st.line, name, is_dir=True)
        elif name in _CACHE and args:
            cfg.add_path(resolve(prefix, args[0]), "cache", path, st.line, name, is_dir=True)
    # a server block without listen gets nginx's default (*:80 when started as root)
    if server_has_listen and not any(server_has_listen) and not cfg.listen:
        cfg.listen.append(Listen(80, "tcp", path, server_line, "", "listen", default=True))


def _listen(cfg: DaemonConfig, args: tuple[str, ...], path: str, line: int, stream: bool) -> None:
    target = args[0]
    if target.startswith("unix:") or "$" in target:
        return
    ap = split_addr_port(target)
    if ap is None:
        # "localhost:80" with a name is handled by split_addr_port; a bare address means :80
        addr, port = target, 80
    else:
        addr, port = ap
    proto = "udp" if "udp" in args[1:] else "tcp"
    cfg.listen.append(Listen(port, proto, path, line, addr, "listen"))


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    """``nginx -g 'user nobody; daemon off;'``: only the user directive matters here."""
    for i, a in enumerate(argv):
        if a == "-g" and i + 1 < len(argv):
            for part in argv[i + 1].split(";"):
                words = part.split()
                if words[:1] == ["user"] and len(words) > 1:
                    cfg.user = Setting(words[1], "argv", 0, "-g user")


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        if a == "-c" and i + 1 < len(argv):
            return argv[i + 1]
    return None

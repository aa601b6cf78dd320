"""nginx: ``listen`` (http and stream servers), ``user``, ``pid``, logs, temp and cache paths.

nginx creates its temp directories at start (and fails when it cannot: ``mkdir()
"/var/lib/nginx/body" failed``), opens every log named in the config, and writes its pid file;
the paths a directive does not set are compiled in, and they differ by build: Debian's
package, nginx.org's (the official image), Alpine's and a source build each have their own
(:data:`BUILDS`, told apart by the directories the package installs). Without root, nginx
ignores ``user`` with a warning.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

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
            if name == "http":
                cfg.options["http"] = "yes"
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
            cfg.add_path(
                resolve(prefix, args[0]), "temp", path, st.line, name, is_dir=True, creates=True
            )
        elif name in _CACHE and args:
            cfg.add_path(
                resolve(prefix, args[0]), "cache", path, st.line, name, is_dir=True, creates=True
            )
        elif name in ("ssl_certificate", "ssl_certificate_key") and args and "$" not in args[0]:
            kind = "key" if name.endswith("_key") else "cert"
            cfg.add_read(resolve(prefix, args[0]), kind, path, st.line, name)

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
    """``nginx -g 'user nobody; pid /tmp/nginx.pid; daemon off;'``: global directives."""
    for i, a in enumerate(argv):
        if a == "-g" and i + 1 < len(argv):
            for part in argv[i + 1].split(";"):
                words = part.split()
                if words[:1] == ["user"] and len(words) > 1:
                    cfg.user = Setting(words[1], "argv", 0, "-g user")
                elif words[:1] == ["pid"] and len(words) > 1:
                    cfg.paths = [p for p in cfg.paths if p.kind != "pid"]
                    if words[1] != "off":
                        cfg.add_path(words[1], "pid", "argv", 0, "pid")
                elif words[:1] == ["error_log"] and len(words) > 1 and _is_file(words[1]):
                    cfg.add_path(words[1], "log", "argv", 0, "error_log")
        elif a == "-e" and i + 1 < len(argv):
            cfg.options["error_log"] = argv[i + 1]


def _is_file(target: str) -> bool:
    return target not in ("stderr", "off") and not target.startswith(("syslog:", "memory:"))


@dataclass(frozen=True, slots=True)
class Build:
    """The paths one nginx build compiles in (``nginx -V``: --pid-path, --http-*-temp-path)."""

    name: str
    marker: str
    """A directory only this build's package installs."""
    pid: str
    error_log: str
    temp: tuple[tuple[str, str], ...]
    """(directive, path) for the five temp paths."""


def _temps(base: str, names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple(zip(_TEMP, (f"{base}/{n}" for n in names), strict=True))


BUILDS: tuple[Build, ...] = (
    Build(
        "nginx.org",
        "/var/cache/nginx",
        "/var/run/nginx.pid",
        "/var/log/nginx/error.log",
        _temps(
            "/var/cache/nginx",
            ("client_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"),
        ),
    ),
    Build(
        "alpine",
        "/etc/alpine-release",
        "/run/nginx/nginx.pid",
        "/var/log/nginx/error.log",
        _temps("/var/lib/nginx/tmp", ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")),
    ),
    Build(
        "debian",
        "/var/lib/nginx",
        "/run/nginx.pid",
        "stderr",
        _temps("/var/lib/nginx", ("body", "proxy", "fastcgi", "uwsgi", "scgi")),
    ),
    Build(
        "source",
        "/usr/local/nginx",
        "/usr/local/nginx/logs/nginx.pid",
        "/usr/local/nginx/logs/error.log",
        _temps(
            "/usr/local/nginx",
            ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"),
        ),
    ),
)


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """The compiled-in paths of the build found in the image, where no directive sets one."""
    build = next((b for b in BUILDS if src.exists(b.marker)), None)
    if build is None:
        return
    cfg.options["build"] = build.name
    cfg.set_default_path(("pid",), build.pid, "pid")
    compiled_log = cfg.options.get("error_log", build.error_log)
    if compiled_log not in ("stderr", "off") and "error_log" not in {
        p.directive for p in cfg.paths
    }:
        # opened before the config is read; failing there is only an alert, nginx goes on
        cfg.set_default_path(("error_log",), compiled_log, "log", fatal=False)
    if cfg.options.get("http") != "yes":
        return
    for directive, path in build.temp:
        cfg.set_default_path((directive,), path, "temp", is_dir=True, creates=True)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        if a == "-c" and i + 1 < len(argv):
            return argv[i + 1]
    return None

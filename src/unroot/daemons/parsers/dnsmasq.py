"""dnsmasq: ``port=`` (default 53, udp and tcp), ``user=``/``group=``, pid and log files.

dnsmasq reads /etc/dnsmasq.conf unless ``-C``/``--conf-file`` names another, plus the files of
every ``conf-dir`` (in the file or on the command line). It switches to ``user`` (default
"dnsmasq") only when started as root.
"""

from __future__ import annotations

import posixpath

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.source import ConfigSource, logical_lines, open_config
from unroot.untrusted import is_decimal

DEFAULT_PORT = 53


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg)
    _default(cfg, path)


def _default(cfg: DaemonConfig, path: str) -> None:
    if not any(x.directive == "port" for x in cfg.listen):
        cfg.listen[:0] = [
            Listen(DEFAULT_PORT, "udp", path, 0, "", "port", default=True),
            Listen(DEFAULT_PORT, "tcp", path, 0, "", "port", default=True),
        ]


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = open_config(src, path, cfg.files)
    if text is None:
        return
    for line, stmt in logical_lines(text):
        key, _, value = stmt.partition("=")
        key, value = key.strip(), value.strip().strip("'\"")
        if key == "conf-file" and value:
            _parse_file(src, value, cfg)
        elif key == "conf-dir" and value:
            _conf_dir(src, value, cfg)
        else:
            _directive(cfg, key, value, path, line)


def _conf_dir(src: ConfigSource, value: str, cfg: DaemonConfig) -> None:
    """``conf-dir=DIR[,.ext-to-skip...][,*.ext-to-read]``: dnsmasq's own filter rules."""
    d, _, rest = value.partition(",")
    pattern = "*"
    skip = ["~"]
    for spec in rest.split(","):
        if spec.startswith("*"):
            pattern = spec
        elif spec:
            skip.append(spec)
    for inc in src.glob(posixpath.join(d, pattern)):
        name = posixpath.basename(inc)
        hidden = name.startswith(".") or (name.startswith("#") and name.endswith("#"))
        if not inc.endswith(tuple(skip)) and not hidden:
            _parse_file(src, inc, cfg)


def _directive(cfg: DaemonConfig, key: str, value: str, path: str, line: int) -> None:
    if key == "port" and is_decimal(value):
        cfg.listen = [x for x in cfg.listen if x.directive != "port"]
        if int(value):
            cfg.listen.append(Listen(int(value), "udp", path, line, "", "port"))
            cfg.listen.append(Listen(int(value), "tcp", path, line, "", "port"))
    elif key == "user" and value:
        cfg.user = Setting(value, path, line, "user")
    elif key == "group" and value:
        cfg.group = Setting(value, path, line, "group")
    elif key == "pid-file" and value:
        cfg.add_path(value, "pid", path, line, key)
    elif key in ("log-facility", "dhcp-leasefile", "dhcp-hostsfile") and value.startswith("/"):
        cfg.add_path(value, "log" if key == "log-facility" else "data", path, line, key)


_SHORT = {"-p": "port", "-u": "user", "-g": "group", "-x": "pid-file", "-8": "log-facility"}


def apply_argv(cfg: DaemonConfig, argv: tuple[str, ...]) -> None:
    args = argv[1:]
    for i, a in enumerate(args):
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            if k == "conf-dir":
                cfg.options.setdefault("conf-dirs", "")
                cfg.options["conf-dirs"] += "\n" + v
                continue
            _directive(cfg, k, v, "argv", 0)
        elif a == "-7" and i + 1 < len(args):
            cfg.options["conf-dirs"] = cfg.options.get("conf-dirs", "") + "\n" + args[i + 1]
        elif a in _SHORT and i + 1 < len(args):
            _directive(cfg, _SHORT[a], args[i + 1], "argv", 0)
        elif a[:2] in _SHORT and len(a) > 2:
            _directive(cfg, _SHORT[a[:2]], a[2:], "argv", 0)
    _default(cfg, "argv")


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    args = argv[1:]
    for i, a in enumerate(args):
        if a.startswith("--conf-file="):
            return a.split("=", 1)[1]
        if a in ("-C", "--conf-file") and i + 1 < len(args):
            return args[i + 1]
    return None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """Read the ``--conf-dir`` directories named on the command line, after the main file;
    then put the command line's own settings back on top (they win over every file)."""
    dirs = [d for d in cfg.options.pop("conf-dirs", "").split("\n") if d]
    if not dirs:
        return
    for value in dirs:
        _conf_dir(src, value, cfg)
    if cfg.argv:
        apply_argv(cfg, cfg.argv)

"""rsyslog: network inputs (``imudp``/``imtcp`` ports, legacy ``$UDPServerRun``), the files
its rules write, and its privilege drop, from the file ``-f`` names (default
/etc/rsyslog.conf with its ``$IncludeConfig`` / ``include()`` files).

Run as 1000680000:0, Debian's packaged rsyslogd keeps running through every failure: it
cannot create /dev/log ("imuxsock does not run"), read /proc/kmsg, or open root-owned log
files, and reports each. None of these stops it, so they are notes; a network port below
1024 does keep it from receiving there.
"""

from __future__ import annotations

import re

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.source import ConfigSource, logical_lines, open_config

_PARAM = re.compile(r'(\w+)\s*=\s*"([^"]*)"')
_ACTION = re.compile(r"^[^$#\s][^\s]*\s+-?(/[^\s;]+)$")


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg, 0)


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig, depth: int) -> None:
    text = open_config(src, path, cfg.files)
    if text is None or depth > 4:
        return
    for line, stmt in logical_lines(text):
        low = stmt.lower()
        if low.startswith("$includeconfig"):
            for inc in src.glob(stmt.split(None, 1)[1].strip()):
                _parse_file(src, inc, cfg, depth + 1)
        elif low.startswith("include("):
            params = dict(_PARAM.findall(stmt))
            for inc in src.glob(params.get("file", "")):
                _parse_file(src, inc, cfg, depth + 1)
        elif low.startswith("input("):
            params = {k.lower(): v for k, v in _PARAM.findall(stmt)}
            kind = params.get("type", "").lower()
            if kind in ("imudp", "imtcp", "imptcp", "imrelp") and params.get("port", "").isdigit():
                proto = "udp" if kind == "imudp" else "tcp"
                cfg.listen.append(Listen(int(params["port"]), proto, path, line, "", "input"))
        elif low.startswith(("$udpserverrun", "$inputtcpserverrun")):
            words = stmt.split()
            if len(words) > 1 and words[1].isdigit():
                proto = "udp" if low.startswith("$udp") else "tcp"
                cfg.listen.append(Listen(int(words[1]), proto, path, line, "", words[0]))
        elif low.startswith("$privdroptouser"):
            words = stmt.split()
            if len(words) > 1:
                cfg.user = Setting(words[1], path, line, words[0])
        else:
            m = _ACTION.match(stmt)
            if m:
                cfg.add_path(m.group(1), "log", path, line, "action", fatal=False)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        if a == "-f" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("-f") and len(a) > 2:
            return a[2:]
    return None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """The pid file Debian's build writes (-i names another): rsyslogd goes on without it."""
    if cfg.files:
        cfg.set_default_path(("pidfile",), "/run/rsyslogd.pid", "pid", fatal=False)

"""HAProxy: ``bind`` lines of frontends/listen sections, ``user``/``group``, pid, chroot."""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig, Listen, Setting
from unroot.daemons.source import ConfigSource, logical_lines
from unroot.untrusted import is_decimal


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    text = src.read(path)
    if text is None:
        return
    cfg.files.append(path)
    section = ""
    for line, stmt in logical_lines(text):
        words = stmt.split()
        key = words[0]
        if key in (
            "global",
            "defaults",
            "frontend",
            "backend",
            "listen",
            "peers",
            "resolvers",
            "userlist",
            "program",
            "cache",
            "ring",
            "mailers",
            "http-errors",
        ):
            section = key
            if key == "listen" and len(words) > 2:  # old style: listen NAME ADDR:PORT
                _bind(cfg, words[2], path, line, "listen")
            continue
        args = words[1:]
        if section == "global":
            if key in ("user", "uid") and args:
                cfg.user = Setting(args[0], path, line, key)
            elif key in ("group", "gid") and args:
                cfg.group = Setting(args[0], path, line, key)
            elif key == "pidfile" and args:
                cfg.add_path(args[0], "pid", path, line, key)
            elif key == "chroot" and args:
                cfg.add_path(args[0], "chroot", path, line, key, is_dir=True)
            elif key == "stats" and args[:1] == ["socket"] and len(args) > 1:
                cfg.add_path(args[1].removeprefix("unix@"), "socket", path, line, "stats socket")
        elif key == "bind" and args and section in ("frontend", "listen", "peers"):
            _bind(cfg, args[0], path, line, "bind")


def _bind(cfg: DaemonConfig, spec: str, path: str, line: int, directive: str) -> None:
    for part in spec.split(","):
        proto = "tcp"
        for prefix in ("ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@", "quic4@", "quic6@", "udp@"):
            if part.startswith(prefix):
                if prefix.startswith(("quic", "udp")):
                    proto = "udp"
                part = part[len(prefix) :]
        if part.startswith(("unix@", "abns@", "fd@", "sockpair@", "/")) or "$" in part:
            continue
        addr, _, ports = part.rpartition(":")
        first = ports.split("-", 1)[0]
        if is_decimal(first) and 0 < int(first) <= 65535:
            addr = addr.strip("[]")
            cfg.listen.append(Listen(int(first), proto, path, line, addr, directive))

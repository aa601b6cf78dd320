"""Samba (smbd): ``smb ports`` (445 and 139), the log file, and its lock, state, cache and pid
directories, from the ``[global]`` section of the file ``-s``/``--configfile`` names (default
/etc/samba/smb.conf, plus ``include``).

Run as 1000680000:0 without capabilities, Debian's packaged smbd cannot open its log under
/var/log/samba (reported, not fatal) and then stops; its ports are below 1024.
"""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig, Listen
from unroot.daemons.source import ConfigSource, logical_lines, open_config

DEFAULT_PORTS = (445, 139)
_DIRS = {
    "lock directory": "data",
    "state directory": "data",
    "cache directory": "cache",
    "pid directory": "pid",
}


def parse(src: ConfigSource, path: str, cfg: DaemonConfig) -> None:
    _parse_file(src, path, cfg, 0)
    if not any(x.directive == "smb ports" for x in cfg.listen):
        for port in DEFAULT_PORTS:
            cfg.listen.append(Listen(port, "tcp", path, 0, "", "smb ports", default=True))


def _parse_file(src: ConfigSource, path: str, cfg: DaemonConfig, depth: int) -> None:
    text = open_config(src, path, cfg.files)
    if text is None or depth > 4:
        return
    section = "global"
    for line, stmt in logical_lines(text, comment="#;", continuation=True):
        if stmt.startswith("[") and stmt.endswith("]"):
            section = stmt[1:-1].strip().lower()
            continue
        key, sep, value = stmt.partition("=")
        if not sep or section != "global":
            continue
        key = " ".join(key.lower().split())
        value = value.strip()
        if key == "include" and "%" not in value:
            _parse_file(src, value, cfg, depth + 1)
        elif key == "smb ports":
            cfg.listen = [x for x in cfg.listen if x.directive != "smb ports"]
            for port in value.replace(",", " ").split():
                if port.isdigit():
                    cfg.listen.append(Listen(int(port), "tcp", path, line, "", "smb ports"))
        elif key in ("log file", "logfile") and "%" not in value:
            cfg.add_path(value, "log", path, line, key, fatal=False)
        elif key in _DIRS:
            cfg.add_path(value, _DIRS[key], path, line, key, is_dir=True)


def config_from_argv(argv: tuple[str, ...]) -> str | None:
    for i, a in enumerate(argv):
        if a in ("-s", "--configfile") and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--configfile="):
            return a.split("=", 1)[1]
    return None


def finish(src: ConfigSource, cfg: DaemonConfig) -> None:
    """Debian's compiled-in directories (``smbd -b``) where smb.conf sets none."""
    if not cfg.files:
        return
    cfg.set_default_path(("lock directory",), "/run/samba", "data", is_dir=True)
    cfg.set_default_path(("state directory",), "/var/lib/samba", "data", is_dir=True)
    cfg.set_default_path(("cache directory",), "/var/cache/samba", "cache", is_dir=True)
    cfg.set_default_path(("pid directory",), "/run/samba", "pid", is_dir=True)

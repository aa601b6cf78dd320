"""What a daemon's configuration says about root: ports, its own user switch, paths it writes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unroot.untrusted import is_decimal


@dataclass(frozen=True, slots=True)
class Setting:
    """One directive's value and where it was read (``file`` is ``argv`` for command lines)."""

    value: str
    file: str
    line: int
    directive: str = ""


@dataclass(frozen=True, slots=True)
class Listen:
    port: int
    proto: str
    file: str
    line: int
    addr: str = ""
    directive: str = ""
    default: bool = False
    """True when no directive sets the port and this is the daemon's built-in default."""


PATH_KINDS = ("pid", "log", "data", "cache", "temp", "socket", "chroot")


@dataclass(frozen=True, slots=True)
class DaemonPath:
    """A path the daemon writes (or creates files in) at run time."""

    path: str
    kind: str
    """One of PATH_KINDS."""
    file: str
    line: int
    directive: str = ""
    is_dir: bool = False
    """True when ``path`` is a directory the daemon writes into; else a file (check its dir)."""


@dataclass(slots=True)
class DaemonConfig:
    daemon: str
    files: list[str] = field(default_factory=list)
    """Config files read, in order (main file first, then includes)."""
    listen: list[Listen] = field(default_factory=list)
    user: Setting | None = None
    group: Setting | None = None
    paths: list[DaemonPath] = field(default_factory=list)

    @property
    def pid_file(self) -> DaemonPath | None:
        return next((p for p in self.paths if p.kind == "pid"), None)

    def paths_of(self, kind: str) -> list[DaemonPath]:
        return [p for p in self.paths if p.kind == kind]

    def add_path(
        self, path: str, kind: str, file: str, line: int, directive: str, *, is_dir: bool = False
    ) -> None:
        path = path.strip().strip("'\"")
        if not path.startswith("/") or path.startswith(("/dev/", "/proc/")) or "$" in path:
            return
        self.paths.append(DaemonPath(path, kind, file, line, directive, is_dir))

    def set_port(self, listen: Listen) -> None:
        """A command-line override: replaces every configured TCP/UDP port of that protocol."""
        self.listen = [x for x in self.listen if x.proto != listen.proto] + [listen]


_ADDR_PORT = re.compile(r"^(?:\[(?P<v6>[^\]]*)\]|(?P<host>[^:\s]*)):(?P<port>\d{1,5})$")


def split_addr_port(text: str) -> tuple[str, int] | None:
    """ "80" -> ("", 80); "127.0.0.1:8080"; "[::]:443"; "*:80". None when no port is given."""
    text = text.strip().strip("'\"")
    if is_decimal(text):
        return ("", int(text)) if 0 <= int(text) <= 65535 else None
    m = _ADDR_PORT.match(text)
    if not m:
        return None
    port = int(m.group("port"))
    if port > 65535:
        return None
    return (m.group("v6") if m.group("v6") is not None else m.group("host") or ""), port

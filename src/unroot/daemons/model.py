"""What a daemon's configuration says about root: ports, its own user switch, paths it writes
and reads, checks it makes of its own identity, and directives that need a capability.

Everything a parser records carries the config file and line (``argv`` for the command line,
``default`` entries for compiled-in values no directive sets), so findings and fixes can point
at the line to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unroot.untrusted import is_decimal

IGNORED = "ignored"
BLOCKING = "blocking"


@dataclass(frozen=True, slots=True)
class Setting:
    """One directive's value and where it was read (``file`` is ``argv`` for command lines)."""

    value: str
    file: str
    line: int
    directive: str = ""
    effect: str = ""
    """For user/group switches: what the daemon does with it when it did not start as root:
    :data:`IGNORED` (it goes on, at most with a warning), :data:`BLOCKING` (it refuses to
    start: setuid()/setgid() fail without the capability), "" when not known."""


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
READ_KINDS = ("config", "key", "cert", "auth")


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
    fatal: bool = True
    """False when the daemon logs the failure and keeps serving (redis's pidfile)."""
    default: bool = False
    """A compiled-in default: no directive sets it (``file`` names the main config)."""
    creates: bool = False
    """The daemon creates the directory itself when it is missing (nginx's temp paths)."""
    contents: bool = False
    """The daemon also writes what is already inside the directory (a datadir's files)."""


@dataclass(frozen=True, slots=True)
class DaemonRead:
    """A file the daemon reads at start besides its config files: keys, certificates,
    access-control files."""

    path: str
    kind: str
    """One of READ_KINDS."""
    file: str
    line: int
    directive: str = ""
    fatal: bool = True
    """False when the daemon starts without it (an optional command-channel key)."""
    default: bool = False


@dataclass(frozen=True, slots=True)
class IdentityCheck:
    """A check the daemon makes of who runs it, which an arbitrary UID cannot pass.

    ``kind`` "owner": ``path`` must belong to the UID the daemon runs as (PostgreSQL's data
    directory, vsftpd's config file); "root": the daemon refuses to start unless it is root.
    """

    kind: str
    path: str
    file: str
    line: int
    directive: str
    says: str
    """What the daemon writes when the check fails."""
    fix: str


@dataclass(frozen=True, slots=True)
class CapabilityNeed:
    """A directive that makes the daemon call something only a capability allows."""

    capability: str
    """``CAP_SYS_CHROOT``..."""
    directive: str
    value: str
    file: str
    line: int
    why: str
    fix: str


@dataclass(slots=True)
class DaemonConfig:
    daemon: str
    files: list[str] = field(default_factory=list)
    """Config files read, in order (main file first, then includes)."""
    listen: list[Listen] = field(default_factory=list)
    user: Setting | None = None
    group: Setting | None = None
    paths: list[DaemonPath] = field(default_factory=list)
    reads: list[DaemonRead] = field(default_factory=list)
    """Keys, certificates and other files read at start (config files are in ``files``)."""
    identity: list[IdentityCheck] = field(default_factory=list)
    capabilities: list[CapabilityNeed] = field(default_factory=list)
    main: bool | None = None
    """True when the image's entrypoint runs this daemon, False when it runs something else,
    None when the entrypoint is not known (findings about it are then only notes if False)."""
    argv: tuple[str, ...] = ()
    """The command line that starts it, when the entrypoint runs it."""
    config_note: str = ""
    """Why no config file was read, when one was expected (named on the command line but not
    in the image, or the daemon reads none without a flag)."""
    config_missing: bool = False
    """The command line loads a config file whose content is not known (not in the image,
    or not read)."""
    options: dict[str, str] = field(default_factory=dict)
    """Directive values a parser keeps for the daemon's later checks (lower-case keys)."""
    directives: set[str] = field(default_factory=set)
    """Path directives the config sets, also to places not checked (``/dev/stderr``): a
    compiled-in default for them no longer applies."""

    @property
    def config_unknown(self) -> bool:
        """A config file is loaded but its content is not known: compiled-in defaults may be
        overridden by it, so what they imply is not certain."""
        return (
            bool(self.config_note) and not self.files and "reads no config" not in self.config_note
        )

    @property
    def pid_file(self) -> DaemonPath | None:
        return next((p for p in self.paths if p.kind == "pid"), None)

    def paths_of(self, kind: str) -> list[DaemonPath]:
        return [p for p in self.paths if p.kind == kind]

    def add_path(
        self,
        path: str,
        kind: str,
        file: str,
        line: int,
        directive: str,
        *,
        is_dir: bool = False,
        fatal: bool = True,
        default: bool = False,
        creates: bool = False,
        contents: bool = False,
    ) -> None:
        path = path.strip().strip("'\"")
        if not default:
            self.directives.add(directive)
        if not path.startswith("/") or path.startswith(("/dev/", "/proc/")) or "$" in path:
            return
        if path != "/":
            path = path.rstrip("/")
        self.paths.append(
            DaemonPath(path, kind, file, line, directive, is_dir, fatal, default, creates, contents)
        )

    def set_default_path(
        self,
        directives: tuple[str, ...],
        path: str,
        kind: str,
        *,
        is_dir: bool = False,
        fatal: bool = True,
        creates: bool = False,
        contents: bool = False,
    ) -> None:
        """A compiled-in path, used only when none of ``directives`` set one."""
        if any(d in self.directives for d in directives):
            return
        self.add_path(
            path,
            kind,
            self.files[0] if self.files else "default",
            0,
            directives[0],
            is_dir=is_dir,
            fatal=fatal,
            default=True,
            creates=creates,
            contents=contents,
        )

    def add_read(
        self,
        path: str,
        kind: str,
        file: str,
        line: int,
        directive: str,
        *,
        fatal: bool = True,
        default: bool = False,
    ) -> None:
        path = path.strip().strip("'\"")
        if not path.startswith("/") or "$" in path:
            return
        if not default:  # a directive replaces the compiled-in default it names
            self.reads = [r for r in self.reads if r.directive != directive or not r.default]
        self.reads.append(DaemonRead(path, kind, file, line, directive, fatal, default))

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

"""The facts an entrypoint analysis collects, each with file:line evidence.

Plain frozen dataclasses so that rules, reports and the fix planner can read them without
knowing how the scripts were parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    """Script path inside the image (``/usr/local/bin/docker-entrypoint.sh``) or ``config``."""
    line: int
    text: str = ""


@dataclass(frozen=True, slots=True)
class PrivilegeDrop:
    tool: str
    user: str
    group: str | None
    file: str
    line: int
    text: str = ""
    guarded: bool = False
    """True when the script also has a ``$(id -u) = 0`` guard, so it runs fine as non-root."""


@dataclass(frozen=True, slots=True)
class OwnershipChange:
    """``chown``/``chgrp``/``chmod`` (also via ``find -exec``) run at start."""

    tool: str
    paths: tuple[str, ...]
    owner: str | None
    group: str | None
    mode: str | None
    recursive: bool
    file: str
    line: int
    text: str = ""


@dataclass(frozen=True, slots=True)
class HostModification:
    kind: str
    """sysctl, modprobe, mount, iptables, ip, ulimit, proc_write, hostname, ifconfig, tc, route."""
    capability: str
    """What it needs: ``CAP_NET_ADMIN``, ``CAP_SYS_ADMIN``, ``securityContext.sysctls`` ..."""
    detail: str
    file: str
    line: int
    text: str = ""
    certain: bool = True
    """False when it only needs the capability in some setups (``ulimit -n`` below hard limit)."""


@dataclass(frozen=True, slots=True)
class PackageInstall:
    manager: str
    packages: tuple[str, ...]
    file: str
    line: int
    text: str = ""


@dataclass(frozen=True, slots=True)
class SetCap:
    caps: str
    paths: tuple[str, ...]
    file: str
    line: int
    text: str = ""


@dataclass(frozen=True, slots=True)
class RootPathWrite:
    path: str
    how: str
    """mkdir, touch, redirect, tee, sed -i, cp, ln, install..."""
    file: str
    line: int
    text: str = ""
    reason: str = ""
    """Why an arbitrary UID cannot make it: "no write permission on /run (mode 0755, ...)"."""
    certain: bool = True
    """False when the metadata available (a Dockerfile's file model) does not decide it."""


@dataclass(frozen=True, slots=True)
class CreatedPath:
    """A file or directory the entrypoint makes at start: it belongs to the UID that runs the
    container (``cp /etc/app.conf /tmp/app.conf``, ``mkdir -p /run/app``, ``initdb -D DIR``)."""

    path: str
    source: str | None
    """The file it is a copy of (cp, install), else None."""
    tool: str
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class ProgramRun:
    """A program the container runs (what daemon analysis uses as hints, with its flags)."""

    argv: tuple[str, ...]
    user: str | None
    """User it runs as after a drop, or None if unchanged."""
    file: str
    line: int
    main: bool = False
    """True for the process the entrypoint finally ``exec``s (the container's main process)."""


@dataclass(slots=True)
class EntrypointAnalysis:
    """What the container does at start, from ENTRYPOINT/CMD and the scripts they run."""

    argv: tuple[str, ...] = ()
    """ENTRYPOINT + CMD as the runtime runs them."""
    user: str = ""
    """The configured user (image ``User`` / Dockerfile ``USER``); "" means root."""
    chain: list[tuple[str, ...]] = field(default_factory=list)
    """Each argv followed, in order (entrypoint, scripts it execs, the CMD it forwards to)."""
    scripts: list[str] = field(default_factory=list)
    drops: list[PrivilegeDrop] = field(default_factory=list)
    chowns: list[OwnershipChange] = field(default_factory=list)
    host_mods: list[HostModification] = field(default_factory=list)
    package_installs: list[PackageInstall] = field(default_factory=list)
    setcaps: list[SetCap] = field(default_factory=list)
    root_writes: list[RootPathWrite] = field(default_factory=list)
    root_guard: Where | None = None
    """An ``id -u = 0`` style branch: the script also works when started as non-root."""
    root_required: Where | None = None
    """An ``if [ "$(id -u)" != 0 ]; then ... exit 1`` check: the script refuses non-root."""
    unresolved: list[str] = field(default_factory=list)
    programs: list[ProgramRun] = field(default_factory=list)
    created: list[CreatedPath] = field(default_factory=list)

    def created_at_start(self) -> dict[str, str | None]:
        """Path -> the file it is copied from (None when made another way), first one wins."""
        out: dict[str, str | None] = {}
        for c in self.created:
            out.setdefault(c.path, c.source)
        return out

    @property
    def starts_as_root(self) -> bool:
        name = self.user.split(":", 1)[0].strip()
        return name in ("", "root", "0")

    @property
    def needs_root_reasons(self) -> list[str]:
        """Why root (or a capability) is needed to work, beyond dropping privileges."""
        out: list[str] = []
        for h in self.host_mods:
            out.append(f"{h.kind}: {h.detail} needs {h.capability} ({h.file}:{h.line})")
        for p in self.package_installs:
            pkgs = " ".join(p.packages) or "packages"
            out.append(f"{p.manager} installs {pkgs} at start ({p.file}:{p.line})")
        for s in self.setcaps:
            out.append(f"setcap {s.caps} at start ({s.file}:{s.line})")
        if self.root_required is not None:
            r = self.root_required
            out.append(f"the script exits unless it runs as root ({r.file}:{r.line})")
        return out

    @property
    def needs_root_only_to_drop(self) -> bool:
        """Starts as root only to fix ownership and drop privileges: fixable by running as the
        drop's user directly (after fixing ownership at build time)."""
        return bool(self.drops) and not self.needs_root_reasons

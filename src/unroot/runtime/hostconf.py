"""Host quirks that decide how podman must be invoked here, probed once.

Podman's defaults assume a "normal" host. Containers, CI runners and nested sandboxes break
them in ways that make every ``podman run`` fail with an obscure OCI error, e.g. rootful podman
raising RLIMIT_NOFILE to 1048576 without CAP_SYS_RESOURCE ("error setting rlimit type 7"), or
crun refusing a hybrid cgroup layout. So the facts are gathered once (:func:`probe_host_facts`,
I/O only) and turned into settings by a pure function (:func:`decide`), which is what the tests
exercise with hand-written facts.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

CgroupLayout = Literal["unified", "hybrid", "v1", "none"]

CAP_SYS_RESOURCE = 24
"""Bit number of CAP_SYS_RESOURCE in the capability sets of /proc/self/status."""

PODMAN_ROOTFUL_NOFILE = 1048576
"""RLIMIT_NOFILE that rootful podman 4.x sets in every container unless told otherwise."""

PODMAN_ROOTFUL_NPROC = 4194304
"""RLIMIT_NPROC that rootful podman 4.x sets in every container unless told otherwise."""


@dataclass(frozen=True, slots=True)
class HostFacts:
    """What the host offers; every field is plain data so tests can write any host."""

    euid: int
    cap_sys_resource: bool
    """CAP_SYS_RESOURCE is in the effective set: rlimits may be raised above the hard limit."""
    nofile_hard: int
    nproc_hard: int
    cgroup_layout: CgroupLayout
    runtimes: tuple[str, ...]
    """OCI runtimes found and answering ``--version`` (``runc``, ``crun``)."""
    systemd_running: bool
    """systemd is PID 1 (``/run/systemd/system`` exists): the systemd cgroup manager can work."""
    journald_running: bool
    dev_net_tun_readable: bool
    """Rootless networking (slirp4netns) needs /dev/net/tun to be readable and writable."""
    newuidmap: bool
    """``newuidmap``/``newgidmap`` present (package uidmap): needed for rootless user namespaces."""
    subuid_ranges: int = 0
    """Subordinate UIDs (and GIDs: the smaller count) of the user namespaces podman can create:
    the ``containers`` entry for rootful ``--userns=auto``, the caller's entry when rootless."""

    @property
    def rootless(self) -> bool:
        return self.euid != 0


@dataclass(frozen=True, slots=True)
class PodmanSettings:
    """How to call podman on this host: global flags plus a containers.conf to point at."""

    global_args: tuple[str, ...]
    containers_conf: str
    """Full text of the containers.conf to pass through ``CONTAINERS_CONF``."""
    runtime: str | None
    cgroup_manager: str
    notes: tuple[str, ...] = ()
    """Why each non-default choice was made (shown by diagnostics, useful in bug reports)."""
    problems: tuple[str, ...] = field(default=())
    """Things that will make podman fail here; empty when the host is usable."""
    userns_problem: str | None = None
    """Why user-namespaced runs (``--userns``) cannot work here, or None when they can."""

    @property
    def needs_conf(self) -> bool:
        """A containers.conf must be passed: podman's own configuration would fail here."""
        return bool(self.containers_conf)


SUBUID_NEEDED = 65536
"""The smallest subordinate range that holds a whole container's UIDs (0-65535)."""


def decide(facts: HostFacts) -> PodmanSettings:
    """Turn host facts into podman settings. Pure: same facts, same settings.

    On an ordinary workstation (pure cgroup v2 with systemd, podman allowed to raise its rlimits,
    journald) nothing is overridden: no global flags and no containers.conf, so the user's own
    podman configuration stays in force. Anything quirky is overridden explicitly.
    """
    notes: list[str] = []
    problems: list[str] = []

    runtime = _pick_runtime(facts, notes, problems)
    cgroup_manager = _pick_cgroup_manager(facts, notes)
    ordinary = _ordinary(facts, runtime, cgroup_manager)

    containers: list[str] = []
    engine: list[str] = []
    if not ordinary:
        engine.append(f'cgroup_manager = "{cgroup_manager}"')
        if runtime is not None:
            engine.append(f'runtime = "{runtime}"')

    if _must_keep_host_ulimits(facts):
        containers.append("default_ulimits = []")
        notes.append(
            "no CAP_SYS_RESOURCE and hard rlimits below podman's defaults "
            f"(nofile {facts.nofile_hard}, nproc {facts.nproc_hard}): containers inherit the "
            "current limits (default_ulimits = [])"
        )
    if not facts.journald_running:
        engine.append('events_logger = "file"')
        notes.append("journald not running: podman events go to a file")

    if facts.rootless:
        if not facts.newuidmap:
            problems.append("rootless podman needs newuidmap/newgidmap (apt-get install uidmap)")
        if not facts.dev_net_tun_readable:
            problems.append(
                "rootless networking needs /dev/net/tun readable and writable by this user"
            )

    args: list[str] = []
    if not ordinary:
        args = ["--cgroup-manager", cgroup_manager]
        if runtime is not None:
            args[:0] = ["--runtime", runtime]

    return PodmanSettings(
        global_args=tuple(args),
        containers_conf=render_containers_conf(containers, engine) if containers or engine else "",
        runtime=runtime,
        cgroup_manager=cgroup_manager,
        notes=tuple(notes),
        problems=tuple(problems),
        userns_problem=_userns_problem(facts),
    )


def _ordinary(facts: HostFacts, runtime: str | None, cgroup_manager: str) -> bool:
    """podman's defaults work as they are: the choices equal what it would pick by itself."""
    return (
        facts.cgroup_layout == "unified"
        and facts.systemd_running
        and cgroup_manager == "systemd"
        and runtime is not None
        and not _must_keep_host_ulimits(facts)
        and facts.journald_running
    )


def _userns_problem(facts: HostFacts) -> str | None:
    if facts.subuid_ranges >= SUBUID_NEEDED and facts.newuidmap:
        return None
    if not facts.newuidmap:
        return "user namespaces need newuidmap/newgidmap (apt-get install uidmap)"
    who = "the 'containers' user" if not facts.rootless else "this user"
    return (
        f"user namespaces need at least {SUBUID_NEEDED} subordinate UIDs and GIDs for {who} "
        "in /etc/subuid and /etc/subgid (e.g. 'containers:2147483647:2147483648')"
    )


def _pick_runtime(facts: HostFacts, notes: list[str], problems: list[str]) -> str | None:
    # crun rejects the hybrid layout (v1 controllers plus a v2 "unified" mount) on hosts like
    # this one, while runc copes with every layout; so runc wins unless the host is pure v2.
    if facts.cgroup_layout == "unified" and "crun" in facts.runtimes:
        return "crun"
    if "runc" in facts.runtimes:
        if "crun" in facts.runtimes:
            notes.append(f"cgroup layout {facts.cgroup_layout}: runc instead of crun")
        return "runc"
    if "crun" in facts.runtimes:
        notes.append(f"only crun present on a {facts.cgroup_layout} cgroup layout; may fail")
        return "crun"
    problems.append("no OCI runtime found (apt-get install runc)")
    return None


def _pick_cgroup_manager(facts: HostFacts, notes: list[str]) -> str:
    # The systemd manager needs systemd as PID 1 (and, rootless, a user session on cgroup v2);
    # cgroupfs works everywhere else, so it is the safe default.
    if facts.systemd_running and (not facts.rootless or facts.cgroup_layout == "unified"):
        return "systemd"
    notes.append("systemd not usable as cgroup manager here: cgroupfs")
    return "cgroupfs"


def _must_keep_host_ulimits(facts: HostFacts) -> bool:
    # Rootless podman copies the caller's limits; rootful podman raises them, which needs
    # CAP_SYS_RESOURCE whenever the target is above the current hard limit.
    if facts.rootless or facts.cap_sys_resource:
        return False
    return facts.nofile_hard < PODMAN_ROOTFUL_NOFILE or facts.nproc_hard < PODMAN_ROOTFUL_NPROC


def render_containers_conf(containers: list[str], engine: list[str]) -> str:
    """Render a minimal containers.conf with the given ``[containers]`` and ``[engine]`` lines."""
    out = ["# Generated by unroot for this host's quirks; safe to delete.", "[containers]"]
    out += containers
    out += ["", "[engine]"]
    out += engine
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Parsing helpers (pure) and probing (I/O)


def parse_cap_eff(status_text: str) -> int:
    """The effective capability mask from the text of /proc/<pid>/status (0 when absent)."""
    for line in status_text.splitlines():
        if line.startswith("CapEff:"):
            return int(line.split(":", 1)[1].strip(), 16)
    return 0


def has_capability(mask: int, bit: int) -> bool:
    return bool(mask >> bit & 1)


def cgroup_layout_from_mounts(mounts_text: str) -> CgroupLayout:
    """Classify the cgroup layout from /proc/self/mounts text.

    unified: /sys/fs/cgroup is itself cgroup2; hybrid: v1 controllers plus a cgroup2 mount
    below /sys/fs/cgroup; v1: only v1 controllers; none: no cgroup filesystem at all.
    """
    v1 = False
    v2_below = False
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mountpoint, fstype = parts[1], parts[2]
        if fstype == "cgroup2":
            if mountpoint == "/sys/fs/cgroup":
                return "unified"
            if mountpoint.startswith("/sys/fs/cgroup/"):
                v2_below = True
        elif fstype == "cgroup":
            v1 = True
    if v1:
        return "hybrid" if v2_below else "v1"
    return "unified" if v2_below else "none"


def probe_host_facts(cache_dir: Path | None = None) -> HostFacts:
    """Gather :class:`HostFacts` from this host (reads /proc and /sys, runs ``--version``).

    The two answers that cost a subprocess each (can rlimits really be raised; which OCI
    runtimes answer) are cached in ``cache_dir`` (the containers.conf directory), keyed by
    everything they depend on that is cheap to read: boot id, UID, capability set, hard
    limits and the runtime binaries' paths and mtimes. Every ``unroot verify`` saves ~0.1 s.
    """
    status = _read_text("/proc/self/status")
    mounts = _read_text("/proc/self/mounts")
    nofile_hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc_hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    cap_bit = has_capability(parse_cap_eff(status), CAP_SYS_RESOURCE)
    runtimes = {name: _runtime_path(name) for name in ("runc", "crun")}
    key = "|".join(
        [
            _read_text("/proc/sys/kernel/random/boot_id").strip(),
            str(os.geteuid()),
            str(cap_bit),
            str(nofile_hard),
            str(nproc_hard),
            sys.executable,
            *(f"{path}:{_mtime(path)}" for path in runtimes.values() if path),
        ]
    )
    cached = _load_cache(cache_dir, key)
    if cached is None:
        cached = {
            "raise_nofile": cap_bit and _can_raise_nofile(),
            "runtimes": [n for n, path in runtimes.items() if path and _runtime_answers(path)],
        }
        _store_cache(cache_dir, key, cached)
    return HostFacts(
        euid=os.geteuid(),
        cap_sys_resource=bool(cached["raise_nofile"]),
        nofile_hard=_limit(nofile_hard),
        nproc_hard=_limit(nproc_hard),
        cgroup_layout=cgroup_layout_from_mounts(mounts),
        runtimes=tuple(str(r) for r in _as_list(cached.get("runtimes"))),
        systemd_running=os.path.isdir("/run/systemd/system"),
        journald_running=os.path.exists("/run/systemd/journal/socket"),
        dev_net_tun_readable=os.access("/dev/net/tun", os.R_OK | os.W_OK),
        newuidmap=shutil.which("newuidmap") is not None and shutil.which("newgidmap") is not None,
        subuid_ranges=min(
            subordinate_count(_read_text("/etc/subuid"), _subid_owner()),
            subordinate_count(_read_text("/etc/subgid"), _subid_owner()),
        ),
    )


CACHE_NAME = "host-facts.json"


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _load_cache(directory: Path | None, key: str) -> dict[str, object] | None:
    path = (directory if directory is not None else default_conf_dir()) / CACHE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    value = data.get("facts")
    return value if isinstance(value, dict) else None


def _store_cache(directory: Path | None, key: str, facts: dict[str, object]) -> None:
    directory = directory if directory is not None else default_conf_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".facts-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"key": key, "facts": facts}, fh)
        os.replace(tmp, directory / CACHE_NAME)
    except OSError:
        pass  # a read-only home: probe again next time


def _subid_owner() -> tuple[str, ...]:
    """Names /etc/subuid may list for the ranges podman uses: ``containers`` when rootful
    (``--userns=auto``), else the caller's name and numeric UID."""
    euid = os.geteuid()
    if euid == 0:
        return ("containers",)
    try:
        import pwd

        return (pwd.getpwuid(euid).pw_name, str(euid))
    except KeyError:
        return (str(euid),)


def subordinate_count(text: str, owners: tuple[str, ...]) -> int:
    """Total subordinate IDs granted to any of ``owners`` in /etc/subuid-style ``text``."""
    total = 0
    for line in text.splitlines():
        parts = line.strip().split(":")
        if len(parts) != 3 or parts[0] not in owners:
            continue
        try:
            total += max(0, int(parts[2]))
        except ValueError:
            continue
    return total


def _limit(value: int) -> int:
    return sys.maxsize if value == resource.RLIM_INFINITY else value


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _can_raise_nofile() -> bool:
    """Check in a child process that the hard RLIMIT_NOFILE can really be raised.

    The capability bit can be set while a seccomp filter or user namespace still refuses
    prlimit; a throwaway child proves it without touching this process's limits.
    """
    code = (
        "import resource as r\n"
        "s, h = r.getrlimit(r.RLIMIT_NOFILE)\n"
        "n = h + 1 if h != r.RLIM_INFINITY else h\n"
        "r.setrlimit(r.RLIMIT_NOFILE, (s, n))\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _runtime_path(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None
    )


def _runtime_answers(exe: str) -> bool:
    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


# ---------------------------------------------------------------------------------------------
# Writing the generated containers.conf


def default_conf_dir() -> Path:
    """Where the generated containers.conf lives: $XDG_RUNTIME_DIR/unroot or ~/.cache/unroot."""
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR")
    if runtime_dir and os.path.isdir(runtime_dir) and os.access(runtime_dir, os.W_OK):
        return Path(runtime_dir) / "unroot"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "unroot"


def write_containers_conf(text: str, directory: Path | None = None) -> Path:
    """Write ``text`` atomically to a content-addressed file and return its path.

    The name carries a hash of the content, so concurrent processes (pytest workers) that
    decide the same settings share one file and never see a half-written one.
    """
    directory = directory if directory is not None else default_conf_dir()
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = directory / f"containers-{digest}.conf"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".containers-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path

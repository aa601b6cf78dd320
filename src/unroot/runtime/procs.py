"""Who the container's processes really are, read from the host's /proc, through the whole run.

The host's ``/proc/<pid>/status`` gives each process's UIDs, GIDs and capability sets as the
host sees them (the kernel translates IDs into the reader's user namespace); ``uid_map`` and
``gid_map`` translate them back into the container's view. Processes are found through the
container's cgroup (``cgroup.procs``) and, where no cgroup is readable (rootless podman on
cgroup v1), through the ``children`` lists below the container's init process.

A sampler thread repeats this every few milliseconds from before the container's first program
runs (runc's init process already has its final identity while it waits to be started) until it
is removed, and keeps every distinct identity each process had.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

UIDS = ("real", "effective", "saved", "fs")


@dataclass(frozen=True, slots=True)
class IdMap:
    """``/proc/<pid>/uid_map`` as read from the host: (inside, outside, count) ranges."""

    ranges: tuple[tuple[int, int, int], ...]

    @property
    def identity(self) -> bool:
        """No user namespace: the full range maps onto itself."""
        return self.ranges == ((0, 0, 4294967295),)

    def inside(self, host_id: int) -> int | None:
        for inner, outer, count in self.ranges:
            if outer <= host_id < outer + count:
                return inner + host_id - outer
        return None

    def __str__(self) -> str:
        return ", ".join(f"{i}->{o}+{c}" for i, o, c in self.ranges)


IDENTITY = IdMap(((0, 0, 4294967295),))


def parse_id_map(text: str) -> IdMap:
    ranges: list[tuple[int, int, int]] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            ranges.append((int(parts[0]), int(parts[1]), int(parts[2])))
    return IdMap(tuple(ranges)) if ranges else IDENTITY


@dataclass(frozen=True, slots=True)
class ProcStatus:
    """The identity fields of one ``/proc/<pid>/status``."""

    pid: int
    ppid: int
    name: str
    uids: tuple[int, int, int, int]
    gids: tuple[int, int, int, int]
    cap_eff: int
    cap_prm: int
    cap_amb: int
    no_new_privs: int | None
    ns_pid: int
    """The PID inside the container's PID namespace."""


def parse_status(text: str) -> ProcStatus | None:
    """Pure: the fields unroot needs from a status file (None when it is incomplete)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key] = value.strip()
    try:
        uids = tuple(int(x) for x in fields["Uid"].split())
        gids = tuple(int(x) for x in fields["Gid"].split())
        nspid = fields.get("NSpid", fields["Pid"]).split()
        nnp = fields.get("NoNewPrivs")
        status = ProcStatus(
            pid=int(fields["Pid"]),
            ppid=int(fields.get("PPid", "0")),
            name=fields.get("Name", "?"),
            uids=(uids[0], uids[1], uids[2], uids[3]),
            gids=(gids[0], gids[1], gids[2], gids[3]),
            cap_eff=int(fields.get("CapEff", "0"), 16),
            cap_prm=int(fields.get("CapPrm", "0"), 16),
            cap_amb=int(fields.get("CapAmb", "0"), 16),
            no_new_privs=int(nnp) if nnp is not None else None,
            ns_pid=int(nspid[-1]),
        )
    except (KeyError, ValueError, IndexError):
        return None
    return status


@dataclass(slots=True)
class Observation:
    """One identity one process had, with when it was first and last seen (seconds since the
    sampler started) and in how many samples."""

    status: ProcStatus
    container_uids: tuple[int | None, ...]
    container_gids: tuple[int | None, ...]
    uid_map: str
    in_userns: bool
    first_seen: float
    last_seen: float
    samples: int = 1


def cgroup_procs_file(pid: int, proc: str = "/proc") -> str | None:
    """The ``cgroup.procs`` of ``pid``'s cgroup: unified hierarchy first, else v1 ``pids``."""
    try:
        with open(f"{proc}/{pid}/cgroup", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        with open(f"{proc}/self/mountinfo", encoding="utf-8") as fh:
            mounts = fh.read().splitlines()
    except OSError:
        return None
    v2_mount = v1_pids = None
    for line in mounts:
        left, _, right = line.partition(" - ")
        parts, rparts = left.split(), right.split()
        if len(parts) < 5 or not rparts:
            continue
        if rparts[0] == "cgroup2" and v2_mount is None:
            v2_mount = parts[4]
        elif rparts[0] == "cgroup" and len(rparts) >= 3 and "pids" in rparts[2].split(","):
            v1_pids = parts[4]
    candidates: list[str] = []
    for line in lines:
        hier, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hier == "0" and not controllers and v2_mount and path != "/":
            candidates.append(os.path.join(v2_mount, path.lstrip("/"), "cgroup.procs"))
        elif "pids" in controllers.split(",") and v1_pids and path != "/":
            candidates.append(os.path.join(v1_pids, path.lstrip("/"), "cgroup.procs"))
    for candidate in candidates:
        if os.access(candidate, os.R_OK):
            return candidate
    return None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def descendants(root_pid: int, proc: str = "/proc", limit: int = 4096) -> list[int]:
    """``root_pid`` and every process below it, through each thread's ``children`` list."""
    out: list[int] = []
    todo = [root_pid]
    seen: set[int] = set()
    while todo and len(out) < limit:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            tasks = os.listdir(f"{proc}/{pid}/task")
        except OSError:
            continue
        out.append(pid)
        for tid in tasks:
            text = _read(f"{proc}/{pid}/task/{tid}/children")
            if text:
                todo.extend(int(x) for x in text.split() if x.isdigit())
    return out


class ProcessSampler:
    """Samples every process of one container until stopped; thread-safe to stop."""

    def __init__(self, init_pid: int, interval: float = 0.02, proc: str = "/proc") -> None:
        self.init_pid = init_pid
        self.interval = interval
        self.proc = proc
        self.cgroup_file = cgroup_procs_file(init_pid, proc)
        self.observations: dict[tuple[object, ...], Observation] = {}
        self.rounds = 0
        self.errors: list[str] = []
        self._maps: dict[int, tuple[IdMap, IdMap]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.start_time = time.monotonic()
        self.last_round = 0.0

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ProcessSampler:
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="unroot-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> list[Observation]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            return sorted(self.observations.values(), key=lambda o: (o.first_seen, o.status.pid))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except Exception as exc:  # a sampler must never die silently mid-run
                self.errors.append(f"{type(exc).__name__}: {exc}")

    # -- one round ---------------------------------------------------------------------------

    def pids(self) -> list[int]:
        found: list[int] = []
        if self.cgroup_file is not None:
            text = _read(self.cgroup_file)
            if text is not None:
                found = [int(x) for x in text.split() if x.isdigit()]
        for pid in descendants(self.init_pid, self.proc):
            if pid not in found:
                found.append(pid)
        return found

    def sample(self) -> int:
        """One round over the container's processes; returns how many were read."""
        now = time.monotonic() - self.start_time
        count = 0
        for pid in self.pids():
            text = _read(f"{self.proc}/{pid}/status")
            status = parse_status(text) if text else None
            if status is None:
                continue
            count += 1
            self._record(status, now)
        with self._lock:
            self.rounds += 1
            self.last_round = now
        return count

    def _id_maps(self, pid: int) -> tuple[IdMap, IdMap]:
        maps = self._maps.get(pid)
        if maps is None:
            uid_text = _read(f"{self.proc}/{pid}/uid_map")
            gid_text = _read(f"{self.proc}/{pid}/gid_map")
            maps = (parse_id_map(uid_text or ""), parse_id_map(gid_text or ""))
            self._maps[pid] = maps
        return maps

    def _record(self, status: ProcStatus, now: float) -> None:
        key = (
            status.pid,
            status.name,
            status.uids,
            status.gids,
            status.cap_eff,
            status.cap_prm,
            status.cap_amb,
            status.no_new_privs,
        )
        with self._lock:
            seen = self.observations.get(key)
            if seen is not None:
                seen.last_seen = now
                seen.samples += 1
                return
        uid_map, gid_map = self._id_maps(status.pid)
        obs = Observation(
            status=status,
            container_uids=tuple(uid_map.inside(u) for u in status.uids),
            container_gids=tuple(gid_map.inside(g) for g in status.gids),
            uid_map=str(uid_map),
            in_userns=not uid_map.identity,
            first_seen=now,
            last_seen=now,
        )
        with self._lock:
            self.observations[key] = obs

    def alive(self) -> bool:
        """The container's init process still exists (and is not a zombie)."""
        text = _read(f"{self.proc}/{self.init_pid}/stat")
        if text is None:
            return False
        state = text.rpartition(")")[2].split()
        return bool(state) and state[0] not in ("Z", "X")


def all_observed(observations: Iterable[Observation]) -> list[int]:
    return sorted({o.status.pid for o in observations})

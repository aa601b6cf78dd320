"""What a refused system call means: the path, port, identity change or privilege it wanted.

Pure: one :class:`~unroot.runtime.trace.events.Syscall` in, one :class:`Denial` (or None for a
failure that says nothing about root) out. Log lines become the same records
(:mod:`unroot.runtime.discovery.logscan`), so the rules see one shape whatever the source.
"""

from __future__ import annotations

import posixpath
import re

from unroot.rules.runtime._observed import Denial
from unroot.runtime.trace.events import Syscall, decode_c_string

ERRNOS = ("EACCES", "EPERM", "EROFS")
PRIVILEGED_BELOW = 1024

_WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
_PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
_UNIX_PATH = re.compile(r'sun_path=(@?"(?:[^"\\]|\\.)*")')


def _denial(call: Syscall, kind: str, what: str, **kw: object) -> Denial:
    return Denial(
        kind,
        what,
        "trace",
        call.name,
        call.errno,
        call.args,
        call.raw,
        call.pid,
        call.time,
        **kw,  # type: ignore[arg-type]
    )


def _norm(base: str | None, path: str | None) -> str | None:
    """An absolute path (relative ones joined to the descriptor's path when known)."""
    if not path:
        return None
    if path.startswith("/"):
        return posixpath.normpath(path)
    if base and base.startswith("/"):
        return posixpath.normpath(posixpath.join(base, path))
    return path


def _plain(call: Syscall, index: int) -> str | None:
    return _norm(None, call.string(index))


def _at(call: Syscall, dirfd: int, index: int) -> str | None:
    return _norm(call.fd_annotation(dirfd), call.string(index))


def _arg(call: Syscall, index: int) -> str:
    return call.args[index] if index < len(call.args) else ""


def _open_access(flags: str) -> str:
    return "write" if any(f in flags for f in _WRITE_FLAGS) else "read"


# name -> (path getter, access); access None: decided from the flags argument
_PATH_CALLS: dict[str, tuple[tuple[int, int], str | None]] = {
    # (dirfd index or -1, path index)
    "open": ((-1, 0), None),
    "openat": ((0, 1), None),
    "openat2": ((0, 1), None),
    "creat": ((-1, 0), "write"),
    "mkdir": ((-1, 0), "write"),
    "mkdirat": ((0, 1), "write"),
    "mknod": ((-1, 0), "write"),
    "mknodat": ((0, 1), "write"),
    "unlink": ((-1, 0), "write"),
    "unlinkat": ((0, 1), "write"),
    "rmdir": ((-1, 0), "write"),
    "rename": ((-1, 1), "write"),
    "renameat": ((2, 3), "write"),
    "renameat2": ((2, 3), "write"),
    "link": ((-1, 1), "write"),
    "linkat": ((2, 3), "write"),
    "symlink": ((-1, 1), "write"),
    "symlinkat": ((1, 2), "write"),
    "truncate": ((-1, 0), "write"),
    "utimensat": ((0, 1), "write"),
    "execve": ((-1, 0), "exec"),
    "execveat": ((0, 1), "exec"),
    "chdir": ((-1, 0), "search"),
    "access": ((-1, 0), None),
    "faccessat": ((0, 1), None),
    "faccessat2": ((0, 1), None),
}
_VERBS = {"write": "for writing", "read": "for reading", "exec": "to execute", "search": "to enter"}
_IDENTITY = frozenset(
    {"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups"}
    | {"setfsuid", "setfsgid"}
)
_CAPABILITY_CALLS = {
    "chroot": "SYS_CHROOT",
    "unshare": "SYS_ADMIN",
    "setns": "SYS_ADMIN",
    "setpriority": "SYS_NICE",
    "sched_setscheduler": "SYS_NICE",
    "mlockall": "IPC_LOCK",
    "iopl": "SYS_RAWIO",
    "ioperm": "SYS_RAWIO",
    "capset": "SETPCAP",
}
_HOST_CALLS = {
    "mount": ("SYS_ADMIN", "mount"),
    "umount2": ("SYS_ADMIN", "unmount"),
    "pivot_root": ("SYS_ADMIN", "pivot_root"),
    "swapon": ("SYS_ADMIN", "swapon"),
    "sethostname": ("SYS_ADMIN", "set the host name"),
    "setdomainname": ("SYS_ADMIN", "set the domain name"),
    "init_module": ("SYS_MODULE", "load a kernel module"),
    "finit_module": ("SYS_MODULE", "load a kernel module"),
    "settimeofday": ("SYS_TIME", "set the clock"),
    "clock_settime": ("SYS_TIME", "set the clock"),
    "setrlimit": ("SYS_RESOURCE", "raise a resource limit"),
    "prlimit64": ("SYS_RESOURCE", "raise a resource limit"),
}


def from_syscall(call: Syscall) -> Denial | None:
    """The denial ``call`` records, or None when it is not about privileges."""
    if call.errno not in ERRNOS:
        return None
    name = call.name
    if name in _PATH_CALLS:
        return _path_denial(call)
    if name == "bind":
        return _bind(call)
    if name == "socket":
        if any(k in " ".join(call.args) for k in ("SOCK_RAW", "AF_PACKET")):
            return _denial(call, "capability", "open a raw socket", capability="NET_RAW")
        return None
    if name in _IDENTITY:
        ids = ", ".join(call.args)
        return _denial(call, "identity", f"{name}({ids})", extra={"ids": ids})
    if name in ("chown", "lchown", "fchownat", "fchown", "chmod", "fchmod", "fchmodat"):
        return _owner_denial(call)
    if name in _CAPABILITY_CALLS:
        path = _plain(call, 0) if name == "chroot" else None
        what = f"chroot {path}" if path else name
        return _denial(call, "capability", what, path=path, capability=_CAPABILITY_CALLS[name])
    if name in _HOST_CALLS:
        if name == "prlimit64" and _arg(call, 2) in ("", "NULL"):
            return None
        cap, what = _HOST_CALLS[name]
        target = _plain(call, 1) if name == "mount" else None
        what = f"{what} {target}" if target else what
        return _denial(call, "host", what, path=target, capability=cap)
    return None


def _path_denial(call: Syscall) -> Denial | None:
    (dirfd, index), access = _PATH_CALLS[call.name]
    path = _plain(call, index) if dirfd < 0 else _at(call, dirfd, index)
    if not path:
        return None
    if access is None:
        if call.name.startswith(("access", "faccessat")):
            mode = _arg(call, 1 if call.name == "access" else 2)
            access = "write" if "W_OK" in mode else "exec" if "X_OK" in mode else "read"
        else:
            access = _open_access(_arg(call, 1 if call.name == "open" else 2))
    if path.startswith("/proc/sys/") and access == "write":
        key = path.removeprefix("/proc/sys/").replace("/", ".")
        return _denial(
            call,
            "host",
            f"write {path} (sysctl {key})",
            path=path,
            access=access,
            capability="SYS_ADMIN",
            extra={"sysctl": key},
        )
    if call.errno == "EROFS":
        return _denial(
            call,
            "read_only",
            f"{call.name} {path} (read-only filesystem)",
            path=path,
            access=access,
        )
    return _denial(
        call,
        "path",
        f"{call.name} {path} {_VERBS[access]}",
        path=path,
        access=access,
        check_only=call.name.startswith(("access", "faccessat")),
    )


def _bind(call: Syscall) -> Denial | None:
    addr = _arg(call, 1)
    unix = _UNIX_PATH.search(addr)
    if unix:
        if unix.group(1).startswith("@"):
            return None  # abstract socket: no file involved
        path = decode_c_string(unix.group(1))
        if not path:
            return None
        return _denial(call, "path", f"bind unix socket {path}", path=path, access="write")
    m = _PORT.search(addr)
    if not m or call.errno != "EACCES":
        return None
    port = int(m.group(1))
    if not 0 < port < PRIVILEGED_BELOW:
        return None
    proto = "udp" if (call.fd_annotation(0) or "").startswith("UDP") else "tcp"
    return _denial(
        call,
        "port",
        f"bind port {port}/{proto}",
        port=port,
        proto=proto,
        capability="NET_BIND_SERVICE",
    )


def _owner_denial(call: Syscall) -> Denial:
    name = call.name
    if name in ("fchown", "fchmod"):
        path = call.fd_annotation(0)
    elif name in ("fchownat", "fchmodat"):
        path = _at(call, 0, 1)
    else:
        path = _plain(call, 0)
    if "chown" in name:
        ids = call.args[2:4] if name == "fchownat" else call.args[1:3]
        owner = ":".join(ids)
        return _denial(
            call,
            "capability",
            f"{name} {path or '?'} to {owner}",
            path=path,
            capability="CHOWN",
            extra={"owner": owner},
        )
    return _denial(call, "capability", f"{name} {path or '?'}", path=path, capability="FOWNER")

"""The fallback: permission errors a daemon printed, turned into the same denials a trace gives.

Used when there is no trace (``--trace never``, no strace, or tracing not permitted) and to tell
which of the traced denials the daemon itself called fatal. Pure: log text in, denials out.
Daemons word these errors differently, so the patterns are generic: an errno text or number
(``Permission denied``, ``(13)``, ``Operation not permitted``, ``Read-only file system``), or an
ownership complaint, and then the path, port or identity change the same line names.
"""

from __future__ import annotations

import re
from dataclasses import replace

from unroot.rules.runtime._observed import Denial
from unroot.runtime.discovery.denials import PRIVILEGED_BELOW

MAX_LINES = 20000
MAX_LINE = 2000

_DENIED = re.compile(
    r"permission denied|\beacces\b|errno:? ?13\b|errcode:? ?13\b|\(13[:)]|"
    r"operation not permitted|\beperm\b|read-only file system|\berofs\b",
    re.IGNORECASE,
)
_OWNERSHIP = re.compile(
    r"wrong ownership|must be owned by|not owned by|"
    r"has wrong permissions|insecure permissions",
    re.IGNORECASE,
)
_IDENTITY = re.compile(
    r"\b(setuid|setgid|setgroups|initgroups|setresuid|setresgid|setreuid|setregid)\b|"
    r"change (?:to )?user|switch(?:ing)? to user|changing (?:to )?user|drop(?:ping)? privileges|"
    r"\bsetusercontext\b|\bsetuser\b",
    re.IGNORECASE,
)
_BIND = re.compile(r"\bbind\b", re.IGNORECASE)
_SOCKET = re.compile(r"\bbind\b|listen|socket|\bport\b", re.IGNORECASE)
_PORT = re.compile(
    r"(?:\bport[ =:]+|\d{1,3}(?:\.\d{1,3}){3}:|\]:|\*:|\B:)(\d{1,5})\b", re.IGNORECASE
)
_PATH = re.compile(r"(?:(?<=[\s\"'`(\[=:,<])|^)(/(?:[A-Za-z0-9._+@%~-]+/?)+)")
_CHOWN = re.compile(r"\bch(own|mod|grp)\b", re.IGNORECASE)
_HOST = re.compile(r"\bmount\b|\bsysctl\b|/proc/sys/|\bsetrlimit\b|\brlimit\b|\bulimit\b", re.I)
_READ_ONLY = re.compile(r"read-only file system|\berofs\b", re.IGNORECASE)


def from_logs(text: str, source: str = "log") -> list[Denial]:
    """Denials in log ``text``, at most one per subject, in order of appearance.

    ``source`` is ``log`` for the container's logs and ``output`` for what a trace saw it
    write elsewhere."""
    out: list[Denial] = []
    seen: set[tuple[str, str]] = set()
    for raw in text.splitlines()[:MAX_LINES]:
        line = raw[:MAX_LINE]
        denial = parse_line(line)
        if denial is None:
            continue
        if source != "log":
            denial = replace(denial, source=source)
        key = (denial.kind, denial.subject)
        if key in seen:
            continue
        seen.add(key)
        out.append(denial)
    return out


def parse_line(line: str) -> Denial | None:
    ownership = _OWNERSHIP.search(line)
    if not ownership and not _DENIED.search(line):
        return None
    text = line.strip()
    path = _first_path(line)
    if ownership:
        subject = path or "a file it checks"
        return Denial("ownership", f"the daemon refuses {subject}: {ownership.group(0)}", "log",
                      raw=text, path=path, access="write")  # fmt: skip
    if _IDENTITY.search(line):
        return Denial("identity", "changing user or group", "log", raw=text)
    port = _port(line)
    if port is not None:
        return Denial("port", f"bind port {port}", "log", raw=text, port=port, proto="tcp",
                      capability="NET_BIND_SERVICE")  # fmt: skip
    if _BIND.search(line) and path is None and not _READ_ONLY.search(line):
        # "httpd: bind: Permission denied": refused, but the line does not say which port
        return Denial("port", "bind a port (the log does not say which)", "log", raw=text,
                      capability="NET_BIND_SERVICE")  # fmt: skip
    chown = _CHOWN.search(line)
    if chown:
        cap = "CHOWN" if chown.group(1).lower() in ("own", "grp") else "FOWNER"
        return Denial("capability", f"change owner or mode of {path or '?'}", "log", raw=text,
                      path=path, capability=cap)  # fmt: skip
    if _HOST.search(line):
        return Denial("host", "change the host", "log", raw=text, path=path,
                      capability="SYS_ADMIN")  # fmt: skip
    if path is None:
        return None
    if _READ_ONLY.search(line):
        return Denial("read_only", f"write {path} (read-only filesystem)", "log", raw=text,
                      path=path, access="write")  # fmt: skip
    return Denial("path", f"access {path}", "log", raw=text, path=path, access="write")


def _first_path(line: str) -> str | None:
    for m in _PATH.finditer(line):
        path = m.group(1).rstrip("/.,:;") or "/"
        if path.startswith("//") or path in ("/",):
            continue
        return path
    return None


def _port(line: str) -> int | None:
    if not _SOCKET.search(line):
        return None
    for m in _PORT.finditer(line):
        port = int(m.group(1))
        if 0 < port < PRIVILEGED_BELOW:
            return port
    return None

"""strace's output as data. Pure: text in, events out.

unroot runs strace with ``-f -q -ttt -yy -e status=failed``, so every line is a whole failed
system call (strace holds a call back until it knows the result) or a process exit::

    1234 1700000000.123456 openat(AT_FDCWD</var>, "x.pid", O_WRONLY|O_CREAT, 0666) = -1 EACCES
        (Permission denied)   [one line in the file]
    1234 1700000000.223456 +++ exited with 1 +++

``-yy`` annotates descriptors with what they are (``3</run/x>``, ``5<TCPv6:[...]>``), which names
the directory of a relative ``*at()`` path and the protocol of a socket in ``bind``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_CALL = re.compile(
    r"^(?P<pid>\d+)\s+(?P<ts>\d+\.\d+)\s+(?P<name>[a-z_0-9]+)\((?P<rest>.*)$", re.DOTALL
)
_RESULT = re.compile(
    r"\)\s+=\s+(?P<ret>-?\d+|\?|0x[0-9a-f]+)"
    r"(?:\s+(?P<errno>E[A-Z0-9]+))?(?:\s+\((?P<text>[^()]*)\))?\s*$"
)
_EXIT = re.compile(
    r"^(?P<pid>\d+)\s+(?P<ts>\d+\.\d+)\s+\+\+\+\s+"
    r"(?:exited with (?P<code>\d+)|killed by (?P<sig>SIG[A-Z0-9]+))"
)
_FD = re.compile(r"^(?P<fd>-?\d+|AT_FDCWD)<(?P<what>.*)>$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Syscall:
    """One failed system call."""

    pid: int
    time: float
    name: str
    args: tuple[str, ...]
    """Arguments as strace printed them (strings still quoted)."""
    errno: str
    raw: str

    def string(self, index: int) -> str | None:
        """Argument ``index`` as a decoded C string, or None when it is not a string."""
        if index >= len(self.args):
            return None
        return decode_c_string(self.args[index])

    def fd_annotation(self, index: int) -> str | None:
        """What ``-yy`` says descriptor argument ``index`` is (a path, ``TCPv6:[...]``...)."""
        if index >= len(self.args):
            return None
        m = _FD.match(self.args[index])
        return m.group("what") if m else None


@dataclass(frozen=True, slots=True)
class Exit:
    """A traced process ended (``code`` for a normal exit, ``signal`` when killed)."""

    pid: int
    time: float
    code: int | None
    signal: str | None


@dataclass(frozen=True, slots=True)
class Write:
    """Text a process wrote (``output`` traces only) and what the descriptor was."""

    pid: int
    time: float
    fd: str
    """The ``-yy`` annotation: ``/dev/null<char 1:3>``, ``/var/log/x.log``, ``pipe:[1]``..."""
    text: str


Event = Syscall | Exit | Write

_WRITE = re.compile(r"^(?P<pid>\d+)\s+(?P<ts>\d+\.\d+)\s+(?P<name>writev?|pwrite64)\((?P<rest>.*)$")
_IOV_BASE = re.compile(r'iov_base=("(?:[^"\\]|\\.)*")')


def parse_lines(lines: Iterable[str]) -> Iterator[Event]:
    for line in lines:
        event = parse_line(line.rstrip("\n"))
        if event is not None:
            yield event


def parse_line(line: str) -> Event | None:
    m = _EXIT.match(line)
    if m:
        code = m.group("code")
        return Exit(
            int(m.group("pid")), float(m.group("ts")), int(code) if code else None, m.group("sig")
        )
    w = _WRITE.match(line)
    if w:
        return _write(w, line)
    m = _CALL.match(line)
    if not m:
        return None
    rest = m.group("rest")
    r = _RESULT.search(rest)
    if r is None or not r.group("errno"):
        return None
    args = split_args(rest[: r.start()])
    return Syscall(
        int(m.group("pid")),
        float(m.group("ts")),
        m.group("name"),
        tuple(args),
        r.group("errno"),
        line,
    )


def _write(m: re.Match[str], line: str) -> Write | None:
    r = _RESULT.search(m.group("rest"))
    if r is None or r.group("errno"):
        return None
    args = split_args(m.group("rest")[: r.start()])
    if len(args) < 2:
        return None
    fd = _FD.match(args[0])
    where = fd.group("what") if fd else args[0]
    if m.group("name") == "writev":
        text = "".join(decode_c_string(s) or "" for s in _IOV_BASE.findall(args[1]))
    else:
        text = decode_c_string(args[1]) or ""
    return Write(int(m.group("pid")), float(m.group("ts")), where, text)


def split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments; commas inside quotes, braces, brackets,
    parentheses and ``<...>`` annotations do not split."""
    out: list[str] = []
    depth = 0
    in_str = False
    escape = False
    start = 0
    for i, ch in enumerate(text):
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "{[(<":
            depth += 1
        elif ch in "}])>":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail or out:
        out.append(tail)
    return out


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", '"': '"', "\\": "\\"}


def decode_c_string(arg: str) -> str | None:
    """strace's quoted string (``"a\\"b\\x01"``, maybe followed by ``...``) decoded."""
    text = arg.strip()
    if text.endswith("..."):
        text = text[:-3]
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    body = text[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out += ch.encode("utf-8")
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out += _ESCAPES[nxt].encode()
            i += 2
        elif nxt == "x" and re.match(r"[0-9a-fA-F]{2}", body[i + 2 : i + 4]):
            out.append(int(body[i + 2 : i + 4], 16))
            i += 4
        elif nxt in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1 : i + 4])
            assert m is not None
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        else:
            out += nxt.encode("utf-8")
            i += 2
    return out.decode("utf-8", "surrogateescape")


def uncollected_output(events: Iterable[Event], limit: int = 64 * 1024) -> str:
    """What the processes wrote to files and devices (not to pipes or sockets, which podman
    collects or which are network traffic): /dev/null, a terminal, their own log files."""
    out: list[str] = []
    size = 0
    for event in events:
        if isinstance(event, Write) and event.fd.startswith("/") and event.text:
            out.append(event.text)
            size += len(event.text)
            if size >= limit:
                break
    return "".join(out)[:limit]

"""chmod's mode language: what ``chmod SPEC`` (or ``install -m``, ``mkdir -m``) makes of a mode.

Octal (``755``, ``2775``; a directory keeps its setuid/setgid bits unless five digits are
given, as GNU chmod does) and symbolic (``g=u``, ``u+s,go-w``, ``a+rX``, ``=rw``) as POSIX
chmod reads them: ``who`` defaults to ``a`` minus the umask for ``+``/``=`` without a who
(the umask is 022 in build steps), ``X`` adds search only for directories or files that are
already executable, and ``u``/``g``/``o`` as permissions copy another class.
"""

from __future__ import annotations

import re

_OCTAL = re.compile(r"0?[0-7]{1,4}")
_CLAUSE = re.compile(r"([ugoa]*)((?:[-+=](?:[ugo]|[rwxXst]*))+)")
_OP = re.compile(r"([-+=])([ugo]|[rwxXst]*)")
_WHO = {"u": 0o4700, "g": 0o2070, "o": 0o1007}
UMASK = 0o022


def apply_mode(current: int | None, spec: str, *, is_dir: bool) -> int | None:
    """The mode after ``chmod spec``; None when it depends on a mode that is not known (a
    relative change to an unknown mode) or when ``spec`` is not a mode."""
    spec = spec.strip()
    if _OCTAL.fullmatch(spec):
        value = int(spec, 8)
        if len(spec) <= 4 and is_dir:
            # GNU chmod keeps a directory's setuid/setgid bits unless 5 digits are given
            if current is None:
                return None if value & 0o6000 != 0o6000 else value
            value |= current & 0o6000
        return value
    mode = current
    for clause in spec.split(","):
        m = _CLAUSE.fullmatch(clause)
        if m is None:
            return None
        who = m.group(1) or ""
        for op, perms in _OP.findall(m.group(2)):
            if mode is None:
                # only '=' with every class named sets bits without reading the old mode
                if op != "=" or set(who) not in ({"a"}, {"u", "g", "o"}) or perms in "ugo":
                    return None
                mode = 0
            mode = _apply(mode, who, op, perms, is_dir)
    return mode


def _apply(mode: int, who: str, op: str, perms: str, is_dir: bool) -> int:
    classes = "ugo" if not who or "a" in who else who
    masked = not who  # no who: the umask limits + and =
    bits = 0
    if perms in ("u", "g", "o"):
        shift = {"u": 6, "g": 3, "o": 0}[perms]
        copied = (mode >> shift) & 7
        for c in classes:
            bits |= copied << {"u": 6, "g": 3, "o": 0}[c]
    else:
        for c in classes:
            shift = {"u": 6, "g": 3, "o": 0}[c]
            for p in perms:
                if p == "r":
                    bits |= 4 << shift
                elif p == "w":
                    bits |= 2 << shift
                elif p == "x" or (p == "X" and (is_dir or mode & 0o111)):
                    bits |= 1 << shift
                elif p == "s" and c in "ug":
                    bits |= 0o4000 if c == "u" else 0o2000
                elif p == "t" and c == "o":
                    bits |= 0o1000
    if masked and op in "+=":
        bits &= ~UMASK
    if op == "+":
        return mode | bits
    if op == "-":
        return mode & ~bits
    cleared = mode
    for c in classes:
        cleared &= ~_WHO[c]
    if is_dir:
        cleared |= mode & 0o6000 & ~bits  # '=' keeps a directory's setgid unless it names it
    return cleared | bits

"""What a build-time command changes in the image: packages, file modes, capabilities, users.

Pure functions from a :class:`Command` (wrappers already peeled) to what it installs or sets;
the Dockerfile rules read RUN commands through them, so the command syntax lives in ``shell/``
only (start-time effects are in :mod:`unroot.shell.classify`).
"""

from __future__ import annotations

import re

from unroot.shell.command import Command
from unroot.shell.words import basename
from unroot.untrusted import is_decimal

_INSTALL_VERBS = {
    "apt-get": {"install"},
    "apt": {"install"},
    "aptitude": {"install"},
    "apk": {"add"},
    "dnf": {"install"},
    "yum": {"install"},
    "microdnf": {"install"},
    "tdnf": {"install"},
    "zypper": {"install", "in"},
    "pacman": {"-S", "-Sy", "-Syu"},
}
_VALUE_OPTS = frozenset(
    {
        "-o",
        "-t",
        "--target-release",
        "--virtual",
        "-X",
        "--repository",
        "-x",
        "--exclude",
        "--setopt",
        "--enablerepo",
        "--disablerepo",
        "--repo",
        "--releasever",
        "--root",
        "-c",
    }
)


def installed_packages(cmd: Command) -> list[str]:
    """Package names an install command adds (version pins and arch suffixes removed)."""
    if not cmd.argv:
        return []
    tool = basename(cmd.argv[0])
    verbs = _INSTALL_VERBS.get(tool)
    if verbs is None:
        return []
    args = list(cmd.argv[1:])
    i = 0
    verb_seen = False
    names: list[str] = []
    while i < len(args):
        word = args[i]
        if not verb_seen:
            if word in verbs:
                verb_seen = True
            elif word in _VALUE_OPTS:
                i += 1
            elif not word.startswith("-"):
                return []
            i += 1
            continue
        if word in _VALUE_OPTS:
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        names.append(_package_name(word))
        i += 1
    return [n for n in names if n]


def _package_name(word: str) -> str:
    for sep in ("=", "<", ">", "~"):
        word = word.split(sep, 1)[0]
    return word.split(":", 1)[0].strip().lower()


_SYMBOLIC = re.compile(r"^[ugoa]*[+=][rwxXst]*$")


def special_bits(mode: str) -> str | None:
    """ "setuid"/"setgid"/"setuid+setgid" when ``mode`` grants them, else None."""
    parts: list[str] = []
    if is_decimal(mode) and len(mode) >= 4:
        special = int(mode[-4], 8) if mode[-4] in "01234567" else 0
        if special & 4:
            parts.append("setuid")
        if special & 2:
            parts.append("setgid")
        return "+".join(parts) or None
    for clause in mode.split(","):
        if not _SYMBOLIC.match(clause) or "s" not in clause:
            continue
        who = re.match(r"^[ugoa]*", clause)
        people = who.group(0) if who else ""
        if not people or "a" in people or "u" in people:
            parts.append("setuid")
        if not people or "a" in people or "g" in people:
            parts.append("setgid")
    return "+".join(dict.fromkeys(parts)) or None


def mode_change(cmd: Command) -> tuple[str, list[str]] | None:
    """(mode, paths) of ``chmod MODE PATH...`` or ``install -m MODE ... PATH...``, else None."""
    if not cmd.argv:
        return None
    tool = basename(cmd.argv[0])
    args = list(cmd.argv[1:])
    if tool == "chmod":
        words = [a for a in args if not (a.startswith("-") and not _SYMBOLIC.match(a))]
        if len(words) >= 2:
            return words[0], words[1:]
    elif tool == "install":
        for i, a in enumerate(args):
            if a in ("-m", "--mode") and i + 1 < len(args):
                return args[i + 1], [w for w in args[i + 2 :] if not w.startswith("-")]
            if a.startswith("--mode="):
                return a.split("=", 1)[1], [w for w in args[i + 1 :] if not w.startswith("-")]
    return None


def capability_names(text: str) -> list[str]:
    """``cap_net_bind_service,cap_net_raw+ep`` -> ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]."""
    names: list[str] = []
    for clause in text.split():
        match = re.match(r"^([A-Za-z_0-9,]+)[=+-]", clause)
        if not match:
            continue
        for name in match.group(1).split(","):
            name = name.strip().upper()
            if name and name != "ALL":
                names.append(name if name.startswith("CAP_") else "CAP_" + name)
            elif name == "ALL":
                names.append("ALL")
    return names


_USER_VALUE_OPTS = {
    "useradd": {
        "-u",
        "--uid",
        "-g",
        "--gid",
        "-G",
        "--groups",
        "-d",
        "--home-dir",
        "-s",
        "--shell",
        "-c",
        "--comment",
        "-k",
        "--skel",
        "-K",
        "--key",
        "-e",
        "--expiredate",
        "-f",
        "--inactive",
        "-b",
        "--base-dir",
        "-p",
        "--password",
        "-R",
        "--root",
        "-P",
        "--prefix",
        "-Z",
        "--selinux-user",
    },
    "adduser": {
        "-u",
        "--uid",
        "-g",
        "--gecos",
        "-G",
        "--ingroup",
        "--gid",
        "-h",
        "--home",
        "-s",
        "--shell",
        "-k",
        "--conf",
        "--firstuid",
        "--lastuid",
        "--comment",
    },
}


def created_user(cmd: Command) -> tuple[str, str | None] | None:
    """(name, uid) created by a useradd/adduser command, or None."""
    tool = basename(cmd.argv[0]) if cmd.argv else ""
    opts = _USER_VALUE_OPTS.get(tool)
    if opts is None:
        return None
    args = cmd.argv[1:]
    operands: list[str] = []
    uid: str | None = None
    i = 0
    while i < len(args):
        word = args[i]
        if word in opts:
            if word in ("-u", "--uid") and i + 1 < len(args):
                uid = args[i + 1]
            i += 2
            continue
        if word.startswith("--uid="):
            uid = word.split("=", 1)[1]
        elif not word.startswith("-"):
            operands.append(word)
        i += 1
    if not operands:
        return None
    # `adduser USER GROUP` (Debian) adds an existing user to a group: not a creation.
    if tool == "adduser" and len(operands) > 1:
        return None
    return operands[0], uid

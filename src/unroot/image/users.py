"""Who the container runs as: the config ``User`` resolved through the image's own databases.

Container runtimes (runc, crun) resolve ``User`` against the image's /etc/passwd and
/etc/group, not the host's; a numeric UID with no passwd entry runs with GID 0 and HOME "/".
This module reproduces that resolution without I/O, so every rule sees the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from unroot.untrusted import is_decimal

MAX_ID = 2**32 - 2
"""Largest usable UID/GID (2**32 - 1 is the kernel's "no id" marker)."""


@dataclass(frozen=True, slots=True)
class PasswdEntry:
    name: str
    uid: int
    gid: int
    home: str
    shell: str
    line: int


@dataclass(frozen=True, slots=True)
class GroupEntry:
    name: str
    gid: int
    members: tuple[str, ...]
    line: int


def _parse_id(text: str) -> int | None:
    text = text.strip()
    if not _looks_numeric(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def _looks_numeric(text: str) -> bool:
    return is_decimal(text)


def parse_passwd(text: str | None) -> list[PasswdEntry]:
    """Entries of an /etc/passwd; malformed lines are skipped like libc does."""
    out: list[PasswdEntry] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) < 4 or not parts[0] or parts[0][0] in "+-":
            continue
        uid, gid = _parse_id(parts[2]), _parse_id(parts[3])
        if uid is None or gid is None:
            continue
        home = parts[5] if len(parts) > 5 else ""
        shell = parts[6] if len(parts) > 6 else ""
        out.append(PasswdEntry(parts[0], uid, gid, home, shell, number))
    return out


def parse_group(text: str | None) -> list[GroupEntry]:
    """Entries of an /etc/group; malformed lines are skipped like libc does."""
    out: list[GroupEntry] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) < 3 or not parts[0] or parts[0][0] in "+-":
            continue
        gid = _parse_id(parts[2])
        if gid is None:
            continue
        members = tuple(m for m in (parts[3].split(",") if len(parts) > 3 else []) if m)
        out.append(GroupEntry(parts[0], gid, members, number))
    return out


@dataclass(frozen=True, slots=True)
class ResolvedUser:
    """The effective identity of the container's first process, and how it was written.

    ``uid``/``gid`` are None when they cannot be known (unknown name, invalid spec); the
    runtime would then refuse to start the container.
    """

    spec: str
    """``User`` exactly as configured ("" when unset)."""
    user_part: str
    group_part: str | None
    uid: int | None
    gid: int | None
    name: str | None
    """User name from passwd (or as written), None when numeric without an entry."""
    home: str
    """HOME the runtime sets: the passwd entry's home, "/" when there is none."""
    user_numeric: bool
    group_numeric: bool | None
    """None when no group was given."""
    unknown_user: bool = False
    unknown_group: bool = False
    invalid: str | None = None
    """Why the spec cannot be parsed at all (e.g. "a:b:c"), or None."""
    passwd_entry: PasswdEntry | None = None

    @property
    def explicit(self) -> bool:
        return bool(self.spec.strip())

    @property
    def is_root(self) -> bool:
        return self.uid == 0

    @property
    def has_passwd_entry(self) -> bool:
        return self.passwd_entry is not None

    @property
    def resolved(self) -> bool:
        return self.uid is not None and self.gid is not None

    def describe(self) -> str:
        """ "uid 1001 (app), gid 0" for reports."""
        if self.invalid:
            return f"invalid user {self.spec!r}"
        uid = "?" if self.uid is None else str(self.uid)
        gid = "?" if self.gid is None else str(self.gid)
        name = f" ({self.name})" if self.name and self.name != uid else ""
        return f"uid {uid}{name}, gid {gid}"


def resolve_user(spec: str, passwd: list[PasswdEntry], groups: list[GroupEntry]) -> ResolvedUser:
    """Resolve a config ``User`` the way runc does (user[:group], names or numbers)."""
    raw = spec.strip()
    if not raw:
        return _lookup_user(spec, "0", None, passwd, groups, default_root=True)
    if raw.count(":") > 1:
        return _invalid(spec, raw, "more than one ':'")
    user_part, sep, group_part = raw.partition(":")
    if not user_part or (sep and not group_part):
        return _invalid(spec, raw, "empty user or group part")
    return _lookup_user(spec, user_part, group_part if sep else None, passwd, groups)


def _invalid(spec: str, raw: str, why: str) -> ResolvedUser:
    user_part, _, group_part = raw.partition(":")
    return ResolvedUser(
        spec=spec,
        user_part=user_part,
        group_part=group_part or None,
        uid=None,
        gid=None,
        name=None,
        home="/",
        user_numeric=False,
        group_numeric=None,
        invalid=why,
    )


def _lookup_user(
    spec: str,
    user_part: str,
    group_part: str | None,
    passwd: list[PasswdEntry],
    groups: list[GroupEntry],
    *,
    default_root: bool = False,
) -> ResolvedUser:
    numeric_uid = _parse_id(user_part)
    user_numeric = numeric_uid is not None and not default_root
    entry: PasswdEntry | None
    unknown_user = False
    if numeric_uid is not None:
        uid: int | None = numeric_uid
        entry = next((p for p in passwd if p.uid == numeric_uid), None)
    else:
        entry = next((p for p in passwd if p.name == user_part), None)
        if entry is None:
            uid = None
            unknown_user = True
        else:
            uid = entry.uid
    if _looks_numeric(user_part) and numeric_uid is None:
        return _invalid(spec, spec.strip(), f"user id {user_part} is out of range")

    gid: int | None
    group_numeric: bool | None = None
    unknown_group = False
    if group_part is None:
        gid = entry.gid if entry is not None else (None if unknown_user else 0)
    else:
        numeric_gid = _parse_id(group_part)
        group_numeric = numeric_gid is not None
        if numeric_gid is not None:
            gid = numeric_gid
        elif _looks_numeric(group_part):
            return _invalid(spec, spec.strip(), f"group id {group_part} is out of range")
        else:
            group = next((g for g in groups if g.name == group_part), None)
            gid = group.gid if group is not None else None
            unknown_group = group is None

    if entry is not None:
        name: str | None = entry.name
    elif default_root:
        name = "root"
    elif numeric_uid is None:
        name = user_part
    else:
        name = None
    return ResolvedUser(
        spec=spec,
        user_part=user_part,
        group_part=group_part,
        uid=uid,
        gid=gid,
        name=name,
        home=(entry.home or "/") if entry is not None else "/",
        user_numeric=user_numeric,
        group_numeric=group_numeric,
        unknown_user=unknown_user,
        unknown_group=unknown_group,
        passwd_entry=entry,
    )

"""UR601: observed at run time, access to a path was refused by its owner and mode."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.runtime._access import explain, nearest
from unroot.rules.runtime._observed import ENTRY_CALLS, Observed


def check(obs: Observed) -> Iterator[Finding]:
    for index, d in enumerate(obs.denials):
        if d.kind not in ("path", "ownership") or (not d.path and d.kind == "path"):
            continue
        path = d.path or ""
        blocker = None
        absolute = path.startswith("/")
        if obs.stat is not None and obs.uid is not None and d.kind == "path" and absolute:
            blocker = explain(
                path, d.access or "write", obs.uid, obs.gids, obs.stat,
                entry=d.syscall in ENTRY_CALLS,
            )  # fmt: skip
        info = None
        if blocker is None and obs.stat is not None and absolute:
            info = nearest(path, obs.stat)
        owner_uid = blocker.uid if blocker else info.uid if info else None
        write = (d.access or "write") == "write"
        root_owned = owner_uid == 0 or (owner_uid is None and d.kind == "path")
        category = (
            Category.ROOT_OWNED_WRITABLE_PATHS
            if write and root_owned and d.kind == "path"
            else Category.ARBITRARY_UID_UNREADY
        )
        evidence = [obs.evidence(d)]
        checked = blocker.path if blocker else info.path if info else None
        if blocker is not None:
            why = f"owned by {blocker.owner} mode {blocker.perms}: {blocker.reason}"
            evidence.append(Evidence(path=blocker.path.lstrip("/") or "/", detail=why))
        elif info is not None:
            why = f"owned by {info.uid}:{info.gid} mode {info.perms}"
            evidence.append(Evidence(path=info.path.lstrip("/") or "/", detail=why))
        target = checked or path
        if d.kind == "ownership":
            message = f"{d.what} (it runs as UID {obs.uid if obs.uid is not None else '?'})"
            fix = (
                f"Create {path or 'the file'} at start as the running UID (e.g. in the "
                "entrypoint), turn the daemon's ownership check off, or run with the fixed UID "
                "that owns it; an arbitrary UID cannot own files made at build time."
            )
        else:
            owner = f" (owned by {blocker.owner} mode {blocker.perms})" if blocker else ""
            where = "" if absolute else " (relative to the working directory)"
            message = f"{d.what} was refused: {target}{owner}{where}"
            if d.syscall in ("mkdir", "mkdirat") and blocker is not None and blocker.path != path:
                prepare = f"mkdir -p {path} && chgrp -R 0 {path} && chmod -R g=u {path}"
            else:
                prepare = f"chgrp -R 0 {target} && chmod -R g=u {target}"
            fix = (
                f"At build time: '{prepare}' so group 0 (every arbitrary UID's group) can use "
                "it, or move the path to a writable place (a volume, /tmp)."
            )
        yield RULE.finding(
            message,
            *evidence,
            category=category,
            severity=obs.severity(index),
            fix=fix,
            data=obs.data(
                index,
                d,
                path=d.path,
                access=d.access,
                checked=checked,
                uid=blocker.uid if blocker else info.uid if info else None,
                gid=blocker.gid if blocker else info.gid if info else None,
                mode=(blocker.mode & 0o7777) if blocker else (info.mode & 0o7777) if info else None,
                reason=blocker.reason if blocker else None,
            ),
        )


RULE = Rule(
    id="UR601",
    kind="runtime",
    category=Category.ROOT_OWNED_WRITABLE_PATHS,
    severity=Severity.ERROR,
    title="Observed: a path was refused to the arbitrary UID",
    rationale=(
        "Run as an arbitrary UID with GID 0, a daemon can only write where group 0 may write "
        "and read what group 0 or everyone may read. The trace names the exact call and path "
        "that was refused; the container's filesystem names the directory or file that "
        "refused it, its owner and its mode."
    ),
    fix="Make the path group-0 owned and group-writable (or readable) at build time, or move it.",
    docs=(
        "From strace (openat, mkdir, unlink, rename, symlink, execve, chdir, access and bind on "
        "a unix socket failing with EACCES) or, without a trace, from 'Permission denied' in "
        "the logs. Root-owned paths that must be written are root_owned_writable_paths; paths "
        "owned by a fixed service user, and reads, are arbitrary_uid_unready."
    ),
    check=check,
)

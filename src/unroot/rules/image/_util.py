"""Small helpers shared by the image rules (not a rule module: the registry skips ``_*``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unroot.findings import Evidence, Finding, Severity
from unroot.oci.model import FileEntry, normalise

if TYPE_CHECKING:
    from unroot.image.context import ImageContext
    from unroot.rules.base import Rule

ARBITRARY_UID = 1000000000
"""Lowest UID OpenShift's restricted SCC hands out (namespace ranges start here)."""


def mode_text(entry: FileEntry) -> str:
    """``0755`` style, with the special bits (``4755`` for setuid)."""
    return f"{entry.mode & 0o7777:04o}"


def owner_text(entry: FileEntry) -> str:
    return f"{entry.uid}:{entry.gid}"


def file_evidence(entry: FileEntry, detail: str | None = None) -> Evidence:
    """Evidence pointing at an entry of the merged tree: path, layer, mode and owner."""
    facts = f"mode {mode_text(entry)}, owner {owner_text(entry)}"
    return Evidence(
        layer=entry.layer or None,
        path="/" + entry.path,
        detail=f"{facts}; {detail}" if detail else facts,
    )


def unused_note(used: bool, disarmed: str = "the bit") -> str:
    """What to add to a setuid/setgid/capability finding the workload does not use."""
    if used:
        return "; the image's entrypoint runs it"
    return (
        "; nothing the image starts runs it, and no_new_privs (allowPrivilegeEscalation: "
        f"false) disarms {disarmed}"
    )


def writable_by_arbitrary_uid(entry: FileEntry) -> bool:
    """Can a random UID with GID 0 (and no other groups) create files in this directory?

    It is neither the owner nor (usually) any named group, so only the group-0 bits or the
    "other" bits apply; creating a file needs write and search permission.
    """
    if entry.gid == 0 and entry.mode & 0o030 == 0o030:
        return True
    return entry.mode & 0o003 == 0o003


def dir_problem(tree_entry: FileEntry | None) -> str | None:
    """Why an arbitrary UID could not write in this directory, or None if it can."""
    if tree_entry is None:
        return "does not exist in the image; the runtime creates it owned by root (0755)"
    if not tree_entry.is_dir:
        return f"is a {tree_entry.type.value}, not a directory"
    if writable_by_arbitrary_uid(tree_entry):
        return None
    if tree_entry.gid != 0:
        return (
            f"is group {tree_entry.gid}, not 0 (mode {mode_text(tree_entry)}, owner "
            f"{owner_text(tree_entry)})"
        )
    return (
        f"is group 0 but not group-writable (mode {mode_text(tree_entry)}, owner "
        f"{owner_text(tree_entry)})"
    )


DIR_FIX = (
    "Make it group 0 and group-writable in the image: "
    "'RUN mkdir -p {path} && chgrp -R 0 {path} && chmod -R g=u {path}' "
    "(or 'COPY --chown=1001:0' plus 'chmod g=u')."
)


def unwritable_dir_finding(
    rule: Rule, ctx: ImageContext, what: str, field: str, raw: str
) -> Finding | None:
    """The finding for a config-declared directory (WORKDIR, VOLUME) that an arbitrary UID
    with GID 0 cannot write, or None when it can (or the path is the root)."""
    path = normalise(raw)
    if not path:
        return None
    found = ctx.entry(path)
    problem = dir_problem(found)
    if problem is None:
        return None
    evidence = [Evidence(field=field, value=raw)]
    if found is not None:
        evidence.append(file_evidence(found))
    level, note = daemon_decides(ctx, rule.severity)
    return rule.finding(
        f"{what} /{path} {problem}{note}",
        *evidence,
        severity=level,
        fix=DIR_FIX.format(path="/" + path),
        data={"path": "/" + path},
    )


def daemon_decides(ctx: ImageContext, severity: Severity) -> tuple[Severity, str]:
    """A daemon from the table is the main process: where it writes is known from its config
    (and checked path by path), so a generic writable-directory finding is a note."""
    daemon = ctx.start.daemon
    if not daemon:
        return severity, ""
    return Severity.INFO, f" ({daemon} writes where its config says; those paths are checked)"

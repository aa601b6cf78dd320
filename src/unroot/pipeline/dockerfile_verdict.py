"""The Dockerfile verdict: who the final image runs as, and why it needs root if it does.

Separates two kinds of root images: one that starts as root only to drop privileges (fixable
by running as that user directly) and one that needs root or a capability to work (low port,
host modification, capability, package install at start...). A final stage without USER on an
external base that is not known here is judged as root, like an image config without User
runs, and the verdict says it is assumed and how to confirm it (docs/verdict.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Finding, Severity, Verdict

NEEDS_ROOT = (
    Category.LOW_PORT,
    Category.HOST_MODIFICATION,
    Category.NEEDS_CAPABILITY,
    Category.PACKAGE_INSTALL_AT_RUNTIME,
    Category.FILE_CAPABILITY,
    Category.SETUID_BINARY,
)
UID_BLOCKERS = (Category.ARBITRARY_UID_UNREADY, Category.ROOT_OWNED_WRITABLE_PATHS)


def decide(ctx: DockerfileContext, findings: Sequence[Finding]) -> tuple[Verdict, list[str]]:
    setting = ctx.user
    user = setting.user
    reasons: list[str] = []
    counted = [
        f
        for f in findings
        if f.severity is not Severity.INFO or f.category is Category.PRIVILEGE_DROP_AT_START
    ]
    needs = _needs(counted)
    if user.is_root is None and setting.source == "dockerfile" and setting.instruction:
        reasons.append(
            f"USER on line {setting.instruction.line} expands to nothing without build "
            f"argument(s) {', '.join(setting.unresolved) or '?'}: the image runs as root"
        )
        return Verdict.ROOT, reasons + (
            ["needs root or a capability: " + "; ".join(needs)] if needs else []
        )
    if user.is_root is None:
        reasons.append(
            f"runs as root (assumed): the final stage sets no USER and base {ctx.base.ref} is "
            "not known here, and an image whose config sets no user runs as root; "
            + assumed_note(ctx)
        )
        return Verdict.ROOT, reasons + (
            ["needs root or a capability: " + "; ".join(needs)] if needs else []
        )
    if user.is_root:
        where = (
            f"USER {user.spec} (line {setting.instruction.line})"
            if setting.instruction
            else f"no USER; base {ctx.base.ref} runs as root"
        )
        reasons.append(f"the final stage runs as root: {where}")
        drops = [f for f in counted if f.category is Category.PRIVILEGE_DROP_AT_START]
        if needs:
            reasons.append("needs root or a capability: " + "; ".join(needs))
        elif drops:
            targets = sorted({str(f.data.get("user")) for f in drops if f.data.get("user")})
            to = f" to {', '.join(targets)}" if targets else ""
            reasons.append(
                f"starts as root only to drop privileges{to} (fixable: run as that user "
                "directly after fixing ownership of its data dirs)"
            )
        return Verdict.ROOT, reasons
    who = (
        f"USER {user.spec}"
        if setting.source == "dockerfile"
        else (f"base {ctx.base.ref} runs as {user.spec} ({ctx.base.note})")
    )
    reasons.append(f"runs as non-root: {who}")
    blockers = [f for f in counted if f.category in UID_BLOCKERS]
    if needs:
        reasons.append("but needs root or a capability: " + "; ".join(needs))
    if not blockers and not needs and (user.group_zero or _regroups_to_zero(ctx)):
        reasons.append("group 0 owns what it writes: any UID in group 0 works")
        return Verdict.ARBITRARY_UID_READY, reasons
    if blockers:
        reasons.append("not arbitrary-UID ready: " + "; ".join(f.message for f in blockers[:3]))
    return Verdict.NON_ROOT, reasons


def assumed_note(ctx: DockerfileContext) -> str:
    """How to turn the assumption about an unknown base into a fact."""
    return (
        f"to confirm, make the base available and scan again: 'podman pull {ctx.base.ref}' "
        "(local storage is read), or scan the built image itself"
    )


def root_kind(findings: Sequence[Finding]) -> str:
    """For a root verdict: "needs-root" (a capability or root itself is required, see the
    needs_* categories), "drops-privileges" (root only to switch user: fixable), or
    "no-user" (nothing needs root; only USER is missing)."""
    if any(f.category in NEEDS_ROOT and f.severity is not Severity.INFO for f in findings):
        return "needs-root"
    if any(f.category is Category.PRIVILEGE_DROP_AT_START for f in findings):
        return "drops-privileges"
    return "no-user"


def _needs(findings: Sequence[Finding]) -> list[str]:
    out: list[str] = []
    for category in NEEDS_ROOT:
        hits = [f for f in findings if f.category is category]
        if hits:
            out.append(f"{category.value} ({hits[0].message})")
    return out


def _regroups_to_zero(ctx: DockerfileContext) -> bool:
    from unroot.shell.unwrap import unwrap
    from unroot.shell.words import basename

    for _stage, ins, scope in ctx.final_instructions():
        owner = ins.flag("chown") if ins.cmd in ("COPY", "ADD") else None
        if owner and ctx.word(owner, scope).partition(":")[2] in ("0", "root"):
            return True
    for step in ctx.runs:
        for cmd in step.commands:
            inner = unwrap(cmd)
            if not inner.argv:
                continue
            words = [a for a in inner.argv[1:] if not a.startswith("-")]
            if not words:
                continue
            tool = basename(inner.argv[0])
            if tool == "chgrp" and words[0] in ("0", "root"):
                return True
            if tool == "chown" and words[0].partition(":")[2] in ("0", "root"):
                return True
    return False

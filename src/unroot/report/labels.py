"""Human titles for the shared vocabulary, used by every renderer."""

from __future__ import annotations

from unroot.findings import Category, Evidence, Severity, Verdict

CATEGORY_TITLES: dict[Category, str] = {
    Category.NO_USER: "runs as root",
    Category.PRIVILEGE_DROP_AT_START: "starts as root to drop privileges",
    Category.LOW_PORT: "ports below 1024",
    Category.ROOT_OWNED_WRITABLE_PATHS: "writes to root-owned paths",
    Category.PACKAGE_INSTALL_AT_RUNTIME: "installs packages at start",
    Category.HOST_MODIFICATION: "changes kernel or host settings",
    Category.NEEDS_CAPABILITY: "needs a capability",
    Category.SETUID_BINARY: "setuid / setgid files",
    Category.FILE_CAPABILITY: "files with capabilities",
    Category.ARBITRARY_UID_UNREADY: "not ready for an arbitrary UID",
    Category.PRIVILEGED: "privileged container",
    Category.PRIVILEGE_ESCALATION: "allows privilege escalation",
    Category.HOST_ACCESS: "uses host namespaces, ports or files",
    Category.SECURITY_PROFILE: "weakens seccomp, AppArmor, SELinux or /proc masking",
    Category.VOLUME_TYPE: "uses a volume type the policy forbids",
    Category.UID_RANGE: "user or group ID outside the allowed range",
    Category.INPUT: "problems with the input",
}

VERDICT_TITLES: dict[Verdict, str] = {
    Verdict.ROOT: "ROOT: runs as root",
    Verdict.NON_ROOT: "NON-ROOT: runs as non-root, but something needs privilege or fixing",
    Verdict.ARBITRARY_UID_READY: "ARBITRARY-UID-READY: runs under any UID with group 0",
    Verdict.DEPENDS_ON_BASE: "DEPENDS-ON-BASE: the user comes from the base image",
    Verdict.ALLOW: "ALLOW",
    Verdict.DENY: "DENY",
}

SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def category_title(category: Category) -> str:
    return CATEGORY_TITLES.get(category, category.value.replace("_", " "))


def short_digest(digest: str, length: int = 12) -> str:
    """``sha256:0123456789ab...`` -> ``0123456789ab``."""
    _, _, hexpart = digest.rpartition(":")
    return hexpart[:length] if hexpart else digest


def evidence_text(evidence: Evidence) -> str:
    """One line: "Dockerfile:12", "layer 0123456789ab /usr/bin/su (mode 4755)", "config.User=''"."""
    parts: list[str] = []
    if evidence.file:
        parts.append(f"{evidence.file}:{evidence.line}" if evidence.line else evidence.file)
    if evidence.layer:
        parts.append(f"layer {short_digest(evidence.layer)}")
    if evidence.path:
        parts.append(
            f"{evidence.path}:{evidence.line}"
            if evidence.line and not evidence.file
            else evidence.path
        )
    if evidence.field:
        parts.append(
            f"{evidence.field}={evidence.value!r}" if evidence.value is not None else evidence.field
        )
    elif evidence.value is not None:
        parts.append(repr(evidence.value))
    text = " ".join(parts)
    if evidence.detail:
        text = f"{text} — {evidence.detail}" if text else evidence.detail
    return text

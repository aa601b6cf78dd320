"""UR133: an arbitrary UID will have no passwd entry."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Evidence, Finding, Severity
from unroot.image.context import PASSWD_PATH, ImageContext
from unroot.oci.model import FileEntry
from unroot.rules.base import Rule
from unroot.rules.image._util import file_evidence

NSS_WRAPPER = "libnss_wrapper.so"


def _writable(passwd: FileEntry) -> bool:
    """Group 0 with group write, or world-writable: an arbitrary UID can add itself."""
    return bool(passwd.gid == 0 and passwd.mode & 0o020) or bool(passwd.mode & 0o002)


def check(ctx: ImageContext) -> Iterator[Finding]:
    passwd = ctx.entry(PASSWD_PATH)
    if passwd is not None and _writable(passwd):
        return  # the OpenShift pattern: the entrypoint appends the running UID
    suffix = "/" + NSS_WRAPPER
    if any(e.path.endswith(suffix) or e.path == NSS_WRAPPER for e in ctx.image.tree):
        return
    user = ctx.user
    also = ""
    if user.resolved and not user.is_root and not user.has_passwd_entry:
        also = f"; the image's own UID {user.uid} has no entry either"
    if passwd is None:
        message = "the image has no /etc/passwd: getpwuid() fails for every UID" + also
        evidence = Evidence(path="/etc/passwd", detail="missing")
    else:
        message = (
            "/etc/passwd is not group-writable and nss_wrapper is absent: an arbitrary UID "
            "has no passwd entry (whoami, ssh, git and some servers fail)" + also
        )
        evidence = file_evidence(passwd)
    yield RULE.finding(message, evidence, data={"uid": user.uid})


RULE = Rule(
    id="UR133",
    kind="image",
    category=Category.ARBITRARY_UID_UNREADY,
    severity=Severity.INFO,
    title="No passwd entry for an arbitrary UID",
    rationale=(
        "A random UID is not in the image's /etc/passwd. Most programs do not care, but "
        "those that call getpwuid() (whoami, ssh, git, Python's getpass, PostgreSQL's "
        "initdb) fail with 'no user exists for uid'."
    ),
    fix=(
        "Make /etc/passwd group 0 and group-writable ('chgrp 0 /etc/passwd && chmod g+w "
        "/etc/passwd') and let the entrypoint append 'app:x:$(id -u):0::$HOME:/bin/sh' when "
        "'id -un' fails; or install nss_wrapper and set NSS_WRAPPER_PASSWD."
    ),
    docs=(
        "Informational: only some programs need the entry. The group-writable /etc/passwd "
        "pattern is the one the OpenShift image guidelines describe; nss_wrapper avoids a "
        "writable /etc/passwd."
    ),
    check=check,
)

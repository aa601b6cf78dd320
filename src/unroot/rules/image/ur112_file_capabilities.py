"""UR112: files with capabilities (``setcap``), privilege granted at exec time."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.image.capabilities import MalformedCapability, decode
from unroot.image.context import ImageContext
from unroot.oci.model import EntryType
from unroot.rules.base import Rule
from unroot.rules.image._util import file_evidence, unused_note

XATTR = "security.capability"


def check(ctx: ImageContext) -> Iterator[Finding]:
    tagged = (e for e in ctx.image.tree if e.xattrs and XATTR in e.xattrs)
    for entry in sorted(tagged, key=lambda e: e.path):
        raw = entry.xattrs[XATTR]
        if entry.type not in (EntryType.FILE, EntryType.HARDLINK):
            continue
        try:
            caps = decode(raw)
        except MalformedCapability as exc:
            yield RULE.finding(
                f"/{entry.path} has a malformed security.capability attribute ({exc})",
                file_evidence(entry, f"{XATTR} = {raw[:32].hex()}"),
                category=Category.INPUT,
                fix="Re-apply the capability with setcap, or remove it with 'setcap -r FILE'.",
                data={"path": "/" + entry.path, "malformed": str(exc)},
            )
            continue
        granted = caps.permitted or caps.inheritable
        names = ", ".join(granted) or "no capabilities"
        eff = " (effective at exec)" if caps.effective else ""
        rootid = f", namespace root UID {caps.rootid}" if caps.rootid is not None else ""
        used = ctx.start.runs(entry.path)
        yield RULE.finding(
            f"/{entry.path} has file capabilities {names}{eff}" + unused_note(used, "them"),
            file_evidence(entry, f"{XATTR} v{caps.revision}: {caps.text()}{rootid}"),
            severity=Severity.WARNING if used else Severity.INFO,
            data={
                "used": used,
                "path": "/" + entry.path,
                "permitted": list(caps.permitted),
                "inheritable": list(caps.inheritable),
                "effective": caps.effective,
                "revision": caps.revision,
                "rootid": caps.rootid,
            },
        )


RULE = Rule(
    id="UR112",
    kind="image",
    category=Category.FILE_CAPABILITY,
    severity=Severity.WARNING,
    title="File with capabilities",
    rationale=(
        "A file capability (setcap cap_net_bind_service+ep) hands the listed privileges to "
        "whoever executes the file. Restricted platforms drop all capabilities and set "
        "no_new_privs: a binary whose capabilities are marked effective then fails to start "
        "at all (execve returns EPERM), and one without the effective flag runs without them."
    ),
    fix=(
        "Remove the capability ('RUN setcap -r FILE') and remove the need for it: bind to a "
        "port >= 1024 instead of using cap_net_bind_service, or grant exactly that "
        "capability in the pod (securityContext.capabilities.add: [NET_BIND_SERVICE], which "
        "Pod Security 'restricted' allows)."
    ),
    docs=(
        "Decoded from the security.capability extended attribute (PAX SCHILY.xattr) of the "
        "layer: revision 2 (20 bytes) and 3 (24 bytes, with the user-namespace root UID), and "
        "the obsolete revision 1. A malformed attribute is reported in category 'input'. A "
        "warning when the entrypoint runs the file, info otherwise."
    ),
    check=check,
)

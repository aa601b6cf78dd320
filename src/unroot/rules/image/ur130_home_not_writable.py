"""UR130: HOME is not writable by an arbitrary UID."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Evidence, Finding, Severity
from unroot.image.context import ImageContext
from unroot.oci.model import normalise
from unroot.rules.base import Rule
from unroot.rules.image._util import DIR_FIX, daemon_decides, dir_problem, file_evidence


def check(ctx: ImageContext) -> Iterator[Finding]:
    env_home = ctx.env().get("HOME")
    user = ctx.user
    if env_home:
        home, source = env_home, Evidence(field="config.Env", value=f"HOME={env_home}")
        how = "ENV HOME"
    elif user.passwd_entry is not None and not user.is_root:
        entry = user.passwd_entry
        home, how = entry.home or "/", f"the home of {entry.name} in /etc/passwd"
        source = Evidence(path="/etc/passwd", line=entry.line, detail=f"{entry.name} home {home}")
    elif not user.is_root and user.resolved:
        yield RULE.finding(
            "HOME will be / (no ENV HOME and no passwd entry for the UID): programs that "
            "write to ~ (caches, dotfiles, shell history) fail",
            Evidence(field="config.Env", detail="no HOME variable"),
            severity=Severity.INFO,
            fix="Set 'ENV HOME=/home/app' on a directory that is group 0 and group-writable.",
            data={"home": "/", "implicit": True},
        )
        return
    else:
        return
    path = normalise(home)
    if not path:
        return  # HOME=/ is reported above only when implicit; "/" itself is never writable
    problem = dir_problem(ctx.entry(path))
    if problem is None:
        return
    found = ctx.entry(path)
    evidence = [source] + ([file_evidence(found)] if found is not None else [])
    level, note = daemon_decides(ctx, RULE.severity)
    yield RULE.finding(
        f"HOME /{path} ({how}) {problem}{note}",
        *evidence,
        severity=level,
        fix=DIR_FIX.format(path="/" + path),
        data={"path": "/" + path, "source": how},
    )


RULE = Rule(
    id="UR130",
    kind="image",
    category=Category.ARBITRARY_UID_UNREADY,
    severity=Severity.WARNING,
    title="HOME not writable by an arbitrary UID",
    rationale=(
        "Under a random UID with GID 0 (OpenShift restricted SCC, or a pod's runAsUser) the "
        "process is not the owner of anything in the image. Programs write caches and "
        "dotfiles under HOME; if HOME is not group 0 and group-writable they fail with "
        "'permission denied'. Without ENV HOME and without a passwd entry, HOME is '/'."
    ),
    fix=(
        "Set 'ENV HOME=/home/app' and make that directory group 0 and group-writable: "
        "'RUN mkdir -p /home/app && chgrp -R 0 /home/app && chmod -R g=u /home/app'."
    ),
    docs=(
        "HOME is taken from ENV HOME, else from the passwd entry of a non-root USER. A "
        "directory passes when it is group 0 with group write and search bits (g+wx), or "
        "world-writable. See https://docs.openshift.com/container-platform/latest/"
        "openshift_images/create-images.html (Support arbitrary user ids)."
    ),
    check=check,
)

"""UR208: files are given to a fixed user and group other than 0 (arbitrary-UID unready)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import evidence, final_commands, final_copies, ins_evidence
from unroot.shell.classify import owner_spec
from unroot.shell.command import Command
from unroot.shell.words import basename

_ROOT = frozenset({"0", "root"})


def bad_owner(spec: str, *, group_defaults_to_user: bool) -> str | None:
    """The group a chown spec leaves that is not 0, or None when it is fine."""
    named_user, named_group = owner_spec(spec)
    user, group = named_user or "", named_group or ""
    if user.lower() in _ROOT and (not group or group.lower() in _ROOT):
        return None
    if group:
        return None if group.lower() in _ROOT else group
    if group_defaults_to_user and user:
        return user
    return None


def _chown_targets(cmd: Command) -> tuple[str, list[str]] | None:
    if basename(cmd.argv[0]) != "chown":
        return None
    words = [a for a in cmd.argv[1:] if not a.startswith("-")]
    if len(words) < 2:
        return None
    return words[0], words[1:]


def _regrouped(
    ctx: DockerfileContext, after_line: int, paths: list[str], after: Command | None = None
) -> bool:
    """A later chgrp/chown to group 0 (after line ``after_line``, or after the command
    ``after`` of the same RUN) covers every path."""
    covered: list[str] = []
    started = False
    for written, inner, _user in final_commands(ctx):
        if after is not None and not started:
            started = written is after
            continue
        if after is None and inner.line <= after_line:
            continue
        tool = basename(inner.argv[0])
        words = [a for a in inner.argv[1:] if not a.startswith("-")]
        if len(words) < 2:
            continue
        owner = words[0].lower()
        group = owner if tool == "chgrp" else owner.partition(":")[2]
        if tool in ("chgrp", "chown") and group in _ROOT:
            covered += words[1:]
    return bool(paths) and all(
        any(p == c or p.startswith(c.rstrip("/") + "/") for c in covered) for p in paths
    )


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    for _stage, ins, scope in final_copies(ctx):
        flag = ins.flag("chown")
        if not flag:
            continue
        spec = ctx.word(flag, scope)
        group = bad_owner(spec, group_defaults_to_user=True)
        dest = ctx.absolute(ctx.word(ins.value[-1], scope), ins) if ins.value else ""
        if group and not _regrouped(ctx, ins.line, [dest]):
            yield _finding(ctx, spec, group, [dest], ins_evidence(ctx, ins))
    for written, inner, _user in final_commands(ctx):
        found = _chown_targets(inner)
        if found is None:
            continue
        spec, paths = found
        group = bad_owner(spec, group_defaults_to_user=False)
        if group and not _regrouped(ctx, inner.line, paths, after=written):
            yield _finding(ctx, spec, group, paths, evidence(ctx, inner.line, " ".join(inner.argv)))


def _finding(
    ctx: DockerfileContext, spec: str, group: str, paths: list[str], where: Evidence
) -> Finding:
    user = spec.split(":")[0].split(".")[0]
    return RULE.finding(
        f"{', '.join(paths)} owned by {spec} (group {group}, not 0): an arbitrary UID "
        "(OpenShift, runAsUser) cannot write them",
        where,
        fix=f"Use '--chown={user}:0' (or 'chown -R {user}:0 ...') and 'chmod -R g=u' on "
        "those paths, so any UID in group 0 can write them.",
        data={"owner": spec, "group": group, "paths": paths},
    )


RULE = Rule(
    id="UR208",
    kind="dockerfile",
    category=Category.ARBITRARY_UID_UNREADY,
    severity=Severity.WARNING,
    title="Files owned by a fixed user without group 0",
    rationale=(
        "Platforms that assign an arbitrary UID (OpenShift's restricted SCC, runAsUser "
        "policies) run the container with that UID and GID 0; files owned by a fixed "
        "user:group other than 0 are then read-only to it."
    ),
    fix="Own files as USER:0 and make them group-writable: 'COPY --chown=1001:0 ...' and "
    "'chmod -R g=u DIR'.",
    docs="COPY/ADD --chown without a group defaults the group to the user (BuildKit), so "
    "'--chown=app' counts; 'chown app FILE' keeps the group and does not. A later "
    "'chgrp -R 0' or 'chown :0' over the same paths clears the finding.",
    check=check,
)

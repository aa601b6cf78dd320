"""UR203: the final image sets the setuid or setgid bit (chmod, install -m, COPY --chmod)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.dockerfile.context import DockerfileContext
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.dockerfile._util import evidence, final_commands, final_copies, ins_evidence
from unroot.shell.image_changes import mode_change, special_bits
from unroot.shell.words import basename


def _made_dirs(ctx: DockerfileContext) -> set[str]:
    """Paths created with mkdir: setgid/sticky on a directory is about inheritance, not
    privilege (postgres' ``chmod 3777 /var/run/postgresql``)."""
    out: set[str] = set()
    for _cmd, inner, _user in final_commands(ctx):
        if basename(inner.argv[0]) == "mkdir":
            out.update(a.rstrip("/") for a in inner.argv[1:] if not a.startswith("-"))
    return out


def check(ctx: DockerfileContext) -> Iterator[Finding]:
    dirs = _made_dirs(ctx)
    for _cmd, inner, _user in final_commands(ctx):
        found = mode_change(inner)
        if found is None:
            continue
        mode, paths = found
        paths = [p for p in paths if p.rstrip("/") not in dirs]
        bits = special_bits(mode)
        if bits and paths:
            yield RULE.finding(
                f"{bits} bit set on {', '.join(paths) or '?'} ({basename(inner.argv[0])} {mode})",
                evidence(ctx, inner.line, " ".join(inner.argv)),
                data={"mode": mode, "paths": paths, "bits": bits},
            )
    for _stage, ins, scope in final_copies(ctx):
        flag = ins.flag("chmod")
        if flag is None:
            continue
        mode = ctx.word(flag, scope)
        bits = special_bits(mode)
        if bits:
            dest = ins.value[-1] if ins.value else "?"
            yield RULE.finding(
                f"{bits} bit set on {dest} ({ins.cmd} --chmod={mode})",
                ins_evidence(ctx, ins),
                data={"mode": mode, "paths": [dest], "bits": bits},
            )


RULE = Rule(
    id="UR203",
    kind="dockerfile",
    category=Category.SETUID_BINARY,
    severity=Severity.WARNING,
    title="setuid/setgid bit set in the Dockerfile",
    rationale=(
        "A setuid-root binary lets any user in the container become root; a container that "
        "relies on one fails under allowPrivilegeEscalation=false (no_new_privs), which the "
        "'restricted' Pod Security profile requires."
    ),
    fix="Drop the setuid bit ('chmod u-s,g-s FILE') and give the process what it needs "
    "directly: file ownership/group 0 permissions, or a narrow capability on a non-root port.",
    docs="Symbolic ('u+s', 'g+s', '+s', 'ug+s') and numeric ('4755', '2755', '6755', '04755') "
    "modes, in chmod, install -m and COPY/ADD --chmod.",
    check=check,
)

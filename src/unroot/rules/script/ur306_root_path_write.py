"""UR306: the entrypoint writes into root-owned system paths at start (best effort)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.script._common import loc, where
from unroot.shell.facts import EntrypointAnalysis


def check(analysis: EntrypointAnalysis) -> Iterator[Finding]:
    seen: set[str] = set()
    for w in analysis.root_writes:
        if w.path in seen:
            continue
        seen.add(w.path)
        if w.certain:
            why = w.reason or "an arbitrary UID in group 0 cannot write it"
        else:
            why = (
                "whether an arbitrary UID can is not known here "
                f"({w.reason or 'its owner comes from a base image that is not known'})"
            )
        yield RULE.finding(
            f"writes {w.path} ({w.how}) at start ({loc(w.file, w.line)}); {why}",
            where(w.file, w.line, w.text),
            severity=RULE.severity if w.certain else Severity.INFO,
            fix=(
                f"Create {w.path} at build time and make it group-0 writable "
                f"('chgrp -R 0 {w.path} && chmod -R g=u {w.path}'), or write to a path the "
                "runtime user owns (e.g. under /tmp or a volume)."
            ),
            data={"path": w.path, "how": w.how, "reason": w.reason, "certain": w.certain},
        )


RULE = Rule(
    id="UR306",
    kind="script",
    category=Category.ROOT_OWNED_WRITABLE_PATHS,
    severity=Severity.WARNING,
    title="Entrypoint writes paths an arbitrary UID cannot write at start",
    rationale=(
        "Entrypoints that render config into /etc, create /run or /var/run directories or "
        "open logs under /var/log work only as root unless those paths were made writable "
        "at build time."
    ),
    fix="Prepare the paths at build time (group 0, group-writable) or write elsewhere.",
    docs=(
        "Best effort: mkdir, touch, tee, cp/mv/install/ln destinations, sed -i and shell "
        "redirections into /etc, /run, /var/run, /var/log, /var/lib, /var/cache, /usr, /opt and "
        "/srv, judged with the arbitrary-UID access model on the image (or on a Dockerfile's "
        "file model, where an ownership the model does not know makes the finding info). "
        "mkdir -p of a directory that exists writes nothing; paths with unexpanded variables "
        "are skipped."
    ),
    check=check,
)

"""UR606: observed at run time, a write hit the read-only root filesystem."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.runtime._observed import Observed


def check(obs: Observed) -> Iterator[Finding]:
    for index, d in enumerate(obs.denials):
        if d.kind != "read_only" or not d.path:
            continue
        directory = d.path if d.syscall in ("mkdir", "mkdirat") else posixpath.dirname(d.path)
        yield RULE.finding(
            f"{d.what}: the image writes {directory} at run time",
            obs.evidence(d),
            severity=obs.severity(index),
            fix=f"Mount a tmpfs or volume there ('--tmpfs {directory}', an emptyDir).",
            data=obs.data(index, d, path=d.path, directory=directory),
        )


RULE = Rule(
    id="UR606",
    kind="runtime",
    category=Category.ROOT_OWNED_WRITABLE_PATHS,
    severity=Severity.ERROR,
    title="Observed: a write to the read-only root filesystem",
    rationale=(
        "With a read-only root filesystem (--read-only, readOnlyRootFilesystem) every path the "
        "daemon writes needs a tmpfs or a volume; the trace lists them."
    ),
    fix="Give each written directory a tmpfs or volume.",
    docs="From calls failing with EROFS (strace) or 'Read-only file system' in the logs.",
    check=check,
)

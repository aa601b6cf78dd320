"""UR406: a daemon directive that needs a capability (chroot)."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.daemons.analyze import DaemonAnalysis
from unroot.findings import Category, Finding, Severity
from unroot.rules.base import Rule
from unroot.rules.daemon._common import config_evidence, not_started, severity, where


def check(analysis: DaemonAnalysis) -> Iterator[Finding]:
    for cfg in analysis.daemons:
        for need in cfg.capabilities:
            yield RULE.finding(
                f"{cfg.daemon} '{need.directive} {need.value}' ({where(need.file, need.line)}) "
                f"needs {need.capability}: {need.why}{not_started(cfg)}",
                config_evidence(need.file, need.line, need.directive, need.value, cfg.daemon),
                severity=severity(cfg, Severity.WARNING),
                fix=need.fix,
                data={
                    "daemon": cfg.daemon,
                    "capability": need.capability,
                    "directive": need.directive,
                    "value": need.value,
                    "file": need.file,
                    "line": need.line,
                },
            )


RULE = Rule(
    id="UR406",
    kind="daemon",
    category=Category.NEEDS_CAPABILITY,
    severity=Severity.WARNING,
    title="Daemon directive needs a capability",
    rationale=(
        "Some directives make the daemon call what only a capability allows: haproxy's "
        "'chroot' and named's '-t' call chroot(), which needs CAP_SYS_CHROOT. Restricted "
        "profiles drop every capability, and the daemon stops ('Cannot chroot')."
    ),
    fix="Remove the directive (the container is already its own file-system jail).",
    docs="The finding names the capability; granting it is the alternative to removing it.",
    check=check,
)

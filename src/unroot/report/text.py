"""The human report: per target a verdict with its reasons, then findings by category.

Written for a platform admin: each finding says what, where (layer, path, file:line, field)
and what to do; a fix shared by several findings of one rule is printed once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule as RichRule

from unroot.findings import Category, Finding, Severity, Target, Verdict
from unroot.report.labels import (
    SEVERITY_ORDER,
    VERDICT_TITLES,
    category_title,
    evidence_text,
    short_digest,
)

_VERDICT_STYLE = {
    Verdict.ROOT: "bold red",
    Verdict.NON_ROOT: "bold yellow",
    Verdict.ARBITRARY_UID_READY: "bold green",
    Verdict.DEPENDS_ON_BASE: "bold cyan",
    Verdict.ALLOW: "bold green",
    Verdict.DENY: "bold red",
}
_SEVERITY_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
_SEVERITY_MARK = {Severity.ERROR: "✖", Severity.WARNING: "▲", Severity.INFO: "•"}


def make_console(stream: TextIO, color: bool | None) -> Console:
    isatty = getattr(stream, "isatty", None)
    terminal = bool(isatty and isatty())
    use_color = terminal if color is None else color
    return Console(
        file=stream,
        force_terminal=use_color,
        no_color=not use_color,
        highlight=False,
        soft_wrap=not terminal,
        width=None if terminal else 100,
        emoji=False,
    )


def render_text(targets: Sequence[Target], stream: TextIO, *, color: bool | None = None) -> None:
    console = make_console(stream, color)
    for index, target in enumerate(targets):
        if index:
            console.print()
        _target(console, target)
    if len(targets) > 1:
        console.print()
        _totals(console, targets)


def _target(console: Console, target: Target) -> None:
    console.print(RichRule(f"[bold]{escape(target.ref)}[/]", align="left", characters="─"))
    style = _VERDICT_STYLE.get(target.verdict, "bold")
    console.print(f"verdict: [{style}]{escape(VERDICT_TITLES[target.verdict])}[/]")
    facts = _facts(target)
    if facts:
        console.print(f"[dim]{escape(facts)}[/]")
    if target.reasons:
        console.print("why:")
        for reason in target.reasons:
            console.print(f"  - {escape(reason)}")
    if not target.findings:
        console.print("[green]no findings[/]")
        return
    by_category: dict[Category, list[Finding]] = {}
    for finding in target.findings:
        by_category.setdefault(finding.category, []).append(finding)
    order = sorted(
        by_category, key=lambda c: (-max(f.severity.rank for f in by_category[c]), c.name)
    )
    for category in order:
        console.print()
        _category(console, category, by_category[category])
    console.print()
    console.print(_count_line(target.findings))


def _facts(target: Target) -> str:
    info: dict[str, Any] = target.info
    parts = [target.kind]
    if info.get("platform"):
        parts.append(str(info["platform"]))
    if "layers" in info:
        layers = info["layers"]
        parts.append(f"{layers} layer{'' if layers == 1 else 's'}")
    if "files" in info:
        parts.append(f"{info['files']:,} files")
    if info.get("manifest_digest"):
        parts.append(f"manifest {short_digest(str(info['manifest_digest']))}")
    if info.get("effective_user"):
        parts.append(f"user {info['effective_user']}")
    return " · ".join(parts)


def _category(console: Console, category: Category, findings: list[Finding]) -> None:
    notes_only = all(f.severity is Severity.INFO for f in findings)
    title = escape(category_title(category))
    suffix = " [dim]- notes only, not blocking[/]" if notes_only else ""
    console.print(f"[bold]{title}[/] [dim]({category.value}, {len(findings)})[/]{suffix}")
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.rule))
    for i, finding in enumerate(ordered):
        style = _SEVERITY_STYLE[finding.severity]
        mark = _SEVERITY_MARK[finding.severity]
        console.print(
            f"  [{style}]{mark} {finding.severity.value:<7}[/] [bold]{finding.rule}[/] "
            f"{escape(finding.message)}"
        )
        for evidence in finding.evidence:
            console.print(f"      [dim]at[/] {escape(evidence_text(evidence))}")
        following = ordered[i + 1] if i + 1 < len(ordered) else None
        shared = following is not None and (following.rule, following.fix) == (
            finding.rule,
            finding.fix,
        )
        if finding.fix and not shared:
            console.print(f"      [green]fix:[/] {escape(finding.fix)}")


def _count_line(findings: Sequence[Finding]) -> str:
    counts = {s: sum(1 for f in findings if f.severity is s) for s in SEVERITY_ORDER}
    parts = [
        f"{n} {s.value}{'s' if n != 1 and s is not Severity.INFO else ''}"
        for s, n in counts.items()
    ]
    return "findings: " + ", ".join(parts)


def _totals(console: Console, targets: Sequence[Target]) -> None:
    console.print("[bold]summary[/]")
    for target in targets:
        style = _VERDICT_STYLE.get(target.verdict, "bold")
        console.print(
            f"  [{style}]{target.verdict.value:<20}[/] {escape(target.ref)} "
            f"[dim]({_count_line(target.findings)})[/]"
        )

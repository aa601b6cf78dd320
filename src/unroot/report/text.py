"""The human report: per target a verdict with its reasons, then findings by category.

Written for a platform admin: each finding says what, where (layer, path, file:line, field)
and what to do; a fix shared by several findings of one rule is printed once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from unroot.findings import Category, Finding, Severity, Target, Verdict
from unroot.report.labels import (
    SEVERITY_ORDER,
    VERDICT_TITLES,
    category_title,
    evidence_text,
    short_digest,
)

if TYPE_CHECKING:
    from rich.console import Console

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

PLAIN_WIDTH = 100
"""Width of the report when it is not written to a terminal (the title rules fill it)."""
_RULE_CHAR = "─"

Span = tuple[str, str]
"""``(text, style)``: plain text and a rich style name ("" for none)."""
Line = tuple[bool, tuple[Span, ...]]
"""``(is_title_rule, spans)``: one printed line."""

# Characters a plain write reproduces exactly as rich prints them when piped: printable ASCII
# but the backslash (rich's markup escaping doubles a trailing one), and the report's own
# one-cell symbols. Anything else (tabs, control characters, wide or combining characters)
# goes through rich, which owns those rules.
_SIMPLE = (frozenset(map(chr, range(0x20, 0x7F))) - {"\\"}) | frozenset("✖▲•─·—")


def make_console(stream: TextIO, color: bool | None) -> Console:
    from rich.console import Console

    terminal = _is_terminal(stream)
    use_color = terminal if color is None else color
    return Console(
        file=stream,
        force_terminal=use_color,
        no_color=not use_color,
        highlight=False,
        soft_wrap=not terminal,
        width=None if terminal else PLAIN_WIDTH,
        emoji=False,
    )


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render_text(targets: Sequence[Target], stream: TextIO, *, color: bool | None = None) -> None:
    """Write the report; rich draws it on a terminal or in colour, a plain writer otherwise.

    Both print the same lines (:func:`report_lines`): piped output is what rich prints with
    no colour, soft wrapping and a width of :data:`PLAIN_WIDTH`, without importing rich
    (about a third of the start-up of a small ``unroot check``) unless a line holds text
    whose printing rich decides (:data:`_SIMPLE`).
    """
    lines = list(report_lines(targets))
    terminal = _is_terminal(stream)
    use_color = terminal if color is None else color
    if not terminal and not use_color and all(_simple(line) for line in lines):
        stream.write("".join(plain_line(line) + "\n" for line in lines))
        return
    _render_rich(lines, make_console(stream, color))


def _simple(line: Line) -> bool:
    return all(_SIMPLE.issuperset(text) for text, _style in line[1])


def plain_line(line: Line) -> str:
    """One line as rich prints it when piped (title rules filled to :data:`PLAIN_WIDTH`)."""
    is_rule, spans = line
    text = "".join(t for t, _s in spans)
    if not is_rule:
        return text
    room = PLAIN_WIDTH - 2  # rich keeps a space and at least one rule character
    if len(text) > room:
        text = text[: room - 1] + "…"
    return text + " " + _RULE_CHAR * (PLAIN_WIDTH - len(text) - 1)


def _render_rich(lines: Sequence[Line], console: Console) -> None:
    from rich.markup import escape
    from rich.rule import Rule as RichRule

    for is_rule, spans in lines:
        markup = "".join(f"[{style}]{escape(t)}[/]" if style else escape(t) for t, style in spans)
        if is_rule:
            console.print(RichRule(markup, align="left", characters=_RULE_CHAR))
        else:
            console.print(markup)


def report_lines(targets: Sequence[Target]) -> Iterator[Line]:
    """The report, line by line, with the style of each part."""
    for index, target in enumerate(targets):
        if index:
            yield _BLANK
        yield from _target(target)
    if len(targets) > 1:
        yield _BLANK
        yield from _totals(targets)


_BLANK: Line = (False, ())


def _line(*spans: Span) -> Line:
    return (False, spans)


def _target(target: Target) -> Iterator[Line]:
    yield (True, ((target.ref, "bold"),))
    style = _VERDICT_STYLE.get(target.verdict, "bold")
    yield _line(("verdict: ", ""), (VERDICT_TITLES[target.verdict], style))
    facts = _facts(target)
    if facts:
        yield _line((facts, "dim"))
    if target.reasons:
        yield _line(("why:", ""))
        for reason in target.reasons:
            yield _line((f"  - {reason}", ""))
    if not target.findings:
        yield _line(("no findings", "green"))
        return
    by_category: dict[Category, list[Finding]] = {}
    for finding in target.findings:
        by_category.setdefault(finding.category, []).append(finding)
    order = sorted(
        by_category, key=lambda c: (-max(f.severity.rank for f in by_category[c]), c.name)
    )
    for category in order:
        yield _BLANK
        yield from _category(category, by_category[category])
    yield _BLANK
    yield _line((_count_line(target.findings), ""))


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


def _category(category: Category, findings: list[Finding]) -> Iterator[Line]:
    notes_only = all(f.severity is Severity.INFO for f in findings)
    title: list[Span] = [
        (category_title(category), "bold"),
        (" ", ""),
        (f"({category.value}, {len(findings)})", "dim"),
    ]
    if notes_only:
        title += [(" ", ""), ("- notes only, not blocking", "dim")]
    yield _line(*title)
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.rule))
    for i, finding in enumerate(ordered):
        style = _SEVERITY_STYLE[finding.severity]
        mark = _SEVERITY_MARK[finding.severity]
        yield _line(
            ("  ", ""),
            (f"{mark} {finding.severity.value:<7}", style),
            (" ", ""),
            (finding.rule, "bold"),
            (f" {finding.message}", ""),
        )
        for evidence in finding.evidence:
            yield _line(("      ", ""), ("at", "dim"), (f" {evidence_text(evidence)}", ""))
        following = ordered[i + 1] if i + 1 < len(ordered) else None
        shared = following is not None and (following.rule, following.fix) == (
            finding.rule,
            finding.fix,
        )
        if finding.fix and not shared:
            yield _line(("      ", ""), ("fix:", "green"), (f" {finding.fix}", ""))


def _count_line(findings: Sequence[Finding]) -> str:
    counts = {s: sum(1 for f in findings if f.severity is s) for s in SEVERITY_ORDER}
    parts = [
        f"{n} {s.value}{'s' if n != 1 and s is not Severity.INFO else ''}"
        for s, n in counts.items()
    ]
    return "findings: " + ", ".join(parts)


def _totals(targets: Sequence[Target]) -> Iterator[Line]:
    yield _line(("summary", "bold"))
    for target in targets:
        style = _VERDICT_STYLE.get(target.verdict, "bold")
        yield _line(
            ("  ", ""),
            (f"{target.verdict.value:<20}", style),
            (f" {target.ref} ", ""),
            (f"({_count_line(target.findings)})", "dim"),
        )

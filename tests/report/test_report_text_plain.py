"""The plain writer of the text report against rich itself.

Piped output skips rich (it is a third of a small run's start-up), so it must print exactly
what rich prints for the same lines: compared here on the sample targets, on real workload
targets, and on generated text with brackets, backslashes, markup look-alikes, long titles,
tabs, control and wide characters (those go through rich: the writer must notice them).
"""

from __future__ import annotations

import io
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.findings import Category, Evidence, Finding, Severity, Target, Verdict
from unroot.report.text import (
    PLAIN_WIDTH,
    _render_rich,
    make_console,
    render_text,
    report_lines,
)


class _Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


def _by_rich(targets: list[Target]) -> str:
    out = _Pipe()
    _render_rich(list(report_lines(targets)), make_console(out, None))
    return out.getvalue()


def _by_writer(targets: list[Target]) -> str:
    out = _Pipe()
    render_text(targets, out)
    return out.getvalue()


def test_sample_targets_print_as_rich_prints_them(targets: list[Target]) -> None:
    for chosen in ([targets[0]], targets[2:4], targets):
        assert _by_writer(chosen) == _by_rich(chosen)


def test_rich_is_not_imported_for_plain_text(targets: list[Target]) -> None:
    import subprocess

    code = (
        "import sys, io\n"
        "from unroot.findings import Target, Verdict\n"
        "from unroot.report import render\n"
        "render([Target(ref='x [a] y', kind='workload', verdict=Verdict.DENY)], 'text', "
        "io.StringIO())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_title_rules_at_the_width_edges() -> None:
    for length in (0, 1, PLAIN_WIDTH - 3, PLAIN_WIDTH - 2, PLAIN_WIDTH - 1, PLAIN_WIDTH, 250):
        target = Target(ref="r" * length or "-", kind="image", verdict=Verdict.ROOT)
        assert _by_writer([target]) == _by_rich([target])


def test_workload_targets_print_as_rich_prints_them(tmp_path: object) -> None:
    from pathlib import Path

    from unroot.pipeline.workload import check_workloads, make_options
    from unroot.workload.inputs import read_sources

    manifest = Path(str(tmp_path)) / "deploy [prod].yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n"
        "        - name: web\n          image: nginx\n          ports: [{containerPort: 80}]\n"
        "          securityContext: {runAsUser: 0, privileged: true}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers:\n"
        "    - {name: a, image: 'x', securityContext: {runAsNonRoot: true}}\n"
    )
    for mode, level in (("scc", None), ("psa", "restricted")):
        options = make_options(mode=mode, psa_level=level, psa_version="latest")  # type: ignore[arg-type]
        result = check_workloads(read_sources((str(manifest),), ()), options)
        assert result.targets
        assert _by_writer(result.targets) == _by_rich(result.targets)


_TEXT = st.text(
    alphabet=st.sampled_from(
        [*"ab [/]\\-:=#@.()'\"x0", "\t", "\r", "\x1b", "é", "漢", "\u0301", "✖", "—", "…"]
    ),
    max_size=130,
)


@settings(max_examples=300, deadline=None)
@given(ref=_TEXT, reason=_TEXT, message=_TEXT, field=_TEXT, value=_TEXT, fix=_TEXT)
def test_generated_text_prints_as_rich_prints_it(
    ref: str, reason: str, message: str, field: str, value: str, fix: str
) -> None:
    target = Target(
        ref=ref or "-",
        kind="workload",
        verdict=Verdict.DENY,
        reasons=[reason],
        findings=[
            Finding(
                "SCC-runAsUser",
                Category.NO_USER,
                Severity.ERROR,
                message,
                (Evidence(file=ref, line=3, field=field, value=value),),
                fix=fix or None,
            ),
            Finding("UR501", Category.LOW_PORT, Severity.INFO, message),
        ],
        info={"effective_user": value},
    )
    assert _by_writer([target, target]) == _by_rich([target, target])


_ASCII = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="\\"),
    max_size=130,
)


@settings(max_examples=300, deadline=None)
@given(ref=_ASCII, message=_ASCII, value=_ASCII)
def test_generated_ascii_takes_the_plain_path_and_matches(
    ref: str, message: str, value: str
) -> None:
    from unroot.report.text import _simple

    target = Target(
        ref=ref or "-",
        kind="image",
        verdict=Verdict.ROOT,
        reasons=[message],
        findings=[
            Finding(
                "UR100",
                Category.NO_USER,
                Severity.WARNING,
                message,
                (Evidence(path=ref, field="config.User", value=value, detail=message),),
                fix=value or None,
            )
        ],
    )
    lines = list(report_lines([target]))
    backslash = any("\\" in text for _rule, spans in lines for text, _style in spans)
    assert backslash or all(_simple(line) for line in lines)  # repr() of a value may add one
    assert _by_writer([target]) == _by_rich([target])

import io

from unroot.findings import Target
from unroot.report import render
from unroot.report.labels import category_title, short_digest


def text_of(targets: list[Target], color: bool = False) -> str:
    out = io.StringIO()
    render(targets, "text", out, color=color)
    return out.getvalue()


def test_header_verdict_and_reasons(targets: list[Target]) -> None:
    text = text_of(targets[:1])
    image = targets[0]
    assert image.ref in text
    assert "ROOT" in text
    for reason in image.reasons:
        assert reason in text


def test_every_finding_with_rule_message_evidence_and_fix(targets: list[Target]) -> None:
    image = targets[0]
    text = text_of([image])
    for finding in image.findings:
        assert finding.rule in text
        assert finding.message in text
        assert finding.fix is None or finding.fix in text
        for evidence in finding.evidence:
            if evidence.path:
                assert evidence.path in text
            if evidence.layer:
                assert short_digest(evidence.layer) in text
            if evidence.field:
                assert evidence.field in text


def test_grouped_by_category(targets: list[Target]) -> None:
    image = targets[0]
    text = text_of([image])
    for category in {f.category for f in image.findings}:
        assert category_title(category) in text
        assert category.value in text


def test_file_line_evidence(targets: list[Target]) -> None:
    text = text_of([targets[2]])
    assert "examples/nginx/Dockerfile:7" in text


def test_shared_fix_printed_once() -> None:
    from imagekit import entry, make_image

    from unroot.pipeline.image import scan_image

    image = make_image([entry(f"usr/bin/s{i}", mode=0o4755) for i in range(4)])
    target = scan_image(image)
    fix = next(f.fix for f in target.findings if f.rule == "UR110")
    assert fix is not None
    assert text_of([target]).count(fix) == 1


def test_no_color_codes_unless_asked(targets: list[Target]) -> None:
    assert "\x1b[" not in text_of(targets)
    assert "\x1b[" in text_of(targets, color=True)


def test_brackets_in_messages_are_not_markup(targets: list[Target]) -> None:
    ref = targets[0].ref
    assert "[demo]" in ref
    assert ref in text_of(targets[:1])


def test_multiple_targets_get_a_summary(targets: list[Target]) -> None:
    text = text_of(targets)
    assert "summary" in text
    for target in targets:
        assert target.verdict.value in text


def test_empty_target_says_no_findings(targets: list[Target]) -> None:
    assert "no findings" in text_of([targets[4]])

import io
import json
from typing import Any

import jsonschema

from unroot import __version__
from unroot.findings import Category, Severity, Target, Verdict
from unroot.report import render


def rendered(targets: list[Target]) -> dict[str, Any]:
    out = io.StringIO()
    render(targets, "json", out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def test_output_validates_against_the_documented_schema(
    targets: list[Target], report_schema: dict[str, Any]
) -> None:
    jsonschema.Draft202012Validator.check_schema(report_schema)
    jsonschema.validate(rendered(targets), report_schema, cls=jsonschema.Draft202012Validator)


def test_top_level_shape(targets: list[Target]) -> None:
    data = rendered(targets)
    assert data["tool"] == {"name": "unroot", "version": __version__}
    assert [t["ref"] for t in data["targets"]] == [t.ref for t in targets]
    first = data["targets"][0]
    assert first["verdict"] == targets[0].verdict.value
    assert [f["rule"] for f in first["findings"]] == [f.rule for f in targets[0].findings]
    for finding in first["findings"]:
        assert {"rule", "category", "severity", "message", "evidence"} <= set(finding)


def test_schema_enums_follow_the_vocabulary(report_schema: dict[str, Any]) -> None:
    defs = report_schema["$defs"]
    assert defs["finding"]["properties"]["category"]["enum"] == [c.value for c in Category]
    assert defs["finding"]["properties"]["severity"]["enum"] == [s.value for s in Severity]
    assert defs["target"]["properties"]["verdict"]["enum"] == [v.value for v in Verdict]


def test_schema_rejects_a_malformed_report(report_schema: dict[str, Any]) -> None:
    bad = {"tool": {"name": "unroot", "version": "1"}, "format_version": 1, "targets": [{}]}
    validator = jsonschema.Draft202012Validator(report_schema)
    assert not validator.is_valid(bad)


def test_empty_report() -> None:
    assert rendered([])["targets"] == []

"""``unroot rules`` and the generated docs/rules.md."""

import json
from pathlib import Path

from click.testing import CliRunner

from unroot.cli import cli
from unroot.report.catalog import all_descriptors
from unroot.report.rules_doc import rules_markdown
from unroot.rules.base import get_rule

REPO = Path(__file__).resolve().parents[2]


def test_lists_every_rule_as_json() -> None:
    result = CliRunner().invoke(cli, ["rules", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [r.id for r in all_descriptors()]
    assert {"UR101", "UR501", "PSA-privileged", "SCC-runAsUser"} <= {r["id"] for r in rows}
    assert {"id", "kind", "category", "severity", "title"} <= set(rows[0])


def test_table_lists_every_rule() -> None:
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0
    for rule in all_descriptors():
        assert rule.id in result.stdout


def test_explains_one_rule_case_insensitively() -> None:
    result = CliRunner().invoke(cli, ["rules", "ur120"])
    assert result.exit_code == 0
    rule = get_rule("UR120")
    assert rule is not None
    flat = " ".join(result.stdout.split())
    for text in (rule.title, rule.category.value, rule.severity.value, rule.rationale, rule.fix):
        assert " ".join(text.split()) in flat


def test_explain_as_json() -> None:
    result = CliRunner().invoke(cli, ["rules", "UR101", "--format", "json"])
    assert json.loads(result.stdout)["id"] == "UR101"


def test_explains_policy_checks() -> None:
    result = CliRunner().invoke(cli, ["rules", "psa-privileged", "--format", "json"])
    row = json.loads(result.stdout)
    assert (row["id"], row["kind"], row["category"]) == ("PSA-privileged", "psa", "privileged")
    assert "Privileged Pods disable most security mechanisms" in row["rationale"]
    result = CliRunner().invoke(cli, ["rules", "SCC-hostPath", "--format", "json"])
    assert json.loads(result.stdout)["category"] == "host_access"


def test_unknown_rule_is_a_usage_error() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "unroot", "rules", "UR999"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "unroot: error: unknown rule 'UR999'; 'unroot rules' lists them"


def test_committed_rules_md_is_current() -> None:
    committed = (REPO / "docs" / "rules.md").read_text()
    assert committed == rules_markdown(), (
        "docs/rules.md is stale: run `python -m unroot.report.rules_doc > docs/rules.md`"
    )


def test_rules_md_has_a_section_per_rule() -> None:
    text = rules_markdown()
    for rule in all_descriptors():
        assert f"### {rule.id}" in text
        assert rule.fix.replace("|", "\\|") in text

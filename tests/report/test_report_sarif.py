import io
import json
from typing import Any

import jsonschema

from unroot.findings import Severity, Target
from unroot.report import render
from unroot.rules.base import get_rule


def rendered(targets: list[Target]) -> dict[str, Any]:
    out = io.StringIO()
    render(targets, "sarif", out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def test_validates_against_official_sarif_schema(
    targets: list[Target], sarif_schema: dict[str, Any]
) -> None:
    jsonschema.validate(rendered(targets), sarif_schema, cls=jsonschema.Draft4Validator)


def test_empty_log_validates(sarif_schema: dict[str, Any]) -> None:
    jsonschema.validate(rendered([]), sarif_schema, cls=jsonschema.Draft4Validator)


def test_schema_check_is_not_vacuous(sarif_schema: dict[str, Any]) -> None:
    log = rendered([])
    log["runs"][0]["results"] = [{"level": "fatal", "message": {"text": "x"}}]
    assert not jsonschema.Draft4Validator(sarif_schema).is_valid(log)


def test_one_result_per_finding_with_levels(targets: list[Target]) -> None:
    run = rendered(targets)["runs"][0]
    findings = [f for t in targets for f in t.findings]
    assert len(run["results"]) == len(findings)
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for result, finding in zip(run["results"], findings, strict=True):
        assert result["ruleId"] == finding.rule
        assert result["level"] == levels[finding.severity]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == finding.rule
        assert result["properties"]["category"] == finding.category.value


def test_driver_lists_exactly_the_rules_that_fired(targets: list[Target]) -> None:
    rules = rendered(targets)["runs"][0]["tool"]["driver"]["rules"]
    fired = list(dict.fromkeys(f.rule for t in targets for f in t.findings))
    assert [r["id"] for r in rules] == fired
    ur101 = next(r for r in rules if r["id"] == "UR101")
    registered = get_rule("UR101")
    assert registered is not None
    assert ur101["shortDescription"]["text"] == registered.title
    assert ur101["properties"]["category"] == registered.category.value


def test_image_path_location_names_image_and_layer(targets: list[Target]) -> None:
    image = targets[0]
    su = next(f for f in image.findings if f.rule == "UR110")
    run = rendered([image])["runs"][0]
    result = run["results"][image.findings.index(su)]
    [location] = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "usr/bin/su"
    names = {(ll["kind"], ll["name"]) for ll in location["logicalLocations"]}
    assert ("image", image.ref) in names
    assert ("layer", su.evidence[0].layer) in names


def test_path_with_space_is_percent_encoded(targets: list[Target]) -> None:
    run = rendered([targets[0]])["runs"][0]
    uris = [
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in run["results"]
        for loc in r.get("locations", [])
        if "physicalLocation" in loc
    ]
    assert "usr/bin/with%20space" in uris


def test_file_line_evidence_has_region(targets: list[Target]) -> None:
    dockerfile, workload = targets[2], targets[3]
    run = rendered([dockerfile, workload])["runs"][0]
    first = run["results"][0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "examples/nginx/Dockerfile"
    assert first["region"]["startLine"] == 7
    second = run["results"][1]["locations"][0]["physicalLocation"]
    assert second["artifactLocation"]["uri"] == "file:///abs/deploy/app.yaml"
    assert second["region"]["startLine"] == 12


def test_script_evidence_inside_an_image_is_an_image_path(targets: list[Target]) -> None:
    scripted = targets[5]
    [result] = rendered([scripted])["runs"][0]["results"]
    script, config = result["locations"]
    artifact = script["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "usr/local/bin/docker-entrypoint.sh", "uriBaseId": "IMAGEROOT"}
    assert script["physicalLocation"]["region"]["startLine"] == 5
    assert "physicalLocation" not in config
    assert {"name": "ENTRYPOINT/CMD", "kind": "property"} in config["logicalLocations"]


def test_workload_sarif_does_not_load_the_image_analysis() -> None:
    """Describing workload and policy ids imports their kinds only, not the image/shell stack."""
    import subprocess
    import sys

    code = (
        "import io, sys\n"
        "from unroot.pipeline.workload import check_workloads, make_options\n"
        "from unroot.report import render\n"
        "from unroot.workload.load import load_text\n"
        "src = load_text('kind: Pod\\nmetadata: {name: p}\\nspec:\\n  containers:\\n"
        "  - {name: c, image: x, ports: [{containerPort: 80}],"
        " securityContext: {privileged: true}}\\n', 'p.yaml')\n"
        "opts = make_options(mode='scc', psa_level='baseline', psa_version='latest')\n"
        "render(check_workloads([src], opts).targets, 'sarif', io.StringIO())\n"
        "heavy = ('unroot.rules.image', 'unroot.rules.dockerfile', 'unroot.shell.parse',"
        " 'unroot.oci.tree', 'unroot.daemons.analyze', 'tree_sitter')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr

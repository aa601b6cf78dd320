"""``unroot scan`` end to end on OCI layouts and archives written to disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from layouts import archives, nginx_like, non_root_with_warning, ready

from unroot.cli import cli
from unroot.cli.scan import classify
from unroot.errors import UsageError


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["scan", *args], catch_exceptions=False)


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = run("--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_nginx_like_image_is_root_with_evidence(tmp_path: Path) -> None:
    nginx_like(tmp_path / "img")
    result = run(f"oci:{tmp_path / 'img'}:latest")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "ROOT" in out
    for expected in ("UR101", "UR120", "UR110", "UR112", "/usr/bin/su", "80/tcp"):
        assert expected in out
    assert "CAP_NET_BIND_SERVICE" in out


def test_json_findings_and_layers(tmp_path: Path) -> None:
    nginx_like(tmp_path / "img")
    code, data = run_json(f"oci:{tmp_path / 'img'}")
    assert code == 1
    [target] = data["targets"]
    assert target["verdict"] == "root"
    by_rule = {f["rule"]: f for f in target["findings"]}
    assert {"UR101", "UR110", "UR112", "UR120"} <= set(by_rule)
    su_layer = by_rule["UR110"]["evidence"][0]["layer"]
    manifest = _manifest(tmp_path / "img")
    assert su_layer == manifest["layers"][1]["digest"]  # su came from the second layer
    assert target["info"]["layers"] == 2


def _manifest(layout: Path) -> dict[str, Any]:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"].split(":")[1]
    doc: dict[str, Any] = json.loads((layout / "blobs" / "sha256" / digest).read_text())
    return doc


def test_ready_image_is_clean_and_arbitrary_uid_ready(tmp_path: Path) -> None:
    ready(tmp_path / "img")
    code, data = run_json(f"oci:{tmp_path / 'img'}")
    assert code == 0
    [target] = data["targets"]
    assert target["verdict"] == "arbitrary-uid-ready", target["reasons"]
    assert all(f["severity"] == "info" for f in target["findings"])
    # info findings fail only when asked to
    assert run("--fail-on", "info", f"oci:{tmp_path / 'img'}").exit_code == (
        1 if target["findings"] else 0
    )


def test_fail_on_threshold(tmp_path: Path) -> None:
    non_root_with_warning(tmp_path / "img")
    ref = f"oci:{tmp_path / 'img'}"
    code, data = run_json(ref)
    assert data["targets"][0]["verdict"] == "non-root"
    assert code == 0  # default --fail-on error: warnings pass
    assert run("--fail-on", "warning", ref).exit_code == 1


def test_layout_directory_without_transport(tmp_path: Path) -> None:
    ready(tmp_path / "img")
    assert classify(str(tmp_path / "img")) == ("image", f"oci:{tmp_path / 'img'}")
    assert run(str(tmp_path / "img")).exit_code == 0


def test_archives_give_identical_findings(tmp_path: Path) -> None:
    layout, oci_archive, docker_archive = archives(tmp_path)

    def findings(ref: str) -> list[dict[str, Any]]:
        _, data = run_json(ref)
        out = data["targets"][0]["findings"]
        for f in out:
            for e in f["evidence"]:
                e.pop("layer", None)  # docker-archive layers are uncompressed: other digests
        return out  # type: ignore[no-any-return]

    expected = findings(f"oci:{layout}")
    assert findings(f"oci-archive:{oci_archive}") == expected
    assert findings(f"docker-archive:{docker_archive}") == expected


def test_sarif_and_output_file(tmp_path: Path) -> None:
    nginx_like(tmp_path / "img")
    out = tmp_path / "report.sarif"
    result = run("--format", "sarif", "--output", str(out), f"oci:{tmp_path / 'img'}")
    assert result.exit_code == 1
    assert result.stdout == ""
    log = json.loads(out.read_text())
    assert log["version"] == "2.1.0"
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"UR101", "UR120"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img", "report.sarif"]


def test_output_not_written_on_input_error(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "unroot", "scan", "-o", str(out), f"oci:{tmp_path / 'missing'}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("unroot: error: ")
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_multiple_targets_one_report(tmp_path: Path) -> None:
    nginx_like(tmp_path / "a")
    ready(tmp_path / "b")
    code, data = run_json(f"oci:{tmp_path / 'a'}", f"oci:{tmp_path / 'b'}")
    assert code == 1
    assert [t["verdict"] for t in data["targets"]] == ["root", "arbitrary-uid-ready"]


def test_piped_output_has_no_progress_or_color(tmp_path: Path) -> None:
    nginx_like(tmp_path / "img")
    proc = subprocess.run(
        [sys.executable, "-m", "unroot", "scan", f"oci:{tmp_path / 'img'}"],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")},
    )
    assert proc.returncode == 1
    assert proc.stderr == ""
    assert "\x1b[" not in proc.stdout


def test_tar_file_needs_a_transport(tmp_path: Path) -> None:
    _, oci_archive, _ = archives(tmp_path)
    with pytest.raises(UsageError, match="oci-archive:"):
        classify(str(oci_archive))
    result = CliRunner().invoke(cli, ["scan", str(oci_archive)])
    assert result.exit_code != 0


def test_classify_dockerfiles_and_names(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\n")
    assert classify(str(dockerfile)) == ("dockerfile", str(dockerfile))
    assert classify(str(tmp_path)) == ("dockerfile", str(tmp_path))
    assert classify("docker://quay.io/x/y:1") == ("image", "docker://quay.io/x/y:1")
    assert classify("no-such-local-name") == ("image", "no-such-local-name")


def test_dockerfile_target_is_routed_to_the_dockerfile_scan(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Containerfile"
    dockerfile.write_text("FROM scratch\nEXPOSE 80\n")
    code, data = run_json(str(dockerfile))
    [target] = data["targets"]
    assert target["kind"] == "dockerfile"
    assert code in (0, 1)


def test_real_scan_output_validates_against_both_schemas(tmp_path: Path) -> None:
    import jsonschema
    from sarifschema import REPO, load_sarif_schema

    nginx_like(tmp_path / "img")
    ref = f"oci:{tmp_path / 'img'}"
    _, report = run_json(ref)
    schema = json.loads((REPO / "docs" / "report.schema.json").read_text())
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    sarif = json.loads(run("--format", "sarif", ref).stdout)
    jsonschema.validate(sarif, load_sarif_schema(), cls=jsonschema.Draft4Validator)

"""``unroot verify`` on images broken the way users break them: the verdict, the proof, and
the observed cause, named exactly (path, port, identity change)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from unroot.runtime.podman import Podman
from unroot.runtime.probes.spec import parse_probe
from unroot.runtime.verify import VerifyOptions, verify, verify_many

from .conftest import CliResult, containers_of

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

Unroot = Callable[..., CliResult]


def finding(doc: dict[str, Any], rule: str) -> dict[str, Any]:
    found = [f for f in doc["findings"] if f["rule"] == rule]
    assert found, (rule, [f["message"] for f in doc["findings"]])
    return found[0]


def test_good_image_passes_with_proof(
    images: dict[str, str], unroot: Unroot, verify_schema: Callable[[dict[str, Any]], None]
) -> None:
    res = unroot(
        "verify", images["good"], "--probe", "http://:8080/index.html#status=200",
        "--format", "json",
    )  # fmt: skip
    doc = res.json()
    verify_schema(doc)
    assert res.returncode == 0, res.stdout
    (result,) = doc["results"]
    assert result["verdict"] == "pass"
    assert result["probes"][0]["ok"] and "200" in result["probes"][0]["detail"]
    httpd = [p for p in result["processes"] if p["name"] == "httpd"]
    assert httpd, result["processes"]
    for p in result["processes"]:
        assert p["host"]["uid"] == [1000680000] * 4
        assert p["container"]["uid"] == [1000680000] * 4
        assert p["host"]["gid"][0] == 0
        assert p["cap_eff"] == p["cap_prm"] == "0" * 16
        assert p["no_new_privs"] == 1
    assert result["runs"][0]["sample_rounds"] >= 2
    assert result["findings"] == [] and result["violations"] == []
    assert "--user 1000680000:0 --cap-drop ALL" in result["command"]


def test_datadir_left_root_owned(images: dict[str, str], unroot: Unroot) -> None:
    res = unroot("verify", images["datadir"], "--format", "json", "--timeout", "20")
    assert res.returncode == 1
    (result,) = res.json()["results"]
    assert result["verdict"] == "fail"
    f = finding(result, "UR601")
    assert f["category"] == "root_owned_writable_paths"
    assert f["data"]["path"] == "/var/lib/app/state"
    assert f["data"]["checked"] == "/var/lib/app"
    assert (f["data"]["uid"], f["data"]["mode"]) == (0, 0o755)
    assert f["severity"] == "error" and f["data"]["likely_cause"]
    assert f["data"]["observed"] == "observed at run time"
    assert f["data"]["syscall"].startswith("open") and f["data"]["errno"] == "EACCES"


def test_listen_80_left_in_place(images: dict[str, str], unroot: Unroot) -> None:
    res = unroot("verify", images["port80"], "--format", "json", "--timeout", "20")
    assert res.returncode == 1
    (result,) = res.json()["results"]
    f = finding(result, "UR602")
    assert f["category"] == "low_port"
    assert (f["data"]["port"], f["data"]["protocol"]) == (80, "tcp")
    assert f["data"]["suggested_port"] == 8080
    assert f["data"]["syscall"] == "bind"


def test_privilege_drop_left_in_place(images: dict[str, str], unroot: Unroot) -> None:
    res = unroot("verify", images["drop"], "--format", "json", "--timeout", "20")
    assert res.returncode == 1
    (result,) = res.json()["results"]
    f = finding(result, "UR603")
    assert f["category"] == "privilege_drop_at_start"
    assert f["data"]["syscall"].startswith("set") and f["data"]["syscall"] != "setrlimit"
    assert f["data"]["errno"] == "EPERM"


def test_trace_never_falls_back_to_the_logs(images: dict[str, str], podman: Podman) -> None:
    result = verify(images["port80"], VerifyOptions(timeout=20, trace="never"), podman=podman)
    assert result.verdict == "fail"
    assert [run.traced for run in result.runs] == [False]
    (f,) = [f for f in result.findings if f.rule == "UR602"]
    assert f.data["source"] == "log" and f.data["port"] == 80


def test_trace_always_traces_the_first_run_even_when_it_passes(
    images: dict[str, str], podman: Podman
) -> None:
    result = verify(images["good"], VerifyOptions(timeout=20, trace="always"), podman=podman)
    assert result.verdict == "pass", result.reasons
    assert [run.traced for run in result.runs] == [True]
    assert result.runs[0].trace_events is not None


def test_read_only_names_the_paths_to_mount(images: dict[str, str], podman: Podman) -> None:
    rw = verify(images["cache"], VerifyOptions(timeout=20), podman=podman)
    assert rw.verdict == "pass", rw.reasons
    ro = verify(images["cache"], VerifyOptions(timeout=20, read_only=True), podman=podman)
    assert ro.verdict == "fail"
    (f,) = [f for f in ro.findings if f.rule == "UR606"]
    assert f.data["path"] == "/var/cache/app" and f.data["errno"] == "EROFS"
    fixed = verify(
        images["cache"],
        VerifyOptions(timeout=20, read_only=True, tmpfs=("/var/cache",)),
        podman=podman,
    )
    assert fixed.verdict == "pass", fixed.reasons
    assert "--read-only" in fixed.command and "--tmpfs /var/cache" in fixed.command


def test_the_label_port_is_probed(images: dict[str, str], podman: Podman) -> None:
    result = verify(images["labelled"], VerifyOptions(timeout=20), podman=podman)
    assert result.verdict == "pass", result.reasons
    assert result.probes[0].port == 8080
    assert "io.unroot.ports" in (result.probes[0].derived or "")


def test_an_open_port_is_not_a_working_service(images: dict[str, str], podman: Podman) -> None:
    # httpd answers HTTP on 8080; a redis probe there must fail, as the wrong protocol
    options = VerifyOptions(timeout=20, probes=(parse_probe("redis:8080"),), trace="never")
    result = verify(images["good"], options, podman=podman)
    assert result.verdict == "fail"
    assert not result.probes[0].ok
    assert result.runs[0].exited is False  # the service itself ran fine


def test_hung_service_is_bounded_and_removed(images: dict[str, str], podman: Podman) -> None:
    """One never listens, the other accepts and never answers: both end at the timeout."""
    options = VerifyOptions(
        timeout=4, probe_timeout=1, trace="never", probes=(parse_probe("http://:8080/"),)
    )
    for name in ("hang", "mute"):
        result = verify(images[name], options, podman=podman)
        assert result.verdict == "fail"
        assert "not ready within 4s" in result.probes[0].detail, result.probes
        assert result.runs[0].exited is False
        assert result.duration < 4 + 60
        assert containers_of(podman, images[name]) == []


def test_jobs_run_images_in_parallel_on_distinct_ports(
    images: dict[str, str], podman: Podman
) -> None:
    refs = [images["good"], images["labelled"], images["port80"]]
    results = verify_many(refs, VerifyOptions(timeout=20, trace="never"), jobs=3, podman=podman)
    assert [r.verdict for r in results] == ["pass", "pass", "fail"]
    commands = [r.command for r in results]
    host_ports = [c.split("--publish ")[1].split(":")[1] for c in commands]
    assert len(set(host_ports)) == 3


def test_junit_and_text_output(images: dict[str, str], unroot: Unroot, tmp_path: Path) -> None:
    out = tmp_path / "verify.xml"
    res = unroot(
        "verify", images["good"], images["port80"], "--jobs", "2", "--format", "junit",
        "--output", str(out), "--timeout", "20",
    )  # fmt: skip
    assert res.returncode == 1
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {images["good"], images["port80"]}
    assert suites[images["good"]].get("failures") == "0"
    bad = suites[images["port80"]]
    assert int(bad.get("failures") or 0) >= 1
    failure = bad.find("testcase/failure")
    assert failure is not None and "UR602" in (failure.text or "")
    text = unroot("verify", images["port80"], "--timeout", "20", "--logs", "3")
    assert text.returncode == 1
    assert "FAIL" in text.stdout and "UR602" in text.stdout and "port 80" in text.stdout
    assert "podman run --rm --user 1000680000:0" in text.stdout


def test_oci_layout_reference(images: dict[str, str], podman: Podman, tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    podman.save(images["good"], layout, "oci-dir")
    before = podman.run_cmd(["images", "-q", "--filter", "reference=localhost/unroot-verify/*"])
    result = verify(f"oci:{layout}", VerifyOptions(timeout=20), podman=podman)
    assert result.verdict == "pass", result.reasons
    after = podman.run_cmd(["images", "-q", "--filter", "reference=localhost/unroot-verify/*"])
    assert after.stdout.split() == before.stdout.split()


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "localhost/unroot-test/no-such-image:1"],
        ["verify", "localhost/unroot-base/busybox:latest", "--probe", "gopher:70"],
        ["verify", "localhost/unroot-base/busybox:latest", "--uid", "0"],
        ["verify", "localhost/unroot-base/busybox:latest", "--tmpfs", "/x"],
        ["run", "localhost/unroot-test/no-such-image:1"],
        ["run", "localhost/unroot-base/busybox:latest", "-p", "80:http"],
        ["verify", "oci:/nonexistent/layout"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], unroot: Unroot) -> None:
    res = unroot(*args, timeout=120)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stdout == ""
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "error" in lines[0].lower()

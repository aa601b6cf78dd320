"""Build real images with podman from the local Debian base, scan them with the real CLI.

Every expectation comes from what the Containerfile in the test does: the user it sets (or
not), the port it exposes, the files it makes setuid or gives capabilities.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from unroot.runtime.podman import Podman

from .conftest import ScanResult
from .images import CAP_PATH, SUID_PATH, layer_positions, normalise_layers

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def evidence_values(finding: dict[str, Any]) -> list[str]:
    return [str(v) for ev in finding["evidence"] for v in ev.values()]


# --- nginx from Debian packages, no USER, listen 80 -----------------------------------------


def test_nginx_example_runs_as_root_on_port_80(
    nginx_image: str, scan: Callable[..., ScanResult]
) -> None:
    result = scan(f"containers-storage:{nginx_image}", "--fail-on", "error")
    assert result.returncode == 1, "a root image fails at --fail-on error"
    target = result.target
    assert target["ref"] == f"containers-storage:{nginx_image}"
    assert target["verdict"] == "root"

    no_user = result.findings("no_user")
    assert no_user, target["findings"]
    assert no_user[0]["severity"] == "error"
    assert any(ev.get("field") == "config.User" for ev in no_user[0]["evidence"])

    low = result.findings("low_port")
    assert low, target["findings"]
    from_config = [f for f in low if "80/tcp" in evidence_values(f)]
    assert from_config, [f["evidence"] for f in low]
    assert any(f.get("data", {}).get("port") == 80 for f in low)


# --- OpenShift-style non-root image ---------------------------------------------------------


def test_group0_nonroot_image_is_arbitrary_uid_ready(
    nonroot_image: str, podman: Podman, scan: Callable[..., ScanResult], tmp_path: Path
) -> None:
    archive = podman.save(nonroot_image, tmp_path / "nonroot.tar", "oci-archive")
    result = scan(f"oci-archive:{archive}", "--fail-on", "warning")
    target = result.target
    blocking = [f for f in target["findings"] if f["severity"] in ("error", "warning")]
    assert blocking == []
    assert target["verdict"] == "arbitrary-uid-ready", target["reasons"]
    assert result.returncode == 0


# --- setuid and file capabilities -----------------------------------------------------------


def test_setuid_and_setcap_binaries_are_reported(
    privileged_image: str, podman: Podman, scan: Callable[..., ScanResult], tmp_path: Path
) -> None:
    archive = podman.save(privileged_image, tmp_path / "priv.tar", "docker-archive")
    result = scan(f"docker-archive:{archive}")

    setuid = [f for f in result.findings("setuid_binary") if SUID_PATH in evidence_values(f)]
    assert setuid, result.findings("setuid_binary")
    assert setuid[0]["data"]["path"] == SUID_PATH
    assert setuid[0]["data"]["mode"] & 0o4000

    caps = [f for f in result.findings("file_capability") if CAP_PATH in evidence_values(f)]
    assert len(caps) == 1, result.findings("file_capability")
    assert "CAP_NET_BIND_SERVICE" in caps[0]["data"]["permitted"]
    assert "CAP_NET_BIND_SERVICE" in json.dumps(caps[0]["evidence"]) + caps[0]["message"]
    # Nothing else in a Debian minbase carries file capabilities.
    assert len(result.findings("file_capability")) == 1


# --- the same image through every format podman saves ---------------------------------------


def test_docker_archive_oci_archive_and_layout_give_identical_findings(
    privileged_image: str, podman: Podman, scan: Callable[..., ScanResult], tmp_path: Path
) -> None:
    saved = {
        "docker-archive": podman.save(privileged_image, tmp_path / "d.tar", "docker-archive"),
        "oci-archive": podman.save(privileged_image, tmp_path / "o.tar", "oci-archive"),
        "oci": podman.save(privileged_image, tmp_path / "layout", "oci-dir"),
    }
    targets = {kind: scan(f"{kind}:{path}").target for kind, path in saved.items()}
    base = targets.pop("docker-archive")
    assert base["findings"], "the image has setuid and setcap findings to compare"
    assert any("layer" in ev for f in base["findings"] for ev in f["evidence"])
    expected = normalise_layers(base["findings"], layer_positions(saved["docker-archive"]))
    for kind, target in targets.items():
        assert target["ref"] == f"{kind}:{saved[kind]}"
        assert (target["verdict"], target["reasons"]) == (base["verdict"], base["reasons"]), kind
        # Same findings; layer evidence names the same layer position in every format.
        assert normalise_layers(target["findings"], layer_positions(saved[kind])) == expected, kind

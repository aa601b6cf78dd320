"""Build real images with podman from the local Debian base, scan them with the real CLI.

Every expectation comes from what the Containerfile in the test does: the user it sets (or
not), the port it exposes, the files it makes setuid or gives capabilities.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from unroot.runtime.podman import Podman

from .conftest import ScanResult

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

DEBIAN = "localhost/unroot-base/debian:bookworm"


def example_files(directory: Path) -> tuple[str, dict[str, str | bytes]]:
    files: dict[str, str | bytes] = {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name not in ("Containerfile", "README.md")
    }
    return (directory / "Containerfile").read_text(), files


def layer_positions(saved: Path) -> dict[str, int]:
    """Layer digest (blob digest and diff_id) -> position, read from the saved image itself.

    docker-archive names layers by their uncompressed digest, oci-archive by the compressed
    blob digest, so the same layer has two names; its position in the image is the same.
    """
    with contextlib.ExitStack() as stack:
        if saved.is_dir():

            def load(name: str) -> Any:
                return json.loads((saved / name).read_text())

        else:
            tar = stack.enter_context(tarfile.open(saved))

            def load(name: str) -> Any:
                member = tar.extractfile(name)
                assert member is not None, name
                return json.load(member)

        try:
            manifest = load("manifest.json")[0]  # docker-archive
        except (KeyError, FileNotFoundError):
            digest = load("index.json")["manifests"][0]["digest"]  # OCI layout / archive
            manifest = load("blobs/sha256/" + digest.split(":", 1)[1])
            blobs = [layer["digest"] for layer in manifest["layers"]]
            config = load("blobs/sha256/" + manifest["config"]["digest"].split(":", 1)[1])
        else:
            layers = manifest["Layers"]
            blobs = ["sha256:" + Path(layer).name.removesuffix(".tar") for layer in layers]
            config = load(manifest["Config"])
    positions = {digest: i for i, digest in enumerate(blobs)}
    positions.update({digest: i for i, digest in enumerate(config["rootfs"]["diff_ids"])})
    return positions


def normalise_layers(findings: list[dict[str, Any]], positions: dict[str, int]) -> list[Any]:
    out = copy.deepcopy(findings)
    for finding in out:
        for ev in finding["evidence"]:
            if "layer" in ev:
                ev["layer"] = f"layer #{positions[ev['layer']]}"
    return out


def evidence_values(finding: dict[str, Any]) -> list[str]:
    return [str(v) for ev in finding["evidence"] for v in ev.values()]


# --- nginx from Debian packages, no USER, listen 80 -----------------------------------------


@pytest.fixture(scope="module")
def nginx_image(build_image: Callable[..., str], repo_root: Path) -> str:
    containerfile, files = example_files(repo_root / "examples" / "nginx")
    instructions = [
        line.split()[0] for line in containerfile.splitlines() if re.match(r"[A-Z]", line)
    ]
    assert "USER" not in instructions and "EXPOSE 80" in containerfile
    assert b"listen 80;" in files["site.conf"]
    return build_image("nginx", containerfile, files)


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

NONROOT = f"""\
FROM {DEBIAN}
RUN useradd --uid 1001 --gid 0 --home-dir /home/app --create-home --shell /bin/sh app \\
 && mkdir -p /srv/app /data \\
 && chgrp -R 0 /home/app /srv/app /data \\
 && chmod -R g=u /home/app /srv/app /data \\
 && chmod g=u /etc/passwd \\
 && find / -xdev -type f -perm /6000 -exec chmod a-s {{}} +
ENV HOME=/home/app
WORKDIR /srv/app
VOLUME /data
EXPOSE 8080
USER 1001:0
CMD ["sleep", "infinity"]
"""


@pytest.fixture(scope="module")
def nonroot_image(build_image: Callable[..., str]) -> str:
    return build_image("nonroot", NONROOT)


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

SUID_PATH = "/usr/local/bin/suid-id"
CAP_PATH = "/usr/local/bin/bind-true"
PRIVILEGED = f"""\
FROM {DEBIAN}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends libcap2-bin \\
 && rm -rf /var/lib/apt/lists/*
RUN cp /usr/bin/id {SUID_PATH} && chmod u+s {SUID_PATH} \\
 && cp /usr/bin/true {CAP_PATH} && setcap cap_net_bind_service+ep {CAP_PATH}
"""


@pytest.fixture(scope="module")
def privileged_image(build_image: Callable[..., str]) -> str:
    return build_image("suid-setcap", PRIVILEGED)


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

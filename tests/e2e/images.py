"""The images the end-to-end tests build, and helpers to compare their reports.

Each Containerfile is written the way a distribution user would write it; the expectations in
the tests come from what these files do (the user they set, the ports, the setuid and
capability bits), never from unroot's own output.
"""

from __future__ import annotations

import contextlib
import copy
import json
import tarfile
from pathlib import Path
from typing import Any

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


# An OpenShift-style non-root image: group 0 owns what it writes, no setuid bits.
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

# A root image with one setuid binary and one file capability added on top of the base.
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

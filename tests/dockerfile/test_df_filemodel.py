"""The Dockerfile's file model: what COPY, WORKDIR and RUN do to owners and modes, on a base
that is not known ("unknown", never "root-owned") and on real bases read from local storage
and from a registry."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from unroot.dockerfile.analysis import analyze
from unroot.dockerfile.contextfiles import ContextFiles
from unroot.dockerfile.filemodel import UNKNOWN, FileModel, build
from unroot.image.access import AccessModel, Need
from unroot.oci.model import EntryType, FileEntry, FileTree
from unroot.pipeline.dockerfile import scan_dockerfile
from unroot.runtime.podman import Podman

DEBIAN = "localhost/unroot-base/debian:bookworm"


def model_of(
    tmp_path: Path, dockerfile: str, base: FileTree | None = None, **files: str
) -> FileModel:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    for name, content in files.items():
        path = tmp_path / name.replace("__", ".")
        path.write_text(content)
        path.chmod(0o755 if name.endswith("sh") else 0o644)
    ctx = analyze(dockerfile, str(tmp_path / "Dockerfile"), str(tmp_path), base_lookup=False)
    return build(ctx, ContextFiles(ctx), base)


def node(model: FileModel, path: str) -> tuple[str, int | None, int | None, int | None]:
    n = model.lookup(path)
    assert n is not None, path
    return n.type, n.mode, n.uid, n.gid


def test_copy_run_and_useradd_on_an_unknown_base(tmp_path: Path) -> None:
    model = model_of(
        tmp_path,
        "FROM quay.io/acme/base:1\n"
        "RUN useradd -u 1001 -g 0 -m -d /home/app app \\\n"
        " && mkdir -p /run/app /var/lib/app \\\n"
        " && chgrp -R 0 /var/lib/app && chmod -R g=u /var/lib/app\n"
        "COPY --chown=app:0 --chmod=0770 app.conf /etc/app/app.conf\n"
        "COPY start.sh /usr/local/bin/start.sh\n"
        "RUN ln -s /usr/local/bin/start.sh /start\n"
        "WORKDIR /srv/data\n",
        app__conf="port 8080\n",
        start__sh="#!/bin/sh\nexec app\n",
    )
    assert node(model, "/home/app") == ("dir", 0o700, 1001, 0)
    assert node(model, "/run/app") == ("dir", 0o755, 0, 0)
    assert node(model, "/var/lib/app") == ("dir", 0o775, 0, 0)  # g=u of 0755
    assert node(model, "/etc/app/app.conf") == ("file", 0o770, 1001, 0)
    assert node(model, "/usr/local/bin/start.sh") == ("file", 0o755, 0, 0)  # as in the context
    assert node(model, "/start")[0] == "symlink"
    assert node(model, "/srv/data") == ("dir", 0o755, 0, 0)
    # the base is not known: what the Dockerfile did not touch is unknown, not absent
    assert node(model, "/var/log/app") == (UNKNOWN, None, None, None)
    access = AccessModel(model.lookup)
    assert access.can("/var/lib/app/db", Need.WRITE) is True
    assert access.can("/run/app/app.pid", Need.WRITE) is False
    assert access.can("/var/log/app/app.log", Need.WRITE) is None


def _debian_tree() -> FileTree:
    tree = FileTree()
    for path, mode in (("", 0o755), ("etc", 0o755), ("run", 0o755), ("var", 0o755),
                       ("var/log", 0o755), ("tmp", 0o1777)):  # fmt: skip
        tree.put(FileEntry(path, EntryType.DIR, mode, 0, 0))
    tree.put(FileEntry("etc/passwd", EntryType.FILE, 0o644, 0, 0), b"root:x:0:0::/root:/bin/sh\n")
    return tree


def test_a_known_base_decides_and_scripts_writes_are_judged(tmp_path: Path) -> None:
    dockerfile = (
        "FROM localhost/unroot-base/debian:bookworm\n"
        "RUN mkdir -p /run/app && chgrp 0 /run/app && chmod g=u /run/app\n"
        "COPY entry.sh /entry.sh\n"
        "USER 1001:0\n"
        'ENTRYPOINT ["/entry.sh"]\n'
    )
    model = model_of(tmp_path, dockerfile, _debian_tree(), entry__sh="#!/bin/sh\nexec app\n")
    assert node(model, "/run") == ("dir", 0o755, 0, 0)  # from the base
    assert model.lookup("/nonexistent") is None  # a known base: absent is absent
    assert node(model, "/run/app") == ("dir", 0o775, 0, 0)


def test_dockerfile_scan_judges_entrypoint_writes_with_the_model(tmp_path: Path) -> None:
    script = (
        "#!/usr/bin/dumb-init /bin/sh\n"
        "echo ready > /run/app/state\n"
        "touch /var/log/app.log\n"
        'exec "$@"\n'
    )
    (tmp_path / "entry.sh").write_text(script)
    (tmp_path / "entry.sh").chmod(0o755)
    (tmp_path / "Dockerfile").write_text(
        "FROM quay.io/acme/base:1\n"
        "RUN mkdir -p /run/app && chgrp -R 0 /run/app && chmod -R g=u /run/app\n"
        "COPY entry.sh /usr/local/bin/entry.sh\n"
        "RUN ln -s /usr/local/bin/entry.sh /entry\n"
        "USER 1001:0\n"
        'ENTRYPOINT ["/entry"]\n'
        'CMD ["app"]\n'
    )
    target = scan_dockerfile(str(tmp_path), base_lookup=False)
    writes = {f.data["path"]: f for f in target.findings if f.rule == "UR306"}
    # the link and the init wrapper's shebang are followed into the script; /run/app was made
    # group-writable by the Dockerfile; /var/log comes from a base that is not known
    assert "/run/app/state" not in writes
    assert writes["/var/log/app.log"].severity.value == "info"
    assert "not known" in writes["/var/log/app.log"].message


# -- real bases: local storage and a registry ----------------------------------------------


@pytest.mark.slow
@pytest.mark.e2e
def test_base_from_local_storage(
    tmp_path: Path, podman: Podman, base_images: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTAINERS_CONF", str(podman.conf_path))
    (tmp_path / "Dockerfile").write_text(
        f"FROM {DEBIAN}\nRUN mkdir /run/app\nUSER 1001:0\n"
        'CMD ["sh", "-c", "echo 1 > /run/app/pid && exec sleep 1d"]\n'
    )
    target = scan_dockerfile(str(tmp_path), base_lookup=True)
    assert target.info["base_user_source"] == "local"
    [write] = [f for f in target.findings if f.rule == "UR306"]
    # /run/app: made by 'RUN mkdir' as root, 0755: certain, with the reason
    assert write.severity.value == "warning" and "no write permission on /run/app" in write.message


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def registry(tmp_path: Path) -> Iterator[str]:
    """Debian's docker-registry on 127.0.0.1 and a free port, storage in a temp dir."""
    binary = shutil.which("docker-registry")
    if binary is None:
        if os.environ.get("UNROOT_REQUIRE_PODMAN") == "1":
            pytest.fail("docker-registry is required (scripts/install_system_deps.sh)")
        pytest.skip("docker-registry not installed")
    port = _free_port()
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {tmp_path / 'data'}\nhttp:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen(
        [binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("docker-registry did not start")
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.e2e
def test_base_from_a_registry(
    tmp_path: Path,
    podman: Podman,
    base_images: dict[str, str],
    registry: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ref = f"{registry}/unroot-test/debian:bookworm"
    subprocess.run(
        ["skopeo", "copy", "--dest-tls-verify=false", f"containers-storage:{DEBIAN}",
         f"docker://{ref}"],
        check=True, capture_output=True, env=podman.env(), timeout=600,
    )  # fmt: skip
    monkeypatch.setenv("CONTAINERS_CONF", str(podman.conf_path))
    monkeypatch.setenv("UNROOT_BASE_LOOKUP", "registry")
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        f'FROM {ref}\nCMD ["sh", "-c", "echo 1 > /run/app.pid && exec sleep 1d"]\n'
    )
    target = scan_dockerfile(str(context))
    assert target.info["base_user_source"] == "registry"
    assert target.verdict.value == "root"  # the base's own config: no User
    assert "assumed" not in target.info
    [write] = [f for f in target.findings if f.rule == "UR306"]
    assert write.severity.value == "warning" and "no write permission on /run" in write.message

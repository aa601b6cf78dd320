"""From a user's image reference to something podman runs, and what the image config says.

References use the skopeo/podman transport syntax. A bare name or ``containers-storage:NAME``
is run from local storage and never pulled implicitly (a typo must not turn into a registry
lookup). ``oci:DIR[:TAG]``, ``oci-archive:``, ``docker-archive:``, ``dir:`` and ``docker://`` are
copied into local storage under a unique tag with ``skopeo copy`` and untagged afterwards.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from unroot.errors import InputError, ToolError
from unroot.runtime.podman import Podman

COPY_TRANSPORTS = ("oci:", "oci-archive:", "docker-archive:", "dir:", "docker://")
IMPORT_REPO = "localhost/unroot-verify/import"
COPY_TIMEOUT = 900.0
INSPECT_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """The parts of the image config that decide how to run and probe it."""

    ref: str
    """The user's reference, for reports."""
    local: str
    """What podman runs (a local name or image id)."""
    id: str
    user: str = ""
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    exposed: tuple[tuple[int, str], ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    workdir: str = "/"

    def argv(self, command: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The process the container starts (a given command replaces CMD, as podman does)."""
        return self.entrypoint + (command or self.cmd)


def facts_from_inspect(ref: str, local: str, data: Mapping[str, Any]) -> ImageFacts:
    """Pure: ``podman image inspect`` JSON to :class:`ImageFacts`."""
    config = data.get("Config") or {}
    exposed: list[tuple[int, str]] = []
    for key in sorted(config.get("ExposedPorts") or {}):
        port, _, proto = str(key).partition("/")
        if port.isdigit() and 0 < int(port) <= 65535:
            exposed.append((int(port), proto or "tcp"))
    env: dict[str, str] = {}
    for item in config.get("Env") or []:
        key, _, value = str(item).partition("=")
        env[key] = value
    labels = {str(k): str(v) for k, v in (config.get("Labels") or data.get("Labels") or {}).items()}
    return ImageFacts(
        ref=ref,
        local=local,
        id=str(data.get("Id", "")),
        user=str(config.get("User") or ""),
        entrypoint=tuple(str(x) for x in config.get("Entrypoint") or ()),
        cmd=tuple(str(x) for x in config.get("Cmd") or ()),
        exposed=tuple(exposed),
        labels=labels,
        env=env,
        workdir=str(config.get("WorkingDir") or "/"),
    )


@contextmanager
def local_image(podman: Podman, ref: str, *, inspect: bool = True) -> Iterator[ImageFacts]:
    """Yield the facts of ``ref`` as a local image; a copied-in image is untagged afterwards.

    ``inspect=False``: the caller needs only a name podman can run (a missing image then shows
    up as ``podman create``'s error), which saves a podman call.
    """
    ref = ref.strip()
    if not ref or "\0" in ref or "\n" in ref:
        raise InputError("empty or malformed image reference")
    imported: str | None = None
    if ref.startswith(COPY_TRANSPORTS):
        imported = f"{IMPORT_REPO}:{secrets.token_hex(8)}"
        _skopeo_copy(podman, ref, imported)
        local = imported
    else:
        local = ref.removeprefix("containers-storage:")
    try:
        if not inspect:
            yield ImageFacts(ref=ref, local=local, id="")
            return
        proc = podman.run_cmd(
            ["image", "inspect", local], check=False, timeout=INSPECT_TIMEOUT, isolate=True
        )
        if proc.returncode != 0:
            raise InputError(f"image {ref} not found in local storage (podman images lists them)")
        data = json.loads(proc.stdout)
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise ToolError(f"podman image inspect {local}: unexpected output")
        yield facts_from_inspect(ref, local, data[0])
    finally:
        if imported is not None:
            # by name: only this tag goes when another name (or a container) still uses it
            podman.run_cmd(["rmi", imported], check=False, timeout=60, isolate=True)


def _skopeo_copy(podman: Podman, source: str, dest_tag: str) -> None:
    exe = shutil.which("skopeo")
    if exe is None:
        raise ToolError(f"skopeo is needed to run {source} (apt-get install skopeo)")
    argv = [exe, "copy", "--quiet", source, f"containers-storage:{dest_tag}"]
    try:
        proc = subprocess.run(
            argv,
            env=podman.env(),
            capture_output=True,
            text=True,
            timeout=COPY_TIMEOUT,
            check=False,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise ToolError(f"skopeo copy {source} timed out after {COPY_TIMEOUT:g}s") from None
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        why = lines[-1].strip() if lines else f"exit {proc.returncode}"
        raise InputError(f"cannot read image {source}: {why}")


@contextmanager
def mounted_image(podman: Podman, image_id: str) -> Iterator[str | None]:
    """The image's root filesystem on the host (rootful podman only; None otherwise)."""
    if podman.rootless:
        yield None
        return
    try:
        proc = podman.run_cmd(["image", "mount", image_id], check=False, timeout=120, isolate=True)
    except ToolError:
        yield None  # a busy storage lock: derive the probe from the image config instead
        return
    path = proc.stdout.strip().splitlines()[-1] if proc.returncode == 0 and proc.stdout else ""
    try:
        yield path or None
    finally:
        if path:
            with contextlib.suppress(ToolError):
                podman.run_cmd(
                    ["image", "unmount", image_id], check=False, timeout=120, isolate=True
                )


CONFIG_TOPS = ("/etc", "/usr/local/etc", "/usr/share/postgresql", "/usr/local/share/postgresql")
"""Where daemon configs and their globbed includes live (listing all of / costs too much)."""


def configured_ports(
    podman: Podman, facts: ImageFacts, argv: tuple[str, ...]
) -> tuple[tuple[int, str], ...]:
    """The ports the daemon that ``argv`` starts listens on, read from its configuration in
    the image (rootful only: the image is mounted read-only; empty when unknown)."""
    from unroot.daemons.analyze import analyze_files
    from unroot.runtime import rootfs
    from unroot.runtime.probes.derive import daemon_argv

    argv = daemon_argv(argv)
    if not argv:
        return ()
    with mounted_image(podman, facts.id or facts.local) as root:
        if root is None:
            return ()
        analysis = analyze_files(
            lambda path: rootfs.read_text(root, path),
            list_paths=lambda: rootfs.list_paths(root, CONFIG_TOPS),
            hints=[argv],
            env=dict(facts.env),
        )
    out: list[tuple[int, str]] = []
    for cfg in analysis.daemons:
        if cfg.daemon not in analysis.running:
            continue
        for listen in cfg.listen:
            if not listen.default and (listen.port, listen.proto) not in out:
                out.append((listen.port, listen.proto))
    return tuple(out)

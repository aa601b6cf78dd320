"""The public entry point: ``open_image(ref)`` parses the transport syntax and dispatches.

Transports (skopeo/podman syntax): ``oci:DIR[:TAG]``, ``oci-archive:FILE[:TAG]``,
``docker-archive:FILE[:NAME]``, ``containers-storage:NAME``, ``docker://REF``; a bare
name means local podman storage (``containers-storage:``). The first two and the third are
read natively; the others go through ``skopeo copy`` to a temporary OCI layout.
"""

from __future__ import annotations

import os

from unroot.errors import UsageError
from unroot.oci.archive import read_docker_archive, read_oci_archive
from unroot.oci.layers import Progress
from unroot.oci.layout import read_layout
from unroot.oci.limits import Limits
from unroot.oci.model import Image
from unroot.oci.platform import Platform, parse_platform
from unroot.oci.skopeo import read_via_skopeo
from unroot.oci.tree import Capture

TRANSPORTS = ("oci", "oci-archive", "docker-archive", "containers-storage", "docker")


def split_path_suffix(rest: str) -> tuple[str, str]:
    """``PATH[:SUFFIX]``: the shortest existing PATH wins; the suffix may hold colons.

    ``oci:/tmp/x:latest`` -> (``/tmp/x``, ``latest``); ``docker-archive:a.tar:repo/x:1`` ->
    (``a.tar``, ``repo/x:1``); a path that itself contains a colon and exists is taken whole.
    """
    if os.path.exists(rest):
        return rest, ""
    colon = rest.find(":")
    while colon > 0:
        if os.path.exists(rest[:colon]):
            return rest[:colon], rest[colon + 1 :]
        colon = rest.find(":", colon + 1)
    path, sep, suffix = rest.rpartition(":")
    if sep and path and "/" not in suffix:
        return path, suffix
    return rest, ""


def parse_ref(ref: str) -> tuple[str, str]:
    """(transport, rest) for an image reference."""
    if ref.startswith("docker://"):
        return "docker", ref[len("docker://") :]
    transport, sep, rest = ref.partition(":")
    if sep and transport in TRANSPORTS and transport != "docker":
        if not rest:
            raise UsageError(f"image reference {ref!r} has nothing after {transport}:")
        return transport, rest
    return "containers-storage", ref


def open_image(
    ref: str,
    *,
    platform: str | None = None,
    progress: Progress | None = None,
    capture: Capture | None = None,
    limits: Limits | None = None,
    tls_verify: bool = True,
) -> Image:
    """Read and scan an image: config plus the merged tree of all layers, in one pass.

    ``progress(index, total, layer)`` is called before each layer. ``capture(path, size)``
    picks the files whose content is kept (default: :func:`unroot.oci.tree.default_capture`
    with the config's ENTRYPOINT/CMD paths). Bad or hostile input raises ``InputError``;
    a failing skopeo raises ``ToolError``; a malformed ``platform`` raises ``UsageError``.
    """
    plat: Platform | None = parse_platform(platform) if platform else None
    transport, rest = parse_ref(ref)
    if transport == "oci":
        path, tag = split_path_suffix(rest)
        return read_layout(
            path, ref, tag=tag, platform=plat, progress=progress, capture=capture, limits=limits
        )
    if transport == "oci-archive":
        path, tag = split_path_suffix(rest)
        return read_oci_archive(
            path, ref, tag=tag, platform=plat, progress=progress, capture=capture, limits=limits
        )
    if transport == "docker-archive":
        path, name = split_path_suffix(rest)
        return read_docker_archive(
            path, ref, name=name, progress=progress, capture=capture, limits=limits
        )
    source = f"docker://{rest}" if transport == "docker" else f"containers-storage:{rest}"
    return read_via_skopeo(
        source,
        ref,
        platform=plat,
        tls_verify=tls_verify,
        progress=progress,
        capture=capture,
        limits=limits,
    )

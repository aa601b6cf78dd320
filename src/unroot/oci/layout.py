"""Read an OCI image layout (``oci:DIR[:TAG]``), or one inside a tar (``oci-archive:FILE``).

Resolution: ``index.json`` -> (tag via ``org.opencontainers.image.ref.name``) -> nested
indexes, picking the requested platform -> manifest -> config + layers. Every blob read here
is checked against its descriptor's digest and size; layers are checked while they stream.
"""

from __future__ import annotations

import hashlib
from typing import Any

from unroot.errors import InputError
from unroot.oci.blobs import DirSource, Source, blob_path, check_digest, read_small
from unroot.oci.config import parse_config
from unroot.oci.jsonio import get_int, get_list, get_obj, get_str, parse_object
from unroot.oci.layers import LayerSpec, Progress, Resolved, build_image
from unroot.oci.limits import Limits
from unroot.oci.model import Image, LayerInfo
from unroot.oci.platform import Platform, host_platform
from unroot.oci.tree import Capture

INDEX_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)
MANIFEST_TYPES = frozenset(
    {
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    }
)
REF_NAME = "org.opencontainers.image.ref.name"
MAX_DEPTH = 4


def read_blob(source: Source, desc: dict[str, Any], what: str) -> bytes:
    """A small blob (manifest, config), verified against its descriptor."""
    digest = check_digest(desc.get("digest"), what)
    data = read_small(source, blob_path(digest), what)
    size = get_int(desc, "size", what)
    if size is not None and size != len(data):
        raise InputError(f"{what} {digest}: size is {len(data)} bytes, descriptor says {size}")
    algo, _, expected = digest.partition(":")
    if hashlib.new(algo, data).hexdigest() != expected:
        raise InputError(f"{what} {digest}: digest mismatch")
    return data


def _descriptors(doc: dict[str, Any], what: str) -> list[dict[str, Any]]:
    out = []
    for item in get_list(doc, "manifests", what):
        if not isinstance(item, dict):
            raise InputError(f"{what}: a 'manifests' entry is not an object")
        check_digest(item.get("digest"), f"{what} entry")
        out.append(item)
    return out


def _platform_of(desc: dict[str, Any], what: str) -> tuple[str, str, str] | None:
    plat = get_obj(desc, "platform", what)
    if not plat:
        return None
    return (
        get_str(plat, "os", what),
        get_str(plat, "architecture", what),
        get_str(plat, "variant", what),
    )


def _pick_platform(descs: list[dict[str, Any]], platform: Platform, what: str) -> dict[str, Any]:
    seen: list[str] = []
    for desc in descs:
        plat = _platform_of(desc, what)
        if plat is None:
            continue
        if plat[0] == "unknown":  # build attestations
            continue
        seen.append("/".join(p for p in plat if p))
        if platform.matches(*plat):
            return desc
    if not seen and len(descs) == 1:
        return descs[0]
    have = ", ".join(seen) or "none"
    raise InputError(f"{what} has no image for platform {platform} (available: {have})")


def resolve_manifest(
    source: Source, tag: str, platform: Platform | None
) -> tuple[dict[str, Any], str, str]:
    """Find the image manifest: returns (manifest, its digest, platform string)."""
    label = source.label
    if not source.exists("oci-layout"):
        raise InputError(f"{label}: not an OCI image layout (no oci-layout file)")
    layout = parse_object(read_small(source, "oci-layout", "oci-layout"), f"{label}: oci-layout")
    get_str(layout, "imageLayoutVersion", f"{label}: oci-layout", required=True)
    index = parse_object(read_small(source, "index.json", "index"), f"{label}: index.json")
    descs = _descriptors(index, f"{label}: index.json")
    if not descs:
        raise InputError(f"{label}: index.json lists no images")
    if tag:
        tagged = [d for d in descs if _annotation(d, REF_NAME) == tag]
        if not tagged:
            tags = sorted({t for d in descs if (t := _annotation(d, REF_NAME))})
            raise InputError(
                f"{label}: no image tagged {tag!r} (tags: {', '.join(tags) or 'none'})"
            )
        descs = tagged
    want = platform or host_platform()
    if len(descs) > 1:
        if any(_platform_of(d, "index.json") for d in descs):
            desc = _pick_platform(descs, want, f"{label}: index.json")
        else:
            tags = sorted({t for d in descs if (t := _annotation(d, REF_NAME))})
            raise InputError(
                f"{label}: the layout holds {len(descs)} images; name one as oci:DIR:TAG "
                f"(tags: {', '.join(tags) or 'none'})"
            )
    else:
        desc = descs[0]
    for depth in range(MAX_DEPTH + 1):
        what = f"{label}: manifest"
        data = read_blob(source, desc, what)
        doc = parse_object(data, what)
        media = get_str(desc, "mediaType", what) or get_str(doc, "mediaType", what)
        if media in INDEX_TYPES or ("manifests" in doc and "layers" not in doc):
            if depth == MAX_DEPTH:
                raise InputError(f"{label}: image indexes nested more than {MAX_DEPTH} deep")
            desc = _pick_platform(_descriptors(doc, f"{label}: index"), want, f"{label}: index")
            continue
        if media and media not in MANIFEST_TYPES:
            raise InputError(f"{label}: unsupported manifest media type {media!r}")
        plat = _platform_of(desc, what)
        return doc, desc["digest"], "/".join(p for p in plat if p) if plat else ""
    raise AssertionError("unreachable")


def _annotation(desc: dict[str, Any], key: str) -> str:
    ann = desc.get("annotations")
    if isinstance(ann, dict):
        value = ann.get(key)
        if isinstance(value, str):
            return value
    return ""


def resolve(source: Source, ref: str, tag: str = "", platform: Platform | None = None) -> Resolved:
    """Everything needed to scan the image, without reading its layers."""
    manifest, manifest_digest, plat = resolve_manifest(source, tag, platform)
    what = f"{source.label}: manifest {manifest_digest}"
    config_desc = get_obj(manifest, "config", what, required=True)
    config_data = read_blob(source, config_desc, f"{source.label}: config")
    config = parse_config(config_data, f"{source.label}: config")
    layers: list[LayerSpec] = []
    for item in get_list(manifest, "layers", what, required=True):
        if not isinstance(item, dict):
            raise InputError(f"{what}: a layer descriptor is not an object")
        digest = check_digest(item.get("digest"), f"{what} layer")
        size = get_int(item, "size", f"{what} layer")
        info = LayerInfo(
            digest=digest,
            media_type=get_str(item, "mediaType", f"{what} layer"),
            size=size or 0,
        )
        layers.append(
            LayerSpec(
                info=info,
                source=source,
                name=blob_path(digest),
                expected_digest=digest,
                expected_size=size,
            )
        )
    _attach_diff_ids(config.raw, layers)
    if not plat and config.os:
        plat = "/".join(p for p in (config.os, config.architecture, config.variant) if p)
    return Resolved(
        ref=ref,
        config=config,
        layers=layers,
        manifest_digest=manifest_digest,
        config_digest=config_desc["digest"],
        platform=plat,
    )


def _attach_diff_ids(raw: dict[str, Any], layers: list[LayerSpec]) -> None:
    rootfs = raw.get("rootfs")
    if not isinstance(rootfs, dict):
        return
    diff_ids = rootfs.get("diff_ids")
    if not isinstance(diff_ids, list) or len(diff_ids) != len(layers):
        return
    for spec, diff in zip(layers, diff_ids, strict=True):
        if isinstance(diff, str):
            info = spec.info
            spec.info = LayerInfo(info.digest, info.media_type, info.size, diff)


def read_layout(
    path: str,
    ref: str,
    *,
    tag: str = "",
    platform: Platform | None = None,
    progress: Progress | None = None,
    capture: Capture | None = None,
    limits: Limits | None = None,
) -> Image:
    """``oci:DIR[:TAG]``."""
    source = DirSource(path)
    return build_image(
        resolve(source, ref, tag, platform), progress=progress, capture=capture, limits=limits
    )

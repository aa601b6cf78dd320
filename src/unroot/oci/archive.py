"""Read ``oci-archive:FILE[:TAG]`` and ``docker-archive:FILE[:NAME]`` in place (no extraction).

An oci-archive is a tar of an OCI layout: the layout reader runs over a :class:`TarSource`.

A docker-archive (``docker save`` / ``podman save``) has ``manifest.json``:
``[{"Config": "<file>", "RepoTags": [...], "Layers": ["<file>", ...]}]``. Older saves only
have ``repositories`` plus one directory per layer (``<id>/json``, ``<id>/layer.tar``)
chained by ``parent``. Verification: the config file is checked against its name when the
name is a digest; a layer named ``blobs/sha256/<hex>`` is checked against that digest, any
other layer against its ``rootfs.diff_ids`` entry when stored uncompressed.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from unroot.errors import InputError
from unroot.oci import layout
from unroot.oci.blobs import TarSource, read_small
from unroot.oci.config import parse_config
from unroot.oci.jsonio import get_list, get_str, get_str_list, parse_any, parse_object
from unroot.oci.layers import LayerSpec, Progress, Resolved, build_image
from unroot.oci.limits import Limits
from unroot.oci.model import Image, LayerInfo
from unroot.oci.platform import Platform
from unroot.oci.tree import Capture
from unroot.untrusted import is_decimal

DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
_HEX = re.compile(r"(?:^|/)(?:sha256[:/])?([0-9a-f]{64})(?:\.json|\.tar)?$")


def read_oci_archive(
    path: str,
    ref: str,
    *,
    tag: str = "",
    platform: Platform | None = None,
    progress: Progress | None = None,
    capture: Capture | None = None,
    limits: Limits | None = None,
) -> Image:
    source = TarSource(path)
    try:
        resolved = layout.resolve(source, ref, tag, platform)
        return build_image(resolved, progress=progress, capture=capture, limits=limits)
    finally:
        source.close()


def read_docker_archive(
    path: str,
    ref: str,
    *,
    name: str = "",
    progress: Progress | None = None,
    capture: Capture | None = None,
    limits: Limits | None = None,
) -> Image:
    source = TarSource(path)
    try:
        resolved = resolve_docker(source, ref, name)
        return build_image(resolved, progress=progress, capture=capture, limits=limits)
    finally:
        source.close()


def resolve_docker(source: TarSource, ref: str, name: str = "") -> Resolved:
    label = source.label
    if source.exists("manifest.json"):
        return _resolve_manifest_json(source, ref, name)
    if source.exists("repositories"):
        return _resolve_repositories(source, ref, name)
    raise InputError(f"{label}: not a docker archive (no manifest.json or repositories)")


def _resolve_manifest_json(source: TarSource, ref: str, name: str) -> Resolved:
    label = source.label
    what = f"{label}: manifest.json"
    doc = parse_any(read_small(source, "manifest.json", "manifest.json"), what)
    if not isinstance(doc, list) or not doc or not all(isinstance(d, dict) for d in doc):
        raise InputError(f"{what} is not a non-empty list of objects")
    entry = _pick_entry(doc, name, what)
    config_name = get_str(entry, "Config", what, required=True)
    config_data = read_small(source, config_name, "config")
    config_digest = _verify_named(config_name, config_data, f"{label}: config")
    config = parse_config(config_data, f"{label}: config")
    layer_names = get_list(entry, "Layers", what, required=True)
    if not all(isinstance(n, str) for n in layer_names):
        raise InputError(f"{what}: 'Layers' is not a list of strings")
    diff_ids = _diff_ids(config.raw, len(layer_names))
    layers: list[LayerSpec] = []
    for i, layer_name in enumerate(layer_names):
        if not source.exists(layer_name):
            raise InputError(f"{label}: layer {layer_name} is missing")
        size = source.size(layer_name)
        diff_id = diff_ids[i] if diff_ids else ""
        blob_digest = ""
        if layer_name.startswith("blobs/"):
            match = _HEX.search(layer_name)
            if match:
                blob_digest = f"sha256:{match.group(1)}"
        digest = blob_digest or diff_id or f"{label}:{layer_name}"
        layers.append(
            LayerSpec(
                info=LayerInfo(digest=digest, media_type=DOCKER_LAYER, size=size, diff_id=diff_id),
                source=source,
                name=layer_name,
                expected_digest=blob_digest or diff_id,
                expected_size=size,
                digest_of_uncompressed_only=not blob_digest,
            )
        )
    plat = "/".join(p for p in (config.os, config.architecture, config.variant) if p)
    return Resolved(
        ref=ref, config=config, layers=layers, config_digest=config_digest, platform=plat
    )


def _pick_entry(doc: list[dict[str, Any]], name: str, what: str) -> dict[str, Any]:
    if not name:
        if len(doc) > 1:
            raise InputError(
                f"{what} holds {len(doc)} images; name one as docker-archive:FILE:NAME"
            )
        return doc[0]
    wanted = {name, f"{name}:latest", f"localhost/{name}", f"localhost/{name}:latest"}
    for entry in doc:
        tags = get_str_list(entry, "RepoTags", what) or []
        if wanted.intersection(tags):
            return entry
    if is_decimal(name) and int(name) < len(doc):
        return doc[int(name)]
    raise InputError(f"{what} has no image named {name!r}")


def _verify_named(name: str, data: bytes, what: str) -> str:
    """Check a file whose name is its sha256 digest; return the digest ('' if unnamed)."""
    actual = hashlib.sha256(data).hexdigest()
    match = _HEX.search(name)
    if match and match.group(1) != actual:
        raise InputError(f"{what} {name}: digest mismatch (content is sha256:{actual})")
    return f"sha256:{actual}"


def _diff_ids(raw: dict[str, Any], count: int) -> list[str]:
    rootfs = raw.get("rootfs")
    if not isinstance(rootfs, dict):
        return []
    ids = rootfs.get("diff_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return []
    if len(ids) != count:
        raise InputError(f"config lists {len(ids)} diff_ids but the archive has {count} layers")
    for i in ids:
        if not _HEX.search(i) or not i.startswith("sha256:"):
            raise InputError(f"config has an invalid diff_id {i[:80]!r}")
    return list(ids)


def _resolve_repositories(source: TarSource, ref: str, name: str) -> Resolved:
    """The pre-1.10 ``docker save`` format: a parent chain of v1 layer directories."""
    label = source.label
    what = f"{label}: repositories"
    repos = parse_object(read_small(source, "repositories", "repositories"), what)
    top = ""
    for repo, tags in repos.items():
        if not isinstance(tags, dict):
            raise InputError(f"{what}: {repo!r} is not an object")
        for tag, layer_id in tags.items():
            if not isinstance(layer_id, str):
                raise InputError(f"{what}: {repo}:{tag} is not a layer id")
            if not name or name in (repo, f"{repo}:{tag}"):
                if top and top != layer_id and not name:
                    raise InputError(f"{what} holds several images; name one")
                top = layer_id
    if not top:
        raise InputError(f"{what} has no image {name!r}" if name else f"{what} is empty")
    chain: list[str] = []
    seen: set[str] = set()
    current = top
    top_json: dict[str, Any] | None = None
    while current:
        if current in seen or len(chain) > 500 or not re.fullmatch(r"[0-9a-f]{64}", current):
            raise InputError(f"{what}: broken layer chain at {current[:80]!r}")
        seen.add(current)
        meta = parse_object(read_small(source, f"{current}/json", "layer json"), f"{label}: json")
        if top_json is None:
            top_json = meta
        chain.append(current)
        current = get_str(meta, "parent", f"{label}: {current}/json")
    chain.reverse()
    assert top_json is not None
    config_data = read_small(source, f"{top}/json", "layer json")
    config = parse_config(config_data, f"{label}: {top}/json")
    layers = []
    for layer_id in chain:
        member = f"{layer_id}/layer.tar"
        if not source.exists(member):
            raise InputError(f"{label}: {member} is missing")
        size = source.size(member)
        layers.append(
            LayerSpec(
                info=LayerInfo(digest=f"v1:{layer_id}", media_type=DOCKER_LAYER, size=size),
                source=source,
                name=member,
                expected_size=size,
            )
        )
    plat = "/".join(p for p in (config.os, config.architecture) if p)
    return Resolved(ref=ref, config=config, layers=layers, platform=plat)

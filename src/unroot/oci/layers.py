"""Stream an image's layers once, in order, into a merged tree, and assemble the Image.

Readers (layout, archive) only resolve *what* to read: the config and a list of
:class:`LayerSpec`. This module does the one pass: open each blob, decode it
(:mod:`unroot.oci.decompress`), parse the tar (:mod:`unroot.oci.tarstream`), merge it
(:mod:`unroot.oci.tree`), then verify the blob's size and digest from the same pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from unroot.errors import InputError
from unroot.oci.blobs import Source
from unroot.oci.config import startup_paths
from unroot.oci.decompress import LayerStream, Limits
from unroot.oci.model import Image, ImageConfig, LayerInfo
from unroot.oci.tarstream import iter_tar
from unroot.oci.tree import Capture, TreeBuilder, default_capture

Progress = Callable[[int, int, LayerInfo], None]


@dataclass(slots=True)
class LayerSpec:
    """One layer to stream: where its bytes are and what they must hash to."""

    info: LayerInfo
    source: Source
    name: str
    """Path of the blob inside the source."""
    expected_digest: str = ""
    expected_size: int | None = None
    digest_of_uncompressed_only: bool = False
    """The digest is a diff_id: only checkable when the blob is stored uncompressed."""


@dataclass(slots=True)
class Resolved:
    """What a reader found: enough to build the Image without reading the layers yet."""

    ref: str
    config: ImageConfig
    layers: list[LayerSpec]
    manifest_digest: str = ""
    config_digest: str = ""
    platform: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def build_image(
    resolved: Resolved,
    *,
    progress: Progress | None = None,
    capture: Capture | None = None,
    limits: Limits | None = None,
) -> Image:
    """Stream every layer of ``resolved`` once and return the scanned Image."""
    if capture is None:
        capture = default_capture(startup_paths(resolved.config))
    builder = TreeBuilder(capture)
    total = len(resolved.layers)
    for index, spec in enumerate(resolved.layers):
        if progress is not None:
            progress(index, total, spec.info)
        scan_layer(builder, spec, index, limits)
    return Image(
        ref=resolved.ref,
        config=resolved.config,
        layers=[spec.info for spec in resolved.layers],
        tree=builder.tree(),
        manifest_digest=resolved.manifest_digest,
        config_digest=resolved.config_digest,
        platform=resolved.platform,
    )


def scan_layer(
    builder: TreeBuilder, spec: LayerSpec, index: int, limits: Limits | None = None
) -> None:
    """Decode, parse, merge and verify one layer in a single pass over its bytes."""
    raw, length = spec.source.open(spec.name)
    stream: LayerStream | None = None
    digest = spec.info.digest
    short = digest[:19] if digest.startswith("sha256:") else (digest or spec.name)
    label = f"layer {index + 1} ({short})"
    try:
        stream = LayerStream(
            raw,
            media_type=spec.info.media_type,
            expected_digest=spec.expected_digest,
            expected_size=spec.expected_size,
            read_limit=length,
            limits=limits,
            label=label,
            digest_of_uncompressed_only=spec.digest_of_uncompressed_only,
        )
        entries = iter_tar(stream.chunks(), want=builder.want, max_data=builder.max_file)
        builder.apply(entries, spec.info.digest, index)
        stream.finish()
    except InputError as exc:
        message = str(exc)
        if message.startswith(label):
            raise
        raise InputError(f"{label}: {message}") from None
    finally:
        if stream is not None:
            stream.close()
        raw.close()

"""The image reader's budgets: every one is a documented limit (``docs/limits.md``) whose
breach is a one-line :class:`~unroot.errors.InputError`, never a hang or an unbounded
allocation.

Two kinds live here. Policy budgets bound the work and memory one image may cost (decoded
bytes, tar members, path bytes, repeated layers) and can be raised through ``UNROOT_*``
environment variables. Kernel and runtime constants (``PATH_MAX``, ``NAME_MAX``, Go's
1 MiB cap on extended headers) are what the container runtime itself enforces while
extracting a layer, so they are not configurable: an image past them cannot run anyway.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from unroot.errors import UsageError

PATH_MAX = 4096
"""Linux ``PATH_MAX``: a path handed to the kernel, with its trailing NUL, must be shorter.
So a member name (which the extractor prefixes with ``/``) has at most 4094 bytes and a
symlink target at most 4095: no extractor can create longer ones."""
NAME_MAX = 255
"""Longest single path component the kernel accepts (``NAME_MAX``)."""
MAX_META = 1 << 20
"""Largest PAX header, GNU long name/link or sparse map (Go's ``archive/tar`` refuses
anything above 1 MiB, so a layer past it cannot be extracted by the runtime)."""
MAX_ID = (1 << 32) - 2
"""Largest uid/gid the kernel stores: ``chown`` truncates to 32 bits and reads
4294967295 as "leave unchanged", so a larger value would not be what it says."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Budgets for reading one image (policy, configurable through the environment)."""

    max_uncompressed: int = 64 << 30
    """Largest uncompressed layer (64 GiB). ``UNROOT_MAX_LAYER_BYTES``."""
    max_ratio: int = 2000
    """Largest uncompressed/compressed ratio of a layer once past ``ratio_floor`` (gzip
    cannot exceed ~1032, so only bombs meet it). ``UNROOT_MAX_LAYER_RATIO``."""
    ratio_floor: int = 256 << 20
    """The ratio is only judged once this many bytes came out (tiny layers compress well)."""
    max_image_bytes: int = 64 << 30
    """Bytes decoded for one image, all layers together (64 GiB). ``UNROOT_MAX_IMAGE_BYTES``."""
    max_entries: int = 500_000
    """Tar members read for one image, all layers together. ``UNROOT_MAX_ENTRIES``. The
    merged tree costs ~230 bytes per entry plus its name, so this keeps a scan at its caps
    near 200 MB."""
    max_path_bytes: int = 64 << 20
    """Bytes of member names read for one image, all layers together (64 MiB).
    ``UNROOT_MAX_PATH_BYTES``."""
    max_repeated_layer_bytes: int = 64 << 20
    """A layer blob the manifest lists more than once is decoded once and its entries kept
    for the repeats; it may decode to at most this many bytes (64 MiB).
    ``UNROOT_MAX_REPEATED_LAYER_BYTES``."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Defaults, each overridden by its ``UNROOT_*`` variable (a positive integer)."""
        env = os.environ if environ is None else environ
        limits = cls()
        for f in fields(cls):
            var = _ENV.get(f.name)
            if var is None:
                continue
            text = env.get(var, "").strip()
            if not text:
                continue
            if not (text.isascii() and text.isdigit()) or len(text) > 19:
                raise UsageError(f"{var} must be a whole number, not {text[:40]!r}")
            value = int(text)
            if value <= 0:
                raise UsageError(f"{var} must be positive")
            limits = replace(limits, **{f.name: value})
        return limits


_ENV = {
    "max_uncompressed": "UNROOT_MAX_LAYER_BYTES",
    "max_ratio": "UNROOT_MAX_LAYER_RATIO",
    "max_image_bytes": "UNROOT_MAX_IMAGE_BYTES",
    "max_entries": "UNROOT_MAX_ENTRIES",
    "max_path_bytes": "UNROOT_MAX_PATH_BYTES",
    "max_repeated_layer_bytes": "UNROOT_MAX_REPEATED_LAYER_BYTES",
}
"""Limit field -> environment variable (the names ``docs/limits.md`` documents)."""

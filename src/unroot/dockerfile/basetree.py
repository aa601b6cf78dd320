"""The final stage's base image as a file tree, when it can be had: for the Dockerfile's file
model (:mod:`unroot.dockerfile.filemodel`).

Where it comes from, controlled by ``UNROOT_BASE_LOOKUP``:

- ``1`` (default): local podman storage, when the base is there (the same lookup that reads
  its USER; see :mod:`unroot.dockerfile.baseimage`);
- ``registry``: local storage, else the registry, through ``skopeo`` (``docker://``); a
  registry on ``localhost``/``127.0.0.1`` is spoken to without TLS, as local test
  registries are;
- ``0``: never (the base is then not known, and the file model says "unknown").

Reading a base costs what reading any image costs (its layers are streamed once); failures
(no network, a registry that refuses) leave the base unknown rather than failing the scan.
"""

from __future__ import annotations

import os

from unroot.dockerfile.baseimage import BaseInfo
from unroot.errors import InputError, ToolError
from unroot.oci.model import FileTree, Image


def lookup_mode(base_lookup: bool | None) -> str:
    """ "0", "1" or "registry" from the argument, else the environment."""
    if base_lookup is False:
        return "0"
    env = os.environ.get("UNROOT_BASE_LOOKUP", "1").strip().lower()
    if env in ("0", "false", "no"):
        return "0" if base_lookup is None else "1"
    return "registry" if env == "registry" else "1"


def base_image(base: BaseInfo, mode: str) -> Image | None:
    """The base image read in full, or None when it is not available (or lookups are off)."""
    if mode == "0" or (base.source in ("scratch", "known") and mode != "registry"):
        return None
    from unroot.oci.load import open_image  # late: only Dockerfile scans with a base need it

    refs: list[tuple[str, bool]] = []
    if base.source == "local":
        refs.append((f"containers-storage:{base.normalized}", True))
    if mode == "registry" and base.source != "scratch":
        host = base.normalized.split("/", 1)[0]
        local = host.split(":", 1)[0] in ("localhost", "127.0.0.1", "[::1]")
        refs.append((f"docker://{base.normalized}", not local))
    for ref, tls in refs:
        try:
            return open_image(ref, tls_verify=tls)
        except (InputError, ToolError, OSError):
            continue
    return None


def resolve_base(base: BaseInfo, mode: str) -> tuple[BaseInfo, FileTree | None]:
    """``base`` completed from the image itself when it could be read (its config then
    decides the user, as for a local base), and its tree; scratch is an empty tree."""
    if base.source == "scratch":
        return base, FileTree()
    image = base_image(base, mode)
    if image is None:
        return base, None
    if base.source == "local":
        return base, image.tree
    raw = image.config.raw.get("config")
    config = dict(raw) if isinstance(raw, dict) else {}
    note = f"read from {base.normalized} through skopeo"
    completed = BaseInfo(base.ref, base.normalized, image.config.user, "registry", note, config)
    return completed, image.tree

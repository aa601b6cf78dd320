"""Image names as registries and container storage spell them, for references taken from
untrusted content.

A workload's ``image:`` field or an AdmissionReview is written by whoever submits it. Such a
reference may only *name* an image: ``registry[:port]/path[:tag][@digest]`` in the grammar of
the distribution reference library that podman, CRI-O and containerd use. A transport
(``oci:/dir``, ``docker-archive:/etc/shadow``), a storage specifier
(``[vfs@/any/dir+/run]name``) or a path would make the scanner open host files or create
storage trees where the author chooses; only the command line may name those.
"""

from __future__ import annotations

import re

MAX_NAME = 255
"""Longest repository name the distribution grammar accepts."""

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:.]+\])(?::[0-9]{{1,5}})?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(
    rf"(?P<name>(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)(?::{_TAG})?(?:@{_DIGEST})?",
    re.ASCII,
)


def name_problem(ref: str) -> str | None:
    """Why ``ref`` is not a plain image name (None when it is one)."""
    if len(ref) > 2 * MAX_NAME + 200:
        return "longer than any image reference"
    match = _REFERENCE.fullmatch(ref)
    if match is None:
        if ref.startswith("[") or "@/" in ref or "+/" in ref:
            return "a storage specifier, not an image name"
        if ":" in ref.split("/", 1)[0] and not re.fullmatch(r"[^/]+:[0-9]+(/.*)?", ref):
            return "a transport or a path, not an image name"
        if ref.startswith(("/", ".", "~")):
            return "a path, not an image name"
        return "not a valid image reference"
    if len(match.group("name")) > MAX_NAME:
        return f"a repository name longer than {MAX_NAME} characters"
    return None

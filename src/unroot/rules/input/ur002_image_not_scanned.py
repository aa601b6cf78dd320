"""UR002: an image `unroot check --image-scan` could not read."""

from __future__ import annotations

from unroot.findings import Category, Descriptor, Severity

RULE = Descriptor(
    id="UR002",
    kind="input",
    category=Category.INPUT,
    severity=Severity.INFO,
    title="image not scanned",
    rationale=(
        "With --image-scan, each container's image is read to combine its USER with the pod; "
        "an image that is not in local storage or cannot be read is skipped, so the checks "
        "that need it (UR503) say nothing about that container. A workload may only name an "
        "image (a registry or container-storage name): an image: field holding a transport "
        "(oci:, docker-archive:), a path or a [driver@root+run] storage specifier is reported "
        "here and never opened, since whoever writes the manifest could otherwise make the "
        "scanner read host files or create storage anywhere."
    ),
    fix="pull the image into local podman storage, or map its name to a layout or archive on "
    "the command line: --image-source NAME=oci:DIR (or oci-archive:FILE, docker-archive:FILE)",
    docs="The message carries the reader's error.",
)

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
        "that need it (UR503) say nothing about that container."
    ),
    fix="pull the image into local podman storage, or name it with a transport unroot can read "
    "(oci:, oci-archive:, docker-archive:, containers-storage:, docker://)",
    docs="The message carries the reader's error.",
)

#!/usr/bin/env python3
"""Build an example directory (a Containerfile plus its files) into a local podman image.

Goes through unroot's podman adapter so the host's quirks (runtime, cgroup manager, ulimits)
are handled the same way as in the tests. Usage: scripts/build_example.py CONTEXT TAG
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from unroot.errors import UnrootError
from unroot.runtime.podman import Podman


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build an example image with podman.")
    parser.add_argument("context", type=Path)
    parser.add_argument("tag")
    args = parser.parse_args(argv)
    try:
        image_id = Podman.detect().build(args.context, args.tag, stream=True)
    except UnrootError as exc:
        print(f"build_example: {exc}", file=sys.stderr)
        return 2
    print(f"build_example: {args.tag} = {image_id[:12]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

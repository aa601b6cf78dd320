"""Reach ``containers-storage:``, bare names and ``docker://`` through ``skopeo copy``.

skopeo copies the image into a temporary OCI layout (removed afterwards, also on error
and when the scan is interrupted or terminated), which the native layout reader then
scans. skopeo's own temporary files go below the same directory (its ``TMPDIR``), so a
skopeo killed mid-copy leaves nothing behind either. For a multi-arch source the platform
is passed as ``--override-os/--override-arch/--override-variant`` so skopeo picks the same
image the user asked for.

Layers stored uncompressed at the source (``containers-storage:`` keeps them so) are copied
uncompressed (``--dest-oci-accept-uncompressed-layers``): re-compressing them into the
temporary layout only to decompress them again cost several times the scan itself. Layers that
are compressed at the source are copied as they are. Either way the layout reader checks every
blob against its digest, as for any other layout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from unroot.errors import ToolError
from unroot.oci.cleanup import signals_held
from unroot.oci.layers import Progress
from unroot.oci.layout import read_layout
from unroot.oci.limits import Limits
from unroot.oci.model import Image
from unroot.oci.platform import Platform
from unroot.oci.tree import Capture

SKOPEO_TIMEOUT = 3600


def skopeo_args(source: str, dest: str, platform: Platform | None, tls_verify: bool) -> list[str]:
    args = ["skopeo"]
    if platform is not None:
        args += ["--override-os", platform.os, "--override-arch", platform.arch]
        if platform.variant:
            args += ["--override-variant", platform.variant]
    args += ["copy", "--quiet", "--dest-oci-accept-uncompressed-layers"]
    if not tls_verify and source.startswith("docker://"):
        args.append("--src-tls-verify=false")
    args += [source, dest]
    return args


def read_via_skopeo(
    source: str,
    ref: str,
    *,
    platform: Platform | None = None,
    tls_verify: bool = True,
    progress: Progress | None = None,
    capture: Capture | None = None,
    limits: Limits | None = None,
) -> Image:
    """Copy ``source`` (a skopeo transport reference) to a temp layout and scan it."""
    if shutil.which("skopeo") is None:
        raise ToolError(f"skopeo is needed to read {source} but is not installed")
    tmp = tempfile.mkdtemp(prefix="unroot-skopeo-")
    try:
        layout_dir = os.path.join(tmp, "layout")
        scratch = os.path.join(tmp, "tmp")
        os.mkdir(scratch)
        args = skopeo_args(source, f"oci:{layout_dir}:image", platform, tls_verify)
        env = {**os.environ, "TMPDIR": scratch}
        try:
            proc = subprocess.run(
                args,
                capture_output=True,
                text=True,
                timeout=SKOPEO_TIMEOUT,
                check=False,
                env=env,
            )
        except subprocess.TimeoutExpired:
            raise ToolError(f"skopeo copy {source} timed out") from None
        except OSError as exc:
            raise ToolError(f"cannot run skopeo: {exc.strerror}") from None
        if proc.returncode != 0:
            lines = [line for line in proc.stderr.splitlines() if line.strip()]
            last = lines[-1].strip() if lines else f"exit code {proc.returncode}"
            raise ToolError(f"skopeo copy {source} failed: {last}")
        return read_layout(
            layout_dir, ref, tag="image", progress=progress, capture=capture, limits=limits
        )
    finally:
        with signals_held():
            shutil.rmtree(tmp, ignore_errors=True)

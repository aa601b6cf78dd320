"""``unroot scan TARGET...``: scan images (any transport) or Dockerfiles and report why they
need root. Wiring only: classification of the arguments, progress, output and exit code.
"""

from __future__ import annotations

import io
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click

from unroot.errors import InputError, UsageError
from unroot.findings import Severity, Target
from unroot.oci.model import LayerInfo

IMAGE_TRANSPORTS = ("oci:", "oci-archive:", "docker-archive:", "containers-storage:", "docker://")

ProgressFn = Callable[[int, int, LayerInfo], None]


def classify(arg: str) -> tuple[str, str]:
    """("image", ref) or ("dockerfile", path) for one command-line target.

    A transport prefix always means an image. An existing directory is an OCI layout when it
    has ``oci-layout`` or ``index.json``, else a build context holding a Dockerfile; an
    existing file is a Dockerfile unless it is a tar archive (then the transport must be
    spelled out). Anything else is an image name in local podman storage.
    """
    if arg.startswith(IMAGE_TRANSPORTS):
        return "image", arg
    path = Path(arg)
    if path.is_dir():
        if (path / "oci-layout").is_file() or (path / "index.json").is_file():
            return "image", f"oci:{arg}"
        return "dockerfile", arg
    if path.is_file():
        if _is_tar(path):
            raise UsageError(
                f"{arg} is an archive: say which kind, e.g. 'oci-archive:{arg}' or "
                f"'docker-archive:{arg}'"
            )
        return "dockerfile", arg
    if path.is_symlink() or path.exists():  # a FIFO, a device, a dangling link: refused later
        return "dockerfile", arg
    if not arg.strip():
        raise UsageError("empty target")
    return "image", arg


def _is_tar(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    compressed = head[:2] == b"\x1f\x8b" or head[:4] == b"\x28\xb5\x2f\xfd"
    return (len(head) == 512 and head[257:262] == b"ustar") or compressed


def _scan_dockerfile(path: str, target: str | None, platform: str | None) -> Target:
    from unroot.pipeline.dockerfile import scan_dockerfile  # imported late: image scans skip it

    return scan_dockerfile(path, target=target, platform=platform)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], ProgressFn | None]]:
    """Yields ``for_image(ref) -> callback``; a rich bar on stderr, or nothing when piped."""
    if not enabled:
        yield lambda ref: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(
        BarColumn(bar_width=20),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as bar:

        def for_image(ref: str) -> ProgressFn:
            task = bar.add_task(f"scanning {ref}", total=None)

            def on_layer(index: int, total: int, layer: LayerInfo) -> None:
                short = layer.digest.rpartition(":")[2][:12]
                size = f"{layer.size / 1e6:.1f} MB" if layer.size else ""
                bar.update(
                    task,
                    total=total,
                    completed=index,
                    description=f"layer {index + 1}/{total} {short} {size} {ref}",
                )

            return on_layer

        yield for_image


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM (a CI timeout, ``timeout``), SIGINT and SIGHUP stop the scan by raising
    :class:`~unroot.cli.Terminated` in the main thread: the ``finally`` blocks on the way
    out kill the layer workers and skopeo and remove the temporary layout. The first signal
    counts; later ones are ignored so that the cleanup finishes."""
    from unroot.cli import Terminated

    signals = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def handler(signum: int, frame: object) -> None:
        for other in signals:
            signal.signal(other, signal.SIG_IGN)
        raise Terminated(signum)

    previous = {signum: signal.signal(signum, handler) for signum in signals}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def fails(targets: Sequence[Target], fail_on: Severity) -> bool:
    return any(f.severity.rank >= fail_on.rank for t in targets for f in t.findings)


@click.command()
@click.argument("targets", nargs=-1, required=True, metavar="TARGET...")
@click.option("--platform", help="Platform to pick from a multi-arch image, e.g. linux/arm64.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error"]),
    default="error",
    show_default=True,
    help="Exit 1 if any finding has at least this severity.",
)
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    help="Write the report to FILE instead of stdout (a regular file is replaced atomically, "
    "keeping its mode and owner; /dev/null, a FIFO or a terminal is written directly).",
)
@click.option("--force", is_flag=True, help="With --output: replace a read-only file.")
@click.option("--target", "stage", help="Dockerfile stage to analyze (default: the last).")
def scan(
    targets: tuple[str, ...],
    platform: str | None,
    fmt: str,
    fail_on: str,
    output: str | None,
    force: bool,
    stage: str | None,
) -> None:
    """Explain why images or Dockerfiles need root.

    TARGET is an image reference (oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE,
    containers-storage:NAME, docker://REF, or a bare name in local podman storage), an OCI
    layout directory, or a Dockerfile / Containerfile / build directory.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error.
    """
    from unroot.pipeline.image import scan_image_ref
    from unroot.report import render

    plan = [classify(arg) for arg in targets]
    results: list[Target] = []
    with _terminate_cleanly():
        with _progress(sys.stderr.isatty()) as for_image:
            for kind, ref in plan:
                if kind == "image":
                    progress = for_image(ref)
                    results.append(scan_image_ref(ref, platform=platform, progress=progress))
                else:
                    results.append(_scan_dockerfile(ref, stage, platform))

        if output:
            from unroot.files.write import write_output

            buffer = io.StringIO()
            render(results, fmt, buffer, color=False)
            for note in write_output(output, buffer.getvalue().encode("utf-8"), force=force):
                click.echo(f"unroot: note: {note}", err=True)
        else:
            render(results, fmt, sys.stdout)
            sys.stdout.flush()
    if fails(results, Severity.parse(fail_on)):
        raise SystemExit(1)

"""``unroot run IMAGE [-- CMD...]``: run an image under the restricted profile, in the
foreground, and print the equivalent ``podman run`` line. Wiring only (the work is in
:mod:`unroot.runtime.run`).
"""

from __future__ import annotations

import sys

import click

from unroot.cli._runopts import (
    CommandAfterDashes,
    cancel_on_signals,
    container_command,
    image_ref,
    parse_env,
    parse_tmpfs,
    parse_uid,
    profile_options,
)
from unroot.errors import UsageError


@click.command(
    "run",
    cls=CommandAfterDashes,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit code: the container's (podman's), or 2 for a usage, input or tool error.",
)
@click.argument("image", metavar="IMAGE [-- CMD ARGS...]")
@click.option(
    "-p",
    "--publish",
    multiple=True,
    metavar="HOST:CONTAINER[/udp]",
    help="Publish a port; the io.unroot.ports label's pairs are published by default.",
)
@profile_options
@click.option("-d", "--detach", is_flag=True, help="Start in the background; print its id.")
@click.option("-i", "--interactive", is_flag=True, help="Keep stdin open.")
@click.option("-t", "--tty", is_flag=True, help="Allocate a terminal.")
@click.option("--name", help="Container name (default unroot-run-<random>).")
@click.option("--dry-run", is_flag=True, help="Print the podman run line and exit.")
def run(
    image: str,
    publish: tuple[str, ...],
    uid: str,
    userns: bool,
    read_only: bool,
    tmpfs: tuple[str, ...],
    env: tuple[str, ...],
    detach: bool,
    interactive: bool,
    tty: bool,
    name: str | None,
    dry_run: bool,
) -> None:
    """Run IMAGE as an arbitrary UID with no capabilities (or root in a user namespace)."""
    from unroot.runtime.images import local_image
    from unroot.runtime.labels import parse_pair
    from unroot.runtime.podman import Podman
    from unroot.runtime.profile import equivalent_command, host_note
    from unroot.runtime.run import plan, run_attached

    pairs = [parse_pair(p, "-p") for p in publish]
    podman = Podman.detect()
    if userns and podman.settings.userns_problem:
        raise UsageError(f"--userns: {podman.settings.userns_problem}")
    with local_image(podman, image_ref(image)) as facts:
        spec = plan(
            podman,
            facts,
            publish=pairs,
            uid=parse_uid(uid, userns),
            userns=userns,
            read_only=read_only,
            tmpfs=parse_tmpfs(tmpfs, read_only),
            command=container_command(),
            env=parse_env(env),
            name=name,
            detach=detach,
        )
        line = equivalent_command(spec, remove=False, interactive=False)
        note = host_note(podman.settings, str(podman.conf_path) if podman.conf_path else None)
        if dry_run:
            click.echo(line)
            if note:
                click.echo(f"# {note}")
            return
        click.echo(f"unroot: {line}", err=True)
        if note:
            click.echo(f"unroot: ({note})", err=True)
        if detach:
            proc = podman.run_cmd(spec.to_args(), check=False, timeout=300, isolate=True)
            if proc.returncode != 0:
                lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
                raise UsageError(lines[-1] if lines else f"podman run exit {proc.returncode}")
            click.echo(proc.stdout.strip())
            return
        with cancel_on_signals() as cancel:
            code = run_attached(podman, spec, interactive=interactive, tty=tty, cancel=cancel)
    sys.exit(code)

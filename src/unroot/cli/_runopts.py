"""Options ``unroot run`` and ``unroot verify`` share, and their parsing. Wiring only."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from unroot.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])
MAX_UID = 2**32 - 2


COMMAND_META = "unroot.command"


class CommandAfterDashes(click.Command):
    """Everything after ``--`` is the container's command, never an option or an image."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            i = args.index("--")
            ctx.meta[COMMAND_META] = tuple(args[i + 1 :])
            args = args[:i]
        return super().parse_args(ctx, args)


def container_command() -> tuple[str, ...]:
    command: tuple[str, ...] = click.get_current_context().meta.get(COMMAND_META, ())
    return command


def profile_options(func: F) -> F:
    """--uid, --userns, --read-only, --tmpfs, --env (shared by run and verify)."""
    options = [
        click.option(
            "--uid",
            default="auto",
            show_default=True,
            metavar="auto|N",
            help="UID to run as (with GID 0); auto = 1000680000, the start of OpenShift's "
            "default range (rootless: a UID the user namespace holds).",
        ),
        click.option(
            "--userns",
            is_flag=True,
            help="For images that need root: run the image's own user, usually root, in a user "
            "namespace (--userns=auto rootful, or rootless podman), so that UID 0 inside is an "
            "unprivileged UID on the host.",
        ),
        click.option(
            "--read-only",
            is_flag=True,
            help="Read-only root filesystem; tmpfs on /tmp, /run, /var/tmp, on the paths in the "
            "io.unroot.tmpfs label and on each --tmpfs.",
        ),
        click.option(
            "--tmpfs", multiple=True, metavar="PATH", help="Extra tmpfs (with --read-only)."
        ),
        click.option("-e", "--env", "env", multiple=True, metavar="KEY=VALUE", help="Environment."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def parse_uid(text: str, userns: bool) -> int | None:
    if text == "auto":
        return None
    if not text.isdigit() or int(text) > MAX_UID:
        raise UsageError(f"--uid {text!r}: expected auto or a number")
    if int(text) == 0 and not userns:
        raise UsageError("--uid 0 is root; use --userns to run root in a user namespace")
    return int(text)


def parse_env(items: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or any(c in key for c in " \0\n"):
            raise UsageError(f"--env {item!r}: expected KEY=VALUE")
        out[key] = value
    return out


def parse_tmpfs(items: tuple[str, ...], read_only: bool) -> tuple[str, ...]:
    if items and not read_only:
        raise UsageError("--tmpfs goes with --read-only")
    for item in items:
        if not item.startswith("/") or any(c in item for c in ":,\0\n"):
            raise UsageError(f"--tmpfs {item!r}: expected an absolute path")
    return tuple(items)


def image_ref(arg: str) -> str:
    """An OCI layout directory may be named as a path; everything else is a reference."""
    if not arg.strip():
        raise UsageError("empty image reference")
    path = Path(arg)
    if ":" not in arg.split("/")[0] and path.is_dir() and (path / "oci-layout").is_file():
        return f"oci:{arg}"
    return arg


@contextlib.contextmanager
def cancel_on_signals() -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set the yielded event instead of killing unroot, so work in progress
    can remove its containers; the previous handlers come back afterwards."""
    cancel = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if cancel.is_set():
            click.echo("unroot: still removing containers...", err=True)
        cancel.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield cancel
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)

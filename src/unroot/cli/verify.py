"""``unroot verify IMAGE...``: run each image under the restricted profile, probe it, prove no
process was root on the host, and explain failures. Wiring only (the work is
:func:`unroot.runtime.verify.verify_many`).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

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

FORMATS = ("text", "json", "junit")


@click.command(
    "verify",
    cls=CommandAfterDashes,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit codes: 0 every image passed, 1 one failed, 2 usage, input or tool error.",
)
@click.argument("images", nargs=-1, required=True, metavar="IMAGE... [-- CMD ARGS...]")
@click.option(
    "--probe",
    "probes",
    multiple=True,
    metavar="SPEC",
    help="http://:PORT/path[#status=200], tcp:PORT, redis:PORT, postgres:PORT, mysql:PORT, "
    "mqtt:PORT, dns:PORT[/tcp][#name=N], smtp:PORT, ftp:PORT, memcached:PORT, fastcgi:PORT, "
    "cmd:COMMAND ({host}, {port:N}). Default: derived from the daemon and its ports.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@profile_options
@click.option(
    "--timeout",
    type=click.FloatRange(0.5, 3600),
    default=60.0,
    show_default=True,
    help="Seconds the service gets to pass its probes.",
)
@click.option(
    "--probe-timeout",
    type=click.FloatRange(0.1, 300),
    default=2.0,
    show_default=True,
    help="Seconds one probe attempt may take.",
)
@click.option(
    "--trace",
    type=click.Choice(("on-failure", "always", "never")),
    default="on-failure",
    show_default=True,
    help="strace from the host to find why a run fails: re-run a failed image traced, trace "
    "the first run, or rely on the logs.",
)
@click.option(
    "--settle",
    type=click.FloatRange(0, 3600),
    default=0.0,
    help="Seconds to keep watching after the probes passed.",
)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--logs", "log_lines", type=click.IntRange(0, 10000), default=20, show_default=True,
              help="Log lines shown in the text report.")  # fmt: skip
def verify(
    images: tuple[str, ...],
    probes: tuple[str, ...],
    fmt: str,
    output: Path | None,
    uid: str,
    userns: bool,
    read_only: bool,
    tmpfs: tuple[str, ...],
    env: tuple[str, ...],
    timeout: float,
    probe_timeout: float,
    trace: str,
    settle: float,
    jobs: int,
    log_lines: int,
) -> None:
    """Run IMAGE under the restricted profile and prove it works without root."""
    from unroot.runtime.probes.spec import parse_probe
    from unroot.runtime.render import to_json, to_junit, to_text
    from unroot.runtime.verify import VerifyOptions, verify_many

    refs, command = list(images), container_command()
    options = VerifyOptions(
        probes=tuple(parse_probe(p) for p in probes),
        uid=parse_uid(uid, userns),
        userns=userns,
        read_only=read_only,
        tmpfs=parse_tmpfs(tmpfs, read_only),
        command=command,
        env=parse_env(env),
        timeout=timeout,
        probe_timeout=probe_timeout,
        trace=trace,  # type: ignore[arg-type]
        settle=settle,
    )
    from unroot.runtime.podman import Podman

    podman = Podman.detect()
    if userns and podman.settings.userns_problem:
        raise UsageError(f"--userns: {podman.settings.userns_problem}")
    progress = sys.stderr.isatty() and fmt == "text" and len(refs) > 1
    with cancel_on_signals() as cancel:
        holder: list[object] = []

        def work() -> None:
            try:
                holder.append(
                    verify_many(
                        [image_ref(r) for r in refs],
                        options,
                        jobs=jobs,
                        podman=podman,
                        cancel=cancel,
                        on_done=(lambda r: click.echo(f"{r.image}: {r.verdict}", err=True))
                        if progress
                        else None,
                    )
                )
            except BaseException as exc:  # handed to the main thread below
                holder.append(exc)

        worker = threading.Thread(target=work, name="unroot-verify-main")
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    outcome = holder[0]
    if isinstance(outcome, BaseException):
        raise outcome
    assert isinstance(outcome, list)
    results = outcome
    if cancel.is_set():
        click.echo("unroot: interrupted; every container it started was removed", err=True)
        sys.exit(130)
    if len(results) == 1 and results[0].verdict == "error":
        raise UsageError(results[0].error or "verify failed")
    if fmt == "json":
        text = to_json(results)
    elif fmt == "junit":
        text = to_junit(results)
    else:
        text = to_text(results, logs=log_lines)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    if any(r.verdict == "error" for r in results):
        sys.exit(2)
    sys.exit(0 if all(r.verdict == "pass" for r in results) else 1)

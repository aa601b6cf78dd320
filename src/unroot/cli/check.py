"""``unroot check``: judge Kubernetes / compose workloads against Pod Security or SCC profiles.

Wiring only: inputs come from :mod:`unroot.workload.inputs`, the verdicts from
:func:`unroot.pipeline.workload.check_workloads`, reports from :mod:`unroot.report`.
``--format verdict`` and ``--format scc-verdict`` are the conformance runners' contracts,
answered by :mod:`unroot.cli.check_contracts` before anything heavy is imported (the runners
start a process per request).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from unroot.findings import Target
    from unroot.pipeline.workload import Mode, WorkloadResult
    from unroot.workload.load import Source

_FORMATS = ("text", "json", "sarif", "verdict", "scc-verdict")
_FAIL_ON = ("info", "warning", "error", "never")


@click.command(
    "check",
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit codes: 0 allowed/clean, 1 denied or findings >= --fail-on, 2 input/usage error.",
)
@click.argument("inputs", nargs=-1, metavar="FILE|DIR|-")
@click.option(
    "--from-cmdline",
    "cmdlines",
    multiple=True,
    metavar="CMD",
    help='A "podman run ..." / "docker run ..." command line to check.',
)
@click.option(
    "--level",
    type=click.Choice(["baseline", "restricted", "privileged"]),
    help="Pod Security level (implies --profile-mode psa).",
)
@click.option(
    "--version",
    "psa_version",
    default="latest",
    show_default=True,
    metavar="v1.N|latest",
    help="Pod Security version.",
)
@click.option(
    "--profile-mode",
    type=click.Choice(["psa", "scc"]),
    help="psa (Pod Security Standards) or scc (SCC-style profiles, mutating). "
    "Default: psa when --level is given, else scc.",
)
@click.option(
    "--uid-range",
    metavar="START/SIZE",
    help="Namespace UID range for SCC mode (else a Namespace object's annotation).",
)
@click.option(
    "--profiles",
    "profile_paths",
    multiple=True,
    metavar="PATH",
    help="Extra profile YAML files or folders.",
)
@click.option(
    "--allow-profile",
    "allowed",
    multiple=True,
    metavar="NAME",
    help="Profiles the workloads may use (default: restricted-v2).",
)
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="text", show_default=True)
@click.option("--fix", is_flag=True, help="Fill in what the profile requires (SCC mutation).")
@click.option(
    "--write",
    is_flag=True,
    help="With --fix: rewrite the files in place (a symlink's target; a file edited since it "
    "was read is refused).",
)
@click.option("--force", is_flag=True, help="With --write: also rewrite read-only files.")
@click.option(
    "--diff", "show_diff", is_flag=True, help="With --fix: print a unified diff (default)."
)
@click.option(
    "--fail-on",
    type=click.Choice(_FAIL_ON),
    default="error",
    show_default=True,
    help="Exit 1 when a finding has at least this severity.",
)
@click.option(
    "--image-scan",
    is_flag=True,
    help="Also scan each container image and combine (e.g. runAsNonRoot vs USER name).",
)
@click.option(
    "--image-source",
    "image_sources",
    multiple=True,
    metavar="NAME=REF",
    help="With --image-scan: scan the image the workloads name NAME from REF, which may use "
    "a file transport (oci:DIR, oci-archive:FILE, docker-archive:FILE). Workloads themselves "
    "may only name images.",
)
def check(
    inputs: tuple[str, ...],
    cmdlines: tuple[str, ...],
    level: str | None,
    psa_version: str,
    profile_mode: str | None,
    uid_range: str | None,
    profile_paths: tuple[str, ...],
    allowed: tuple[str, ...],
    fmt: str,
    fix: bool,
    write: bool,
    force: bool,
    show_diff: bool,
    fail_on: str,
    image_scan: bool,
    image_sources: tuple[str, ...],
) -> None:
    """Check workloads (Kubernetes YAML, Helm output, compose files, run command lines)."""
    if fmt == "verdict":
        from unroot.cli.check_contracts import psa_verdict

        psa_verdict(inputs, level or "restricted", psa_version)
    if fmt == "scc-verdict":
        from unroot.cli.check_contracts import scc_verdict

        scc_verdict(inputs)
    from unroot.errors import UsageError
    from unroot.findings import Severity
    from unroot.pipeline.workload import check_workloads, make_options
    from unroot.workload.inputs import read_sources

    if not inputs and not cmdlines:
        raise UsageError("nothing to check: give FILE, DIR, - (stdin) or --from-cmdline")
    if (write or show_diff) and not fix:
        raise UsageError("--write and --diff need --fix")
    if write and "-" in inputs:
        raise UsageError("--write cannot rewrite stdin; use --diff")
    mode: Mode = "psa" if profile_mode == "psa" or (profile_mode is None and level) else "scc"
    options = make_options(
        mode=mode,
        psa_level=level or ("restricted" if mode == "psa" else None),
        psa_version=psa_version,
        uid_range=uid_range,
        profile_paths=profile_paths,
        allowed_profiles=allowed,
        fix=fix,
        image_scanner=_image_scanner(image_sources) if image_scan else None,
    )
    sources = read_sources(inputs, cmdlines)
    result = check_workloads(sources, options)
    _say(result.messages)
    if fix:
        sys.exit(_fix(sources, result, write, force))
    from unroot.report import render

    render(result.targets, fmt, sys.stdout)
    if result.input_errors:
        sys.exit(2)
    threshold = None if fail_on == "never" else Severity.parse(fail_on)
    sys.exit(1 if result.fails(threshold) else 0)


def _image_scanner(sources: tuple[str, ...]) -> Callable[[str], Target]:
    """Scan an image a workload names; ``--image-source NAME=REF`` maps a name to a
    reference only the command line may give (a layout or an archive on disk)."""
    from unroot.errors import UsageError
    from unroot.pipeline.image import scan_image_ref

    mapping: dict[str, str] = {}
    for item in sources:
        name, sep, ref = item.partition("=")
        if not sep or not name or not ref:
            raise UsageError(f"--image-source {item!r}: expected NAME=REF")
        mapping[name] = ref

    def scan(name: str) -> Target:
        return scan_image_ref(mapping.get(name, name))

    return scan


def _say(messages: list[str]) -> None:
    for message in messages:
        click.echo(f"unroot: {message}", err=True)


def _fix(sources: list[Source], result: WorkloadResult, write: bool, force: bool) -> int:
    """Print the patches as a diff, or write them; the exit code of a --fix run."""
    from unroot.errors import UsageError
    from unroot.files.write import rewrite
    from unroot.pipeline.rewrite import unified_diff
    from unroot.pipeline.workload import fixed_sources

    fixed, messages = fixed_sources(sources, result)
    _say(messages)
    for item in fixed:
        if write:
            snapshot = item.source.snapshot
            if snapshot is None:
                raise UsageError(f"--write {item.source.file}: not a regular file; use --diff")
            notes = rewrite(item.source.file, item.text.encode("utf-8"), snapshot, force=force)
            _say([f"fixed {item.source.file} ({item.documents} document(s))", *item.notes()])
            _say(notes)
        else:
            header = "".join(f"# unroot check --fix: {line}\n" for line in item.notes())
            sys.stdout.write(header + unified_diff(item.source.file, item.source.text, item.text))
    _say([f"cannot fix {u.where}: {'; '.join(u.reasons)}" for u in result.unfixable])
    if result.input_errors:
        return 2
    return 1 if result.unfixable else 0

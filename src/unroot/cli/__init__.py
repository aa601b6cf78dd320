"""Command-line entry point: argument parsing and wiring only.

Each verb lives in its own module (``unroot.cli.<verb>``) and is imported only when used, so
``unroot check`` on the hot path of a CI gate does not pay for the image readers.
"""

from __future__ import annotations

import gc
import importlib
import os
import signal
import sys
from typing import Any

import click

from unroot import __version__
from unroot.errors import UnrootError

# verb -> (module, attribute, one-line help shown in --help without importing the module)
_COMMANDS: dict[str, tuple[str, str, str]] = {
    "scan": ("unroot.cli.scan", "scan", "Explain why an image or Dockerfile needs root."),
    "rules": ("unroot.cli.rules", "rules", "List the rules, or explain one."),
    "check": ("unroot.cli.check", "check", "Check workloads against PSA / SCC-style policy."),
    "run": ("unroot.cli.run", "run", "Run an image as an arbitrary UID with no capabilities."),
    "verify": ("unroot.cli.verify", "verify", "Run an image, probe it, prove no process was root."),
    "webhook": ("unroot.cli.webhook", "webhook", "Admission webhook server and its manifests."),
    "namespaces": ("unroot.cli.namespaces", "namespaces", "Namespace UID ranges."),
    "audit": ("unroot.cli.audit", "audit", "Verify and search the audit log."),
}


class Terminated(BaseException):
    """A termination signal (SIGTERM, SIGINT, SIGHUP) arrived during a verb that cleans up
    after itself. Raised in the main thread so every ``finally`` on the way out runs (not
    an ``Exception``: no handler may swallow it); :func:`main` exits ``128 + signal``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = _COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(spec[0])
        command = getattr(module, spec[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, _COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="unroot")
def cli() -> None:
    """unroot: why a container needs root, how to run it without, and a gate that enforces it.

    Exit codes: 0 clean, 1 findings at or above --fail-on (or a deny), 2 usage or input error,
    3 internal error (a bug: set UNROOT_DEBUG=1 for the traceback).
    """


EXIT_INTERNAL = 3
"""Exit code of an unexpected exception: never 1, which CI reads as findings or a deny."""


GC_THRESHOLDS = (100_000, 50, 100)
"""The cyclic collector's thresholds for a CLI run (Python's default is 700, 10, 10).

A run builds large, long-lived, mostly acyclic structures (parsed manifests, file trees of a
million entries, findings) and drops them only at exit; with the default thresholds the
collector re-walks them every few thousand allocations, about a quarter of the CPU of a 20,000
object ``check`` and of a large image scan. Collecting every 100,000 allocations still frees
cyclic garbage, and what was imported before the command runs is frozen out of every pass."""


def tune_gc() -> None:
    """Freeze what start-up allocated (modules, classes) and collect rarely."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; input errors become one line on stderr and exit code 2."""
    tune_gc()
    try:
        return cli.main(args=argv, prog_name="unroot", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"unroot: error: {_one_line(exc.format_message())}", err=True)
        sys.exit(2)
    except click.Abort:
        click.echo("unroot: aborted", err=True)
        sys.exit(2)
    except UnrootError as exc:
        click.echo(f"unroot: error: {_one_line(str(exc))}", err=True)
        sys.exit(2)
    except RecursionError:
        click.echo("unroot: error: input nested too deeply", err=True)
        sys.exit(2)
    except MemoryError:
        click.echo("unroot: error: out of memory (an input under the documented limits?)", err=True)
        sys.exit(2)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"unroot: error: {_one_line(where + (exc.strerror or str(exc)))}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("unroot: interrupted", err=True)
        sys.exit(130)
    except Terminated as exc:
        word = "interrupted" if exc.signum == signal.SIGINT else "terminated"
        click.echo(f"unroot: {word}", err=True)
        sys.exit(128 + exc.signum)
    except Exception as exc:
        if os.environ.get("UNROOT_DEBUG"):
            raise
        what = _one_line(f"{type(exc).__name__}: {exc}")
        click.echo(f"unroot: internal error: {what} (UNROOT_DEBUG=1 shows where)", err=True)
        sys.exit(EXIT_INTERNAL)


def _one_line(text: str) -> str:
    """A message as one printable line of at most :data:`_MAX_MESSAGE` characters: control
    characters escaped (a path or name in it may come from a hostile input)."""
    from unroot.untrusted import one_line

    line = one_line(text)
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "..."


_MAX_MESSAGE = 400

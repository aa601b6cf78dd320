"""The wrapper layers of a command, with ``su -c`` and ``capsh --`` strings parsed for real.

:mod:`unroot.shell.words` knows every wrapper but takes the shell parser as an argument (the
parser peels wrappers itself, to find nested scripts); these are the same functions with the
parser bound, for everyone else.
"""

from __future__ import annotations

from unroot.shell import words
from unroot.shell.command import Command
from unroot.shell.parse import parse_commands
from unroot.shell.words import Peeled


def peel(cmd: Command) -> Peeled | None:
    """Take one wrapper off ``cmd``; None if argv[0] is not a known wrapper."""
    return words.peel(cmd, parse_commands)


def program(cmd: Command) -> str:
    """Basename of the program run, after stripping transparent wrappers (exec, env, nohup...).

    Privilege switchers (sudo, gosu...) stay visible: ``program("sudo ls") == "sudo"``.
    """
    return words.program(cmd, parse_commands)


def unwrap(cmd: Command) -> Command:
    """The command that every wrapper layer (transparent or switching user) finally runs."""
    return words.unwrap(cmd, parse_commands)


def strip_transparent(cmd: Command) -> Command:
    """``cmd`` without the transparent wrappers (exec, env, nohup...), switchers kept."""
    return words.strip_transparent(cmd, parse_commands)


def layers(cmd: Command) -> list[Peeled]:
    """Every wrapper layer of ``cmd``, outermost first."""
    return words.layers(cmd, parse_commands)

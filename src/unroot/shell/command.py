"""The one value the shell layer hands to everybody else: a simple command with its location.

Kept apart from the parser so that rules and the Dockerfile analyzer can construct and inspect
commands without importing tree-sitter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from unroot.untrusted import is_decimal


@dataclass(frozen=True, slots=True)
class Redirect:
    """An output or input redirection attached to a command (``> /etc/x``, ``2>&1``)."""

    op: str
    """The operator as written: ``>``, ``>>``, ``<``, ``>&``, ``&>``, ``<<``, ``<<<``..."""
    target: str
    """The destination word after quote removal (a path, ``&1`` style fds are kept as text)."""
    fd: str = ""

    @property
    def writes(self) -> bool:
        """True when the redirection opens ``target`` for writing (``>``, ``>>``, ``&>``...)."""
        if ">" not in self.op or self.op.startswith("<<") or self.target.startswith("&"):
            return False
        # `2>&1`, `>&-`: duplicating or closing a descriptor opens no file
        return not (self.op.endswith("&") and (is_decimal(self.target) or self.target == "-"))


@dataclass(frozen=True, slots=True)
class Guard:
    """A condition a command runs under: the command runs only if ``text`` (an ``if``/``elif``
    condition, or the left side of ``&&``/``||``) evaluates to ``holds``."""

    text: str
    holds: bool


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command as the shell would run it (before expansion)."""

    argv: tuple[str, ...]
    """Words after quote removal; parameter expansions kept literally ("$FOO", "${A:-b}")."""
    line: int
    """1-based line of the command's first word, plus ``line_offset``."""
    text: str
    """The command's source text."""
    assignments: tuple[str, ...] = ()
    """``NAME=value`` prefixes."""
    in_function: str | None = None
    """Name of the enclosing function, if any."""
    background: bool = False
    redirects: tuple[Redirect, ...] = ()
    via_shell_c: bool = False
    """True when the command came from a ``sh -c '...'`` string (its line is the outer line)."""
    guards: tuple[Guard, ...] = ()
    """The conditions around it, outermost first (``if``/``elif``/``else`` and ``&&``/``||``)."""

    def with_argv(self, argv: tuple[str, ...] | list[str]) -> Command:
        return replace(self, argv=tuple(argv))

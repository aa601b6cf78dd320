"""Errors that the CLI turns into one clear line and exit code 2.

Every module that rejects bad input raises a subclass of :class:`UnrootError`, so the CLI
can tell "your input is wrong" (exit 2, one line, no traceback) from a bug (traceback).
"""

from __future__ import annotations


class UnrootError(Exception):
    """Base class: the message is shown to the user as one line."""


class InputError(UnrootError):
    """The input (image, archive, Dockerfile, manifest) is malformed or hostile."""


class UsageError(UnrootError):
    """The command line asks for something that cannot be done."""


class ToolError(UnrootError):
    """An external tool (podman, skopeo) failed or is missing."""

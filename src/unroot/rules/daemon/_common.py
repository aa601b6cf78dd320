"""Helpers shared by the daemon rules (not a rule module: the registry skips ``_*``)."""

from __future__ import annotations

from unroot.daemons.model import DaemonConfig
from unroot.findings import Evidence, Severity


def where(file: str, line: int, *, default: bool = False) -> str:
    """ "/etc/x.conf:12", "its command line", or "compiled in" for the text of a finding."""
    if file == "argv":
        return "its command line"
    if default:
        return "compiled in"
    return f"{file}:{line}" if line else file


def config_evidence(file: str, line: int, directive: str, value: str, detail: str) -> Evidence:
    """Evidence pointing at the directive (no file for the command line or a default)."""
    real = file not in ("argv", "default", "")
    return Evidence(
        file=file if real else None,
        line=line or None,
        field=directive or None,
        value=value or None,
        detail=detail,
    )


def severity(cfg: DaemonConfig, blocking: Severity) -> Severity:
    """A daemon the entrypoint does not start blocks nothing: its findings are notes."""
    return Severity.INFO if cfg.main is False else blocking


def not_started(cfg: DaemonConfig) -> str:
    return " (the image has it, but its entrypoint does not start it)" if cfg.main is False else ""

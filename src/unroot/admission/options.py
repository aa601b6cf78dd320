"""What ``unroot webhook serve`` was asked to do: shared by the server and the wiring that
builds its state, so neither has to import the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ServeOptions:
    host: str
    port: int
    cert: Path
    key: Path
    policy: Path | None = None
    state: Path | None = None
    audit: str | None = None
    failure_mode: str = "deny"
    workers: int = 1
    kubeconfig: str | None = None
    in_cluster: bool = False
    max_body: int = 3 << 20
    body_timeout: float = 10.0
    reload_interval: float = 1.0
    constant: bool = False
    """Answer every review with a fixed allow (the benchmark's framework limit)."""
    extra_profiles: tuple[str, ...] = field(default_factory=tuple)

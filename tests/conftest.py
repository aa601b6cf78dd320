"""Fixtures shared by every test folder: where the repository and the shared corpus live.

Only generally useful things belong here; each test folder keeps its own fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository checkout (the directory holding pyproject.toml)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared/conformance`` beside the checkout; skips when it is absent."""
    path = REPO_ROOT.parent / "shared" / "conformance"
    if not path.is_dir():
        pytest.skip(f"shared conformance corpus not found at {path} (expected beside the repo)")
    return path

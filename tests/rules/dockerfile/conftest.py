"""catches / catches-not helpers for Dockerfile rules (hadolint's ruleCatches, in pytest)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from df_helpers import Scan

from unroot.findings import Finding
from unroot.pipeline.dockerfile import scan_dockerfile


@pytest.fixture
def findings(tmp_path: Path) -> Scan:
    """``findings(rule_id, dockerfile_text, **files)`` -> that rule's findings.

    Extra keyword files are written into the build context. Every finding must point at a
    real line of the Dockerfile (or of a context file).
    """

    def run(rule: str, text: str, target: str | None = None, **files: str) -> list[Finding]:
        source = textwrap.dedent(text).lstrip("\n")
        (tmp_path / "Dockerfile").write_text(source)
        for name, content in files.items():
            (tmp_path / name.replace("__", ".")).write_text(textwrap.dedent(content).lstrip())
        result = scan_dockerfile(str(tmp_path), target=target, base_lookup=False)
        hits = [f for f in result.findings if f.rule == rule]
        n_lines = len(source.splitlines())
        for f in hits:
            for ev in f.evidence:
                if ev.file and ev.file.endswith("Dockerfile"):
                    assert ev.line is not None and 1 <= ev.line <= n_lines, f
        return hits

    return run

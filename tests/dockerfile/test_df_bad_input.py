"""Bad input: one clear line, exit code 2 through the CLI path, never a traceback, no hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from unroot.dockerfile.parse import MAX_BYTES
from unroot.errors import InputError
from unroot.pipeline.dockerfile import scan_dockerfile

CASES: dict[str, bytes] = {
    "binary": bytes(range(256)) * 16,
    "not_utf8": b"FROM alpine\nRUN echo \xff\xfe\n",
    "unterminated_heredoc": b"FROM alpine\nRUN <<EOF\necho hi\n",
    "circular": b"FROM b AS a\nFROM a AS b\n",
    "undefined_stage": b"FROM alpine\nCOPY --from=nope /x /x\n",
    "empty": b"",
    "only_comments": b"# nothing here\n\n",
    "no_from": b"ARG A=1\n",
    "long_line": b"FROM alpine\nRUN " + b"x" * 70_000 + b"\n",
    "endless_continuation": b"FROM alpine\nRUN a \\\n" + b" && b \\\n" * 50_000 + b" && c\n",
    "too_many_lines": b"FROM alpine\n" + b"# c\n" * 30_000,
    "too_many_instructions": b"FROM alpine\n" + b"RUN true\n" * 6_000,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line_input_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(CASES[name])
    start = time.monotonic()
    with pytest.raises(InputError) as info:
        scan_dockerfile(str(path), base_lookup=False)
    assert time.monotonic() - start < 5.0
    message = str(info.value)
    assert "\n" not in message and str(path) in message


def test_huge_single_line_rejected_by_size_quickly(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    with path.open("wb") as handle:
        handle.write(b"FROM alpine\nRUN ")
        handle.write(b"a" * (100 * 1024 * 1024))
    start = time.monotonic()
    with pytest.raises(InputError, match="larger than"):
        scan_dockerfile(str(path), base_lookup=False)
    assert time.monotonic() - start < 1.0
    assert path.stat().st_size > MAX_BYTES


def test_missing_path_and_empty_dir(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        scan_dockerfile(str(tmp_path / "nope"))
    with pytest.raises(InputError, match="no Containerfile or Dockerfile"):
        scan_dockerfile(str(tmp_path))


@pytest.mark.parametrize("name", ["binary", "circular", "undefined_stage", "unterminated_heredoc"])
def test_cli_exit_code_2_without_traceback(tmp_path: Path, name: str) -> None:
    import subprocess
    import sys

    path = tmp_path / "Dockerfile"
    path.write_bytes(CASES[name])
    proc = subprocess.run(
        [sys.executable, "-m", "unroot", "scan", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("unroot: error:"), proc.stderr

"""Random Dockerfile-like input: the scan answers or raises UnrootError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unroot.errors import UnrootError
from unroot.pipeline.dockerfile import scan_dockerfile

WORDS = st.sampled_from(
    [
        "FROM",
        "RUN",
        "USER",
        "COPY",
        "ADD",
        "EXPOSE",
        "ARG",
        "ENV",
        "ONBUILD",
        "WORKDIR",
        "ENTRYPOINT",
        "CMD",
        "AS",
        "--from=a",
        "--chown=1:2",
        "--chmod=4755",
        "<<EOF",
        "EOF",
        "${A:-0}",
        "$B",
        "root",
        "0:0",
        "80",
        "1-1023/udp",
        "chmod",
        "u+s",
        "setcap",
        "sudo",
        "gosu",
        "useradd",
        "&&",
        "\\",
        "'",
        '"',
        "[",
        "]",
        "#",
        "a",
        "/x",
        "\n",
        " ",
    ]
)
TEXT = st.lists(WORDS, max_size=60).map(" ".join) | st.text(max_size=300)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=TEXT)
def test_scan_never_crashes(body: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Dockerfile"
        path.write_text("FROM alpine AS a\n" + body, encoding="utf-8", errors="replace")
        try:
            target = scan_dockerfile(str(path), base_lookup=False)
        except UnrootError as exc:
            assert "\n" not in str(exc)
            return
        for finding in target.findings:
            for ev in finding.evidence:
                assert ev.line is None or ev.line >= 0

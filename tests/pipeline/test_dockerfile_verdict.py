"""Verdicts of whole Dockerfiles, each built so the expected answer follows from its text."""

from __future__ import annotations

from pathlib import Path

import pytest

from unroot.findings import Verdict
from unroot.pipeline.dockerfile import scan_dockerfile


def _scan(tmp_path: Path, text: str, **files: str) -> tuple[Verdict, list[str]]:
    (tmp_path / "Dockerfile").write_text(text)
    for name, content in files.items():
        (tmp_path / name.replace("__", ".")).write_text(content)
    target = scan_dockerfile(str(tmp_path), base_lookup=False)
    return target.verdict, target.reasons


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("FROM debian:12\nUSER 0\n", Verdict.ROOT),
        ("FROM debian:12\nUSER app\n", Verdict.NON_ROOT),
        (
            "FROM debian:12\nRUN chgrp -R 0 /srv && chmod -R g=u /srv\nUSER 1001\n",
            Verdict.ARBITRARY_UID_READY,
        ),
        ("FROM debian:12\nUSER 1001:0\n", Verdict.ARBITRARY_UID_READY),
        ("FROM quay.io/x/y:1\nRUN true\n", Verdict.ROOT),
        ("FROM gcr.io/distroless/static-debian12:nonroot\n", Verdict.NON_ROOT),
        ("FROM scratch\nCOPY a /a\n", Verdict.ROOT),
        ("FROM debian:12\nEXPOSE 80\nUSER 1001:0\n", Verdict.NON_ROOT),
    ],
)
def test_verdicts(tmp_path: Path, text: str, verdict: Verdict) -> None:
    (tmp_path / "a").write_text("x")
    assert _scan(tmp_path, text)[0] is verdict


def test_unknown_base_is_judged_as_root_and_marked_assumed(tmp_path: Path) -> None:
    verdict, reasons = _scan(tmp_path, "FROM quay.io/acme/rt:2\nCMD run\n")
    assert verdict is Verdict.ROOT
    assert "assumed" in reasons[0] and "quay.io/acme/rt:2" in reasons[0]
    assert "podman pull quay.io/acme/rt:2" in reasons[0]  # how to confirm it
    target = scan_dockerfile(str(tmp_path), base_lookup=False)
    assert target.info["assumed"] == "user"


def test_drop_only_is_called_fixable(tmp_path: Path) -> None:
    script = '#!/bin/sh\nif [ "$(id -u)" = 0 ]; then exec gosu app "$@"; fi\nexec "$@"\n'
    text = (
        "FROM debian:12\nRUN apt-get install -y gosu\nCOPY entrypoint.sh /entrypoint.sh\n"
        'ENTRYPOINT ["/entrypoint.sh"]\nCMD ["app"]\n'
    )
    verdict, reasons = _scan(tmp_path, text, entrypoint__sh=script)
    assert verdict is Verdict.ROOT
    assert any("only to drop privileges" in r for r in reasons), reasons


def test_needs_root_says_which(tmp_path: Path) -> None:
    script = '#!/bin/sh\nsysctl -w net.core.somaxconn=1024\nexec "$@"\n'
    text = (
        "FROM debian:12\nCOPY start.sh /start.sh\nEXPOSE 443\n"
        'ENTRYPOINT ["/start.sh"]\nCMD ["app"]\n'
    )
    verdict, reasons = _scan(tmp_path, text, start__sh=script)
    assert verdict is Verdict.ROOT
    needs = next(r for r in reasons if r.startswith("needs root"))
    assert "low_port" in needs and "host_modification" in needs


@pytest.mark.parametrize(
    ("case", "kind"),
    [
        ("redis-gosu", "drops-privileges"),
        ("sysctl-at-start", "needs-root"),
        ("nginx-low-port", "needs-root"),
        ("user-0", "no-user"),
    ],
)
def test_root_kind_in_info(case: str, kind: str) -> None:
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "cases" / case
    target = scan_dockerfile(str(corpus), base_lookup=False)
    assert target.verdict is Verdict.ROOT and target.info["root_kind"] == kind

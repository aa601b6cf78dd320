from __future__ import annotations

import pytest
from df_helpers import Scan

from unroot.rules.dockerfile.ur208_chown_fixed_uid import bad_owner


@pytest.mark.parametrize(
    ("spec", "defaults", "group"),
    [
        ("app:app", False, "app"),
        ("1000:1000", False, "1000"),
        ("app", True, "app"),
        ("app", False, None),
        ("1001:0", False, None),
        ("app:root", True, None),
        ("root", True, None),
    ],
)
def test_bad_owner(spec: str, defaults: bool, group: str | None) -> None:
    assert bad_owner(spec, group_defaults_to_user=defaults) == group


def test_catches_copy_chown(findings: Scan) -> None:
    text = "FROM debian:bookworm\nCOPY --chown=1000:1000 app /srv/app\nUSER 1000\n"
    hits = findings("UR208", text, app="x")
    assert len(hits) == 1 and hits[0].evidence[0].line == 2
    assert hits[0].fix is not None and "--chown=1000:0" in hits[0].fix


def test_catches_run_chown(findings: Scan) -> None:
    text = "FROM debian:bookworm\nRUN mkdir /data && chown -R app:app /data\n"
    hits = findings("UR208", text)
    assert len(hits) == 1 and hits[0].data["paths"] == ["/data"]


def test_not_group_zero_or_regrouped(findings: Scan) -> None:
    text = """
        FROM debian:bookworm
        COPY --chown=1001:0 app /srv/app
        RUN chown -R app:app /data && chgrp -R 0 /data && chmod -R g=u /data
    """
    assert findings("UR208", text, app="x") == []

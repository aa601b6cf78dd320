from __future__ import annotations

import pytest
from df_helpers import Scan


@pytest.mark.parametrize(
    ("run", "tool"),
    [
        ("apt-get install -y --no-install-recommends gosu", "gosu"),
        ("apk add --no-cache 'su-exec>=0.2'", "su-exec"),
        ("microdnf install -y setpriv", "setpriv"),
        ("curl -fsSL -o /usr/local/bin/gosu https://example.org/gosu-amd64", "gosu"),
    ],
)
def test_catches(findings: Scan, run: str, tool: str) -> None:
    hits = findings("UR207", f"FROM debian:bookworm\nRUN {run}\n")
    assert [h.data["tool"] for h in hits] == [tool]


def test_catches_copy_from_image(findings: Scan) -> None:
    text = "FROM debian:bookworm\nCOPY --from=tianon/gosu:1.17 /gosu /usr/local/bin/\n"
    assert [h.data["tool"] for h in findings("UR207", text)] == ["gosu"]


def test_not(findings: Scan) -> None:
    text = "FROM debian:bookworm\nRUN apt-get install -y gosum && echo gosu\n"
    assert findings("UR207", text) == []

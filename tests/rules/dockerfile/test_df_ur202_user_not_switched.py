from __future__ import annotations

from df_helpers import Scan, line_of


def test_catches_useradd_without_user(findings: Scan) -> None:
    text = """
        FROM debian:bookworm
        RUN apt-get update \\
         && useradd --uid 1001 --create-home appuser
        CMD ["app"]
    """
    hits = findings("UR202", text)
    assert len(hits) == 1
    assert hits[0].data["user"] == "appuser"
    assert hits[0].evidence[0].line == line_of(text, "useradd")
    assert hits[0].fix is not None and "USER 1001:0" in hits[0].fix


def test_catches_alpine_adduser(findings: Scan) -> None:
    text = "FROM alpine:3.19\nRUN addgroup -S web && adduser -S -G web web\n"
    hits = findings("UR202", text)
    assert [h.data["user"] for h in hits] == ["web"]
    assert hits[0].fix is not None and "USER web" in hits[0].fix


def test_not_when_switched(findings: Scan) -> None:
    text = "FROM debian:bookworm\nRUN useradd -u 1001 app\nUSER app\n"
    assert findings("UR202", text) == []


def test_not_for_adding_user_to_group(findings: Scan) -> None:
    assert findings("UR202", "FROM debian:bookworm\nRUN adduser www-data video\n") == []


def test_not_for_substring(findings: Scan) -> None:
    assert findings("UR202", "FROM debian:bookworm\nRUN echo useradd app\n") == []

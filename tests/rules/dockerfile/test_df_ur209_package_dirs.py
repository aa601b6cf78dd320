from __future__ import annotations

from df_helpers import Scan


def test_catches_nginx(findings: Scan) -> None:
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y nginx\n"
    hits = findings("UR209", text)
    assert len(hits) == 1 and "/var/log/nginx" in hits[0].data["paths"]


def test_catches_partial_fix(findings: Scan) -> None:
    text = """
        FROM debian:bookworm
        RUN apt-get install -y postgresql-15 && chgrp -R 0 /var/lib/postgresql
    """
    hits = findings("UR209", text)
    assert len(hits) == 1 and "/var/lib/postgresql" not in hits[0].data["paths"]
    assert "/var/run/postgresql" in hits[0].data["paths"]


def test_not_when_fixed(findings: Scan) -> None:
    text = """
        FROM alpine:3.19
        RUN apk add --no-cache redis \\
         && chgrp -R 0 /var/lib/redis /var/log/redis /run/redis \\
         && chmod -R g=u /var/lib/redis /var/log/redis /run/redis
    """
    assert findings("UR209", text) == []


def test_not_in_builder_or_for_other_packages(findings: Scan) -> None:
    text = """
        FROM debian:bookworm AS b
        RUN apt-get install -y nginx
        FROM debian:bookworm
        RUN apt-get install -y curl
    """
    assert findings("UR209", text) == []

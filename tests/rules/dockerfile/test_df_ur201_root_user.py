from __future__ import annotations

import pytest
from df_helpers import Scan, line_of


@pytest.mark.parametrize("spec", ["root", "0", "0:0", "root:root", "0:1000", "root:0"])
def test_catches_every_root_form(findings: Scan, spec: str) -> None:
    text = f"FROM debian:bookworm\nRUN true\nUSER {spec}\n"
    hits = findings("UR201", text)
    assert len(hits) == 1
    assert hits[0].evidence[0].line == 3


def test_catches_root_through_arg(findings: Scan) -> None:
    text = """
        ARG ROOT_USER=root
        FROM debian:bookworm
        ARG ROOT_USER
        USER ${ROOT_USER}
    """
    hits = findings("UR201", text)
    assert [h.evidence[0].line for h in hits] == [line_of(text, "USER ${ROOT_USER}")]
    assert "= root" in hits[0].message


def test_catches_final_root_after_earlier_stage_user_app(findings: Scan) -> None:
    text = """
        FROM debian:bookworm AS app
        RUN useradd app
        USER app
        FROM alpine:3.19
        RUN apk add --no-cache curl
    """
    hits = findings("UR201", text)
    assert len(hits) == 1 and "no USER" in hits[0].message


def test_catches_no_user_over_root_base(findings: Scan) -> None:
    hits = findings("UR201", 'FROM python:3.12-slim\nCMD ["python"]\n')
    assert hits and hits[0].evidence[0].line == 1


def test_catches_root_inherited_through_from_stage(findings: Scan) -> None:
    text = """
        FROM debian:bookworm AS base
        USER 0
        FROM base
        RUN true
    """
    hits = findings("UR201", text)
    assert len(hits) == 1 and hits[0].evidence[0].line == line_of(text, "USER 0")


def test_not_builder_user_root_with_nonroot_final(findings: Scan) -> None:
    text = """
        FROM golang:1.22 AS build
        USER root
        RUN go build -o /out/app .
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from=build /out/app /app
        ENTRYPOINT ["/app"]
    """
    assert findings("UR201", text) == []


def test_not_when_last_user_is_nonroot(findings: Scan) -> None:
    text = "FROM debian:bookworm\nUSER root\nRUN apt-get update\nUSER 1001:0\n"
    assert findings("UR201", text) == []


def test_not_when_target_stage_is_nonroot(findings: Scan) -> None:
    text = """
        FROM debian:bookworm AS prod
        USER 1001
        FROM debian:bookworm AS debug
        USER root
    """
    assert findings("UR201", text, target="prod") == []
    assert len(findings("UR201", text)) == 1


def test_not_for_unknown_base(findings: Scan) -> None:
    assert findings("UR201", "FROM quay.io/acme/base:1\nRUN true\n") == []


def test_catches_user_from_missing_build_arg(findings: Scan) -> None:
    text = "FROM debian:bookworm\nARG APP_USER\nUSER ${APP_USER}\n"
    hits = findings("UR201", text)
    assert len(hits) == 1 and "APP_USER" in hits[0].message
    assert hits[0].evidence[0].line == 3


def test_base_with_digest_is_known() -> None:
    from unroot.dockerfile.baseimage import lookup

    info = lookup("gcr.io/distroless/static-debian12:nonroot@sha256:" + "a" * 64, local=False)
    assert info.user == "65532" and info.source == "known"
    assert lookup("debian@sha256:" + "b" * 64, local=False).user == ""

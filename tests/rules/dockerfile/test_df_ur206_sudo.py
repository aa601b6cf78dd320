from __future__ import annotations

from df_helpers import Scan


def test_catches_invocation(findings: Scan) -> None:
    text = "FROM debian:bookworm\nUSER app\nRUN sudo apt-get update\n"
    hits = findings("UR206", text)
    assert len(hits) == 1 and hits[0].evidence[0].line == 3
    assert hits[0].data["user"] == "app"


def test_catches_behind_env(findings: Scan) -> None:
    text = "FROM debian:bookworm\nRUN true && env DEBIAN_FRONTEND=x sudo -E make install\n"
    assert len(findings("UR206", text)) == 1


def test_not_package_install_or_removal(findings: Scan) -> None:
    text = """
        FROM debian:bookworm
        RUN apt-get install -y sudo && apt-get purge -y sudo && apk del sudo
        RUN echo "use sudo" && grep sudo /etc/group
    """
    assert findings("UR206", text) == []

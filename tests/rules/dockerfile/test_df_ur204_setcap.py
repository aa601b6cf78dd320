from __future__ import annotations

from df_helpers import Scan


def test_catches_and_names_caps(findings: Scan) -> None:
    text = """
        FROM debian:bookworm
        RUN apt-get install -y libcap2-bin \\
         && setcap 'cap_net_bind_service,cap_net_raw=+ep' /usr/bin/app
    """
    hits = findings("UR204", text)
    assert len(hits) == 1
    assert hits[0].data["capabilities"] == ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]
    assert hits[0].evidence[0].line == 3


def test_catches_in_heredoc(findings: Scan) -> None:
    text = "FROM debian:bookworm\nRUN <<EOF\nset -e\nsetcap cap_sys_time+ep /bin/chronyd\nEOF\n"
    hits = findings("UR204", text)
    assert len(hits) == 1 and hits[0].evidence[0].line == 4


def test_not_removal(findings: Scan) -> None:
    assert findings("UR204", "FROM debian:bookworm\nRUN setcap -r /usr/bin/app\n") == []


def test_not_package_name(findings: Scan) -> None:
    assert findings("UR204", "FROM debian:bookworm\nRUN apt-get install -y setcap\n") == []

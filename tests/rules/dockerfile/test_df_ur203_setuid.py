from __future__ import annotations

import pytest
from df_helpers import Scan

from unroot.shell.image_changes import special_bits


@pytest.mark.parametrize(
    ("mode", "bits"),
    [
        ("u+s", "setuid"),
        ("g+s", "setgid"),
        ("+s", "setuid+setgid"),
        ("4755", "setuid"),
        ("2755", "setgid"),
        ("6755", "setuid+setgid"),
        ("04755", "setuid"),
        ("ug+s", "setuid+setgid"),
    ],
)
def test_modes(mode: str, bits: str) -> None:
    assert special_bits(mode) == bits


@pytest.mark.parametrize("mode", ["755", "0755", "u-s", "g-s", "+x", "1777", "a-s"])
def test_modes_not(mode: str) -> None:
    assert special_bits(mode) is None


@pytest.mark.parametrize(
    "cmd",
    [
        "chmod u+s /usr/bin/ping",
        "chmod 4755 /usr/bin/ping",
        "sudo chmod +s /usr/bin/ping",
        "sh -c 'chmod g+s /usr/bin/x'",
    ],
)
def test_catches_run(findings: Scan, cmd: str) -> None:
    hits = findings("UR203", f"FROM debian:bookworm\nRUN true && \\\n    {cmd}\n")
    assert len(hits) == 1 and hits[0].evidence[0].line == 3


def test_catches_copy_chmod(findings: Scan) -> None:
    text = "FROM debian:bookworm\nCOPY --chmod=4755 tool /usr/local/bin/tool\n"
    hits = findings("UR203", text, tool="x")
    assert len(hits) == 1 and hits[0].data["paths"] == ["/usr/local/bin/tool"]


def test_not_in_builder_stage(findings: Scan) -> None:
    text = "FROM debian:bookworm AS b\nRUN chmod u+s /x\nFROM debian:bookworm\nUSER 1000\n"
    assert findings("UR203", text) == []


def test_not_removal_or_echo(findings: Scan) -> None:
    text = "FROM debian:bookworm\nRUN chmod u-s /usr/bin/passwd && echo chmod u+s /x\n"
    assert findings("UR203", text) == []

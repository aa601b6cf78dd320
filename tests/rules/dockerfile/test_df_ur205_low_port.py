from __future__ import annotations

import pytest
from df_helpers import Scan


@pytest.mark.parametrize(
    ("spec", "port"), [("80", 80), ("443/tcp", 443), ("53/udp", 53), ("1000-1030", 1000)]
)
def test_catches(findings: Scan, spec: str, port: int) -> None:
    hits = findings("UR205", f"FROM nginx:1.25\nEXPOSE 8080 {spec}\n")
    assert len(hits) == 1 and hits[0].data["port"] == port
    assert hits[0].evidence[0].line == 2


def test_catches_arg_expanded(findings: Scan) -> None:
    text = "FROM nginx:1.25\nARG PORT=80\nEXPOSE ${PORT}\n"
    hits = findings("UR205", text)
    assert len(hits) == 1 and hits[0].data["port"] == 80


@pytest.mark.parametrize("spec", ["8080", "1024", "8000-9000/tcp", "${UNSET}"])
def test_not(findings: Scan, spec: str) -> None:
    assert findings("UR205", f"FROM nginx:1.25\nEXPOSE {spec}\n") == []


def test_not_in_builder(findings: Scan) -> None:
    text = "FROM nginx:1.25 AS b\nEXPOSE 80\nFROM nginx:1.25\nEXPOSE 8080\n"
    assert findings("UR205", text) == []

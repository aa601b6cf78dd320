"""Fixtures: a throwaway PKI and a webhook server process per test module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from webhook_kit import CA, Server, issue, make_ca, start_server

POLICY = """\
apiVersion: unroot.dev/v1
kind: AdmissionPolicy
exemptions:
  - name: legacy-db
    profile: anyuid
    namespaces: [legacy]
    reason: vendor database image must start as UID 0 (ticket OPS-42)
  - name: ops-debug
    profile: privileged
    groups: [ops-admins]
    reason: node debugging by the on-call team
"""


@dataclass
class PKI:
    ca: CA
    cert: Path
    key: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    folder = tmp_path_factory.mktemp("pki")
    ca = make_ca(folder)
    cert, key = folder / "tls.crt", folder / "tls.key"
    issue(ca, cert, key)
    return PKI(ca, cert, key)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki: PKI) -> Iterator[Server]:
    """One standalone server: SQLite state (ranges + audit) and the policy above."""
    folder = tmp_path_factory.mktemp("webhook")
    policy = folder / "policy.yaml"
    policy.write_text(POLICY)
    srv = start_server(
        folder,
        pki.ca.path,
        pki.cert,
        pki.key,
        "--state",
        str(folder / "state.db"),
        "--policy",
        str(policy),
    )
    srv.state = folder / "state.db"  # type: ignore[attr-defined]
    yield srv
    assert srv.stop() == 0, srv.stderr()

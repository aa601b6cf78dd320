"""A policy's ``podSecurity``: the webhook and ``unroot check`` judge a pod with one engine.

The webhook admits a pod under the profile its policy grants, then requires Pod Security on
the pod as admitted; ``unroot check --profile-mode scc --level L --allow-profile P`` asks the
same question of the same pod. Both must deny (or allow) for the same Pod Security reasons.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webhook_kit import Server, pod_review, start_server

from conftest import PKI

POLICY = """\
apiVersion: unroot.dev/v1
kind: AdmissionPolicy
podSecurity: {level: restricted, version: latest}
exemptions:
  - name: legacy-db
    profile: anyuid
    namespaces: [legacy]
    reason: vendor database image must start as UID 0
"""


@pytest.fixture(scope="module")
def psa_server(tmp_path_factory: pytest.TempPathFactory, pki: PKI) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("webhook-psa")
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
    yield srv
    assert srv.stop() == 0, srv.stderr()


def check_verdict(tmp_path: Path, pod: dict[str, Any], profile: str) -> dict[str, Any]:
    """``unroot check`` in SCC mode with Pod Security restricted, as a separate process."""
    path = tmp_path / "pod.json"
    path.write_text(json.dumps(pod))
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "unroot",
            "check",
            str(path),
            "--profile-mode",
            "scc",
            "--level",
            "restricted",
            "--allow-profile",
            profile,
            "--uid-range",
            "1000680000/10000",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode in (0, 1), res.stderr
    targets: list[dict[str, Any]] = json.loads(res.stdout)["targets"]
    [target] = [t for t in targets if t["kind"] == "workload"]
    return target


def test_granted_profile_admits_but_pod_security_denies_as_check_does(
    psa_server: Server, tmp_path: Path
) -> None:
    review = pod_review("legacy")
    resp = psa_server.post("/mutate", review)["response"]
    assert resp["allowed"] is False
    message = resp["status"]["message"]
    assert "profile anyuid admits it, but Pod Security restricted latest forbids" in message

    target = check_verdict(tmp_path, review["request"]["object"], "anyuid")
    assert target["verdict"] == "deny"
    found = [f["message"] for f in target["findings"] if "still denies" in f["message"]]
    assert found
    # the same Pod Security checks fail in both (each named by its upstream reason)
    for text in found:
        reason = text.split("still denies: ")[1].split(":")[0]
        assert reason in message, (reason, message)


def test_restricted_profile_fills_in_what_pod_security_needs(
    psa_server: Server, tmp_path: Path
) -> None:
    review = pod_review("shop")
    resp = psa_server.post("/mutate", review)["response"]
    assert resp["allowed"] is True, resp
    assert resp["auditAnnotations"]["unroot.dev/profile"] == "restricted-v2"
    assert check_verdict(tmp_path, review["request"]["object"], "restricted-v2")["verdict"] == (
        "allow"
    )

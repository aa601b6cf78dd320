"""`unroot check --format scc-verdict` (unroot.pipeline.scc_verdict): one admission request in,
OpenShift's answer out.

Requests here are built from OpenShift's own default SCCs (the files unroot ships), so these
run without the shared conformance corpus; the corpus itself is run by
tests/policy/scc/test_scc_conformance.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

PROFILES = Path(__file__).resolve().parents[2] / "src" / "unroot" / "policy" / "scc" / "profiles"
NAMESPACE = {
    "name": "shop",
    "annotations": {
        "openshift.io/sa.scc.uid-range": "1000680000/10000",
        "openshift.io/sa.scc.supplemental-groups": "1000680000/10000",
        "openshift.io/sa.scc.mcs": "s0:c26,c5",
    },
}


def scc(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((PROFILES / f"{name}.yaml").read_text())
    return data


def request(pod_sc: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "registry.example/app:1"}
    if pod_sc is not None:
        container["securityContext"] = pod_sc
    return {
        "namespace": NAMESPACE,
        "subject": {
            "user": {"name": "dev", "groups": ["system:authenticated"], "sccs": ["restricted-v2"]},
            "serviceAccount": {
                "name": "system:serviceaccount:shop:default",
                "groups": [],
                "sccs": ["anyuid"],
            },
            "allowed_sccs": ["restricted-v2", "anyuid"],
        },
        "sccs": [scc("restricted-v2"), scc("anyuid"), scc("restricted")],
        "pod": {
            "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [container], **spec},
        },
    }


def run(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "unroot", "check", "--format", "scc-verdict", *args],
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )


def answer(res: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    assert res.stdout.count(b"\n") == 1, res.stdout
    found: dict[str, Any] = json.loads(res.stdout)
    return found


def test_admitted_pod_with_openshifts_mutations() -> None:
    res = run("-", stdin=json.dumps(request()))
    assert res.returncode == 0, res.stderr
    out = answer(res)
    assert out["allowed"] is True and out["scc"] == "restricted-v2" and out["reasons"] == []
    pod = out["pod"]
    assert pod["metadata"]["annotations"] == {
        "openshift.io/scc": "restricted-v2",
        "security.openshift.io/validated-scc-subject-type": "user",
        "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
    }
    assert pod["spec"]["securityContext"] == {
        "fsGroup": 1000680000,
        "seLinuxOptions": {"level": "s0:c26,c5"},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert pod["spec"]["containers"][0]["securityContext"] == {
        "runAsUser": 1000680000,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "allowPrivilegeEscalation": False,
    }


def test_service_account_grant_and_subject_type() -> None:
    """A root pod: the user may only use restricted-v2, the pod's service account may use
    anyuid, which wins and is recorded as a service-account grant."""
    req = request({"runAsUser": 0})
    req["pod"]["spec"]["serviceAccountName"] = "default"
    out = answer(run("-", stdin=json.dumps(req)))
    assert out["scc"] == "anyuid"
    annotations = out["pod"]["metadata"]["annotations"]
    assert annotations["security.openshift.io/validated-scc-subject-type"] == "serviceaccount"
    # without a service account named on the pod, its grants do not count
    res = run("-", stdin=json.dumps(request({"runAsUser": 0})))
    assert res.returncode == 1
    out = answer(res)
    assert out["allowed"] is False and out["pod"] is None and out["scc"] is None
    assert out["reasons"] == [
        "unable to validate against any security context constraint",
        'provider "anyuid": Forbidden: not usable by user or serviceaccount',
        "provider restricted-v2: .containers[0].runAsUser: Invalid value: 0: "
        "must be in the ranges: [1000680000, 1000689999]",
        'provider "restricted": Forbidden: not usable by user or serviceaccount',
    ]


def test_request_failure_is_a_denial_not_an_error(tmp_path: Path) -> None:
    req = request()
    del req["namespace"]["annotations"]["openshift.io/sa.scc.mcs"]
    path = tmp_path / "req.yaml"
    path.write_text(yaml.safe_dump(req))  # a file, in YAML
    res = run(str(path))
    assert res.returncode == 1
    [reason] = answer(res)["reasons"]
    assert "unable to find annotation openshift.io/sa.scc.mcs" in reason


def test_windows_pod_is_not_processed() -> None:
    out = answer(run("-", stdin=json.dumps(request({"runAsUser": 0}, os={"name": "windows"}))))
    assert out["allowed"] is True and out["scc"] is None
    assert "annotations" not in out["pod"]["metadata"]


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"{", "error"),
        (b"[]", "one request object"),
        (json.dumps({**request(), "pod": None}).encode(), "pod"),
        (json.dumps({**request(), "sccs": "x"}).encode(), "sccs"),
        (
            json.dumps({**request(), "sccs": [{**scc("anyuid"), "priority": "high"}]}).encode(),
            "priority",
        ),
        (json.dumps({**request(), "sccs": [scc("anyuid"), scc("anyuid")]}).encode(), "twice"),
        (json.dumps({**request(), "namespace": {"annotations": {}}}).encode(), "namespace"),
        (json.dumps({**request(), "subject": {"user": "dev"}}).encode(), "subject.user"),
        (
            json.dumps(request({"runAsUser": "0"})).encode(),
            "runAsUser",
        ),
        (b"x" * (16 * 1024 * 1024 + 2), "larger than"),
    ],
)
def test_malformed_requests_exit_2_with_one_line(stdin: bytes, message: str) -> None:
    res = run("-", stdin=stdin)
    assert res.returncode == 2, res.stdout
    assert res.stdout == b""
    err = res.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("unroot: error:"), err
    assert message in err and "Traceback" not in err

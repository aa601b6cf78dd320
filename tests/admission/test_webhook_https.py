"""Real HTTPS requests carrying recorded-shape AdmissionReviews to a running webhook."""

from __future__ import annotations

import copy
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonpatch as pypi_jsonpatch  # type: ignore[import-untyped]
from webhook_kit import Server, patch_of, pod_review, workload_review

UNROOT = [sys.executable, "-m", "unroot"]


def audit_rows(state: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(state) as conn:
        return [json.loads(r[0]) for r in conn.execute("SELECT record FROM audit ORDER BY seq")]


def ns_range(state: Path, namespace: str) -> tuple[int, int]:
    out = subprocess.run(
        [*UNROOT, "namespaces", "list", "--state", str(state)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in out.splitlines():
        name, rng, _ = line.split("\t")
        if name == namespace:
            start, size = rng.split("/")
            return int(start), int(size)
    raise AssertionError(f"{namespace} not in {out}")


def test_restricted_pod_is_mutated_and_the_result_validates(server: Server) -> None:
    review = pod_review("shop")
    answer = server.post("/mutate", review)
    resp = answer["response"]
    assert answer["apiVersion"] == "admission.k8s.io/v1" and answer["kind"] == "AdmissionReview"
    assert resp["uid"] == review["request"]["uid"]
    assert resp["allowed"] is True
    assert resp["auditAnnotations"] == {"unroot.dev/profile": "restricted-v2"}
    pod = review["request"]["object"]
    patched = pypi_jsonpatch.JsonPatch(patch_of(answer)).apply(copy.deepcopy(pod))
    start, size = ns_range(server.state, "shop")  # type: ignore[attr-defined]
    for c in patched["spec"]["containers"]:
        sc = c["securityContext"]
        assert start <= sc["runAsUser"] < start + size
        assert sc["runAsNonRoot"] is True and sc["allowPrivilegeEscalation"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]}
    assert patched["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    annotations = patched["metadata"]["annotations"]
    assert annotations["openshift.io/scc"] == annotations["unroot.dev/profile"] == "restricted-v2"
    assert annotations["prometheus.io/port"] == "9090"  # untouched

    # Re-evaluate what the API server would store: /validate admits it as it is, and /mutate
    # has nothing left to change but nothing to add either.
    again = copy.deepcopy(review)
    again["request"]["object"] = patched
    checked = server.post("/validate", again)["response"]
    assert checked["allowed"] is True and "patch" not in checked
    assert patch_of(server.post("/mutate", again)) == []


def test_unmutated_pod_is_refused_by_validate(server: Server) -> None:
    resp = server.post("/validate", pod_review("shop"))["response"]
    assert resp["allowed"] is False
    assert "lacks" in resp["status"]["message"] or "only with fields" in resp["status"]["message"]


def test_root_pod_is_denied_with_the_reason_and_audited(server: Server) -> None:
    review = pod_review(
        "shop",
        container_sc={"runAsUser": 0, "privileged": True},
        spec_extra={"hostNetwork": True},
    )
    resp = server.post("/mutate", review)["response"]
    assert resp["allowed"] is False
    assert resp["status"]["code"] == 403
    message = resp["status"]["message"]
    assert "restricted-v2" in message and "runAsUser" in message and "privileged" in message
    assert "hostNetwork" in message
    records = [r for r in audit_rows(server.state) if r["request_uid"] == review["request"]["uid"]]  # type: ignore[attr-defined]
    assert len(records) == 1
    rec = records[0]
    assert rec["kind"] == "denial" and rec["decision"] == "deny" and rec["namespace"] == "shop"
    assert rec["subject"] == review["request"]["userInfo"]["username"]
    assert rec["object"] == "Pod/web-7c5ddbdf54-x8k2p" and rec["service_account"] == "shop:web"
    assert "runAsUser" in rec["reason"]


def test_exempted_namespace_gets_anyuid_with_the_reason_in_the_audit(server: Server) -> None:
    review = pod_review("legacy", container_sc={"runAsUser": 0})
    answer = server.post("/mutate", review)
    resp = answer["response"]
    assert resp["allowed"] is True
    assert resp["auditAnnotations"] == {
        "unroot.dev/profile": "anyuid",
        "unroot.dev/exemption": "legacy-db",
    }
    patched = pypi_jsonpatch.JsonPatch(patch_of(answer)).apply(review["request"]["object"])
    assert patched["metadata"]["annotations"]["openshift.io/scc"] == "anyuid"
    assert all(c["securityContext"]["runAsUser"] == 0 for c in patched["spec"]["containers"])
    rec = [r for r in audit_rows(server.state) if r["request_uid"] == review["request"]["uid"]]  # type: ignore[attr-defined]
    assert len(rec) == 1
    assert rec[0]["kind"] == "admission" and rec[0]["profile"] == "anyuid"
    assert rec[0]["reason"] == "vendor database image must start as UID 0 (ticket OPS-42)"
    assert rec[0]["detail"]["exemption"] == "legacy-db"

    # As in OpenShift, anyuid's priority (10) puts it first for everyone granted it, so even a
    # pod that restricted-v2 would admit runs under anyuid there (and is audited as such).
    plain = server.post("/mutate", pod_review("legacy"))["response"]
    assert plain["auditAnnotations"]["unroot.dev/profile"] == "anyuid"


def test_exemption_by_group_applies_only_to_members(server: Server) -> None:
    sc = {"privileged": True}
    member = pod_review("shop", user="bob", groups=["ops-admins"], container_sc=sc)
    other = pod_review("shop", user="carol", groups=["devs"], container_sc=sc)
    assert server.post("/mutate", member)["response"]["allowed"] is True
    assert server.post("/mutate", other)["response"]["allowed"] is False


def test_dry_run_has_no_side_effects(server: Server) -> None:
    review = pod_review("shop", container_sc={"runAsUser": 0}, dry_run=True)
    assert server.post("/mutate", review)["response"]["allowed"] is False
    uids = {r["request_uid"] for r in audit_rows(server.state)}  # type: ignore[attr-defined]
    assert review["request"]["uid"] not in uids
    fresh = pod_review("never-seen", dry_run=True)
    resp = server.post("/mutate", fresh)["response"]
    assert resp["allowed"] is False and "dry run" in resp["status"]["message"]


def deployment(container_sc: dict[str, Any] | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"name": "app", "image": "registry.example.com/app:1"}
    if container_sc:
        c["securityContext"] = container_sc
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app", "namespace": "shop"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {"metadata": {"labels": {"app": "app"}}, "spec": {"containers": [c]}},
        },
    }


def test_workloads_are_admitted_with_warnings_for_pods_that_will_be_denied(server: Server) -> None:
    bad = server.post("/mutate", workload_review(deployment({"privileged": True})))["response"]
    assert bad["allowed"] is True and "patch" not in bad
    assert any("will be denied" in w and "privileged" in w for w in bad["warnings"])
    good = server.post("/mutate", workload_review(deployment()))["response"]
    assert good["allowed"] is True and "patch" not in good and "warnings" not in good
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop"},
        "spec": {
            "schedule": "0 3 * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "hostPID": True,
                            "containers": [{"name": "c", "image": "busybox"}],
                        }
                    }
                }
            },
        },
    }
    resp = server.post("/validate", workload_review(cron))["response"]
    assert resp["allowed"] is True and any("hostPID" in w for w in resp["warnings"])


def test_malformed_bodies_get_a_denying_review_not_an_http_error(server: Server) -> None:
    uid = "3f1c2b7a-0000-4000-8000-000000000001"
    cases: list[bytes] = [
        b"",
        b"not json at all",
        b"[1, 2, 3]",
        json.dumps({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1"}).encode(),
        json.dumps({"kind": "Pod", "apiVersion": "v1"}).encode(),
        json.dumps(
            {"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": {"uid": 7}}
        ).encode(),
        b'{"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": {"uid": "'
        + uid.encode()
        + b'", "kind": {"kind": "Pod"}, "operation": "CREATE", "object": [1]}}',
        b'{"kind": "AdmissionReview", "request": {"uid": "' + uid.encode() + b'", "object": {',
    ]
    for body in cases:
        answer = server.post("/mutate", body)
        resp = answer["response"]
        assert answer["kind"] == "AdmissionReview", body
        assert resp["allowed"] is False, body
        assert resp["status"]["message"], body
    # The uid is echoed whenever it can be found, so the API server can match the answer.
    assert server.post("/mutate", cases[-1])["response"]["uid"] == uid
    assert server.post("/mutate", cases[-2])["response"]["uid"] == uid

    review = pod_review("shop")
    review["request"]["object"]["spec"]["containers"] = "not a list"
    resp = server.post("/mutate", review)["response"]
    assert resp["allowed"] is False and resp["status"]["code"] == 400
    assert "containers" in resp["status"]["message"]


def test_other_operations_and_kinds_pass_through(server: Server) -> None:
    review = pod_review("shop", container_sc={"privileged": True})
    review["request"]["operation"] = "DELETE"
    assert server.post("/mutate", review)["response"]["allowed"] is True
    cm = workload_review(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}
    )
    assert server.post("/validate", cm)["response"]["allowed"] is True


def test_health_readiness_and_metrics(server: Server) -> None:
    assert server.get("/healthz") == (200, "ok\n")
    assert server.get("/readyz")[0] == 200
    assert server.get("/nope")[0] == 404
    server.post("/mutate", pod_review("shop", container_sc={"runAsUser": 0}))
    status, text = server.get("/metrics")
    assert status == 200
    assert 'unroot_admission_requests_total{endpoint="mutate",decision="deny"}' in text
    assert 'unroot_admission_denials_total{reason="forbidden"}' in text
    assert 'unroot_admission_duration_seconds_bucket{le="+Inf"}' in text
    assert 'unroot_audit_records_total{outcome="written"}' in text


def test_audit_chain_of_the_running_server_verifies(server: Server) -> None:
    out = subprocess.run(
        [*UNROOT, "audit", "verify", str(server.state)],  # type: ignore[attr-defined]
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok: ")


def test_ephemeral_debug_container_is_judged_like_a_pod(server: Server) -> None:
    review = pod_review("shop", container_sc={"runAsUser": 1000000000, "runAsNonRoot": True})
    req = review["request"]
    req["operation"], req["subResource"] = "UPDATE", "ephemeralcontainers"
    req["object"]["spec"]["ephemeralContainers"] = [
        {"name": "debugger", "image": "busybox", "securityContext": {"privileged": True}}
    ]
    resp = server.post("/mutate", review)["response"]
    assert resp["allowed"] is False and "ephemeralContainers[0]" in resp["status"]["message"]
    # Other pod updates (labels, status) are not judged.
    req["subResource"] = ""
    assert server.post("/mutate", review)["response"]["allowed"] is True

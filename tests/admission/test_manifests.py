"""Deployment manifests: schema-valid for every claimed Kubernetes version, restricted-clean by
our own ``unroot check``, and ``deploy/`` is exactly what ``unroot webhook manifests`` prints."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from unroot.admission.manifests import KUBERNETES_VERSIONS

UNROOT = [sys.executable, "-m", "unroot"]
REPO = Path(__file__).resolve().parents[2]
CUSTOM = {"cert-manager.io/v1"}


def manifests(*args: str) -> str:
    return subprocess.run(
        [*UNROOT, "webhook", "manifests", *args], capture_output=True, text=True, check=True
    ).stdout


def objects(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def test_deploy_folder_matches_the_generator() -> None:
    assert (REPO / "deploy" / "unroot-webhook.yaml").read_text() == manifests()


@pytest.mark.parametrize("tls", ["cert-manager", "self-signed"])
def test_schema_valid_for_every_claimed_version(tls: str) -> None:
    docs = objects(manifests("--tls", tls))
    kinds = {d["kind"] for d in docs}
    assert {
        "Deployment",
        "PodDisruptionBudget",
        "Service",
        "ClusterRole",
        "ClusterRoleBinding",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    } <= kinds
    for version in KUBERNETES_VERSIONS:
        for doc in docs:
            if doc["apiVersion"] in CUSTOM:
                continue  # cert-manager's CRDs are not part of the Kubernetes schemas
            kubernetes_validate.validate(doc, f"{version}.0", strict=True)


def test_a_broken_manifest_is_rejected_by_the_same_validation() -> None:
    """The validation above can fail: a misspelt field is caught."""
    doc = next(d for d in objects(manifests()) if d["kind"] == "MutatingWebhookConfiguration")
    doc["webhooks"][0]["failurPolicy"] = "Fail"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, f"{KUBERNETES_VERSIONS[-1]}.0", strict=True)


def test_webhook_configuration_choices() -> None:
    docs = objects(manifests("--namespace", "guard", "--timeout", "4"))
    mutating = next(d for d in docs if d["kind"] == "MutatingWebhookConfiguration")
    hook = mutating["webhooks"][0]
    assert hook["failurePolicy"] == "Fail" and hook["timeoutSeconds"] == 4
    assert hook["sideEffects"] == "NoneOnDryRun" and hook["reinvocationPolicy"] == "IfNeeded"
    excluded = hook["namespaceSelector"]["matchExpressions"][0]
    assert excluded["operator"] == "NotIn" and {"kube-system", "guard"} <= set(excluded["values"])
    assert hook["matchConditions"][0]["name"] == "not-a-mirror-pod"
    assert (
        mutating["metadata"]["annotations"]["cert-manager.io/inject-ca-from"]
        == "guard/unroot-webhook"
    )
    deployment = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "unroot-webhook"
    )
    assert deployment["spec"]["replicas"] >= 2
    pdb = next(d for d in docs if d["kind"] == "PodDisruptionBudget")
    assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_self_signed_bundle_verifies_the_serving_certificate() -> None:
    from cryptography import x509

    docs = objects(manifests("--tls", "self-signed"))
    secret = next(d for d in docs if d["kind"] == "Secret")
    hook = next(d for d in docs if d["kind"] == "ValidatingWebhookConfiguration")
    ca = x509.load_pem_x509_certificate(
        base64.b64decode(hook["webhooks"][0]["clientConfig"]["caBundle"])
    )
    cert = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
    cert.verify_directly_issued_by(ca)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "unroot-webhook.unroot-system.svc" in names.get_values_for_type(x509.DNSName)


@pytest.mark.parametrize("mode", [["--level", "restricted"], []])
def test_own_pods_pass_our_restricted_check(tmp_path: Path, mode: list[str]) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(manifests())
    out = subprocess.run(
        [*UNROOT, "check", *mode, "--format", "json", str(path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    import json

    targets = json.loads(out.stdout)["targets"]
    assert len(targets) == 2 and all(t["verdict"] == "allow" for t in targets)

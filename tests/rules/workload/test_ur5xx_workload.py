"""Workload rules on real manifests: low ports, user names, image users against runAsNonRoot."""

from __future__ import annotations

import pytest

from unroot.findings import Category, Finding, Severity, Target, Verdict
from unroot.rules.base import run_rules
from unroot.workload.compose import load_compose
from unroot.workload.context import PodContext
from unroot.workload.load import Document, load_text

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: web
    image: example/web:1
    ports:
    - containerPort: 80
    - containerPort: 8080
  - name: bind
    image: example/bind:1
    ports:
    - containerPort: 53
    securityContext:
      capabilities:
        add: [NET_BIND_SERVICE]
"""


def _findings(doc: Document, images: dict[str, Target] | None = None) -> list[Finding]:
    spec = doc.obj["spec"]
    ctx = PodContext(doc, spec, "spec", spec, images or {})
    return run_rules("workload", ctx)


def test_ur501_low_port_skips_containers_with_net_bind_service() -> None:
    doc = load_text(POD, "pod.yaml").documents[0]
    hints = _findings(doc)
    assert [h.data["port"] for h in hints] == [80]
    [hint] = hints
    assert hint.rule == "UR501"
    assert hint.category is Category.LOW_PORT and hint.severity is Severity.WARNING
    assert hint.evidence[0].line == POD.splitlines().index("    - containerPort: 80") + 1


def test_ur501_follows_the_unprivileged_port_start_sysctl() -> None:
    text = POD.replace(
        "spec:\n",
        "spec:\n  securityContext:\n    sysctls:\n"
        "    - {name: net.ipv4.ip_unprivileged_port_start, value: '80'}\n",
        1,
    )
    assert _findings(load_text(text, "pod.yaml").documents[0]) == []


def test_ur502_user_name_from_compose() -> None:
    text = "services:\n  app:\n    image: x\n    user: www-data\n"
    doc = load_compose(text, "c.yaml").documents[0]
    [hint] = _findings(doc)
    assert hint.rule == "UR502"
    assert hint.category is Category.NO_USER and hint.evidence[0].line == 4
    assert "www-data" in hint.message


def _image(user: str) -> Target:
    return Target(ref="example/web:1", kind="image", verdict=Verdict.NON_ROOT, info={"user": user})


@pytest.mark.parametrize(
    ("user", "expect"),
    [("app", "a name"), ("", "root"), ("0:0", "root"), ("1000", None), ("1000:app", None)],
)
def test_ur503_image_user_against_run_as_non_root(user: str, expect: str | None) -> None:
    text = POD.replace("spec:\n", "spec:\n  securityContext: {runAsNonRoot: true}\n", 1)
    doc = load_text(text, "pod.yaml").documents[0]
    found = [f for f in _findings(doc, {"example/web:1": _image(user)}) if f.rule == "UR503"]
    if expect is None:
        assert found == []
        return
    [finding] = found
    assert expect in finding.message and finding.severity is Severity.ERROR
    assert finding.evidence[0].line == text.splitlines().index("    image: example/web:1") + 1

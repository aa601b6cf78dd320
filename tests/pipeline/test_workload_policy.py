"""assess: policy reasons -> findings with categories and file:line evidence."""

from __future__ import annotations

import pytest

from unroot.findings import Category, Severity, Target, Verdict
from unroot.pipeline import workload_policy as assess
from unroot.policy.scc import builtin_profiles
from unroot.policy.uidrange import parse_range
from unroot.workload.compose import load_compose
from unroot.workload.load import load_text

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


@pytest.mark.parametrize(
    ("path", "category"),
    [
        ("spec.containers[0].securityContext.runAsUser", Category.NO_USER),
        ("spec.securityContext.fsGroup", Category.NO_USER),
        ("spec.containers[0].securityContext.capabilities.add[0]", Category.NEEDS_CAPABILITY),
        ("spec.containers[0].securityContext.allowPrivilegeEscalation", Category.SETUID_BINARY),
        ("spec.containers[0].securityContext.privileged", Category.HOST_MODIFICATION),
        ("spec.hostNetwork", Category.HOST_MODIFICATION),
        ("spec.volumes[0].hostPath", Category.HOST_MODIFICATION),
    ],
)
def test_categories(path: str, category: Category) -> None:
    assert assess.category_for_path(path) is category


def test_low_port_hint_skips_containers_with_net_bind_service() -> None:
    doc = load_text(POD, "pod.yaml").documents[0]
    hints = assess.hint_findings(doc, doc.obj["spec"], "spec")
    assert [h.data["port"] for h in hints] == [80]
    [hint] = hints
    assert hint.category is Category.LOW_PORT and hint.severity is Severity.WARNING
    assert hint.evidence[0].line == POD.splitlines().index("    - containerPort: 80") + 1


def test_user_name_hint_from_compose() -> None:
    text = "services:\n  app:\n    image: x\n    user: www-data\n"
    doc = load_compose(text, "c.yaml").documents[0]
    [hint] = assess.hint_findings(doc, doc.obj["spec"], "spec")
    assert hint.category is Category.NO_USER and hint.evidence[0].line == 4
    assert "www-data" in hint.message


def _image(user: str) -> Target:
    return Target(ref="example/web:1", kind="image", verdict=Verdict.NON_ROOT, info={"user": user})


@pytest.mark.parametrize(
    ("user", "expect"),
    [("app", "a name"), ("", "root"), ("0:0", "root"), ("1000", None), ("1000:app", None)],
)
def test_image_user_against_run_as_non_root(user: str, expect: str | None) -> None:
    text = POD.replace("spec:\n", "spec:\n  securityContext: {runAsNonRoot: true}\n", 1)
    doc = load_text(text, "pod.yaml").documents[0]
    found = assess.image_user_findings(
        doc, doc.obj["spec"], "spec", {"example/web:1": _image(user)}
    )
    if expect is None:
        assert found == []
        return
    [finding] = found
    assert expect in finding.message and finding.severity is Severity.ERROR
    assert finding.evidence[0].line == text.splitlines().index("    image: example/web:1") + 1


def test_scc_target_mutations_are_info_findings_per_leaf() -> None:
    doc = load_text(POD, "pod.yaml").documents[0]
    target, decision = assess.scc_target(
        doc,
        profiles=builtin_profiles(),
        allowed_profiles=["restricted-v2"],
        uid_range=parse_range("1000680000/10000"),
        namespace_annotations=None,
    )
    assert decision.allowed and target.verdict is Verdict.ALLOW
    leaves = {f.evidence[0].field: f.data["value"] for f in target.findings}
    assert leaves["spec.containers[0].securityContext.runAsUser"] == 1000680000
    assert leaves["spec.securityContext.seccompProfile.type"] == "RuntimeDefault"
    assert all(f.severity is Severity.INFO for f in target.findings)
    # a new field is reported at the line of its nearest existing ancestor
    assert target.findings[0].evidence[0].line == POD.splitlines().index("  - name: web") + 1

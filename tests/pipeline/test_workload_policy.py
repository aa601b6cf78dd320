"""Policy reasons -> findings with their check's rule id, category and file:line evidence."""

from __future__ import annotations

import pytest

from unroot.findings import Category, Severity, Target, Verdict
from unroot.pipeline import workload_policy as assess
from unroot.pipeline.workload import WorkloadOptions, admit_object
from unroot.policy.scc import SCCDecision, builtin_profiles
from unroot.policy.scc.checks import check_for
from unroot.policy.uidrange import parse_range
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
        ("spec.containers[0].securityContext.runAsUser", Category.UID_RANGE),
        ("spec.containers[0].securityContext.runAsNonRoot", Category.NO_USER),
        ("spec.securityContext.fsGroup", Category.UID_RANGE),
        ("spec.containers[0].securityContext.capabilities.add[0]", Category.NEEDS_CAPABILITY),
        (
            "spec.containers[0].securityContext.allowPrivilegeEscalation",
            Category.PRIVILEGE_ESCALATION,
        ),
        ("spec.containers[0].securityContext.privileged", Category.PRIVILEGED),
        ("spec.securityContext.seccompProfile.type", Category.SECURITY_PROFILE),
        ("spec.securityContext.seLinuxOptions.level", Category.SECURITY_PROFILE),
        ("spec.hostNetwork", Category.HOST_ACCESS),
        ("spec.containers[0].ports[0].hostPort", Category.HOST_ACCESS),
        ("spec.volumes[0].hostPath", Category.HOST_ACCESS),
        ("spec.volumes[0].nfs", Category.VOLUME_TYPE),
        ("spec.securityContext.sysctls[0].name", Category.HOST_MODIFICATION),
    ],
)
def test_scc_categories(path: str, category: Category) -> None:
    assert check_for(path).category is category


def _scc(text: str, allowed: str = "restricted-v2") -> tuple[Target, SCCDecision]:
    doc = load_text(text, "pod.yaml").documents[0]
    uid_range = parse_range("1000680000/10000")
    options = WorkloadOptions(profiles=builtin_profiles(), allowed_profiles=(allowed,))
    decision = admit_object(doc.obj, options, uid_range=uid_range).decision
    target = assess.scc_target(doc, decision, allowed_profiles=[allowed], uid_range=uid_range)
    return target, decision


def test_scc_run_as_user_zero_is_no_user_other_uids_are_out_of_range() -> None:
    for uid, category in (("0", Category.NO_USER), ("5", Category.UID_RANGE)):
        text = POD.replace(
            "  - name: web\n", f"  - name: web\n    securityContext: {{runAsUser: {uid}}}\n"
        )
        target, _decision = _scc(text)
        [finding] = [f for f in target.findings if f.rule == "SCC-runAsUser"]
        assert finding.category is category, uid


def test_psa_findings_carry_the_check_category() -> None:
    text = POD.replace(
        "  - name: web\n", "  - name: web\n    securityContext: {privileged: true}\n"
    )
    doc = load_text(text, "pod.yaml").documents[0]
    target = assess.psa_target(doc, "baseline", "latest")
    [finding] = target.findings
    assert (finding.rule, finding.category) == ("PSA-privileged", Category.PRIVILEGED)
    assert finding.severity is Severity.ERROR


def test_scc_target_mutations_are_info_findings_per_leaf() -> None:
    target, decision = _scc(POD)
    assert decision.allowed and target.verdict is Verdict.ALLOW
    leaves = {f.evidence[0].field: f.data["value"] for f in target.findings}
    assert leaves["spec.containers[0].securityContext.runAsUser"] == 1000680000
    assert leaves["spec.securityContext.seccompProfile.type"] == "RuntimeDefault"
    assert all(f.severity is Severity.INFO for f in target.findings)
    # a new field is reported at the line of its nearest existing ancestor
    assert target.findings[0].evidence[0].line == POD.splitlines().index("  - name: web") + 1

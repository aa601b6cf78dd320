"""UR502: a compose or ``run`` user given as a name, which Kubernetes cannot express."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Evidence, Finding, Severity
from unroot.rules.base import Rule
from unroot.workload.compose import USER_NAME_ANNOTATION
from unroot.workload.context import PodContext


def check(ctx: PodContext) -> Iterator[Finding]:
    doc = ctx.document
    meta = doc.obj.get("metadata") if isinstance(doc.obj, dict) else None
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if not isinstance(annotations, dict):
        return
    name = annotations.get(USER_NAME_ANNOTATION)
    if not isinstance(name, str):
        return
    path = f'metadata.annotations["{USER_NAME_ANNOTATION}"]'
    yield RULE.finding(
        f"user {name!r} is a name: Kubernetes needs a numeric UID, and with runAsNonRoot the "
        "kubelet cannot verify a name is not root",
        Evidence(file=doc.file, line=doc.line_of(path), field="user", value=name),
    )


RULE = Rule(
    id="UR502",
    kind="workload",
    category=Category.NO_USER,
    severity=Severity.WARNING,
    title="user given as a name",
    rationale=(
        "A pod's runAsUser is a number. A compose file or podman run line that names a user "
        "(user: app) has no equivalent, and with runAsNonRoot the kubelet refuses an image whose "
        "user it cannot verify to be non-root."
    ),
    fix='use a numeric user (e.g. user: "1000:0")',
    docs="Compose services and podman/docker run command lines; the name is kept in the "
    f"{USER_NAME_ANNOTATION} annotation of the pod they are turned into.",
    check=check,
)

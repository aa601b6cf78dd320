"""UR102: the image user is a name, which Kubernetes' runAsNonRoot cannot verify."""

from __future__ import annotations

from collections.abc import Iterator

from unroot.findings import Category, Evidence, Finding, Severity
from unroot.image.context import ImageContext
from unroot.rules.base import Rule


def check(ctx: ImageContext) -> Iterator[Finding]:
    user = ctx.user
    if not user.explicit or user.invalid or user.is_root or user.user_numeric:
        return
    uid = f"UID {user.uid}" if user.uid is not None else "an unknown UID"
    numeric = f"{user.uid}:{user.gid if user.gid is not None else 0}"
    yield RULE.finding(
        f"USER {user.spec.strip()} is a name ({uid}): a pod with runAsNonRoot but no runAsUser "
        "is refused by the kubelet, which cannot verify a name is not root (a platform that "
        "sets the UID itself, like the restricted profile, is not affected)",
        Evidence(field="config.User", value=user.spec, detail=f"user part {user.user_part!r}"),
        fix=(f"Use the number: 'USER {numeric}'." if user.uid is not None else RULE.fix),
        data={"user": user.spec, "uid": user.uid},
    )


RULE = Rule(
    id="UR102",
    kind="image",
    category=Category.ARBITRARY_UID_UNREADY,
    severity=Severity.INFO,
    title="Image user is a name, not a number",
    rationale=(
        "Kubernetes checks runAsNonRoot against the image's User without reading the image's "
        "/etc/passwd. A name cannot be proven non-root, so the kubelet refuses to start the "
        "pod ('container has runAsNonRoot and image has non-numeric user ... cannot verify "
        "user is non-root') unless the pod sets runAsUser itself."
    ),
    fix="Set USER to the numeric UID (and group 0), e.g. 'USER 1001:0'.",
    docs=(
        "The name works with podman and docker, which resolve it through the image's "
        "/etc/passwd; only the Kubernetes check fails. Admission policies (Pod Security "
        "'restricted') require runAsNonRoot, so this breaks pods that rely on the image's "
        "user. Info: under the restricted profile (OpenShift's SCC, 'podman run --user') the "
        "platform picks the UID and the name is never used. See "
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/."
    ),
    check=check,
)

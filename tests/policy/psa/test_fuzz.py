"""Random, mostly wrong-typed objects: evaluate answers or raises InputError, nothing else."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.errors import InputError
from unroot.policy.psa import evaluate

# field names the checks and the workload lookup read, so the fuzzer reaches them often
KEYS = [
    "kind", "metadata", "annotations", "name", "spec", "template", "jobTemplate",
    "containers", "initContainers", "ephemeralContainers", "securityContext", "privileged",
    "runAsUser", "runAsNonRoot", "allowPrivilegeEscalation", "capabilities", "add", "drop",
    "ports", "hostPort", "volumes", "hostPath", "emptyDir", "seccompProfile", "type",
    "seLinuxOptions", "user", "role", "sysctls", "hostNetwork", "hostUsers", "os",
    "procMount", "windowsOptions", "hostProcess", "livenessProbe", "httpGet", "host",
    "lifecycle", "postStart", "appArmorProfile",
    "container.apparmor.security.beta.kubernetes.io/c",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 70000),
    st.floats(allow_nan=False),
    st.sampled_from(["", "Pod", "Deployment", "CronJob", "ALL", "Unconfined", "c", "0"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    ),
    max_leaves=30,
)


def _pod_like() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"kind": st.sampled_from(["Pod", "Deployment", "CronJob", "PodTemplate"])},
        optional={"metadata": values, "spec": values, "template": values},
    )


mappings = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)
# a well-shaped Pod whose leaves are random: reaches deep into the checks
shaped_pod = st.fixed_dictionaries(
    {
        "kind": st.just("Pod"),
        "spec": st.fixed_dictionaries(
            {"containers": st.lists(mappings, max_size=3)},
            optional={
                "securityContext": mappings,
                "volumes": st.lists(mappings, max_size=2),
                "initContainers": st.lists(mappings, max_size=2),
                "hostNetwork": scalars,
            },
        ),
    },
    optional={"metadata": st.fixed_dictionaries({}, optional={"annotations": mappings})},
)


@settings(max_examples=400, deadline=None)
@given(
    obj=st.one_of(values, _pod_like(), shaped_pod),
    level=st.sampled_from(["baseline", "restricted"]),
)
def test_random_objects_never_crash(obj: Any, level: str) -> None:
    try:
        decision = evaluate(obj, level, "latest")
    except InputError:
        return
    assert decision.allowed or decision.results
    for reason in decision.results:
        assert reason.reason and reason.field_paths

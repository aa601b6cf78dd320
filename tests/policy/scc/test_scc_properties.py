"""Properties of the SCC engine on generated pods, under OpenShift's default SCCs.

* the input pod is never changed (the engine works on copies);
* whatever a pod asks for, the answer is a verdict or an InputError, never a crash;
* admission is idempotent, as OpenShift relies on when an admitted pod is admitted again (the
  second pass of upstream's TestAdmitSuccess): the same SCC takes it and changes no field (the
  deprecated seccomp annotation may be respelled: ``docker/default`` becomes
  ``runtime/default`` once the field is set);
* wrongly typed input (anything the API server would not decode) is an InputError.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.errors import InputError
from unroot.policy.scc import admit, builtin_profiles
from unroot.policy.scc.admission import Cluster, Subject, admit_pod
from unroot.policy.scc.namespace import MCS, SUPPLEMENTAL_GROUPS, UID_RANGE, Namespace

PROFILES = builtin_profiles()
CLUSTER = Cluster(list(PROFILES.values()))
NAMESPACE = Namespace(
    "ns", {UID_RANGE: "1000/100", SUPPLEMENTAL_GROUPS: "2000/10", MCS: "s0:c2,c1"}
)
EVERYONE = Subject(user=frozenset(PROFILES))

caps = st.sampled_from(["ALL", "NET_BIND_SERVICE", "NET_ADMIN", "MKNOD", "CAP_SYS_ADMIN", "all"])
seccomp = st.sampled_from(
    [
        {"type": "RuntimeDefault"},
        {"type": "Unconfined"},
        {"type": "Localhost", "localhostProfile": "p.json"},
    ]
)
selinux = st.fixed_dictionaries(
    {}, optional={"level": st.sampled_from(["s0:c1,c2", "s0:c2,c1", "s0"]), "type": st.just("t")}
)
container_sc = st.fixed_dictionaries(
    {},
    optional={
        "runAsUser": st.sampled_from([0, 1, 1000, 1050, 5000]),
        "runAsNonRoot": st.booleans(),
        "privileged": st.booleans(),
        "allowPrivilegeEscalation": st.booleans(),
        "readOnlyRootFilesystem": st.booleans(),
        "capabilities": st.fixed_dictionaries(
            {}, optional={"add": st.lists(caps, max_size=2), "drop": st.lists(caps, max_size=2)}
        ),
        "seccompProfile": seccomp,
        "seLinuxOptions": selinux,
    },
)
container = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", ""])},
    optional={
        "securityContext": container_sc,
        "ports": st.lists(
            st.fixed_dictionaries(
                {"containerPort": st.just(80)}, optional={"hostPort": st.sampled_from([0, 80])}
            ),
            max_size=1,
        ),
    },
)
pod_sc = st.fixed_dictionaries(
    {},
    optional={
        "runAsUser": st.sampled_from([0, 1000, 7]),
        "runAsNonRoot": st.booleans(),
        "fsGroup": st.sampled_from([0, 2000, 1000]),
        "supplementalGroups": st.lists(st.sampled_from([2000, 5]), max_size=2),
        "seccompProfile": seccomp,
        "seLinuxOptions": selinux,
        "sysctls": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["kernel.shm_rmid_forced", "kernel.msgmax"])}
            ),
            max_size=1,
        ),
    },
)
volume = st.sampled_from(
    [
        {"name": "v", "emptyDir": {}},
        {"name": "v", "hostPath": {"path": "/"}},
        {"name": "v", "nfs": {"server": "s", "path": "/"}},
        {"name": "v", "cephfs": {"monitors": ["m"]}},
    ]
)
annotations = st.dictionaries(
    st.sampled_from(
        [
            "seccomp.security.alpha.kubernetes.io/pod",
            "container.seccomp.security.alpha.kubernetes.io/a",
        ]
    ),
    st.sampled_from(["runtime/default", "unconfined", "docker/default", "localhost/p.json"]),
    max_size=2,
)
pods = st.fixed_dictionaries(
    {
        "metadata": st.fixed_dictionaries({}, optional={"annotations": annotations}),
        "spec": st.fixed_dictionaries(
            {"containers": st.lists(container, min_size=1, max_size=2)},
            optional={
                "initContainers": st.lists(container, max_size=1),
                "securityContext": pod_sc,
                "hostNetwork": st.booleans(),
                "hostUsers": st.booleans(),
                "volumes": st.lists(volume, max_size=2),
                "serviceAccountName": st.just("default"),
            },
        ),
    }
)


@settings(max_examples=300, deadline=None)
@given(pods)
def test_engine_never_changes_its_input_and_is_idempotent(pod: dict[str, Any]) -> None:
    before = copy.deepcopy(pod)
    result = admit_pod(pod, cluster=CLUSTER, namespace=NAMESPACE, subject=EVERYONE)
    assert pod == before
    if not result.allowed:
        assert result.errors and result.pod is None
        return
    assert result.pod is not None and result.scc is not None
    again = admit_pod(result.pod, cluster=CLUSTER, namespace=NAMESPACE, subject=EVERYONE)
    assert again.allowed and again.scc == result.scc
    assert again.pod is not None
    assert again.pod["spec"] == result.pod["spec"]
    respelled = {"docker/default": "runtime/default"}
    first = dict(result.pod["metadata"]["annotations"])
    key = "seccomp.security.alpha.kubernetes.io/pod"
    if key in first:
        first[key] = respelled.get(first[key], first[key])
    assert again.pod["metadata"]["annotations"] == first


@settings(max_examples=300, deadline=None)
@given(pods)
def test_workload_patch_reproduces_the_admitted_pod(pod: dict[str, Any]) -> None:
    """What ``check --fix`` writes (the patch) is what admission makes of the pod."""
    from unroot.policy import jsonpatch

    # As decoded from JSON: no object shared between two places (the strategies hand out the
    # same dict for equal samples, and a patch applied to one place would change both).
    pod = orjson.loads(orjson.dumps(pod))
    obj = {"apiVersion": "v1", "kind": "Pod", **copy.deepcopy(pod)}
    decision = admit(
        obj,
        profiles=PROFILES,
        allowed_profiles=list(PROFILES),
        namespace_annotations=NAMESPACE.annotations,
    )
    direct = admit_pod(pod, cluster=CLUSTER, namespace=NAMESPACE, subject=EVERYONE)
    assert decision.allowed == direct.allowed
    if decision.allowed:
        assert direct.pod is not None
        patched = jsonpatch.apply(copy.deepcopy(obj), copy.deepcopy(decision.patch))
        assert patched["spec"] == direct.pod["spec"]


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(-1, 3), st.sampled_from(["", "ALL"])),
        lambda inner: st.one_of(
            st.lists(inner, max_size=2),
            st.dictionaries(
                st.sampled_from(
                    [
                        "securityContext",
                        "capabilities",
                        "add",
                        "drop",
                        "runAsUser",
                        "fsGroup",
                        "supplementalGroups",
                        "seccompProfile",
                        "type",
                        "volumes",
                        "projected",
                        "sources",
                        "configMap",
                        "items",
                        "ports",
                        "hostPort",
                        "sysctls",
                        "name",
                    ]
                ),
                inner,
                max_size=3,
            ),
        ),
        max_leaves=20,
    )
)
def test_wrong_types_are_input_errors(junk: Any) -> None:
    spec = {
        "containers": [{"name": "c", "securityContext": junk}],
        "securityContext": junk,
        "volumes": [junk] if isinstance(junk, dict) else junk,
    }
    obj = {"kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
    with contextlib.suppress(InputError):
        admit(obj, profiles=PROFILES, uid_range=None, namespace_annotations=NAMESPACE.annotations)

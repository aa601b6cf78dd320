"""compose services and run command lines become pseudo-Pods with source lines."""

from __future__ import annotations

import pytest

from unroot.errors import InputError
from unroot.workload.cmdline import load_cmdline, parse_cmdline
from unroot.workload.compose import USER_NAME_ANNOTATION, load_compose
from unroot.workload.inputs import looks_like_compose

COMPOSE = """\
# demo stack
services:
  web:
    image: nginx:1.25
    user: "1000:1000"
    privileged: true
    cap_add: [NET_ADMIN, CAP_SYS_TIME]
    cap_drop:
      - ALL
    ports:
      - "8080:80"
      - target: 443
        published: 8443
        protocol: tcp
    security_opt:
      - no-new-privileges:true
      - seccomp=unconfined
      - label=disable
    read_only: true
    network_mode: host
    pid: host
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - data:/data:ro
    sysctls:
      net.core.somaxconn: "1024"
  worker:
    image: app
    user: app
    ipc: host
    userns_mode: keep-id
"""


def _line(needle: str) -> int:
    return next(i for i, ln in enumerate(COMPOSE.splitlines(), 1) if needle in ln)


def test_detection() -> None:
    assert looks_like_compose(COMPOSE)
    assert not looks_like_compose("kind: Pod\nservices: 1\n")


def test_service_fields_map_to_pod_fields_with_lines() -> None:
    src = load_compose(COMPOSE, "compose.yaml")
    web, worker = src.documents
    assert (web.kind, web.name) == ("Pod", "web")
    spec = web.obj["spec"]
    c = spec["containers"][0]
    sc = c["securityContext"]
    assert sc["runAsUser"] == 1000 and sc["runAsGroup"] == 1000
    assert sc["privileged"] is True
    assert sc["capabilities"] == {"add": ["NET_ADMIN", "SYS_TIME"], "drop": ["ALL"]}
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["seccompProfile"] == {"type": "Unconfined"}
    assert sc["seLinuxOptions"] == {"type": "spc_t"}
    assert sc["readOnlyRootFilesystem"] is True
    assert spec["hostNetwork"] is True and spec["hostPID"] is True
    assert [p["containerPort"] for p in c["ports"]] == [80, 443]
    assert spec["volumes"][0]["hostPath"] == {"path": "/var/run/docker.sock"}
    assert spec["volumes"][1]["persistentVolumeClaim"] == {"claimName": "data"}
    assert c["volumeMounts"][1] == {"name": "vol-1", "mountPath": "/data", "readOnly": True}
    assert spec["securityContext"]["sysctls"] == [{"name": "net.core.somaxconn", "value": "1024"}]

    base = "spec.containers[0].securityContext."
    assert web.line_of(base + "runAsUser") == _line('user: "1000:1000"')
    assert web.line_of(base + "privileged") == _line("privileged: true")
    assert web.line_of(base + "capabilities.add[0]") == _line("cap_add:")
    assert web.line_of(base + "seccompProfile.type") == _line("seccomp=unconfined")
    assert web.line_of(base + "seLinuxOptions.type") == _line("label=disable")
    assert web.line_of("spec.containers[0].ports[0].containerPort") == _line('"8080:80"')
    assert web.line_of("spec.containers[0].ports[1].containerPort") == _line("target: 443")
    assert web.line_of("spec.hostNetwork") == _line("network_mode: host")
    assert web.line_of("spec.volumes[0].hostPath.path") == _line("docker.sock")
    # a field with no compose counterpart falls back to the service
    assert web.line_of(base + "runAsNonRoot") == _line("  web:")

    assert worker.obj["spec"]["hostIPC"] is True
    assert worker.obj["spec"]["hostUsers"] is False
    assert worker.obj["metadata"]["annotations"][USER_NAME_ANNOTATION] == "app"
    assert "runAsUser" not in worker.obj["spec"]["containers"][0].get("securityContext", {})


def test_wrong_type_in_compose_is_a_clear_error() -> None:
    text = "services:\n  web:\n    image: x\n    cap_add: NET_ADMIN\n"
    with pytest.raises(InputError, match=r"compose.yaml:4: services.web.cap_add: expected a list"):
        load_compose(text, "compose.yaml")


@pytest.mark.parametrize(
    ("cmd", "expect"),
    [
        ("podman run --rm -it -p 80:80 nginx", {"ports": ["80:80"], "image": "nginx"}),
        ("sudo docker run --privileged -u 0 alpine sh -c 'id'", {"privileged": True, "user": "0"}),
        (
            "podman --log-level debug run -p8080:80 --cap-add=NET_ADMIN,SYS_TIME img",
            {"cap_add": ["NET_ADMIN", "SYS_TIME"], "ports": ["8080:80"]},
        ),
        (
            "docker container run --network host --pid=host --security-opt label=disable img",
            {"network_mode": "host", "pid": "host", "security_opt": ["label=disable"]},
        ),
        (
            "podman run -v /etc:/host:ro --read-only --userns keep-id --cap-drop ALL img",
            {
                "volumes": ["/etc:/host:ro"],
                "read_only": True,
                "userns_mode": "keep-id",
                "cap_drop": ["ALL"],
            },
        ),
    ],
)
def test_parse_cmdline(cmd: str, expect: dict[str, object]) -> None:
    _name, svc = parse_cmdline(cmd)
    for key, value in expect.items():
        assert svc[key] == value


def test_cmdline_image_after_value_options() -> None:
    name, svc = parse_cmdline("podman run --name web -e A=1 -w /app --entrypoint sh quay.io/x/y:1")
    assert name == "web" and svc["image"] == "quay.io/x/y:1"


@pytest.mark.parametrize("cmd", ["podman ps", "podman run --rm", "podman run -p", "run 'unclosed"])
def test_cmdline_errors(cmd: str) -> None:
    with pytest.raises(InputError):
        parse_cmdline(cmd)


def test_cmdline_document_points_at_line_one() -> None:
    doc = load_cmdline("podman run --privileged alpine").documents[0]
    assert doc.file == "<cmdline>"
    assert doc.obj["spec"]["containers"][0]["securityContext"]["privileged"] is True
    assert doc.line_of("spec.containers[0].securityContext.privileged") == 1

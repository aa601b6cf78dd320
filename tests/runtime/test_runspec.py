"""RunSpec renders podman arguments; the order of options must keep the image last."""

from __future__ import annotations

import itertools

from unroot.runtime.podman import PortMapping, RunSpec


def test_restricted_run_arguments() -> None:
    spec = RunSpec(
        image="localhost/x:1",
        command=("httpd", "-f"),
        user="1000680000:0",
        cap_drop=("ALL",),
        security_opts=("no-new-privileges",),
        ports=(PortMapping(18080, 8080),),
        env={"A": "b"},
    )
    args = spec.to_args()
    assert args[0] == "run"
    assert args[-3:] == ["localhost/x:1", "httpd", "-f"]
    opts = args[1:-3]
    pairs = list(itertools.pairwise(opts))
    assert ("--user", "1000680000:0") in pairs
    assert ("--cap-drop", "ALL") in pairs
    assert ("--security-opt", "no-new-privileges") in pairs
    assert ("--publish", "127.0.0.1:18080:8080/tcp") in pairs
    assert ("--env", "A=b") in pairs
    assert "--rm" in opts
    assert "--detach" not in opts


def test_minimal_spec_is_just_the_image() -> None:
    assert RunSpec(image="img", remove=False).to_args() == ["run", "img"]


def test_port_without_host_ip() -> None:
    assert PortMapping(8080, 80, host_ip="", proto="udp").to_arg() == "8080:80/udp"

"""``--userns``: an image that truly needs root fails restricted, and runs as root in a user
namespace, with every host UID shown and none of them 0."""

from __future__ import annotations

import pytest

from unroot.runtime.podman import Podman
from unroot.runtime.probes.spec import parse_probe
from unroot.runtime.verify import VerifyOptions, verify

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


@pytest.fixture(scope="module")
def userns_ready(podman: Podman) -> None:
    problem = podman.settings.userns_problem
    if problem:
        pytest.fail(
            f"--userns cannot work here ({problem}); scripts/install_system_deps.sh sets it up"
        )


def test_needs_root_fails_restricted_for_observed_reasons(
    images: dict[str, str], podman: Podman
) -> None:
    result = verify(images["needsroot"], VerifyOptions(timeout=20), podman=podman)
    assert result.verdict == "fail"
    rules = {(f.rule, f.category.value) for f in result.findings}
    assert ("UR604", "needs_capability") in rules  # chown refused


def test_needs_root_runs_in_a_user_namespace(
    images: dict[str, str], podman: Podman, userns_ready: None, userns_storage: None
) -> None:
    options = VerifyOptions(
        timeout=30, userns=True, probes=(parse_probe("http://:80/index.html#status=200"),)
    )
    result = verify(images["needsroot"], options, podman=podman)
    assert result.verdict == "pass", (result.reasons, result.logs)
    assert "--userns=auto" in result.command or podman.rootless
    roots = [p for p in result.processes if p.container_uids[1] == 0]
    assert roots, "root inside the container"
    for p in result.processes:
        assert 0 not in p.host_uids, p
        assert p.user_namespace
    assert {p.host_uids[1] for p in roots} != {0}

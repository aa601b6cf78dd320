"""No finding id without a descriptor: `unroot rules`, docs/rules.md and SARIF cover every id.

Two proofs. Structurally, every ``Finding`` in ``src/`` is built by ``Descriptor.finding``
(no module calls the ``Finding`` constructor or names a rule id by hand), and every Pod Security
and SCC check has a descriptor. Empirically, the pipelines run over real inputs (the Pod Security
conformance fixtures under SCC profiles and Pod Security, the labelled Dockerfile corpus, compose
and command-line workloads) and every id they emit is described.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from unroot.findings import Target
from unroot.pipeline.dockerfile import scan_dockerfile
from unroot.pipeline.workload import check_workloads, make_options
from unroot.policy.psa.descriptors import descriptors as psa_descriptors
from unroot.policy.psa.registry import ALL_CHECKS
from unroot.policy.scc.checks import CHECKS, OTHER, check_for
from unroot.report.catalog import all_descriptors, describe
from unroot.workload.cmdline import load_cmdline
from unroot.workload.compose import load_compose
from unroot.workload.load import source_of_objects

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "unroot"
PSA_CORPUS = REPO.parent / "shared" / "conformance" / "psa"


def _constructor_calls(tree: ast.AST) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Finding"
    ]


def test_findings_are_built_only_from_descriptors() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "findings.py":
            continue
        offenders += [
            f"{path.relative_to(SRC)}:{n}" for n in _constructor_calls(ast.parse(path.read_text()))
        ]
    assert offenders == [], "build findings with Descriptor.finding()"


def test_every_policy_check_is_described() -> None:
    assert {f"PSA-{c.id}" for c in ALL_CHECKS} == set(psa_descriptors())
    for check in (*CHECKS, OTHER):
        assert describe(f"SCC-{check.field}") is not None
    assert describe("SCC-mutate") is not None


def test_descriptor_ids_are_unique() -> None:
    ids = [d.id for d in all_descriptors()]
    assert len(ids) == len(set(ids))


def _ids(targets: list[Target]) -> set[str]:
    return {f.rule for t in targets for f in t.findings}


def _psa_fixtures() -> list[dict[str, object]]:
    if not (PSA_CORPUS / "index.json").is_file():
        pytest.skip(f"shared conformance corpus not found at {PSA_CORPUS}")
    entries = json.loads((PSA_CORPUS / "index.json").read_text())
    # the oldest and the newest version: every check and every kind of value they refuse
    files = sorted({e["file"] for e in entries if e["version"] in ("v1.0", "v1.37")})
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [yaml.load((PSA_CORPUS / f).read_text(), Loader=loader) for f in files]


def test_ids_emitted_on_the_conformance_fixtures_are_described() -> None:
    source = source_of_objects(_psa_fixtures(), "fixtures")
    emitted: set[str] = set()
    for options in (
        make_options(mode="scc", psa_level=None, psa_version="latest", fix=True),
        make_options(mode="scc", psa_level="restricted", psa_version="latest"),
        make_options(mode="psa", psa_level="baseline", psa_version="v1.0"),
        make_options(mode="psa", psa_level="restricted", psa_version="latest"),
    ):
        emitted |= _ids(check_workloads([source], options).targets)
    assert {i for i in emitted if i.startswith("SCC-")} - {"SCC-mutate"}, "no SCC refusals seen"
    assert not [i for i in emitted if i.startswith("SCC-") and i.endswith(OTHER.field)]
    assert [i for i in sorted(emitted) if describe(i) is None] == []


def test_scc_reason_fields_map_to_named_checks() -> None:
    for path in (
        "spec.containers[0].securityContext.seLinuxOptions.level",
        "spec.volumes[3].nfs",
        "spec.initContainers[1].securityContext.capabilities.add[0]",
        "spec.template.spec.securityContext.sysctls[0].name",
    ):
        assert check_for(path) is not OTHER, path


def test_ids_emitted_on_dockerfiles_and_other_workloads_are_described() -> None:
    emitted: set[str] = set()
    for case in sorted((REPO / "tests" / "corpus" / "cases").iterdir()):
        emitted |= _ids([scan_dockerfile(str(case))])
    compose = load_compose(
        "services:\n  web:\n    image: nginx\n    user: www-data\n    ports: ['80:80']\n"
        "    privileged: true\n    cap_add: [NET_ADMIN]\n",
        "compose.yaml",
    )
    cmdline = load_cmdline("podman run -p 80:80 -u 0 --pid host -v /:/host nginx")
    broken = source_of_objects([{"kind": "Deployment", "metadata": {"name": "d"}}], "broken")
    options = make_options(
        mode="scc", psa_level="restricted", psa_version="latest", image_scanner=_unreachable
    )
    emitted |= _ids(check_workloads([compose, cmdline, broken], options).targets)
    assert {"UR001", "UR002", "UR501", "UR502"} <= emitted
    assert [i for i in sorted(emitted) if describe(i) is None] == []


def _unreachable(ref: str) -> Target:
    from unroot.errors import InputError

    raise InputError(f"{ref}: not in local storage")

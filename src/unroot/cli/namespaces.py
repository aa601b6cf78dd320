"""``unroot namespaces list|allocate|release|controller``: namespace UID ranges.

Standalone (``--state FILE``) the ranges live in the webhook's SQLite file; in a cluster
(``--kubeconfig`` / ``--in-cluster``) they are namespace annotations kept by the controller.
Wiring only: :mod:`unroot.admission.namespaces` and :mod:`unroot.admission.controller`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

_COMMON = [
    click.option(
        "--state",
        type=click.Path(path_type=Path, dir_okay=False),
        help="The webhook's SQLite file (standalone).",
    ),
    click.option("--kubeconfig", help="A cluster: read and write namespace annotations."),
    click.option("--in-cluster", is_flag=True, help="A cluster, with the pod's service account."),
    click.option(
        "--namespace",
        "home",
        default="unroot-system",
        show_default=True,
        help="Cluster mode: where the allocation ConfigMap lives.",
    ),
]


def _common(fn: Any) -> Any:
    for option in reversed(_COMMON):
        fn = option(fn)
    return fn


@click.group("namespaces", context_settings={"help_option_names": ["-h", "--help"]})
def namespaces() -> None:
    """Namespace UID ranges (OpenShift's openshift.io/sa.scc.uid-range)."""


def _source(state: Path | None, kubeconfig: str | None, in_cluster: bool) -> Any:
    from unroot.errors import UsageError

    if state is not None and (kubeconfig or in_cluster):
        raise UsageError("give either --state or --kubeconfig/--in-cluster, not both")
    if state is not None:
        from unroot.admission.namespaces import SQLiteRanges

        return SQLiteRanges(state)
    if kubeconfig or in_cluster:
        from unroot.admission.kube import core_api

        return core_api(kubeconfig, in_cluster)
    raise UsageError("give --state FILE or --kubeconfig/--in-cluster")


@namespaces.command("list")
@_common
def list_(state: Path | None, kubeconfig: str | None, in_cluster: bool, home: str) -> None:
    """Print NAMESPACE START/SIZE for every namespace with a range."""
    src = _source(state, kubeconfig, in_cluster)
    if state is not None:
        for name, rng, when in src.all():
            click.echo(f"{name}\t{rng}\t{when}")
        src.close()
        return
    from unroot.policy.uidrange import range_from_annotations

    for ns in src.list_namespace().items:
        rng = range_from_annotations(ns.metadata.annotations or {})
        click.echo(f"{ns.metadata.name}\t{rng if rng else '-'}")


@namespaces.command("allocate")
@click.argument("name")
@_common
def allocate(
    name: str, state: Path | None, kubeconfig: str | None, in_cluster: bool, home: str
) -> None:
    """Give NAME a range now (or print the one it has)."""
    src = _source(state, kubeconfig, in_cluster)
    if state is not None:
        rng, _ = src.allocate(name)
        src.close()
    else:
        from unroot.admission.controller import Controller
        from unroot.errors import UsageError

        rng = Controller(src, home).ensure(name)
        if rng is None:
            raise UsageError(f"namespace {name} does not exist")
    click.echo(f"{name}\t{rng}")


@namespaces.command("release")
@click.argument("name")
@_common
def release(
    name: str, state: Path | None, kubeconfig: str | None, in_cluster: bool, home: str
) -> None:
    """Free NAME's range (standalone), or remove its annotation and free the block (cluster)."""
    from unroot.errors import UsageError

    src = _source(state, kubeconfig, in_cluster)
    if state is not None:
        rng = src.release(name)
        src.close()
        if rng is None:
            raise UsageError(f"namespace {name} has no range")
        click.echo(f"{name}\t{rng}\treleased")
        return
    from unroot.admission.controller import Controller
    from unroot.policy.uidrange import (
        OPENSHIFT_ANNOTATION,
        OPENSHIFT_GROUPS_ANNOTATION,
        range_from_annotations,
    )

    ns = src.read_namespace(name)
    rng = range_from_annotations(ns.metadata.annotations or {})
    if rng is None:
        raise UsageError(f"namespace {name} has no range")
    src.patch_namespace(
        name,
        {
            "metadata": {
                "resourceVersion": ns.metadata.resource_version,
                "annotations": {OPENSHIFT_ANNOTATION: None, OPENSHIFT_GROUPS_ANNOTATION: None},
            }
        },
    )
    Controller(src, home).give_back(rng)
    click.echo(f"{name}\t{rng}\treleased")


@namespaces.command("controller")
@click.option("--kubeconfig", help="Cluster credentials (default: in-cluster service account).")
@click.option(
    "--namespace",
    "home",
    default="unroot-system",
    show_default=True,
    help="Where the allocation ConfigMap lives.",
)
@click.option("--block-size", type=click.IntRange(1), default=10000, show_default=True)
def controller(kubeconfig: str | None, home: str, block_size: int) -> None:
    """Watch namespaces and write their UID-range annotations (run 1+ replicas)."""
    import logging
    import signal

    from unroot.admission.controller import Controller, Space
    from unroot.admission.kube import core_api

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    ctl = Controller(core_api(kubeconfig, kubeconfig is None), home, Space(block=block_size))
    signal.signal(signal.SIGTERM, lambda *_: ctl.stop())
    ctl.run()
    sys.exit(0)

"""``unroot webhook serve|manifests``: the admission webhook and its deployment manifests.

Wiring only: the server is :mod:`unroot.admission.server`, the manifests
:mod:`unroot.admission.manifests`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click


@click.group("webhook", context_settings={"help_option_names": ["-h", "--help"]})
def webhook() -> None:
    """Kubernetes admission webhook (AdmissionReview v1) enforcing SCC-style profiles."""


@webhook.command("serve")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8443,
    show_default=True,
    help="Port (0: any free port, printed on stderr).",
)
@click.option(
    "--tls-cert",
    "cert",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM certificate chain (reloaded when it changes).",
)
@click.option(
    "--tls-key",
    "key",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM private key (reloaded when it changes).",
)
@click.option(
    "--policy",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Exemptions policy YAML (reloaded when it changes).",
)
@click.option(
    "--state",
    type=click.Path(path_type=Path, dir_okay=False),
    help="SQLite file: namespace UID ranges (standalone) and the default audit log.",
)
@click.option(
    "--audit",
    "audit",
    metavar="STORE",
    help="Audit log: sqlite:PATH, jsonl:PATH or jsonl:- (default: the --state file).",
)
@click.option(
    "--audit-failure",
    "failure_mode",
    type=click.Choice(["deny", "allow"]),
    default="deny",
    show_default=True,
    help="When an audit record cannot be written: deny the admission that needs it, "
    "or allow it and write the record to stderr.",
)
@click.option("--kubeconfig", help="Read namespace UID ranges from this cluster (watch).")
@click.option(
    "--in-cluster", is_flag=True, help="Like --kubeconfig, with the pod's service account."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes sharing the port.",
)
@click.option(
    "--max-body",
    type=click.IntRange(1024),
    default=3 << 20,
    show_default=True,
    help="Largest review body in bytes.",
)
@click.option(
    "--body-timeout",
    type=click.FloatRange(0.1),
    default=10.0,
    show_default=True,
    help="Seconds a client may take to send its body.",
)
@click.option(
    "--profiles",
    "extra_profiles",
    multiple=True,
    metavar="PATH",
    help="Extra profile YAML files or folders.",
)
@click.option(
    "--constant-response",
    "constant",
    is_flag=True,
    hidden=True,
    help="Answer every review with a fixed allow (benchmark baseline).",
)
def serve(
    host: str,
    port: int,
    cert: Path,
    key: Path,
    policy: Path | None,
    state: Path | None,
    audit: str | None,
    failure_mode: str,
    kubeconfig: str | None,
    in_cluster: bool,
    workers: int,
    max_body: int,
    body_timeout: float,
    extra_profiles: tuple[str, ...],
    constant: bool,
) -> None:
    """Serve /mutate, /validate, /healthz, /readyz and /metrics over HTTPS."""
    from unroot.admission.exemptions import Policy, load_policy
    from unroot.admission.server import ServeOptions
    from unroot.admission.server import serve as run
    from unroot.admission.wiring import build, policy_state
    from unroot.errors import UsageError

    if state is None and not (kubeconfig or in_cluster):
        raise UsageError("give --state FILE (standalone) or --kubeconfig / --in-cluster")
    opts = ServeOptions(
        host=host,
        port=port,
        cert=cert,
        key=key,
        policy=policy,
        state=state,
        audit=audit,
        failure_mode=failure_mode,
        workers=workers,
        kubeconfig=kubeconfig,
        in_cluster=in_cluster,
        max_body=max_body,
        body_timeout=body_timeout,
        constant=constant,
        extra_profiles=extra_profiles,
    )
    # Fail on a bad policy, profile or store before binding, with one line and exit 2.
    policy_state(load_policy(policy) if policy else Policy(), extra_profiles)
    if audit:
        from unroot.audit.store import open_store

        open_store(audit).close()
    sys.exit(run(opts, lambda: build(opts, _open_audit)))


def _open_audit(spec: str) -> tuple[Any, Callable[[], None]]:
    """The audit log behind the webhook: a group-commit writer thread over the store."""
    from unroot.audit.store import open_store
    from unroot.audit.writer import AuditWriter

    writer = AuditWriter(open_store(spec))
    return writer, writer.close


@webhook.command("manifests")
@click.option("--namespace", default="unroot-system", show_default=True)
@click.option("--image", default="ghcr.io/unroot/unroot:0.1.0", show_default=True)
@click.option("--replicas", type=click.IntRange(2), default=2, show_default=True)
@click.option(
    "--tls",
    type=click.Choice(["cert-manager", "self-signed"]),
    default="cert-manager",
    show_default=True,
    help="cert-manager issues and rotates the certificate, or a CA is generated now.",
)
@click.option(
    "--failure-policy", type=click.Choice(["Fail", "Ignore"]), default="Fail", show_default=True
)
@click.option("--timeout", "timeout", type=click.IntRange(1, 30), default=5, show_default=True)
def manifests(
    namespace: str, image: str, replicas: int, tls: str, failure_policy: str, timeout: int
) -> None:
    """Print the deployment manifests (Deployment, PDB, Service, RBAC, webhook configs, TLS)."""
    from unroot.admission.manifests import Options
    from unroot.admission.manifests import manifests as build_manifests

    opts = Options(namespace, image, replicas, tls, failure_policy, timeout)
    sys.stdout.write(build_manifests(opts))

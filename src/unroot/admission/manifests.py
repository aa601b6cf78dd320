"""The webhook's deployment, as Kubernetes objects built in code and printed as YAML.

Plain manifests rather than a Helm chart: there are few knobs (namespace, image, replicas, TLS
source, failure policy), ``unroot webhook manifests`` sets them without a template language, and
the output is what reviewers, ``kubectl apply`` and ``kubernetes-validate`` read directly.

Choices, explained where they are made: pods are judged with ``failurePolicy: Fail`` (the point
is that no pod escapes the policy) and ``timeoutSeconds: 5`` (the server answers in
milliseconds; 5 s rides out a replica restart without holding API requests for the default 10 s);
workload templates only get warnings, so their hook fails open (``Ignore``). ``kube-system``,
``kube-node-lease``, ``kube-public`` and the webhook's own namespace are excluded by
``namespaceSelector``, so the cluster and the webhook itself can always start; mirror pods of
static pods are excluded by a ``matchConditions`` expression (the kubelet cannot change them).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml

NAME = "unroot-webhook"
CONTROLLER = "unroot-namespaces"
EXCLUDED_NAMESPACES = ("kube-system", "kube-node-lease", "kube-public")
KUBERNETES_VERSIONS = ("1.30", "1.31", "1.32", "1.33", "1.34", "1.35")
"""Versions the manifests claim (``matchConditions`` is GA from 1.30); each is schema-checked."""
WORKLOAD_RESOURCES = (
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
)


@dataclass(frozen=True)
class Options:
    namespace: str = "unroot-system"
    image: str = "ghcr.io/unroot/unroot:0.1.0"
    replicas: int = 2
    tls: str = "cert-manager"
    """``cert-manager`` (Certificate + CA injection) or ``self-signed`` (a CA generated now)."""
    failure_policy: str = "Fail"
    timeout_seconds: int = 5


def _labels(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": "unroot", "app.kubernetes.io/component": component}


def _restricted_container(name: str, args: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "args": args,
        "securityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }


def _pod_security() -> dict[str, Any]:
    # No runAsUser: under OpenShift the namespace's range supplies it; elsewhere the image's
    # numeric USER does (runAsNonRoot makes the kubelet refuse UID 0).
    return {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def build(
    opts: Options, ca_bundle: bytes | None = None, tls: tuple[bytes, bytes] | None = None
) -> list[dict[str, Any]]:
    ns = opts.namespace
    web = _labels("webhook")
    ctl = _labels("namespaces-controller")
    objs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": ns,
                "labels": {
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            },
        },
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": NAME, "namespace": ns}},
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": CONTROLLER, "namespace": ns},
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": NAME},
            "rules": [
                {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]}
            ],
        },
        _cluster_binding(NAME, NAME, ns),
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": CONTROLLER},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["namespaces"],
                    "verbs": ["get", "list", "watch", "patch"],
                }
            ],
        },
        _cluster_binding(CONTROLLER, CONTROLLER, ns),
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": CONTROLLER, "namespace": ns},
            "rules": [
                {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create"]},
                {
                    "apiGroups": [""],
                    "resources": ["configmaps"],
                    "resourceNames": ["unroot-uid-ranges"],
                    "verbs": ["get", "update"],
                },
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": CONTROLLER, "namespace": ns},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": CONTROLLER,
            },
            "subjects": [{"kind": "ServiceAccount", "name": CONTROLLER, "namespace": ns}],
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{NAME}-policy", "namespace": ns},
            "data": {
                "policy.yaml": (
                    "# Exemptions: grant a profile to namespaces, service accounts, users or\n"
                    "# groups, with a mandatory reason and an optional expiry.\n"
                    "# See docs/webhook.md.\n"
                    "apiVersion: unroot.dev/v1\nkind: AdmissionPolicy\nexemptions: []\n"
                )
            },
        },
        _webhook_deployment(opts, web),
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": NAME, "namespace": ns},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": web}},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": NAME, "namespace": ns, "labels": web},
            "spec": {
                "selector": web,
                "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
            },
        },
        _controller_deployment(opts, ctl),
    ]
    objs.extend(_tls_objects(opts, tls))
    objs.append(_webhook_config(opts, "MutatingWebhookConfiguration", ca_bundle))
    objs.append(_webhook_config(opts, "ValidatingWebhookConfiguration", ca_bundle))
    return objs


def _cluster_binding(name: str, role: str, ns: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}],
    }


def _webhook_deployment(opts: Options, labels: dict[str, str]) -> dict[str, Any]:
    container = _restricted_container(
        "webhook",
        [
            "webhook",
            "serve",
            "--port",
            "8443",
            "--tls-cert",
            "/etc/unroot/tls/tls.crt",
            "--tls-key",
            "/etc/unroot/tls/tls.key",
            "--policy",
            "/etc/unroot/policy/policy.yaml",
            "--in-cluster",
            "--audit",
            "jsonl:-",
        ],
    )
    container.update(
        {
            "image": opts.image,
            "ports": [{"name": "https", "containerPort": 8443, "protocol": "TCP"}],
            "readinessProbe": {
                "httpGet": {"path": "/readyz", "port": "https", "scheme": "HTTPS"},
                "periodSeconds": 5,
            },
            "livenessProbe": {
                "httpGet": {"path": "/healthz", "port": "https", "scheme": "HTTPS"},
                "periodSeconds": 10,
            },
            "resources": {
                "requests": {"cpu": "100m", "memory": "64Mi"},
                "limits": {"memory": "256Mi"},
            },
            "volumeMounts": [
                {"name": "tls", "mountPath": "/etc/unroot/tls", "readOnly": True},
                {"name": "policy", "mountPath": "/etc/unroot/policy", "readOnly": True},
            ],
        }
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": opts.namespace, "labels": labels},
        "spec": {
            "replicas": opts.replicas,
            "selector": {"matchLabels": labels},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": NAME,
                    "securityContext": _pod_security(),
                    "terminationGracePeriodSeconds": 30,
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": "kubernetes.io/hostname",
                            "whenUnsatisfiable": "ScheduleAnyway",
                            "labelSelector": {"matchLabels": labels},
                        }
                    ],
                    "containers": [container],
                    "volumes": [
                        {"name": "tls", "secret": {"secretName": f"{NAME}-tls"}},
                        {"name": "policy", "configMap": {"name": f"{NAME}-policy"}},
                    ],
                },
            },
        },
    }


def _controller_deployment(opts: Options, labels: dict[str, str]) -> dict[str, Any]:
    container = _restricted_container(
        "controller", ["namespaces", "controller", "--namespace", opts.namespace]
    )
    container.update(
        {
            "image": opts.image,
            "resources": {
                "requests": {"cpu": "10m", "memory": "48Mi"},
                "limits": {"memory": "128Mi"},
            },
        }
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": CONTROLLER, "namespace": opts.namespace, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": CONTROLLER,
                    "securityContext": _pod_security(),
                    "containers": [container],
                },
            },
        },
    }


def _tls_objects(opts: Options, tls: tuple[bytes, bytes] | None) -> list[dict[str, Any]]:
    ns = opts.namespace
    if opts.tls == "self-signed":
        assert tls is not None
        return [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "kubernetes.io/tls",
                "metadata": {"name": f"{NAME}-tls", "namespace": ns},
                "data": {
                    "tls.crt": base64.b64encode(tls[0]).decode(),
                    "tls.key": base64.b64encode(tls[1]).decode(),
                },
            }
        ]
    return [
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Issuer",
            "metadata": {"name": f"{NAME}-selfsigned", "namespace": ns},
            "spec": {"selfSigned": {}},
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": f"{NAME}-ca", "namespace": ns},
            "spec": {
                "isCA": True,
                "commonName": f"{NAME}-ca",
                "secretName": f"{NAME}-ca",
                "duration": "87600h",
                "privateKey": {"algorithm": "ECDSA", "size": 256},
                "issuerRef": {"name": f"{NAME}-selfsigned", "kind": "Issuer"},
            },
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Issuer",
            "metadata": {"name": f"{NAME}-ca", "namespace": ns},
            "spec": {"ca": {"secretName": f"{NAME}-ca"}},
        },
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": NAME, "namespace": ns},
            "spec": {
                "secretName": f"{NAME}-tls",
                "dnsNames": [f"{NAME}.{ns}.svc", f"{NAME}.{ns}.svc.cluster.local"],
                "duration": "2160h",
                "renewBefore": "720h",
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                "issuerRef": {"name": f"{NAME}-ca", "kind": "Issuer"},
            },
        },
    ]


def _webhook_config(opts: Options, kind: str, ca_bundle: bytes | None) -> dict[str, Any]:
    mutating = kind == "MutatingWebhookConfiguration"
    path = "/mutate" if mutating else "/validate"
    client: dict[str, Any] = {
        "service": {"name": NAME, "namespace": opts.namespace, "path": path, "port": 443}
    }
    metadata: dict[str, Any] = {"name": NAME}
    if ca_bundle is not None:
        client["caBundle"] = base64.b64encode(ca_bundle).decode()
    else:
        metadata["annotations"] = {"cert-manager.io/inject-ca-from": f"{opts.namespace}/{NAME}"}
    selector = {
        "matchExpressions": [
            {
                "key": "kubernetes.io/metadata.name",
                "operator": "NotIn",
                "values": [*EXCLUDED_NAMESPACES, opts.namespace],
            }
        ]
    }
    not_mirror = {
        "name": "not-a-mirror-pod",
        "expression": "!has(object.metadata.annotations) || "
        "!('kubernetes.io/config.mirror' in object.metadata.annotations)",
    }
    pods: dict[str, Any] = {
        "name": f"pods.{'mutate' if mutating else 'validate'}.unroot.dev",
        "admissionReviewVersions": ["v1"],
        "clientConfig": client,
        "rules": [
            {
                "apiGroups": [""],
                "apiVersions": ["v1"],
                "operations": ["CREATE"],
                "resources": ["pods"],
                "scope": "Namespaced",
            },
            {
                "apiGroups": [""],
                "apiVersions": ["v1"],
                "operations": ["UPDATE"],
                "resources": ["pods/ephemeralcontainers"],
                "scope": "Namespaced",
            },
        ],
        "failurePolicy": opts.failure_policy,
        "matchPolicy": "Equivalent",
        "sideEffects": "NoneOnDryRun",
        "timeoutSeconds": opts.timeout_seconds,
        "namespaceSelector": selector,
        "matchConditions": [not_mirror],
    }
    hooks = [pods]
    if mutating:
        # Run again after other mutating webhooks changed the pod, so the patch is final.
        pods["reinvocationPolicy"] = "IfNeeded"
    else:
        hooks.append(
            {
                "name": "workloads.validate.unroot.dev",
                "admissionReviewVersions": ["v1"],
                "clientConfig": client,
                "rules": [
                    {
                        "apiGroups": sorted({g for g, _ in WORKLOAD_RESOURCES}),
                        "apiVersions": ["v1"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": sorted(r for _, r in WORKLOAD_RESOURCES),
                        "scope": "Namespaced",
                    }
                ],
                # Warnings only: never block a Deployment because the webhook is away.
                "failurePolicy": "Ignore",
                "matchPolicy": "Equivalent",
                "sideEffects": "None",
                "timeoutSeconds": 3,
                "namespaceSelector": selector,
            }
        )
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": kind,
        "metadata": metadata,
        "webhooks": hooks,
    }


def self_signed(namespace: str) -> tuple[bytes, bytes, bytes]:
    """(CA certificate, serving certificate, serving key) for ``unroot-webhook.NS.svc``, ECDSA
    P-256 (the cheapest TLS handshake for the API server's connections)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{NAME}-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    dns = [f"{NAME}.{namespace}.svc", f"{NAME}.{namespace}.svc.cluster.local"]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ca.public_bytes(pem), cert.public_bytes(pem), key_pem


def render(objs: list[dict[str, Any]]) -> str:
    header = (
        "# unroot admission webhook: generated by `unroot webhook manifests`.\n"
        f"# Kubernetes {KUBERNETES_VERSIONS[0]}-{KUBERNETES_VERSIONS[-1]}.\n"
    )
    docs = [yaml.safe_dump(o, sort_keys=False, default_flow_style=False) for o in objs]
    return header + "---\n" + "---\n".join(docs)


def manifests(opts: Options) -> str:
    if opts.tls == "self-signed":
        ca, cert, key = self_signed(opts.namespace)
        return render(build(opts, ca_bundle=ca, tls=(cert, key)))
    return render(build(opts))

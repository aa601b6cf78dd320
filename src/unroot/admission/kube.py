"""The official Kubernetes client, configured from a kubeconfig or the in-cluster service
account; imported only in cluster mode."""

from __future__ import annotations

from typing import Any

from unroot.errors import UsageError


def core_api(kubeconfig: str | None, in_cluster: bool) -> Any:
    from kubernetes import client, config

    try:
        if in_cluster:
            config.load_incluster_config()
            return client.CoreV1Api()
        api_client = config.new_client_from_config(config_file=kubeconfig)
    except (config.ConfigException, OSError, ValueError) as exc:
        raise UsageError(f"cannot configure the Kubernetes client: {exc}") from None
    return client.CoreV1Api(api_client)

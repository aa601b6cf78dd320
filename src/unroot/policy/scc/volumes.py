"""Volume types: the SCC's ``volumes`` list (``*`` allows all) and its flex-volume drivers.

SCCs name volume types by OpenShift's ``FSType`` spelling, which differs from the pod field in
three places (``cephfs`` is ``cephFS``, ``storageos`` is ``storageOS``, ``vsphereVolume`` is
``vsphere``). ``hostPath`` is allowed when listed: ``allowHostDirVolumePlugin`` only matters
to the API server's defaulting of the list (see :mod:`unroot.policy.scc.defaults`). A
projected volume that holds exactly what the service-account token injection adds (the token,
``kube-root-ca.crt``, the namespace, ``openshift-service-ca.crt``) counts as a secret.
"""

from __future__ import annotations

from typing import Any

from unroot.policy.scc.fielderr import FieldError, go_quote, invalid

# Pod volume source field -> SCC volume type, in upstream's order of precedence.
SOURCES: tuple[tuple[str, str], ...] = (
    ("hostPath", "hostPath"),
    ("emptyDir", "emptyDir"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("gitRepo", "gitRepo"),
    ("secret", "secret"),
    ("nfs", "nfs"),
    ("iscsi", "iscsi"),
    ("glusterfs", "glusterfs"),
    ("persistentVolumeClaim", "persistentVolumeClaim"),
    ("rbd", "rbd"),
    ("flexVolume", "flexVolume"),
    ("cinder", "cinder"),
    ("cephfs", "cephFS"),
    ("flocker", "flocker"),
    ("downwardAPI", "downwardAPI"),
    ("fc", "fc"),
    ("azureFile", "azureFile"),
    ("configMap", "configMap"),
    ("vsphereVolume", "vsphere"),
    ("quobyte", "quobyte"),
    ("azureDisk", "azureDisk"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("projected", "projected"),
    ("portworxVolume", "portworxVolume"),
    ("scaleIO", "scaleIO"),
    ("storageos", "storageOS"),
    ("csi", "csi"),
    ("ephemeral", "ephemeral"),
    ("image", "image"),
)
FS_TYPES: frozenset[str] = frozenset(t for _f, t in SOURCES)
"""Every volume type an SCC can name, besides ``*`` and ``none``."""


def volume_type(volume: dict[str, Any]) -> tuple[str, str]:
    """(SCC volume type, pod source field). A volume with no known source is what the API
    server makes of it: an ``emptyDir``."""
    for source, fs_type in SOURCES:
        if volume.get(source) is not None:
            return fs_type, source
    return "emptyDir", "emptyDir"


def only_service_account_token_sources(projected: Any) -> bool:
    sources = projected.get("sources") if isinstance(projected, dict) else None
    for source in sources or ():
        if not isinstance(source, dict):
            return False
        token = source.get("serviceAccountToken")
        config_map = source.get("configMap")
        downward = source.get("downwardAPI")
        if token is None and config_map is None and downward is None:
            return False
        if token is not None and (
            not isinstance(token, dict)
            or token.get("path") != "token"
            or (token.get("audience") or "") != ""
        ):
            return False
        if config_map is not None and not _injected_config_map(config_map):
            return False
        if downward is not None and not _injected_downward_api(downward):
            return False
    return True


_INJECTED_CONFIG_MAPS = {
    "kube-root-ca.crt": ("ca.crt", "ca.crt"),
    "openshift-service-ca.crt": ("service-ca.crt", "service-ca.crt"),
}


def _injected_config_map(config_map: Any) -> bool:
    if not isinstance(config_map, dict):
        return False
    want = _INJECTED_CONFIG_MAPS.get(config_map.get("name") or "")
    items = config_map.get("items") or []
    if want is None or not isinstance(items, list) or len(items) != 1:
        return False
    item = items[0]
    return isinstance(item, dict) and (item.get("key"), item.get("path")) == want


def _injected_downward_api(downward: Any) -> bool:
    if not isinstance(downward, dict):
        return False
    for item in downward.get("items") or []:
        if not isinstance(item, dict):
            return False
        ref = item.get("fieldRef")
        if (
            item.get("path") != "namespace"
            or not isinstance(ref, dict)
            or (ref.get("apiVersion") or "v1") != "v1"
            or ref.get("fieldPath") != "metadata.namespace"
        ):
            return False
    return True


class Volumes:
    __slots__ = ("allow_all", "allowed", "check_flex", "flex_drivers")

    def __init__(self, volumes: tuple[str, ...], flex_drivers: tuple[str, ...]) -> None:
        self.allowed = frozenset(volumes)
        self.allow_all = "*" in self.allowed
        self.flex_drivers = frozenset(flex_drivers)
        self.check_flex = bool(flex_drivers) and (self.allow_all or "flexVolume" in self.allowed)

    def allows(self, fs_type: str, volume: dict[str, Any]) -> bool:
        if fs_type in self.allowed:
            return True
        return (
            fs_type == "projected"
            and "secret" in self.allowed
            and only_service_account_token_sources(volume.get("projected"))
        )

    def validate(self, volumes: Any, root: str, scc: str, out: list[FieldError]) -> None:
        if not volumes:
            return
        if not self.allow_all:
            for index, volume in enumerate(volumes):
                if not isinstance(volume, dict):
                    continue
                fs_type, source = volume_type(volume)
                if not self.allows(fs_type, volume):
                    out.append(
                        invalid(
                            f"{root}.spec.volumes[{index}]",
                            go_quote(fs_type),
                            f"{fs_type} volumes are not allowed to be used",
                            f"spec.volumes[{index}].{source}",
                            scc,
                        )
                    )
        if self.check_flex:
            for index, volume in enumerate(volumes):
                flex = volume.get("flexVolume") if isinstance(volume, dict) else None
                if flex is None:
                    continue
                driver = flex.get("driver") if isinstance(flex, dict) else None
                driver = driver if isinstance(driver, str) else ""
                if driver not in self.flex_drivers:
                    field = f"spec.volumes[{index}].flexVolume.driver"
                    out.append(
                        invalid(
                            f"{root}.{field}",
                            go_quote(driver),
                            "Flexvolume driver is not allowed to be used",
                            field,
                            scc,
                        )
                    )

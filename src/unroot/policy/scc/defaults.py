"""The API server's defaulting of SCC objects (``SetDefaults_SCC`` plus the CRD defaults).

An SCC stored in a cluster has been through this; one in an admission request's test data, or
built by a program, has not. So SCCs read from a cluster export or a user's file get it, and
the SCCs of a conformance request are taken as given. What it changes:

* ``fsGroup`` and ``supplementalGroups`` without a type become ``RunAsAny``;
* ``userNamespaceLevel`` without a value becomes ``AllowHostLevel``;
* ``volumes``: ``null`` means every type (old clients); an empty list means none
  (``["none"]``, or ``["hostPath"]`` with ``allowHostDirVolumePlugin``); then
  ``allowHostDirVolumePlugin`` decides about ``hostPath``: true adds it (unless ``*`` is
  there), false removes it and turns ``*`` into every type except ``hostPath``. The result is
  sorted and without duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unroot.policy.scc.volumes import FS_TYPES


def apply_defaults(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A defaulted copy of an SCC object (the input is not changed)."""
    out = dict(obj)
    for key in ("fsGroup", "supplementalGroups"):
        strategy = out.get(key)
        strategy = dict(strategy) if isinstance(strategy, Mapping) else {}
        if not strategy.get("type"):
            strategy["type"] = "RunAsAny"
        out[key] = strategy
    if not out.get("userNamespaceLevel"):
        out["userNamespaceLevel"] = "AllowHostLevel"
    host_dir = out.get("allowHostDirVolumePlugin") is True
    volumes = out.get("volumes")
    if volumes is None:
        allowed = {"*"}
    elif isinstance(volumes, list) and not volumes:
        allowed = {"hostPath"} if host_dir else {"none"}
    elif isinstance(volumes, list):
        allowed = {str(v) for v in volumes}
    else:
        return out  # wrongly typed: left for the reader to reject
    if host_dir:
        if "*" not in allowed:
            allowed.add("hostPath")
    else:
        every = "*" in allowed
        allowed.discard("*")
        allowed.discard("hostPath")
        if every:
            allowed |= FS_TYPES - {"hostPath"}
    out["volumes"] = sorted(allowed)
    return out

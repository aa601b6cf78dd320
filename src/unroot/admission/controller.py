"""``unroot namespaces controller``: give every namespace a UID range, the way OpenShift does.

OpenShift's namespace controller keeps one ``RangeAllocation`` object (a bitmap of blocks) and
writes ``openshift.io/sa.scc.uid-range`` on each namespace. This controller does the same with
objects every cluster has: the bitmap lives in one ConfigMap, updated with optimistic
concurrency (the API server refuses a write carrying a stale ``resourceVersion`` with 409), so
two replicas never hand out the same block: the loser re-reads and picks again. The namespace
annotation is then written with the namespace's own ``resourceVersion`` as a precondition; if
another replica annotated it first, the block just taken is given back.

Deleting a namespace frees its block. At start the bitmap is repaired from the annotations
already present, so a hand-written or lost allocation is never handed out twice.
"""

from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass
from typing import Any

from unroot.errors import UsageError
from unroot.policy.uidrange import (
    DEFAULT_BASE,
    DEFAULT_BLOCK,
    DEFAULT_END,
    OPENSHIFT_ANNOTATION,
    OPENSHIFT_GROUPS_ANNOTATION,
    UIDRange,
    range_from_annotations,
)

LOG = logging.getLogger("unroot.namespaces")
CONFIGMAP = "unroot-uid-ranges"
_RETRIES = 50


@dataclass(frozen=True, slots=True)
class Space:
    base: int = DEFAULT_BASE
    block: int = DEFAULT_BLOCK
    end: int = DEFAULT_END

    @property
    def blocks(self) -> int:
        return (self.end - self.base) // self.block

    def text(self) -> str:
        return f"{self.base}-{self.end - 1}/{self.block}"

    def index_of(self, rng: UIDRange) -> int | None:
        """The block a range occupies, when it is exactly one aligned block of this space."""
        offset = rng.start - self.base
        if rng.size != self.block or offset < 0 or offset % self.block or rng.start >= self.end:
            return None
        return offset // self.block


class Bitmap:
    def __init__(self, size: int, data: bytes = b"") -> None:
        self.size = size
        self.bits = bytearray(data[: (size + 7) // 8].ljust((size + 7) // 8, b"\0"))

    def get(self, i: int) -> bool:
        return bool(self.bits[i >> 3] & (1 << (i & 7)))

    def set(self, i: int, on: bool = True) -> None:
        if on:
            self.bits[i >> 3] |= 1 << (i & 7)
        else:
            self.bits[i >> 3] &= ~(1 << (i & 7)) & 0xFF

    def first_free(self) -> int | None:
        for byte_index, byte in enumerate(self.bits):
            if byte != 0xFF:
                for bit in range(8):
                    i = byte_index * 8 + bit
                    if i < self.size and not byte & (1 << bit):
                        return i
        return None

    def encode(self) -> str:
        return base64.b64encode(bytes(self.bits)).decode()


class Controller:
    def __init__(self, api: Any, namespace: str, space: Space | None = None) -> None:
        self.api = api
        self.namespace = namespace
        self.space = space or Space()
        self._stop = threading.Event()
        self.assigned = 0

    def stop(self) -> None:
        self._stop.set()

    # -- the allocation object --------------------------------------------------------------
    def _load(self) -> tuple[Any, Bitmap]:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        try:
            cm = self.api.read_namespaced_config_map(CONFIGMAP, self.namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise
            body = client.V1ConfigMap(
                metadata=client.V1ObjectMeta(name=CONFIGMAP, namespace=self.namespace),
                data={"range": self.space.text(), "allocated": Bitmap(self.space.blocks).encode()},
            )
            try:
                cm = self.api.create_namespaced_config_map(self.namespace, body)
            except ApiException as exc2:
                if exc2.status != 409:
                    raise
                cm = self.api.read_namespaced_config_map(CONFIGMAP, self.namespace)
        data = cm.data or {}
        if data.get("range", self.space.text()) != self.space.text():
            raise UsageError(
                f"ConfigMap {self.namespace}/{CONFIGMAP} allocates {data.get('range')}, "
                f"not {self.space.text()}"
            )
        return cm, Bitmap(self.space.blocks, base64.b64decode(data.get("allocated", "")))

    def _store(self, cm: Any, bitmap: Bitmap) -> bool:
        """False on a conflict (someone else wrote since we read)."""
        from kubernetes.client.exceptions import ApiException

        cm.data = dict(cm.data or {}, range=self.space.text(), allocated=bitmap.encode())
        try:
            self.api.replace_namespaced_config_map(CONFIGMAP, self.namespace, cm)
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def _update_bits(self, change: Any) -> Any:
        """Read-modify-write the bitmap until it sticks; ``change(bitmap)`` returns a result
        (or None for "nothing to write")."""
        for _ in range(_RETRIES):
            cm, bitmap = self._load()
            result = change(bitmap)
            if result is None or self._store(cm, bitmap):
                return result
        raise RuntimeError(f"could not update {CONFIGMAP}: too many conflicts")

    def take_block(self) -> UIDRange:
        def pick(bitmap: Bitmap) -> int:
            i = bitmap.first_free()
            if i is None:
                raise UsageError(f"UID range space {self.space.text()} is exhausted")
            bitmap.set(i)
            return i

        i = self._update_bits(pick)
        return UIDRange(self.space.base + i * self.space.block, self.space.block)

    def give_back(self, rng: UIDRange) -> None:
        index = self.space.index_of(rng)
        if index is None:
            return

        def clear(bitmap: Bitmap) -> int | None:
            if not bitmap.get(index):
                return None
            bitmap.set(index, False)
            return index

        self._update_bits(clear)

    def repair(self, namespaces: list[Any]) -> None:
        """Mark the blocks of namespaces that already carry a range."""
        used = set()
        for ns in namespaces:
            rng = _range_of(ns)
            if rng is not None:
                index = self.space.index_of(rng)
                if index is not None:
                    used.add(index)

        def mark(bitmap: Bitmap) -> int | None:
            missing = [i for i in used if not bitmap.get(i)]
            for i in missing:
                bitmap.set(i)
            return len(missing) or None

        self._update_bits(mark)

    # -- namespaces ----------------------------------------------------------------------------
    def ensure(self, name: str) -> UIDRange | None:
        """Give namespace ``name`` a range unless it has one; returns the range it ends with."""
        from kubernetes.client.exceptions import ApiException

        taken: UIDRange | None = None
        for _ in range(_RETRIES):
            try:
                ns = self.api.read_namespace(name)
            except ApiException as exc:
                if exc.status == 404:
                    if taken is not None:
                        self.give_back(taken)
                    return None
                raise
            existing = _range_of(ns)
            if existing is not None:
                if taken is not None and taken != existing:
                    self.give_back(taken)
                return existing
            if ns.metadata.deletion_timestamp is not None:
                if taken is not None:
                    self.give_back(taken)
                return None
            if taken is None:
                taken = self.take_block()
            body = {
                "metadata": {
                    "resourceVersion": ns.metadata.resource_version,
                    "annotations": {
                        OPENSHIFT_ANNOTATION: str(taken),
                        OPENSHIFT_GROUPS_ANNOTATION: str(taken),
                    },
                }
            }
            try:
                self.api.patch_namespace(name, body)
            except ApiException as exc:
                if exc.status == 409:
                    continue
                if exc.status == 404:
                    self.give_back(taken)
                    return None
                raise
            self.assigned += 1
            LOG.info("namespace %s: uid range %s", name, taken)
            return taken
        raise RuntimeError(f"namespace {name}: too many conflicts")

    def run(self, *, watch_timeout: int = 300) -> None:
        """LIST, repair, assign, then WATCH and assign/free as namespaces come and go."""
        from kubernetes import watch
        from kubernetes.client.exceptions import ApiException

        while not self._stop.is_set():
            try:
                listing = self.api.list_namespace()
                self.repair(listing.items)
                for ns in listing.items:
                    if _range_of(ns) is None:
                        self.ensure(ns.metadata.name)
                w = watch.Watch()
                for event in w.stream(
                    self.api.list_namespace,
                    resource_version=listing.metadata.resource_version,
                    timeout_seconds=watch_timeout,
                ):
                    if self._stop.is_set():
                        w.stop()
                        return
                    obj = event["object"]
                    if event["type"] in ("ADDED", "MODIFIED") and _range_of(obj) is None:
                        self.ensure(obj.metadata.name)
                    elif event["type"] == "DELETED":
                        rng = _range_of(obj)
                        if rng is not None:
                            self.give_back(rng)
            except ApiException as exc:
                LOG.warning("API error %s: %s; retrying", exc.status, exc.reason)
                self._stop.wait(1.0)
            except UsageError:
                raise
            except Exception as exc:
                LOG.warning("%s: %s; retrying", type(exc).__name__, exc)
                self._stop.wait(1.0)


def _range_of(ns: Any) -> UIDRange | None:
    try:
        return range_from_annotations(ns.metadata.annotations or {})
    except UsageError:
        return None

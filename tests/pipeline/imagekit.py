"""Build small, real :class:`Image` objects for rule, verdict and report tests."""

from __future__ import annotations

from collections.abc import Iterable

from unroot.findings import Finding
from unroot.image.context import build_context
from unroot.oci.model import EntryType, FileEntry, FileTree, Image, ImageConfig, LayerInfo
from unroot.rules.base import get_rule

LAYER_A = "sha256:" + "a" * 64
LAYER_B = "sha256:" + "b" * 64

PASSWD = (
    "root:x:0:0:root:/root:/bin/sh\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "app:x:1001:0:app:/home/app:/bin/sh\n"
)
GROUP = "root:x:0:\ndaemon:x:1:\nshadow:x:42:\napp:x:1001:\n"


def entry(
    path: str,
    kind: EntryType = EntryType.FILE,
    mode: int = 0o644,
    uid: int = 0,
    gid: int = 0,
    *,
    layer: str = LAYER_A,
    xattrs: dict[str, bytes] | None = None,
    linkname: str = "",
) -> FileEntry:
    return FileEntry(
        path=path.strip("/"),
        type=kind,
        mode=mode,
        uid=uid,
        gid=gid,
        linkname=linkname,
        xattrs=dict(xattrs or {}),
        layer=layer,
        layer_index=0 if layer == LAYER_A else 1,
    )


def directory(path: str, mode: int = 0o755, uid: int = 0, gid: int = 0, **kw: object) -> FileEntry:
    return entry(path, EntryType.DIR, mode, uid, gid, **kw)  # type: ignore[arg-type]


def make_image(
    entries: Iterable[FileEntry] = (),
    *,
    user: str = "",
    ports: Iterable[str] = (),
    workdir: str = "",
    volumes: Iterable[str] = (),
    env: Iterable[str] = ("PATH=/usr/bin:/bin",),
    passwd: str | None = PASSWD,
    group: str | None = GROUP,
    ref: str = "oci:test:latest",
    cmd: list[str] | None = None,
    files: dict[str, str] | None = None,
) -> Image:
    """An image whose tree holds the given entries plus /etc/passwd and /etc/group; ``files``
    adds captured files (path -> content, mode 0755)."""
    tree = FileTree()
    for d in ("etc", "home", "tmp", "usr", "usr/bin"):
        tree.put(directory(d, 0o1777 if d == "tmp" else 0o755))
    if passwd is not None:
        tree.put(entry("etc/passwd"), passwd.encode())
    if group is not None:
        tree.put(entry("etc/group"), group.encode())
    for e in entries:
        tree.put(e)
    for path, content in (files or {}).items():
        tree.put(entry(path.lstrip("/"), mode=0o755), content.encode())
    config = ImageConfig(
        cmd=cmd,
        user=user,
        exposed_ports=list(ports),
        working_dir=workdir,
        volumes=list(volumes),
        env=list(env),
        os="linux",
        architecture="amd64",
    )
    layers = [LayerInfo(LAYER_A, "application/vnd.oci.image.layer.v1.tar+gzip", 100)]
    return Image(ref=ref, config=config, layers=layers, tree=tree, platform="linux/amd64")


def run_rule(rule_id: str, image: Image) -> list[Finding]:
    """Findings of one rule; checks the invariants every finding must keep."""
    rule = get_rule(rule_id)
    assert rule is not None, rule_id
    found = list(rule.check(build_context(image)))
    for f in found:
        assert f.rule == rule_id
        assert f.message and f.evidence, f
        assert f.fix, f
    return found

"""The access model against the kernel: same tree, same identity, same answers.

Random small trees (directories, files, relative symlinks, ``..``) with random owners and modes
are made on disk (the tests run as root), then every path is asked twice: of
:class:`~unroot.image.access.AccessModel` over the trees' own ``lstat`` metadata, and of the
kernel through ``access(2)`` in a process running as UID 1000680000, GID 0, no supplementary
groups (``setpriv``). Absolute symlinks are left to the unit tests: on the host they would
point outside the tree.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unroot.image.access import ARBITRARY_UID, AccessModel, Need

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root (to chown) and setpriv (to ask the kernel as another UID)",
)

NAMES = ("a", "b", "c")
UIDS = (0, 100, ARBITRARY_UID)
GIDS = (0, 100)
MODES = (
    0o000,
    0o700,
    0o750,
    0o755,
    0o770,
    0o775,
    0o711,
    0o701,
    0o640,
    0o644,
    0o660,
    0o666,
    0o1777,
    0o2770,
    0o604,
    0o060,
    0o070,
    0o007,
    0o005,
    0o003,
)


@dataclass(frozen=True)
class Spec:
    path: str
    kind: str
    mode: int
    uid: int
    gid: int
    target: str = ""


@dataclass(frozen=True)
class HostNode:
    type: str
    mode: int
    uid: int
    gid: int
    linkname: str


def _trees() -> st.SearchStrategy[list[Spec]]:
    entry = st.tuples(
        st.lists(st.sampled_from(NAMES), min_size=1, max_size=3),
        st.sampled_from(("dir", "dir", "file", "link")),
        st.sampled_from(MODES),
        st.sampled_from(UIDS),
        st.sampled_from(GIDS),
        st.lists(st.sampled_from((*NAMES, "..", ".")), min_size=1, max_size=3),
    )

    def build(raw: list[tuple[list[str], str, int, int, int, list[str]]]) -> list[Spec]:
        specs: dict[str, Spec] = {}
        for parts, kind, mode, uid, gid, target in raw:
            path = "/".join(parts)
            parents = ["/".join(parts[:i]) for i in range(1, len(parts))]
            if any(p in specs and specs[p].kind != "dir" for p in parents) or path in specs:
                continue
            if kind == "link" and _climbs(parts[:-1], target):
                continue  # the image reader refuses links that leave the root
            for p in parents:
                specs.setdefault(p, Spec(p, "dir", 0o755, 0, 0))
            specs[path] = Spec(path, kind, mode, uid, gid, "/".join(target))
        return sorted(specs.values(), key=lambda s: s.path.count("/"))

    return st.lists(entry, min_size=1, max_size=8).map(build)


def _climbs(directory: list[str], target: list[str]) -> bool:
    depth = len(directory)
    for part in target:
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part != ".":
            depth += 1
    return False


@contextmanager
def materialise(specs: list[Spec]) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="unroot-access-", dir="/tmp"))
    os.chmod(root, 0o755)
    try:
        for s in specs:
            p = root / s.path
            if s.kind == "dir":
                p.mkdir()
            elif s.kind == "file":
                p.write_text("x")
            else:
                os.symlink(s.target, p)
        for s in reversed(specs):  # children first: modes may forbid the parent's search
            p = root / s.path
            if s.kind == "link":
                os.lchown(p, s.uid, s.gid)
                continue
            os.chown(p, s.uid, s.gid)
            os.chmod(p, s.mode)
        yield root
    finally:
        for dirpath, dirnames, _files in os.walk(root):
            for d in dirnames:
                full = os.path.join(dirpath, d)
                if not os.path.islink(full):
                    os.chmod(full, 0o700)
        shutil.rmtree(root)


def host_lookup(root: Path):  # type: ignore[no-untyped-def]
    def lookup(path: str) -> HostNode | None:
        full = str(root) + ("" if path == "/" else path)
        try:
            st_ = os.lstat(full)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None
        kind = (
            "dir"
            if stat.S_ISDIR(st_.st_mode)
            else "symlink"
            if stat.S_ISLNK(st_.st_mode)
            else "file"
        )
        link = os.readlink(full) if kind == "symlink" else ""
        return HostNode(kind, stat.S_IMODE(st_.st_mode), st_.st_uid, st_.st_gid, link)

    return lookup


KERNEL = r"""
import json, os, sys
root, queries = sys.argv[1], json.loads(sys.argv[2])
out = []
for path, need in queries:
    full = root + path
    if need == "read":
        ok = os.access(full, os.R_OK)
    elif need == "search":
        ok = os.path.isdir(full) and os.access(full, os.X_OK)
    elif need == "create-in":
        ok = os.path.isdir(full) and os.access(full, os.W_OK | os.X_OK)
    else:  # write: open for writing, creating it when absent
        if os.path.lexists(full) and os.path.exists(full):
            ok = not os.path.isdir(full) and os.access(full, os.W_OK)
        elif os.path.islink(full):
            ok = None  # a dangling link: creation would follow it; not compared
        else:
            parent = os.path.dirname(full)
            ok = os.path.isdir(parent) and os.access(parent, os.W_OK | os.X_OK)
    out.append(ok)
print(json.dumps(out))
"""


def kernel_answers(root: Path, queries: list[tuple[str, str]]) -> list[bool | None]:
    proc = subprocess.run(
        [
            "setpriv",
            f"--reuid={ARBITRARY_UID}",
            "--regid=0",
            "--clear-groups",
            "--",
            sys.executable,
            "-c",
            KERNEL,
            str(root),
            json.dumps(queries),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answers: list[bool | None] = json.loads(proc.stdout)
    return answers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees())
def test_model_agrees_with_the_kernel(specs: list[Spec]) -> None:
    with materialise(specs) as root:
        model = AccessModel(host_lookup(root))
        paths = sorted({"/" + s.path for s in specs} | {"/" + s.path + "/x" for s in specs})
        needs = (Need.READ, Need.SEARCH, Need.CREATE_IN, Need.WRITE)
        queries = [(p, n.value) for p in paths for n in needs]
        kernel = kernel_answers(root, queries)
        for (path, need), want in zip(queries, kernel, strict=True):
            if want is None:
                continue
            got = model.check(path, Need(need))
            assert got.allowed is want, (
                f"{need} {path}: model {got.allowed} ({got.reason}), kernel {want}; tree {specs}"
            )

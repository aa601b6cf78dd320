"""chmod's mode language against GNU chmod itself on real files."""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unroot.shell.modes import apply_mode

SPECS = st.one_of(
    st.sampled_from(["g=u", "g+w", "u+s", "g+s", "a+rX", "go-w", "+x", "o=", "=rw", "u=rwx,g=rx,o=",
                     "g=u,o-rwx", "a-x", "+t", "ug+rw", "o+X", "u-s", "g-s,o+t"]),
    st.integers(0, 0o7777).map(lambda v: f"{v:o}"),
    st.integers(0, 0o777).map(lambda v: f"{v:03o}"),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 0o7777), SPECS, st.booleans())
def test_agrees_with_gnu_chmod(start: int, spec: str, is_dir: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "d" if is_dir else "f")
        if is_dir:
            os.mkdir(path)
        else:
            open(path, "w").close()
        os.chmod(path, start)
        proc = subprocess.run(
            ["sh", "-c", 'umask 022 && chmod "$0" "$1"', spec, path],
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0:
            pytest.skip("chmod refused the mode")
        want = stat.S_IMODE(os.stat(path).st_mode)
        os.chmod(path, 0o700)
    assert apply_mode(start, spec, is_dir=is_dir) == want, (oct(start), spec, is_dir)


def test_unknown_start_only_for_absolute_modes() -> None:
    assert apply_mode(None, "755", is_dir=False) == 0o755
    assert apply_mode(None, "g=u", is_dir=True) is None
    assert apply_mode(None, "a=rwx", is_dir=False) == 0o777
    assert apply_mode(0o644, "not-a-mode", is_dir=False) is None

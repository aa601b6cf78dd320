"""Main config files a base image provides, for configs a Dockerfile drops into their include dirs.

``COPY site.conf /etc/nginx/conf.d/`` is how most images configure nginx: the port is in the
copied file, but it is only read because the base's ``/etc/nginx/nginx.conf`` includes
``conf.d/*.conf``, and that file is not in the build context. When the final image adds files
under a daemon's include directory and the context does not provide the main config itself,
the daemon analyzer is given a minimal stand-in that only carries those include lines (as the
upstream and Debian packages ship them), so the copied file is read. Nothing else is assumed:
no listen, no user, no paths come from a stand-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IncludeStub:
    main: str
    """Path of the main config the base image ships."""
    trigger: str
    """Directory prefix: a COPY into it makes the stand-in apply."""
    text: str


STUBS: tuple[IncludeStub, ...] = (
    IncludeStub(
        "/etc/nginx/nginx.conf",
        "/etc/nginx/",
        "events {}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n"
        "    include /etc/nginx/sites-enabled/*;\n}\n",
    ),
)


class WithBaseIncludes:
    """``read_file`` / ``list_paths`` over the build context plus the stand-ins that apply."""

    def __init__(
        self, read_file: Callable[[str], str | None], paths: Callable[[], Iterable[str]]
    ) -> None:
        self._read = read_file
        known = list(paths())
        self._stubs = {
            s.main: s.text
            for s in STUBS
            if s.main not in known and any(p.startswith(s.trigger) for p in known)
        }
        self._paths = known + sorted(self._stubs)

    def __call__(self, path: str) -> str | None:
        content = self._read(path)
        if content is None:
            return self._stubs.get(path)
        return content

    def paths(self) -> list[str]:
        return list(self._paths)

"""What every image rule reads, computed once per image: the image plus its resolved user,
and what the image starts (from the entrypoint and daemon analyses, as plain facts)."""

from __future__ import annotations

from dataclasses import dataclass, field

from unroot.image.users import (
    GroupEntry,
    PasswdEntry,
    ResolvedUser,
    parse_group,
    parse_passwd,
    resolve_user,
)
from unroot.oci.model import FileEntry, Image

PASSWD_PATH = "etc/passwd"
GROUP_PATH = "etc/group"


@dataclass(frozen=True, slots=True)
class StartFacts:
    """What the container starts, so image rules can tell what the workload uses.

    Filled by the pipeline from the entrypoint and daemon analyses; the defaults mean "not
    known", under which image rules keep their full severity.
    """

    programs: frozenset[str] = frozenset()
    """Absolute paths and base names of the programs the entrypoint runs."""
    known: bool = False
    """True when the entrypoint was followed to the programs it runs."""
    daemon_ports: frozenset[tuple[int, str]] | None = None
    """(port, protocol) the started daemons listen on, read from their configs; None when no
    started daemon's config was read."""
    daemon: str = ""
    """The daemon the entrypoint starts as its main process, when one from the daemon table is:
    the paths it writes are then checked one by one from its config."""

    def runs(self, path: str) -> bool:
        """Does the workload execute ``path`` (by path or by name)?"""
        path = "/" + path.lstrip("/")
        return path in self.programs or path.rsplit("/", 1)[-1] in self.programs


@dataclass(frozen=True, slots=True)
class ImageContext:
    """The input of ``image`` rules (and of ``script``/``daemon`` rules during an image scan)."""

    image: Image
    user: ResolvedUser
    passwd: tuple[PasswdEntry, ...]
    groups: tuple[GroupEntry, ...]
    has_passwd_file: bool
    has_group_file: bool
    start: StartFacts = field(default_factory=StartFacts)

    @property
    def ref(self) -> str:
        return self.image.ref

    def entry(self, path: str) -> FileEntry | None:
        """The entry at ``path`` with symlinks followed (inside the image)."""
        return self.image.tree.resolve(path)

    def env(self) -> dict[str, str]:
        return self.image.config.env_map()


def build_context(image: Image, start: StartFacts | None = None) -> ImageContext:
    tree = image.tree
    passwd_text = tree.read_text(PASSWD_PATH)
    group_text = tree.read_text(GROUP_PATH)
    passwd = parse_passwd(passwd_text)
    groups = parse_group(group_text)
    return ImageContext(
        image=image,
        user=resolve_user(image.config.user, passwd, groups),
        passwd=tuple(passwd),
        groups=tuple(groups),
        has_passwd_file=tree.resolve(PASSWD_PATH) is not None,
        has_group_file=tree.resolve(GROUP_PATH) is not None,
        start=start or StartFacts(),
    )

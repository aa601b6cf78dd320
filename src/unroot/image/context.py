"""What every image rule reads, computed once per image: the image plus its resolved user."""

from __future__ import annotations

from dataclasses import dataclass

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
class ImageContext:
    """The input of ``image`` rules (and of ``script``/``daemon`` rules during an image scan)."""

    image: Image
    user: ResolvedUser
    passwd: tuple[PasswdEntry, ...]
    groups: tuple[GroupEntry, ...]
    has_passwd_file: bool
    has_group_file: bool

    @property
    def ref(self) -> str:
        return self.image.ref

    def entry(self, path: str) -> FileEntry | None:
        """The entry at ``path`` with symlinks followed (inside the image)."""
        return self.image.tree.resolve(path)

    def env(self) -> dict[str, str]:
        return self.image.config.env_map()


def build_context(image: Image) -> ImageContext:
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
    )

"""Decode the ``security.capability`` extended attribute (``setcap``'s output) into names.

Layout (linux/capability.h, little-endian ``struct vfs_cap_data``): ``magic_etc`` (revision in
the high byte, effective flag in bit 0), then one (v1) or two (v2, v3) pairs of
``permitted, inheritable`` 32-bit words, and for v3 a trailing ``rootid`` (the namespace root
the capabilities are valid for).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

VFS_CAP_REVISION_MASK = 0xFF000000
VFS_CAP_FLAGS_EFFECTIVE = 0x000001
VFS_CAP_REVISION_1 = 0x01000000
VFS_CAP_REVISION_2 = 0x02000000
VFS_CAP_REVISION_3 = 0x03000000

_SIZES = {VFS_CAP_REVISION_1: 12, VFS_CAP_REVISION_2: 20, VFS_CAP_REVISION_3: 24}

CAPABILITY_NAMES: tuple[str, ...] = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)
"""Index = capability number, as in linux/capability.h."""


class MalformedCapability(ValueError):
    """The xattr is not a valid ``vfs_cap_data``."""


def capability_name(number: int) -> str:
    if 0 <= number < len(CAPABILITY_NAMES):
        return CAPABILITY_NAMES[number]
    return f"CAP_{number}"


def _names(mask: int) -> tuple[str, ...]:
    return tuple(capability_name(bit) for bit in range(64) if mask >> bit & 1)


@dataclass(frozen=True, slots=True)
class FileCapabilities:
    revision: int
    """1, 2 or 3."""
    effective: bool
    permitted: tuple[str, ...]
    inheritable: tuple[str, ...]
    rootid: int | None = None
    """v3 only: the UID that is root in the user namespace the capabilities apply to."""

    def text(self) -> str:
        """``setcap``-like text: "cap_net_bind_service=ep"."""
        parts: list[str] = []
        both = [c for c in self.permitted if c in self.inheritable]
        only_p = [c for c in self.permitted if c not in self.inheritable]
        only_i = [c for c in self.inheritable if c not in self.permitted]
        eff = "e" if self.effective else ""
        for caps, flags in ((both, eff + "ip"), (only_p, eff + "p"), (only_i, "i")):
            if caps:
                parts.append(",".join(c.lower() for c in caps) + "=" + flags)
        return " ".join(parts) or "(empty)"


def decode(data: bytes) -> FileCapabilities:
    """Decode ``security.capability``; raise :class:`MalformedCapability` on bad input."""
    if len(data) < 4:
        raise MalformedCapability(f"{len(data)} bytes, too short for a header")
    (magic,) = struct.unpack_from("<I", data, 0)
    revision = magic & VFS_CAP_REVISION_MASK
    expected = _SIZES.get(revision)
    if expected is None:
        raise MalformedCapability(f"unknown revision 0x{revision:08x}")
    if len(data) != expected:
        raise MalformedCapability(
            f"revision {revision >> 24} needs {expected} bytes, found {len(data)}"
        )
    if magic & ~(VFS_CAP_REVISION_MASK | VFS_CAP_FLAGS_EFFECTIVE):
        raise MalformedCapability(f"unknown flags in 0x{magic:08x}")
    if revision == VFS_CAP_REVISION_1:
        permitted, inheritable = struct.unpack_from("<II", data, 4)
    else:
        p_lo, i_lo, p_hi, i_hi = struct.unpack_from("<IIII", data, 4)
        permitted = p_lo | p_hi << 32
        inheritable = i_lo | i_hi << 32
    rootid = struct.unpack_from("<I", data, 20)[0] if revision == VFS_CAP_REVISION_3 else None
    return FileCapabilities(
        revision=revision >> 24,
        effective=bool(magic & VFS_CAP_FLAGS_EFFECTIVE),
        permitted=_names(permitted),
        inheritable=_names(inheritable),
        rootid=rootid,
    )

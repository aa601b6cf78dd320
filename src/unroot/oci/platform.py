"""Platform strings (``os/arch[/variant]``) and the host's default, in GOARCH terms."""

from __future__ import annotations

import platform as _platform
from dataclasses import dataclass

from unroot.errors import UsageError

_MACHINE_TO_GO: dict[str, tuple[str, str]] = {
    "x86_64": ("amd64", ""),
    "amd64": ("amd64", ""),
    "i386": ("386", ""),
    "i686": ("386", ""),
    "aarch64": ("arm64", ""),
    "arm64": ("arm64", ""),
    "armv7l": ("arm", "v7"),
    "armv6l": ("arm", "v6"),
    "ppc64le": ("ppc64le", ""),
    "s390x": ("s390x", ""),
    "riscv64": ("riscv64", ""),
    "mips64": ("mips64", ""),
}


@dataclass(frozen=True, slots=True)
class Platform:
    os: str
    arch: str
    variant: str = ""

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.arch, self.variant) if p)

    def matches(self, os: str, arch: str, variant: str) -> bool:
        if os != self.os or arch != self.arch:
            return False
        if not self.variant:
            return True
        if self.arch == "arm64" and self.variant == "v8" and not variant:
            return True
        return variant == self.variant


def parse_platform(text: str) -> Platform:
    parts = text.strip().split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise UsageError(f"--platform must be os/arch[/variant], not {text!r}")
    return Platform(*parts)


def host_platform() -> Platform:
    machine = _platform.machine().lower()
    arch, variant = _MACHINE_TO_GO.get(machine, (machine, ""))
    return Platform("linux", arch, variant)

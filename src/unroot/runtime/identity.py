"""The proof: judge every sampled process identity against the run's profile. Pure.

Restricted profile: no process may ever have UID 0 on the host (in any of the real, effective,
saved and filesystem UIDs), hold a capability (effective, permitted or ambient), or run without
``no_new_privs``. User-namespaced profile: UID 0 inside is allowed, and so are capabilities,
which then only count inside the namespace; but every process must be in a user namespace and
no host UID may be 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from unroot.image.capabilities import capability_name
from unroot.runtime.procs import Observation


@dataclass(frozen=True, slots=True)
class Violation:
    pid: int
    name: str
    what: str

    def __str__(self) -> str:
        return f"pid {self.pid} ({self.name}): {self.what}"


def cap_names(mask: int) -> list[str]:
    """The capabilities set in ``mask`` (``/proc/<pid>/status`` hex), without ``CAP_``."""
    return [
        capability_name(bit).removeprefix("CAP_")
        for bit in range(mask.bit_length())
        if mask >> bit & 1
    ]


def cap_text(mask: int, limit: int = 4) -> str:
    """``0`` or ``000001ff... (CHOWN, DAC_OVERRIDE, ... +N)`` for reports."""
    if not mask:
        return "0"
    names = cap_names(mask)
    shown = ", ".join(names[:limit]) + (f", +{len(names) - limit}" if len(names) > limit else "")
    return f"{mask:016x} ({shown})"


def judge(observations: Iterable[Observation], *, userns: bool) -> list[Violation]:
    """Every way the observed processes broke the profile (empty: proven)."""
    out: list[Violation] = []
    for obs in observations:
        st = obs.status
        if 0 in st.uids:
            out.append(Violation(st.pid, st.name, f"UID 0 on the host (Uid {_ids(st.uids)})"))
        if userns:
            if not obs.in_userns:
                out.append(Violation(st.pid, st.name, "not in a user namespace"))
            continue
        held = st.cap_eff | st.cap_prm | st.cap_amb
        if held:
            out.append(
                Violation(
                    st.pid,
                    st.name,
                    f"holds capabilities (CapEff {cap_text(st.cap_eff)}, "
                    f"CapPrm {cap_text(st.cap_prm)})",
                )
            )
        if st.no_new_privs == 0:
            out.append(Violation(st.pid, st.name, "no_new_privs is not set"))
    return _unique(out)


def _ids(ids: tuple[int, ...]) -> str:
    return " ".join(str(i) for i in ids)


def _unique(items: list[Violation]) -> list[Violation]:
    seen: set[tuple[int, str]] = set()
    out = []
    for v in items:
        if (v.pid, v.what) not in seen:
            seen.add((v.pid, v.what))
            out.append(v)
    return out

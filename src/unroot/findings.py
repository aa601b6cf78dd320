"""The shared vocabulary of unroot: categories, severities, evidence, rule descriptors,
findings, targets.

Everything downstream (reports, fixes, policy, the webhook) speaks these types, so rules never
format output and renderers never analyze. Kept free of I/O and of any third-party import.
Every finding is built by :meth:`Descriptor.finding`, so every rule id in a report has a
descriptor that ``unroot rules``, ``docs/rules.md`` and SARIF can show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    """Why something needs root, or what a policy refuses: the shared root-reason categories,
    then the ones only workload policies (Pod Security, SCC) produce."""

    NO_USER = "no_user"
    PRIVILEGE_DROP_AT_START = "privilege_drop_at_start"
    LOW_PORT = "low_port"
    ROOT_OWNED_WRITABLE_PATHS = "root_owned_writable_paths"
    PACKAGE_INSTALL_AT_RUNTIME = "package_install_at_runtime"
    HOST_MODIFICATION = "host_modification"
    NEEDS_CAPABILITY = "needs_capability"
    SETUID_BINARY = "setuid_binary"
    FILE_CAPABILITY = "file_capability"
    ARBITRARY_UID_UNREADY = "arbitrary_uid_unready"
    PRIVILEGED = "privileged"
    """A privileged container (or a Windows host process): every protection is off."""
    PRIVILEGE_ESCALATION = "privilege_escalation"
    """A process may gain privileges (allowPrivilegeEscalation, no_new_privs unset)."""
    HOST_ACCESS = "host_access"
    """Shares the host's namespaces, ports or files (hostNetwork, hostPort, hostPath...)."""
    SECURITY_PROFILE = "security_profile"
    """Weakens a kernel security profile: seccomp, AppArmor, SELinux, /proc masking."""
    VOLUME_TYPE = "volume_type"
    """Uses a volume type the policy does not allow."""
    UID_RANGE = "uid_range"
    """A user or group ID outside the range the namespace may use."""
    INPUT = "input"
    """Not a root reason: a problem with the input itself (unknown user name, bad field)."""


class Severity(StrEnum):
    """Ordered severities; ``--fail-on`` compares with :meth:`rank`."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of {names})") from None


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Verdict(StrEnum):
    """Per-target answer to "does this need root?"."""

    ROOT = "root"
    NON_ROOT = "non-root"
    ARBITRARY_UID_READY = "arbitrary-uid-ready"
    DEPENDS_ON_BASE = "depends-on-base"
    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a finding comes from. Every field is optional; set what is known.

    ``file``/``line`` point into a text source (Dockerfile, script, manifest, config file);
    ``layer``/``path`` point into an image (layer digest, path inside the merged tree);
    ``field`` is a JSON-path-like field name (``config.User``, ``spec.containers[0]...``).
    """

    file: str | None = None
    line: int | None = None
    layer: str | None = None
    path: str | None = None
    field: str | None = None
    value: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason, with evidence, in one category."""

    rule: str
    category: Category
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...] = ()
    fix: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    """Structured facts for fix planning (e.g. ``{"port": 80}``); stable keys per rule."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "category": self.category.value,
            "severity": self.severity.value,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.fix:
            out["fix"] = self.fix
        if self.data:
            out["data"] = self.data
        return out


@dataclass(frozen=True, slots=True)
class Descriptor:
    """What a rule id means: the documentation of a check, and the defaults of its findings.

    Rules (``unroot.rules``) add a check function; Pod Security and SCC checks (``unroot.policy``)
    describe themselves with plain descriptors.
    """

    id: str
    kind: str
    """``image``, ``dockerfile``, ``script``, ``daemon``, ``workload``, ``input``, ``psa``,
    ``scc``: what the rule looks at."""
    category: Category
    severity: Severity
    title: str
    rationale: str
    fix: str
    docs: str

    def finding(
        self,
        message: str,
        *evidence: Evidence,
        severity: Severity | None = None,
        category: Category | None = None,
        fix: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        """A finding of this rule; defaults come from the descriptor."""
        return Finding(
            rule=self.id,
            category=category or self.category,
            severity=severity or self.severity,
            message=message,
            evidence=tuple(evidence),
            fix=fix if fix is not None else self.fix,
            data=data or {},
        )


@dataclass(slots=True)
class Target:
    """One scanned thing (image, Dockerfile, workload) with its verdict and findings."""

    ref: str
    kind: str
    verdict: Verdict
    findings: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    """Short sentences explaining the verdict, in order of importance."""
    info: dict[str, Any] = field(default_factory=dict)
    """Extra facts shown in reports (effective user, platform, layer count...)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "kind": self.kind,
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "info": dict(self.info),
            "findings": [f.to_dict() for f in self.findings],
        }

"""The admin override: a policy file that grants profiles to namespaces and subjects.

Everything not granted gets ``restricted-v2``. A grant (an *exemption*) names one profile, who
may use it, an optional expiry and a mandatory reason::

    apiVersion: unroot.dev/v1
    kind: AdmissionPolicy
    profiles: [profiles/]          # extra profile files or folders, relative to this file
    podSecurity: {level: restricted, version: latest}   # optional, checked after mutation
    exemptions:
      - name: legacy-db
        profile: anyuid
        namespaces: [legacy]       # empty or absent: every namespace
        serviceAccounts: [legacy:db]
        users: [alice]
        groups: [dba]
        expires: 2026-12-31T00:00:00Z
        reason: vendor image must start as UID 0 (ticket OPS-42)

A grant applies to a request when the namespace matches and, if it names any subjects, the
requesting user, one of the user's groups, or the pod's service account is among them (as in
OpenShift, where either the creator or the pod's service account may hold an SCC). The profile
chosen among ``restricted-v2`` and the granted ones follows SCC order: priority first (OpenShift
gives ``anyuid`` priority 10, so it wins for everyone granted it), then the most restrictive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from unroot.errors import UsageError

DEFAULT_PROFILE = "restricted-v2"
_GRANT_KEYS = frozenset(
    {"name", "profile", "namespaces", "serviceAccounts", "users", "groups", "expires", "reason"}
)
_TOP_KEYS = frozenset({"apiVersion", "kind", "profiles", "podSecurity", "exemptions"})
_MAX_BYTES = 4 << 20


@dataclass(frozen=True, slots=True)
class Exemption:
    name: str
    profile: str
    reason: str
    namespaces: frozenset[str] = frozenset()
    service_accounts: frozenset[str] = frozenset()
    """``namespace:name``."""
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    expires: dt.datetime | None = None

    def active(self, now: dt.datetime) -> bool:
        return self.expires is None or now < self.expires

    def applies(
        self, namespace: str, username: str, groups: list[str], service_account: str
    ) -> bool:
        if self.namespaces and namespace not in self.namespaces:
            return False
        if not (self.users or self.groups or self.service_accounts):
            return True
        return (
            username in self.users
            or service_account in self.service_accounts
            or any(g in self.groups for g in groups)
        )

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "profile": self.profile,
            "reason": self.reason,
            "namespaces": sorted(self.namespaces),
            "serviceAccounts": sorted(self.service_accounts),
            "users": sorted(self.users),
            "groups": sorted(self.groups),
            "expires": self.expires.isoformat() if self.expires else None,
        }


@dataclass(frozen=True, slots=True)
class Policy:
    exemptions: tuple[Exemption, ...] = ()
    profile_paths: tuple[str, ...] = ()
    pod_security: tuple[str, str] | None = None
    digest: str = hashlib.sha256(b"").hexdigest()
    source: str = ""
    by_name: Mapping[str, Exemption] = field(default_factory=dict)

    def grants(
        self,
        namespace: str,
        username: str,
        groups: list[str],
        service_account: str,
        now: dt.datetime,
    ) -> list[Exemption]:
        return [
            e
            for e in self.exemptions
            if e.active(now) and e.applies(namespace, username, groups, service_account)
        ]


def allowed_profiles(grants: list[Exemption]) -> list[str]:
    out = [DEFAULT_PROFILE]
    for g in grants:
        if g.profile not in out:
            out.append(g.profile)
    return out


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; every problem is a UsageError naming the field."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read policy {path}: {exc.strerror}") from None
    if len(data) > _MAX_BYTES:
        raise UsageError(f"policy {path} is larger than {_MAX_BYTES} bytes")
    return parse_policy(data, str(path), base=path.parent)


def parse_policy(data: bytes, source: str, base: Path | None = None) -> Policy:
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise UsageError(
            f"policy {source}: not valid YAML ({' '.join(str(exc).split())})"
        ) from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise UsageError(f"policy {source}: expected a mapping at the top")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise UsageError(
            f"policy {source}: unknown field(s) {', '.join(sorted(map(str, unknown)))}"
        )
    if doc.get("kind", "AdmissionPolicy") != "AdmissionPolicy":
        raise UsageError(f"policy {source}: kind must be AdmissionPolicy")
    paths = _str_list(doc.get("profiles"), f"{source}: profiles")
    if base is not None:
        paths = [str(base / p) if not Path(p).is_absolute() else p for p in paths]
    psa = doc.get("podSecurity")
    pod_security = None
    if psa is not None:
        if not isinstance(psa, dict) or not isinstance(psa.get("level"), str):
            raise UsageError(f"policy {source}: podSecurity needs a level")
        pod_security = (psa["level"], str(psa.get("version", "latest")))
    raw = doc.get("exemptions") or []
    if not isinstance(raw, list):
        raise UsageError(f"policy {source}: exemptions must be a list")
    exemptions = [_exemption(item, f"{source}: exemptions[{i}]") for i, item in enumerate(raw)]
    names = [e.name for e in exemptions]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(f"policy {source}: duplicate exemption name(s) {', '.join(dupes)}")
    return Policy(
        tuple(exemptions),
        tuple(paths),
        pod_security,
        hashlib.sha256(data).hexdigest(),
        source,
        {e.name: e for e in exemptions},
    )


def _exemption(item: Any, where: str) -> Exemption:
    if not isinstance(item, dict):
        raise UsageError(f"policy {where}: expected a mapping")
    unknown = set(item) - _GRANT_KEYS
    if unknown:
        raise UsageError(f"policy {where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    profile = item.get("profile")
    if not isinstance(profile, str) or not profile:
        raise UsageError(f"policy {where}: profile is required")
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError(f"policy {where}: reason is required (say why this exemption exists)")
    name = item.get("name", f"{profile}-{where.rsplit('[', 1)[-1].rstrip(']')}")
    if not isinstance(name, str) or not name:
        raise UsageError(f"policy {where}: name must be a string")
    sas = set()
    for sa in _str_list(item.get("serviceAccounts"), f"{where}.serviceAccounts"):
        sas.add(normalise_service_account(sa, where))
    return Exemption(
        name=name,
        profile=profile,
        reason=" ".join(reason.split()),
        namespaces=frozenset(_str_list(item.get("namespaces"), f"{where}.namespaces")),
        service_accounts=frozenset(sas),
        users=frozenset(_str_list(item.get("users"), f"{where}.users")),
        groups=frozenset(_str_list(item.get("groups"), f"{where}.groups")),
        expires=_time(item.get("expires"), f"{where}.expires"),
    )


def normalise_service_account(text: str, where: str = "") -> str:
    """``ns:name`` or ``system:serviceaccount:ns:name`` -> ``ns:name``."""
    value = text.removeprefix("system:serviceaccount:")
    ns, sep, name = value.partition(":")
    if not sep or not ns or not name or ":" in name:
        raise UsageError(f"policy {where}: service account {text!r} must be NAMESPACE:NAME")
    return value


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise UsageError(f"policy {where}: expected a list of strings")
    return list(value)


def _time(value: Any, where: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"policy {where}: {value!r} is not an RFC 3339 time") from None
    else:
        raise UsageError(f"policy {where}: expected an RFC 3339 time")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def policy_changes(old: Policy, new: Policy) -> dict[str, Any]:
    """What an audit record of a policy reload says: exemptions added, removed, changed."""
    added = sorted(set(new.by_name) - set(old.by_name))
    removed = sorted(set(old.by_name) - set(new.by_name))
    changed = sorted(
        n for n in set(old.by_name) & set(new.by_name) if old.by_name[n] != new.by_name[n]
    )
    return {
        "digest": new.digest,
        "previous_digest": old.digest,
        "added": [new.by_name[n].describe() for n in added],
        "removed": removed,
        "changed": [new.by_name[n].describe() for n in changed],
    }

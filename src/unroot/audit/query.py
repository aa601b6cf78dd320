"""Filters for ``unroot audit show``: namespace, subject, profile, kind and a time window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from unroot.audit.store import RawEntry
from unroot.errors import UsageError


@dataclass(frozen=True, slots=True)
class Filter:
    namespace: str | None = None
    subject: str | None = None
    profile: str | None = None
    kind: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def matches(self, rec: dict[str, Any]) -> bool:
        if self.namespace is not None and rec.get("namespace") != self.namespace:
            return False
        if self.subject is not None and self.subject not in (
            rec.get("subject"),
            rec.get("service_account"),
        ):
            return False
        if self.profile is not None and rec.get("profile") != self.profile:
            return False
        if self.kind is not None and rec.get("kind") != self.kind:
            return False
        if self.since is not None or self.until is not None:
            when = parse_time(str(rec.get("time", "")))
            if self.since is not None and when < self.since:
                return False
            if self.until is not None and when >= self.until:
                return False
        return True


def parse_time(text: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"bad time {text!r}: expected RFC 3339, e.g. 2026-01-31T12:00:00Z"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def select(entries: Iterable[RawEntry], flt: Filter) -> Iterator[dict[str, Any]]:
    for entry in entries:
        if entry.data is not None and flt.matches(entry.data):
            yield entry.data

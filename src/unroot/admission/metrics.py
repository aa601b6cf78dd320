"""Prometheus text-format metrics, kept in plain counters (one process, one event loop).

Requests by endpoint and decision, a latency histogram (time from the first body byte to the
answer), denials by reason, and audit write outcomes. With several worker processes each one
exposes its own figures, as Prometheus expects from separate targets.
"""

from __future__ import annotations

import bisect
from collections import Counter

BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str]] = Counter()
        self.denials: Counter[str] = Counter()
        self.audit: Counter[str] = Counter()
        self._bucket_counts = [0] * (len(BUCKETS) + 1)
        self._sum = 0.0
        self._count = 0

    def observe(self, endpoint: str, decision: str, seconds: float) -> None:
        self.requests[(endpoint, decision)] += 1
        self._bucket_counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self._sum += seconds
        self._count += 1

    def render(self) -> bytes:
        lines = [
            "# HELP unroot_admission_requests_total Admission reviews answered.",
            "# TYPE unroot_admission_requests_total counter",
        ]
        for (endpoint, decision), n in sorted(self.requests.items()):
            labels = f'endpoint="{endpoint}",decision="{decision}"'
            lines.append(f"unroot_admission_requests_total{{{labels}}} {n}")
        lines += [
            "# HELP unroot_admission_denials_total Denials by reason.",
            "# TYPE unroot_admission_denials_total counter",
        ]
        for reason, n in sorted(self.denials.items()):
            lines.append(f'unroot_admission_denials_total{{reason="{reason}"}} {n}')
        lines += [
            "# HELP unroot_admission_duration_seconds Time to answer a review.",
            "# TYPE unroot_admission_duration_seconds histogram",
        ]
        cumulative = 0
        for bound, n in zip(BUCKETS, self._bucket_counts, strict=False):
            cumulative += n
            lines.append(f'unroot_admission_duration_seconds_bucket{{le="{bound}"}} {cumulative}')
        lines.append(f'unroot_admission_duration_seconds_bucket{{le="+Inf"}} {self._count}')
        lines.append(f"unroot_admission_duration_seconds_sum {self._sum:.6f}")
        lines.append(f"unroot_admission_duration_seconds_count {self._count}")
        lines += [
            "# HELP unroot_audit_records_total Audit records by outcome.",
            "# TYPE unroot_audit_records_total counter",
        ]
        for outcome, n in sorted(self.audit.items()):
            lines.append(f'unroot_audit_records_total{{outcome="{outcome}"}} {n}')
        return ("\n".join(lines) + "\n").encode()

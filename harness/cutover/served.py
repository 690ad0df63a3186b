"""What the facade served consumers, second by second: the availability a gate holds.

Every consumer request the facade takes is counted once when it ends, in the second it began,
under its service, operation and the side that answered it: answered, or **failed** (no answer
from upstream, which the consumer gets as a 502, or a 502/503/504 passed on: the side was not
there). Latencies are kept per second (the facade's whole time, from the request read to the
answer written), so any window's p50, p95 and p99 are exact.

In flight: each request holds the routing table's version it was routed by. When the table
moves on while it is in flight, it **crossed** a switch: it finishes on the side that took it,
and is counted against the switch (answered or failed). `in_flight(version)` is how a switch
knows the side it left has drained.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

UNAVAILABLE = frozenset({502, 503, 504})
Key = tuple[str, str, str]  # service, operation, side


@dataclass
class _Second:
    requests: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Figures:
    """A window of served requests."""

    requests: int
    failed: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    by_operation: dict[tuple[str, str], tuple[int, int]]  # (requests, failed)

    @property
    def availability(self) -> float | None:
        return None if not self.requests else 100.0 * (self.requests - self.failed) / self.requests

    def to_dict(self) -> dict[str, object]:
        availability = self.availability
        return {
            "requests": self.requests,
            "failed": self.failed,
            "availability": None if availability is None else round(availability, 4),
            "p50_ms": _round(self.p50_ms),
            "p95_ms": _round(self.p95_ms),
            "p99_ms": _round(self.p99_ms),
        }


@dataclass
class Crossing:
    """The requests that were in flight when a switch moved the table past their version."""

    in_flight_at_switch: int = 0
    finished: int = 0
    failed: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "in_flight_at_switch": self.in_flight_at_switch,
            "answered": self.finished - self.failed,
            "failed": self.failed,
            "lost": self.in_flight_at_switch - self.finished,  # not finished when counted
        }


class ServedLog:
    def __init__(self, origin: float) -> None:
        self.origin = origin  # wall-clock seconds of second 0
        self._seconds: dict[int, dict[Key, _Second]] = defaultdict(dict)
        self._in_flight: dict[int, int] = defaultdict(int)
        self.crossings: dict[int, Crossing] = {}  # by the version switched away from
        self.total = 0
        self.total_failed = 0
        self.by_side: dict[str, int] = defaultdict(int)

    # -- the facade's side ----------------------------------------------------------------------
    def began(self, version: int) -> None:
        self._in_flight[version] += 1

    def ended(
        self,
        version: int,
        current: int,
        at: float,
        key: Key,
        status: int | None,
        latency_ms: float,
    ) -> None:
        self._in_flight[version] -= 1
        failed = status is None or status in UNAVAILABLE
        second = self._seconds[int(at - self.origin)]
        bucket = second.get(key)
        if bucket is None:
            bucket = second[key] = _Second()
        bucket.requests += 1
        bucket.latencies.append(latency_ms)
        self.total += 1
        self.by_side[key[2]] += 1
        if failed:
            bucket.failed += 1
            self.total_failed += 1
        if version != current:
            crossing = self.crossings.setdefault(version, Crossing())
            crossing.finished += 1
            crossing.failed += int(failed)

    def in_flight(self, up_to: int) -> int:
        """Requests in flight routed by a version up to `up_to`."""
        return sum(n for version, n in self._in_flight.items() if version <= up_to)

    def switched(self, old: int) -> None:
        """The table moved past `old`: what was then in flight on it crosses the switch."""
        crossing = self.crossings.setdefault(old, Crossing())
        crossing.in_flight_at_switch += self._in_flight[old]

    # -- readers --------------------------------------------------------------------------------
    def window(
        self, since: float, until: float, wanted: Callable[[Key], bool] | None = None
    ) -> Figures:
        """Requests that began in [since, until) (wall-clock seconds) and `wanted` keeps."""
        requests = failed = 0
        latencies: list[float] = []
        by_operation: dict[tuple[str, str], tuple[int, int]] = {}
        for second in range(int(since - self.origin), math.ceil(until - self.origin)):
            for key, bucket in self._seconds.get(second, {}).items():
                if wanted is not None and not wanted(key):
                    continue
                requests += bucket.requests
                failed += bucket.failed
                latencies.extend(bucket.latencies)
                seen = by_operation.get(key[:2], (0, 0))
                by_operation[key[:2]] = (seen[0] + bucket.requests, seen[1] + bucket.failed)
        latencies.sort()
        return Figures(
            requests,
            failed,
            quantile(latencies, 0.5),
            quantile(latencies, 0.95),
            quantile(latencies, 0.99),
            by_operation,
        )

    def timeline(self, step_s: int = 1) -> list[tuple[float, Figures]]:
        """(seconds since the origin, figures) for each step with traffic."""
        if not self._seconds:
            return []
        last = max(self._seconds)
        return [
            (float(start), self.window(self.origin + start, self.origin + start + step_s))
            for start in range(0, last + 1, step_s)
        ]

    def services(self) -> list[str]:
        return sorted({key[0] for second in self._seconds.values() for key in second})


def quantile(ordered: list[float], q: float) -> float | None:
    """The q-quantile of sorted values (nearest rank), None when there are none."""
    if not ordered:
        return None
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)

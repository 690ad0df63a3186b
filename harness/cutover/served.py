"""What the facade served consumers, second by second: the availability a gate holds.

Every consumer request the facade takes is counted once when it ends, in the second it began,
under its service, operation and the side that answered it: answered, or **failed** (no answer
from upstream, which the consumer gets as a 502, or a 502/503/504 passed on: the side was not
there). Latencies are kept per second (the facade's whole time, from the request read to the
answer written), so any window's p50, p95 and p99 are exact.

In flight: when a switch moves a slice, the slice's requests then in flight on the side it
leaves **cross** the switch (`crossing`): they finish on the side that took them, and are
counted against the switch (answered or failed) as they end; the switch knows the side it left
has drained when none is left (`crossing_in_flight`).
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
    """The slice's requests in flight on the side a switch leaves, when it began."""

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
        self.in_flight = 0
        self.crossings: dict[int, Crossing] = {}  # by switch number
        self.total = 0
        self.total_failed = 0
        self.by_side: dict[str, int] = defaultdict(int)

    # -- the facade's side ----------------------------------------------------------------------
    def began(self) -> None:
        self.in_flight += 1

    def ended(
        self,
        at: float,
        key: Key,
        status: int | None,
        latency_ms: float,
        crossing: int | None = None,
    ) -> None:
        """A request ended; `crossing`: the switch it was in flight across, if any."""
        self.in_flight -= 1
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
        if crossing is not None:
            crossed = self.crossings[crossing]
            crossed.finished += 1
            crossed.failed += int(failed)

    def switched(self, number: int, in_flight: int) -> Crossing:
        """A switch began with `in_flight` of its slice's requests on the side it leaves."""
        crossing = self.crossings[number] = Crossing(in_flight_at_switch=in_flight)
        return crossing

    def crossing_in_flight(self, number: int) -> int:
        crossing = self.crossings[number]
        return crossing.in_flight_at_switch - crossing.finished

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

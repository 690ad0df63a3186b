"""A streaming latency sketch: exact for small samples, a log-bucket histogram beyond.

Up to `EXACT_LIMIT` values are kept as they are and quantiles are exact (linear interpolation).
Past that, values go into logarithmic buckets of ratio `BUCKET_RATIO` (an HDR-histogram-like
sketch): memory is bounded by the number of buckets spanning the observed range (about 2,100 for
1 us .. 1,000 s), and a quantile is reported as its bucket's geometric midpoint, within
+-0.5% of a true sample value at that rank. Count, min, max and mean stay exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

EXACT_LIMIT = 1_024
BUCKET_RATIO = 1.01
_LOG_RATIO = math.log(BUCKET_RATIO)
QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95, "p99": 0.99}


def _bucket(value: float) -> int:
    return math.floor(math.log(value) / _LOG_RATIO) if value > 0 else -(10**9)


def _bucket_value(index: int) -> float:
    if index == -(10**9):
        return 0.0
    return math.exp((index + 0.5) * _LOG_RATIO)


@dataclass(slots=True)
class LatencySketch:
    """Quantiles of a stream of non-negative durations (milliseconds) in bounded memory."""

    count: int = 0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    _exact: list[float] | None = field(default_factory=list)
    _buckets: dict[int, int] = field(default_factory=dict)

    @property
    def approximate(self) -> bool:
        return self._exact is None

    def add(self, value: float) -> None:
        value = max(0.0, value)
        self.count += 1
        self.total += value
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)
        if self._exact is not None:
            self._exact.append(value)
            if len(self._exact) <= EXACT_LIMIT:
                return
            pending, self._exact = self._exact, None
            for sample in pending:
                self._count_in_bucket(sample)
            return
        self._count_in_bucket(value)

    def _count_in_bucket(self, value: float) -> None:
        index = _bucket(value)
        self._buckets[index] = self._buckets.get(index, 0) + 1

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0 <= q <= 1), or None when empty."""
        if self.count == 0:
            return None
        if self._exact is not None:
            ordered = sorted(self._exact)
            position = q * (len(ordered) - 1)
            low = math.floor(position)
            high = min(low + 1, len(ordered) - 1)
            return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
        rank = q * (self.count - 1) + 1
        seen = 0
        for index in sorted(self._buckets):
            seen += self._buckets[index]
            if seen >= rank:
                return min(self.maximum, max(self.minimum, _bucket_value(index)))
        return self.maximum

    def to_dict(self) -> dict[str, float | int | bool | None]:
        """count, min, max, mean and the `QUANTILES`, rounded to microseconds."""
        if self.count == 0:
            return {"count": 0}
        out: dict[str, float | int | bool | None] = {
            "count": self.count,
            "min": round(self.minimum, 3),
            "max": round(self.maximum, 3),
            "mean": round(self.total / self.count, 3),
        }
        if self._exact is not None:
            ordered = sorted(self._exact)
            self._exact = ordered  # sorting once serves every quantile below
        for name, q in QUANTILES.items():
            value = self.quantile(q)
            out[name] = None if value is None else round(value, 3)
        out["approximate"] = self.approximate
        return out

"""A fixed-size uniform sample of a stream of timings, seeded per stream (reservoir sampling).

Li's Algorithm L (1994): the first `capacity` values are kept; after that, the number of values
to skip before the next replacement is drawn from its geometric-like distribution, so a full
reservoir costs one comparison per value and a few random draws per replacement (about
`capacity * ln(count / capacity)` of them over the whole stream). Every value of the stream has
the same chance `capacity / count` of being in the sample.

The generator is seeded from a string (the operation and the side), so the same stream always
gives the same sample: summary.json and gate.json, built in separate passes over results.jsonl,
judge the same timings.
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass, field
from typing import TypeGuard

RESERVOIR_CAPACITY = 4_096


@dataclass(slots=True)
class Reservoir:
    """Up to `capacity` values drawn uniformly from all values added; `count` counts them all."""

    seed: str
    capacity: int = RESERVOIR_CAPACITY
    count: int = 0
    values: array[float] = field(default_factory=lambda: array("d"))
    _random: random.Random = field(init=False, repr=False)
    _log_w: float = field(init=False, default=0.0, repr=False)
    _next: int = field(init=False, default=0, repr=False)  # the count at the next replacement

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("a reservoir holds at least one value")
        self._random = random.Random(self.seed)

    @property
    def sampled(self) -> int:
        return len(self.values)

    def add(self, value: float) -> None:
        self.count += 1
        if self.count <= self.capacity:
            self.values.append(value)
            if self.count == self.capacity:
                self._log_w = math.log(self._uniform()) / self.capacity
                self._schedule()
            return
        if self.count == self._next:
            self.values[self._random.randrange(self.capacity)] = value
            self._log_w += math.log(self._uniform()) / self.capacity
            self._schedule()

    def _schedule(self) -> None:
        # log(1 - W) computed as log(-expm1(log W)): exact even when W rounds to 1.0.
        skip = math.floor(math.log(self._uniform()) / math.log(-math.expm1(self._log_w)))
        self._next = self.count + skip + 1

    def _uniform(self) -> float:
        """A uniform draw in (0, 1): `random()` may return 0.0, whose log is undefined."""
        while True:
            draw = self._random.random()
            if draw > 0.0:
                return draw


@dataclass(slots=True)
class OperationTimings:
    """Both sides' timings of one operation, each sampled by its own seeded reservoir."""

    legacy: Reservoir
    candidate: Reservoir

    @classmethod
    def of(
        cls, service: str, operation: str, capacity: int = RESERVOIR_CAPACITY
    ) -> OperationTimings:
        name = f"{service}.{operation}"
        return cls(
            Reservoir(f"latency:{name}:legacy", capacity),
            Reservoir(f"latency:{name}:candidate", capacity),
        )

    def add(self, legacy_ms: object, candidate_ms: object) -> None:
        """Add each side's timing when it is a number (a side that failed has none)."""
        if _is_number(legacy_ms):
            self.legacy.add(float(legacy_ms))
        if _is_number(candidate_ms):
            self.candidate.add(float(candidate_ms))


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)

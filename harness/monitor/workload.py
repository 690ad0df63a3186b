"""A consumer workload: a realistic day as a daily curve over a weighted mix of scenarios.

    format_version: 1
    description: GP and pharmacy systems on a weekday
    scenarios: ../scenarios          # scenario files (relative to this file)
    requests_per_day: 2000           # scenarios started per simulated day
    curve: [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 12, 10, 11, 12, 11, 9, 6, 4, 3, 2, 2, 1, 1]
    mix:                             # scenario name -> weight
      pds-read-patient: 30
      smsp-patient-details-by-nhs-number: 10

`curve` has 24 relative weights, one per hour of the day (UTC); the day's scenarios are shared
out in proportion. Errors name the file, the line and the field.

**Consumer types** (a cutover's continuous load, `harness.load`): kinds of connected system,
each with its own mix of scenarios, think time between two of its scenarios and daily curve,
and its share of the load; `rate` is the messages (requests) per second at the busiest hour of
all of them together, `reference_rate` the real platform's peak it stands for, and a day of the
curves lasts `day_s` real seconds from `start_hour`:

    consumers:
      gp-practice:
        description: GP practice systems
        share: 50                        # of the load at the busiest hour
        think_s: [1, 3]                  # between two of one system's scenarios
        curve: [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 12, 10, 11, 12, 11, 9, 6, 4, 3, 2, 2, 1, 1]
        mix: {pds-read-patient: 30}
    reference_rate: 1500                 # the platform's peak, messages/s (2014)
    rate: 60                             # what this machine is sent at the busiest hour
    day_s: 600
    start_hour: 8

With consumer types, `requests_per_day`, `curve` and `mix` (the compressed-time consumer's)
are optional.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

from harness.contracts.yamlfile import Located, load_yaml
from harness.errors import HarnessError
from harness.scenario import Scenario, load_scenarios

FORMAT_VERSION = 1
_KEYS = {
    "format_version",
    "description",
    "scenarios",
    "requests_per_day",
    "curve",
    "mix",
    "consumers",
    "reference_rate",
    "rate",
    "day_s",
    "start_hour",
}
_CONSUMER_KEYS = {"description", "share", "think_s", "curve", "mix"}


@dataclass(frozen=True, slots=True)
class ConsumerType:
    """One kind of connected system: what it sends, how often, at which hours."""

    name: str
    share: float  # of the load at the busiest hour, relative to the other types
    think_s: tuple[float, float]  # between two of one system's scenarios (uniform)
    curve: tuple[float, ...]  # 24 weights, one per hour
    mix: tuple[tuple[Scenario, float], ...]
    description: str = ""

    def steps_per_scenario(self) -> float:
        """Requests one scenario of this type sends, on average over its mix."""
        total = sum(weight for _, weight in self.mix)
        return sum(len(s.steps) * weight for s, weight in self.mix) / total

    def level(self, hour: float) -> float:
        """This type's activity at a (fractional) hour, 0..1 of its own busiest hour."""
        return _at(self.curve, hour) / max(self.curve)


def _at(curve: tuple[float, ...], hour: float) -> float:
    """A curve read between its hourly points (linear), so a compressed day has no steps."""
    low = int(hour) % 24
    high = (low + 1) % 24
    fraction = hour - int(hour)
    return curve[low] * (1 - fraction) + curve[high] * fraction


@dataclass(frozen=True, slots=True)
class Workload:
    path: Path
    requests_per_day: int
    curve: tuple[float, ...]  # 24 weights
    mix: tuple[tuple[Scenario, float], ...]
    description: str = ""
    consumers: tuple[ConsumerType, ...] = ()
    reference_rate: float | None = None  # the real platform's peak it stands for (messages/s)
    rate: float | None = None  # requests per second at the busiest hour of all types together
    day_s: float = 600.0  # real seconds one day of the curves takes
    start_hour: float = 0.0  # the hour of the curves the load starts at

    def type_rates(self, hour: float, rate: float | None = None) -> dict[str, float]:
        """Requests per second each consumer type sends at an hour, so that the busiest hour
        of all of them together sends `rate` (default: the workload's)."""
        peak = rate if rate is not None else self.rate
        if peak is None or not self.consumers:
            return {}
        total_share = sum(c.share for c in self.consumers)

        def raw(at: float) -> dict[str, float]:
            return {c.name: c.share / total_share * c.level(at) for c in self.consumers}

        busiest = max(sum(raw(h / 4).values()) for h in range(96)) or 1.0
        return {name: peak * value / busiest for name, value in raw(hour).items()}

    def hour_at(self, elapsed_s: float) -> float:
        """The hour of the curves `elapsed_s` real seconds after the load started."""
        return (self.start_hour + elapsed_s / self.day_s * 24.0) % 24.0

    def per_hour(self) -> list[int]:
        """Scenarios started in each hour of a day (largest remainders: they add up)."""
        total = sum(self.curve)
        exact = [self.requests_per_day * weight / total for weight in self.curve]
        counts = [math.floor(value) for value in exact]
        by_remainder = sorted(range(24), key=lambda hour: exact[hour] - counts[hour], reverse=True)
        for hour in by_remainder[: self.requests_per_day - sum(counts)]:
            counts[hour] += 1
        return counts


def load_workload(path: Path) -> Workload:
    data, where = load_yaml(path)
    if not isinstance(data, dict):
        raise HarnessError(
            "a workload is a mapping (scenarios, requests_per_day, curve, mix)", file=str(path)
        )
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        raise where.error(f"unknown key (expected one of {sorted(_KEYS)})", unknown[0])
    if data.get("format_version") != FORMAT_VERSION:
        raise where.error(f"format_version must be {FORMAT_VERSION}", "format_version")
    folder = data.get("scenarios")
    if not isinstance(folder, str):
        raise where.error("scenarios must name the folder of scenario files", "scenarios")
    known = {s.name: s for s in load_scenarios((path.parent / folder).resolve())}
    consumers = _consumers(data.get("consumers"), where, known, folder)
    count = data.get("requests_per_day", 0 if consumers else None)
    if isinstance(count, bool) or not isinstance(count, int) or count < (0 if consumers else 1):
        raise where.error("requests_per_day must be a whole number >= 1", "requests_per_day")
    curve = _curve(data.get("curve", [1] * 24 if consumers else None), where, "curve")
    mix: tuple[tuple[Scenario, float], ...] = ()
    if "mix" in data or not consumers:
        mix = _mix(data.get("mix"), where, known, folder, "mix")
    rate = _positive(data.get("rate"), where, "rate")
    if consumers and rate is None:
        raise where.error("rate: requests per second at the busiest hour (with consumers)", "rate")
    start_hour = data.get("start_hour", 0)
    if (
        isinstance(start_hour, bool)
        or not isinstance(start_hour, int | float)
        or not (0 <= start_hour < 24)
    ):
        raise where.error("start_hour must be a number of hours 0..24", "start_hour")
    return Workload(
        path,
        count,
        curve,
        mix,
        str(data.get("description", "")),
        consumers=consumers,
        reference_rate=_positive(data.get("reference_rate"), where, "reference_rate"),
        rate=rate,
        day_s=_positive(data.get("day_s"), where, "day_s") or 600.0,
        start_hour=float(start_hour),
    )


def _positive(raw: object, where: Located, *key: Hashable) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
        raise where.error("must be a number > 0", *key)
    return float(raw)


def _curve(raw: object, where: Located, *key: Hashable) -> tuple[float, ...]:
    if (
        not isinstance(raw, list)
        or len(raw) != 24
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in raw)
        or not sum(raw)
    ):
        raise where.error("curve must be 24 weights >= 0 (one per hour), not all 0", *key)
    return tuple(float(v) for v in raw)


def _mix(
    raw: object, where: Located, known: dict[str, Scenario], folder: str, *key: Hashable
) -> tuple[tuple[Scenario, float], ...]:
    if not isinstance(raw, dict) or not raw:
        raise where.error("mix must map scenario names to weights", *key)
    chosen = []
    for name, weight in raw.items():
        if name not in known:
            raise where.error(f"unknown scenario {name!r} (not in {folder})", *key, name)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise where.error("a weight is a number > 0", *key, name)
        chosen.append((known[name], float(weight)))
    return tuple(chosen)


def _consumers(
    raw: object, where: Located, known: dict[str, Scenario], folder: str
) -> tuple[ConsumerType, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        raise where.error("consumers must map consumer type names to their traffic", "consumers")
    out = []
    for name, entry in raw.items():
        key = ("consumers", name)
        if not isinstance(entry, dict):
            raise where.error("a consumer type is a mapping (share, think_s, curve, mix)", *key)
        unknown = sorted(set(map(str, entry)) - _CONSUMER_KEYS)
        if unknown:
            raise where.error(
                f"unknown key (expected one of {sorted(_CONSUMER_KEYS)})", *key, unknown[0]
            )
        share = _positive(entry.get("share", 1), where, *key, "share") or 1.0
        think = entry.get("think_s")
        if (
            not isinstance(think, list)
            or len(think) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in think)
            or not 0 < think[0] <= think[1]
        ):
            raise where.error(
                "think_s is [least, most] seconds, 0 < least <= most", *key, "think_s"
            )
        out.append(
            ConsumerType(
                str(name),
                share,
                (float(think[0]), float(think[1])),
                _curve(entry.get("curve"), where, *key, "curve"),
                _mix(entry.get("mix"), where, known, folder, *key, "mix"),
                str(entry.get("description", "")),
            )
        )
    return tuple(out)

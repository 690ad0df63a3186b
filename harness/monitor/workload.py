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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from harness.contracts.yamlfile import load_yaml
from harness.errors import HarnessError
from harness.scenario import Scenario, load_scenarios

FORMAT_VERSION = 1
_KEYS = {"format_version", "description", "scenarios", "requests_per_day", "curve", "mix"}


@dataclass(frozen=True, slots=True)
class Workload:
    path: Path
    requests_per_day: int
    curve: tuple[float, ...]  # 24 weights
    mix: tuple[tuple[Scenario, float], ...]
    description: str = ""

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
    count = data.get("requests_per_day")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise where.error("requests_per_day must be a whole number >= 1", "requests_per_day")
    curve = data.get("curve")
    if (
        not isinstance(curve, list)
        or len(curve) != 24
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in curve)
        or not sum(curve)
    ):
        raise where.error("curve must be 24 weights >= 0 (one per hour), not all 0", "curve")
    folder = data.get("scenarios")
    if not isinstance(folder, str):
        raise where.error("scenarios must name the folder of scenario files", "scenarios")
    known = {s.name: s for s in load_scenarios((path.parent / folder).resolve())}
    mix = data.get("mix")
    if not isinstance(mix, dict) or not mix:
        raise where.error("mix must map scenario names to weights", "mix")
    chosen = []
    for name, weight in mix.items():
        if name not in known:
            raise where.error(f"unknown scenario {name!r} (not in {folder})", "mix", name)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise where.error("a weight is a number > 0", "mix", name)
        chosen.append((known[name], float(weight)))
    return Workload(
        path, count, tuple(float(v) for v in curve), tuple(chosen), str(data.get("description", ""))
    )

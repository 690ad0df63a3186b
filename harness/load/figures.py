"""What consumers saw, from Locust's own statistics: per phase, per switch, over time.

A **snapshot** is Locust's cumulative counters at one moment (each named entry's requests,
failures and response-time histogram, and the total's). Two snapshots bound a window; the
window's figures are their difference, with Locust's own `diff_response_time_dicts` and
`calculate_response_time_percentile` (Locust's histogram rounds response times above 100 ms to
two significant digits, as its reports do).

`consumers.json` (format_version 1): `totals`, `phases` (each phase's window, from its
`phase_started` to its `phase_completed` or `rolled_back` entry of the status feed), `switches`
(the failures consumers saw from one second before each switch or rollback to two seconds
after it), `timeline` (requests and failures per second), and the `rate` asked for.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from locust.stats import RequestStats, calculate_response_time_percentile, diff_response_time_dicts

from harness.monitor.workload import Workload

FORMAT_VERSION = 1
SWITCH_BEFORE_S = 1.0
SWITCH_AFTER_S = 2.0
Counters = tuple[int, int, dict[int, int]]  # requests, failures, response-time histogram


@dataclass(frozen=True, slots=True)
class Snapshot:
    at: float
    total: Counters
    entries: dict[str, Counters] = field(default_factory=dict)


def snapshot_of(stats: RequestStats, at: float, totals_only: bool = False) -> Snapshot:
    total = stats.total
    counters = (total.num_requests, total.num_failures, dict(total.response_times))
    if totals_only:
        return Snapshot(at, (total.num_requests, total.num_failures, {}))
    entries = {
        f"{entry.method} {entry.name}": (
            entry.num_requests,
            entry.num_failures,
            dict(entry.response_times),
        )
        for entry in stats.entries.values()
    }
    return Snapshot(at, counters, entries)


def window(start: Counters, end: Counters) -> dict[str, Any]:
    """The figures of the requests between two snapshots' counters."""
    requests = end[0] - start[0]
    failures = end[1] - start[1]
    times = diff_response_time_dicts(end[2], start[2])
    answered = sum(times.values())

    def percentile(q: float) -> int | None:
        return calculate_response_time_percentile(times, answered, q) if answered else None

    return {
        "requests": requests,
        "failures": failures,
        "availability": round(100.0 * (requests - failures) / requests, 4) if requests else None,
        "p50_ms": percentile(0.5),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
    }


def _between(start: Snapshot, end: Snapshot) -> dict[str, Any]:
    figures = window(start.total, end.total)
    figures["seconds"] = round(end.at - start.at, 3)
    figures["by_name"] = {
        name: window(start.entries.get(name, (0, 0, {})), counters)
        for name, counters in sorted(end.entries.items())
        if counters[0] > start.entries.get(name, (0, 0, {}))[0]
    }
    return figures


def _epoch(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(str(entry["at"]).replace("Z", "+00:00")).timestamp()


def _failures_around(samples: list[Snapshot], at: float) -> dict[str, Any]:
    before = [s for s in samples if s.at <= at - SWITCH_BEFORE_S]
    after = [s for s in samples if s.at >= at + SWITCH_AFTER_S]
    if not before or not after:
        return {"requests": None, "failures": None}
    start, end = before[-1], after[0]
    return {
        "requests": end.total[0] - start.total[0],
        "failures": end.total[1] - start.total[1],
        "seconds": round(end.at - start.at, 3),
    }


def consumer_figures(
    stats: RequestStats,
    events: list[dict[str, Any]],
    samples: list[Snapshot],
    final: Snapshot,
    rate: float,
    workload: Workload,
) -> dict[str, Any]:
    started: dict[str, Snapshot] = {}
    phases: dict[str, Any] = {}
    switches = []
    for event in events:
        entry, snapshot = event["entry"], event["snapshot"]
        kind, phase = entry["event"], entry.get("phase")
        if kind == "phase_started":
            started[phase] = snapshot
        elif kind in ("phase_completed", "rolled_back") and phase in started:
            phases[phase] = {"outcome": kind, **_between(started[phase], snapshot)}
        if kind in ("switched", "rolled_back"):
            switches.append(
                {
                    "phase": phase,
                    "event": kind,
                    "at": entry["at"],
                    **_failures_around(samples, _epoch(entry)),
                }
            )
    total = stats.total
    first = samples[0] if samples else final
    timeline = []
    for previous, current in itertools.pairwise(samples):
        timeline.append(
            {
                "t": round(current.at - first.at, 3),
                "rps": round(
                    (current.total[0] - previous.total[0]) / (current.at - previous.at), 2
                ),
                "failures": current.total[1] - previous.total[1],
            }
        )
    return {
        "format_version": FORMAT_VERSION,
        "workload": str(workload.path),
        "rate": rate,
        "reference_rate": workload.reference_rate,
        "consumer_types": [c.name for c in workload.consumers],
        "totals": {
            "requests": total.num_requests,
            "failures": total.num_failures,
            "availability": round(
                100.0 * (total.num_requests - total.num_failures) / total.num_requests, 4
            )
            if total.num_requests
            else None,
            "p50_ms": total.get_response_time_percentile(0.5) if total.num_requests else None,
            "p95_ms": total.get_response_time_percentile(0.95) if total.num_requests else None,
            "p99_ms": total.get_response_time_percentile(0.99) if total.num_requests else None,
            "rps": round(total.total_rps, 2),
            "started": first.at,
            "ended": final.at,
        },
        "phases": phases,
        "switches": switches,
        "timeline": timeline,
        "errors": [
            {
                "name": error.name,
                "method": error.method,
                "error": str(error.error),
                "count": error.occurrences,
            }
            for error in list(stats.errors.values())[:20]
        ],
    }

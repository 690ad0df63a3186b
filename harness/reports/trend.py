"""The rehearsals so far in one reports directory: the trend of parity and the previous rehearsal.

Siblings are the directories next to this rehearsal that hold a readable `rehearsal.json`; they are
ordered by its `started_at` (ties, e.g. two quick runs in one second, by the file's modification
time). Each sibling's `summary.json` is used when present; a sibling without
one (an interrupted run, or an older one) is summarised from its results in one streaming pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from harness.errors import HarnessError
from harness.reports.summary import SUMMARY_FILE, build_summary, load_summary
from harness.rundir import REHEARSAL_FILE, RESULTS_FILE


@dataclass(frozen=True, slots=True)
class Sibling:
    directory: Path
    name: str
    started_at: str
    written_ns: int = 0  # rehearsal.json's modification time: breaks ties of started_at

    @property
    def order(self) -> tuple[str, int, str]:
        return (self.started_at, self.written_ns, self.name)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Parity per service (percent, None when the service had no exchanges) in one rehearsal."""

    name: str
    started_at: str
    parity: Mapping[str, float | None]
    overall: float | None


def _sibling(directory: Path, started_at: str | None = None) -> Sibling | None:
    path = directory / REHEARSAL_FILE
    try:
        written_ns = path.stat().st_mtime_ns
        if started_at is None:
            data = orjson.loads(path.read_bytes())
            if not isinstance(data, dict) or not isinstance(data.get("started_at"), str):
                return None
            started_at = str(data["started_at"])
    except (OSError, orjson.JSONDecodeError):
        return None
    return Sibling(directory, directory.name, started_at, written_ns)


def rehearsals_up_to(report_dir: Path, started_at: str) -> list[Sibling]:
    """Rehearsals in report_dir's parent up to and including this one (which started at
    `started_at`), oldest first."""
    report_dir = report_dir.resolve()
    current = _sibling(report_dir, started_at) or Sibling(report_dir, report_dir.name, started_at)
    found = [current]
    for directory in sorted(report_dir.parent.iterdir()):
        if not directory.is_dir() or directory.resolve() == report_dir:
            continue
        sibling = _sibling(directory)
        if sibling is not None and sibling.order < current.order:
            found.append(sibling)
    return sorted(found, key=lambda s: s.order)


def previous_rehearsal(report_dir: Path, started_at: str) -> Sibling | None:
    """The sibling that started last before this rehearsal."""
    earlier = rehearsals_up_to(report_dir, started_at)[:-1]
    return earlier[-1] if earlier else None


def summary_of(sibling: Sibling) -> dict[str, Any] | None:
    """The sibling's summary, computed from its results when summary.json is missing."""
    summary = load_summary(sibling.directory / SUMMARY_FILE)
    if summary is not None:
        return summary
    if not (sibling.directory / RESULTS_FILE).exists():
        return None
    try:
        return build_summary(sibling.directory)
    except HarnessError:
        return None  # a broken sibling must not stop this rehearsal's report


def point_of(summary: Mapping[str, Any], name: str, started_at: str) -> TrendPoint:
    parity = {
        str(s.get("service")): s.get("parity")
        for s in summary.get("services") or []
        if isinstance(s, Mapping)
    }
    totals = summary.get("totals") or {}
    return TrendPoint(name, started_at, parity, totals.get("parity"))


def trend(report_dir: Path, current: Mapping[str, Any]) -> list[TrendPoint]:
    """Parity per service of every rehearsal so far, oldest first, ending with `current`."""
    started_at = str((current.get("rehearsal") or {}).get("started_at") or "")
    points = []
    for sibling in rehearsals_up_to(report_dir, started_at):
        if sibling.directory == report_dir.resolve():
            points.append(point_of(current, sibling.name, started_at))
            continue
        summary = summary_of(sibling)
        if summary is not None:
            points.append(point_of(summary, sibling.name, sibling.started_at))
    return points

"""The rehearsals so far in one reports directory: the trend of parity and the previous rehearsal.

Siblings are the directories next to this rehearsal that hold a readable `rehearsal.json`; they are
ordered by its `started_at` (ties, e.g. two quick runs in one second, by the file's modification
time). Only rehearsals of the same lineage are compared: the same contracts, the same targets by
name (a loopback port, new with every start of a local server, is not part of a name) and the
same `--only` selection. `--baseline NAME` names the rehearsal to compare with explicitly (it
joins the trend too); the report says which one was compared, why, and how many rehearsals of
other lineages it left out. Each sibling's `summary.json` is used when present; a sibling without
one (an interrupted run, or an older one) is summarised from its results in one streaming pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from urllib.parse import urlsplit

from harness.errors import HarnessError
from harness.reports.summary import SUMMARY_FILE, build_summary, load_summary
from harness.rundir import REHEARSAL_FILE, RESULTS_FILE


LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True, slots=True)
class Lineage:
    """What makes rehearsals comparable: their contracts, targets by name and selection."""

    contracts: str
    candidate: str
    legacy: str
    only: tuple[str, ...] = ()

    def describe(self) -> str:
        only = f", only {', '.join(self.only)}" if self.only else ""
        return (
            f"contracts {self.contracts}, candidate {self.candidate}, legacy {self.legacy}{only}"
        )


def lineage_of(data: Mapping[str, Any]) -> Lineage:
    """The lineage of a rehearsal from its `rehearsal.json` fields."""
    found = data.get("targets")
    targets: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    only = data.get("only") or ()
    return Lineage(
        contracts=str(Path(str(data.get("contracts") or "")).as_posix()).rstrip("/"),
        candidate=target_name(targets.get("candidate")),
        legacy=target_name(targets.get("legacy")) if targets.get("legacy") else "recordings",
        only=tuple(sorted(str(item) for item in only)) if isinstance(only, list | tuple) else (),
    )


def target_name(url: object) -> str:
    """A target as its lineage names it: its URL, without the port of a loopback host."""
    parts = urlsplit(str(url or ""))
    host = parts.hostname or ""
    if host in LOOPBACK or host.startswith("127."):
        return f"{parts.scheme}://{host}{parts.path.rstrip('/')}"
    return str(url or "").rstrip("/")


@dataclass(frozen=True, slots=True)
class Sibling:
    directory: Path
    name: str
    started_at: str
    written_ns: int = 0  # rehearsal.json's modification time: breaks ties of started_at
    lineage: Lineage | None = None
    baseline: str | None = None  # the rehearsal it asked to be compared with

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
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        data = None
        written_ns = 0
    if not isinstance(data, dict) or not isinstance(data.get("started_at"), str):
        if started_at is None:
            return None
        return Sibling(directory, directory.name, started_at, written_ns)
    baseline = data.get("baseline")
    return Sibling(
        directory,
        directory.name,
        started_at if started_at is not None else str(data["started_at"]),
        written_ns,
        lineage_of(data),
        str(baseline) if isinstance(baseline, str) else None,
    )


@dataclass(frozen=True, slots=True)
class History:
    """The rehearsals this one is compared with (oldest first, itself last), and why."""

    rehearsals: list[Sibling]
    previous: Sibling | None
    reason: str  # how the previous one was chosen
    left_out: int  # rehearsals of other lineages in the directory


def history(report_dir: Path, started_at: str) -> History:
    """Rehearsals in report_dir's parent of this one's lineage (or its baseline) up to and
    including this one (which started at `started_at`), oldest first."""
    report_dir = report_dir.resolve()
    current = _sibling(report_dir, started_at) or Sibling(report_dir, report_dir.name, started_at)
    earlier: list[Sibling] = []
    left_out = 0
    baseline: Sibling | None = None
    for directory in sorted(report_dir.parent.iterdir()):
        if not directory.is_dir() or directory.resolve() == report_dir:
            continue
        sibling = _sibling(directory)
        if sibling is None:
            continue
        if current.baseline is not None and sibling.name == current.baseline:
            baseline = sibling
        elif sibling.order < current.order and sibling.lineage == current.lineage:
            earlier.append(sibling)
            continue
        else:
            left_out += 1
    found = sorted([*earlier, *([baseline] if baseline else [])], key=lambda s: s.order)
    lineage = current.lineage.describe() if current.lineage else "unknown"
    if current.baseline is not None:
        reason = (
            f"the baseline given with --baseline {current.baseline}"
            if baseline is not None
            else f"no rehearsal named {current.baseline} (--baseline) in this directory"
        )
        previous = baseline
    else:
        previous = earlier[-1] if earlier else None
        reason = f"the last rehearsal of the same lineage ({lineage})"
    return History([*found, current], previous, reason, left_out)


def rehearsals_up_to(report_dir: Path, started_at: str) -> list[Sibling]:
    """The rehearsals of this one's lineage (or its baseline) so far, itself last."""
    return history(report_dir, started_at).rehearsals


def previous_rehearsal(report_dir: Path, started_at: str) -> Sibling | None:
    """The rehearsal this one is compared with: its baseline, else the last of its lineage."""
    return history(report_dir, started_at).previous


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

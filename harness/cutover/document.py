"""`cutover.json` (format_version 1): the rehearsal for machines, as `report.html` shows it.

    format_version, plan {name, file, description}, legacy, candidate, started, ended,
    outcome (completed | rolled_back), exit_code,
    phases[]: index, name, slice, outcome (completed | rolled_back | not_run), reason,
              started, ended, switch {to, elapsed_s, migration, in_flight {in_flight_at_switch,
              answered, failed, lost}, drained, over_budget}, rollback (the same, or null),
              gate {passed, reasons, window, compared, served, parity, decision (as gate.json)},
              state {how, checks[]}, served (availability and latency p50/p95/p99 as the facade
              served the phase), served_by_service, parity {before_switch, after_switch} (per
              service, of the side that shadowed),
    served: the whole rehearsal as the facade served it, by side,
    consumers: what Locust's statistics say consumers saw (harness.load.figures), or null,
    notifications: every entry of the status feed,
    timeline: {served: per second, parity: {candidate, legacy} per 2 s},
    mirrors: each mirror's counts (offered, shed, judged, stored...).

Times are epoch seconds (UTC) unless named `at` (ISO 8601).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.cutover.gates import parity_by_service, store_tally
from harness.cutover.routing import Side
from harness.errors import HarnessError
from harness.monitor.reading import open_store, rows
from harness.version import __version__

if TYPE_CHECKING:
    from harness.cutover.executor import Executor, PhaseRun
    from harness.cutover.facade import CutoverFacade
    from harness.cutover.plan import Plan

FORMAT_VERSION = 1
PARITY_STEP_S = 2


def exit_code_of(runs: Sequence[PhaseRun]) -> int:
    """0 when every phase completed, 1 when one rolled back (or was not run)."""
    return 0 if runs and all(run.outcome == "completed" for run in runs) else 1


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def phase_parity(run: PhaseRun, stores: Mapping[Side, Path]) -> dict[str, Any]:
    """Per service, the parity of the side that shadowed: the candidate before the switch,
    legacy after it (until the rollback, when there was one)."""
    move = run.phase.move
    switch = run.switch
    before_end = switch.started if switch is not None else run.ended
    out: dict[str, Any] = {
        "before_switch": parity_by_service(
            store_tally(stores["candidate"], run.started, before_end, move)
        )
    }
    if switch is not None and switch.moved:
        after_end = run.rollback.started if run.rollback is not None else run.ended
        out["after_switch"] = parity_by_service(
            store_tally(stores["legacy"], switch.ended, after_end, move)
        )
    return out


def parity_timeline(store: Path, origin: float) -> list[dict[str, Any]]:
    try:
        connection = open_store(store)
    except HarnessError:
        return []
    query = f"""
        SELECT floor(epoch(ts) / {PARITY_STEP_S}) * {PARITY_STEP_S} AS t, count(*) AS compared,
               count(*) FILTER (verdict IN ('match', 'waived')) AS good,
               count(*) FILTER (verdict = 'error') AS errors
        FROM results GROUP BY 1 ORDER BY 1"""
    return [
        {
            "t": round(float(row["t"]) - origin, 3),
            "compared": row["compared"],
            "parity": round(100.0 * row["good"] / row["compared"], 3),
            "errors": row["errors"],
        }
        for row in rows(connection, query)
    ]


def cutover_document(
    plan: Plan,
    sides: tuple[str, str],  # legacy's and the candidate's base URLs
    executor: Executor,
    facade: CutoverFacade,
    stores: Mapping[Side, Path],
    mirrors: Mapping[str, Mapping[str, object]],
    consumers: Mapping[str, Any] | None,
) -> dict[str, Any]:
    runs = executor.runs
    phases = []
    for run in runs:
        entry = run.to_dict()
        if run.outcome != "not_run":
            entry["parity"] = phase_parity(run, stores)
        phases.append(entry)
    origin = executor.started or facade.log.origin
    log = facade.log
    ended = executor.ended or origin
    served = log.window(log.origin, time.time() + 1)  # every request the facade took
    timeline = [
        {"t": round(start + log.origin - origin, 3), **figures.to_dict()}
        for start, figures in log.timeline()
    ]
    code = exit_code_of(runs)
    return {
        "format_version": FORMAT_VERSION,
        "harness_version": __version__,
        "plan": {"name": plan.name, "file": plan.file, "description": plan.description},
        "legacy": sides[0],
        "candidate": sides[1],
        "started": origin,
        "ended": ended,
        "started_at": _iso(origin),
        "ended_at": _iso(ended),
        "outcome": "completed" if code == 0 else "rolled_back",
        "exit_code": code,
        "phases": phases,
        "served": {
            **served.to_dict(),
            "by_side": dict(log.by_side),
            "crossed_switches": {
                str(version): crossing.to_dict() for version, crossing in log.crossings.items()
            },
        },
        "consumers": consumers,
        "notifications": list(facade.feed.entries),
        "timeline": {
            "served": timeline,
            "parity": {side: parity_timeline(store, origin) for side, store in stores.items()},
        },
        "mirrors": {side: dict(stats) for side, stats in mirrors.items()},
    }

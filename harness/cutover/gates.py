"""A phase's gate: its window of evidence held to the policy by the rehearsal's own gate.

The window is the phase's last `window_s` seconds on the candidate. Its evidence:

- **parity, errors and latency** of the shadowed side, from the mirror's store (the same
  Parquet store `harness monitor` reads): every exchange of the slice the legacy side shadowed
  in the window, compared with the candidate's answer. The store names the answering side
  `primary` and the copy `shadow`; the gate's `legacy` timings are the shadow's here (legacy
  shadows), its `candidate` timings the primary's, so `latency` limits read the same as in a
  rehearsal: how much slower the candidate is;
- **availability**, from what the facade served consumers of the slice on the candidate in
  the window (`ServedLog`).

Both become one `Tally`, and `harness.core.gate.evaluate` decides, as it does for a rehearsal
and for `harness monitor check`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from harness.core.difference import Verdict
from harness.core.gate import GateDecision, Tally, evaluate
from harness.core.policy import Policy
from harness.core.reservoir import OperationTimings
from harness.cutover.plan import Move
from harness.cutover.served import Figures
from harness.errors import HarnessError
from harness.monitor.reading import open_store, rows


def store_tally(store: Path, since: float, until: float, move: Move) -> Tally:
    """The exchanges the store holds for the slice in [since, until) (wall-clock seconds);
    the gate's candidate is the store's primary, its legacy the store's shadow."""
    tally = Tally()
    try:
        connection = open_store(store)
    except HarnessError:  # nothing stored yet: no evidence, and the gate says so
        return tally
    found = rows(
        connection,
        """SELECT service, operation, verdict, latency_primary_ms, latency_shadow_ms
           FROM results WHERE ts >= ? AND ts < ?""",
        [_utc(since), _utc(until)],
    )
    for row in found:
        operation = (row["service"], row["operation"])
        if not move.names(*operation):  # consumers aside: the store does not know them
            continue
        counts = tally.by_operation.setdefault(operation, {})
        verdict = Verdict(row["verdict"])
        counts[verdict] = counts.get(verdict, 0) + 1
        tally.total += 1
        timings = tally.timings.get(operation)
        if timings is None:
            timings = tally.timings[operation] = OperationTimings.of(*operation)
        timings.add(row["latency_shadow_ms"], row["latency_primary_ms"])
    return tally


def decide(tally: Tally, served: Figures, policy: Policy, today: date) -> GateDecision:
    tally.served = dict(served.by_operation)
    return evaluate(tally, policy, today, evaluated_at=datetime.now(UTC).isoformat())


def parity_by_service(tally: Tally) -> dict[str, dict[str, object]]:
    """Per service: exchanges compared and parity (match + waived over every one)."""
    out: dict[str, dict[str, object]] = {}
    for service, counts in sorted(tally.services().items()):
        total = sum(counts.values())
        good = counts.get(Verdict.MATCH, 0) + counts.get(Verdict.WAIVED, 0)
        out[service] = {
            "compared": total,
            "parity": round(100.0 * good / total, 4) if total else None,
            "mismatch": counts.get(Verdict.MISMATCH, 0),
            "error": counts.get(Verdict.ERROR, 0),
        }
    return out


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)

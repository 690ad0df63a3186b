"""`harness monitor check`: hold each day of the store to a policy, as the gate holds a rehearsal.

For each day checked, the stored verdicts per operation become a `Tally` (counts, and each
operation's timings sampled as `queries.latency_samples` draws them) and go through the very
gate a rehearsal goes through (`harness.core.gate.evaluate`): the policy's parity thresholds
(most specific scope wins), its error budget `max_errors` (per day here), its latency limits,
and its waivers' expiry. Every reason a day fails is a **breach**: one structured log line
(JSON) and, when a webhook is configured, one POST of the same JSON. The command exits 1 when
any day breached, for cron and CI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from harness.core.difference import Verdict
from harness.core.gate import GateDecision, Tally, evaluate
from harness.core.policy import Policy
from harness.monitor.queries import latency_samples
from harness.monitor.reading import rows


@dataclass(frozen=True, slots=True)
class Breach:
    day: date
    reason: str
    store: str
    policy: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "event": "harness.monitor.breach",
            "day": self.day.isoformat(),
            "reason": self.reason,
            "store": self.store,
            "policy": self.policy,
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


@dataclass(frozen=True, slots=True)
class DayCheck:
    day: date
    decision: GateDecision


def tally_of_day(connection: Any, day: date) -> Tally:
    """The day's stored results as the gate counts them."""
    tally = Tally()
    query = """SELECT service, operation, verdict, count(*) AS n FROM results
               WHERE day = ? GROUP BY ALL"""
    for row in rows(connection, query, [day]):
        counts = tally.by_operation.setdefault((row["service"], row["operation"]), {})
        counts[Verdict(row["verdict"])] = row["n"]
        tally.total += row["n"]
    for (service, operation, _), timings in latency_samples(
        connection, "day", since=day, until=day
    ).items():
        tally.timings[(service, operation)] = timings
    return tally


def check_days(
    connection: Any, days: Sequence[date], policy: Policy, today: date | None = None
) -> list[DayCheck]:
    return [
        DayCheck(day, evaluate(tally_of_day(connection, day), policy, today or day)) for day in days
    ]


def breaches(checks: Sequence[DayCheck], store: str, policy: Policy) -> list[Breach]:
    return [
        Breach(check.day, reason, store, policy.source)
        for check in checks
        if not check.decision.passed
        for reason in check.decision.reasons
    ]


def announce(
    found: Sequence[Breach],
    log: Callable[[dict[str, object]], None],
    post: Callable[[dict[str, object]], str | None] | None,
) -> list[str]:
    """Each breach logged, and posted when there is a webhook; the problems posting met."""
    problems = []
    for breach in found:
        line = breach.to_dict()
        log(line)
        if post is not None:
            problem = post(line)
            if problem is not None:
                problems.append(problem)
    return problems

"""The gate: does a rehearsal's outcome meet the policy? Pure: counts in, decision out.

Parity of a scope = (match + waived) / all exchanges in it, errors included (an exchange that
could not be compared is not parity). Each exchange is judged by its most specific threshold:
`service.operation` over `service` over `*`. Errors are also bounded by `max_errors` overall.

Conformance: when the policy has `conformance` limits, the candidate answers that do not
conform to their operation's document are counted per most specific scope, and the gate fails
for a scope past its `max_nonconforming`.

Availability: where consumers' requests are counted (`Tally.served`: a cutover's facade), each
operation's answered share is held to the most specific `availability` floor; `max_error_rate`
bounds the share of exchanges that failed to compare.

Latency: when the policy has `latency` limits, each operation is judged by
`harness.core.latency_parity` over the timings the tally sampled, and the gate fails for an
operation whose verdict is `slower` by more than its most specific `max_shift_ms`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from harness.core.conformance import ConformanceOutcome, ConformanceTally, conformance_outcomes
from harness.core.difference import Verdict
from harness.core.latency_parity import (
    LatencyCriteria,
    LatencyParity,
    LatencyVerdict,
    judge_latency,
)
from harness.core.policy import (
    AvailabilityFloor,
    LatencyLimit,
    Policy,
    Threshold,
    most_specific_scope,
    scope_rank,
)
from harness.core.reservoir import OperationTimings
from harness.core.result import ResultRecord
from harness.core.success import SuccessShare

FORMAT_VERSION = 1
_INDEX = re.compile(r"/\d+(?=/|$)|\[\d+\]")


def divergence_key(path: str) -> str:
    """Group difference paths by shape: list indices become `*`."""
    return _INDEX.sub(lambda m: "/*" if m.group().startswith("/") else "[*]", path)


@dataclass
class Tally:
    """Streaming counts over result records (constant memory in the number of exchanges)."""

    by_operation: dict[tuple[str, str], dict[Verdict, int]] = field(default_factory=dict)
    divergences: dict[tuple[str, str, str], int] = field(default_factory=dict)
    waivers_applied: dict[str, int] = field(default_factory=dict)
    # both sides' timings per operation past the warm-up, sampled in bounded memory
    timings: dict[tuple[str, str], OperationTimings] = field(default_factory=dict)
    latency_criteria: LatencyCriteria = field(default_factory=LatencyCriteria)
    total: int = 0
    success: SuccessShare = field(default_factory=SuccessShare)  # generated requests' 2xx
    # candidate answers held to their document, and those that did not conform
    conformance: ConformanceTally = field(default_factory=ConformanceTally)
    # consumers' requests per operation as the facade served them: (requests, not answered)
    served: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def add(self, record: ResultRecord) -> None:
        self.total += 1
        operation = (record.service, record.operation)
        self.conformance.count(record.service, record.operation, record.conformance)
        self.success.count(
            record.service,
            record.operation,
            record.source,
            record.status_legacy,
            record.status_candidate,
        )
        counts = self.by_operation.setdefault(operation, {})
        counts[record.verdict] = counts.get(record.verdict, 0) + 1
        timings = self.timings.get(operation)
        if timings is None:
            timings = self.timings[operation] = OperationTimings.of(*operation)
        if self.total > self.latency_criteria.warmup_results:
            timings.add(record.latency_legacy_ms, record.latency_candidate_ms)
        for difference in record.differences:
            if difference.waiver is not None:
                self.waivers_applied[difference.waiver] = (
                    self.waivers_applied.get(difference.waiver, 0) + 1
                )
            elif record.verdict is Verdict.MISMATCH:
                key = (record.service, record.operation, divergence_key(difference.path))
                self.divergences[key] = self.divergences.get(key, 0) + 1

    def count(self, verdict: Verdict) -> int:
        return sum(counts.get(verdict, 0) for counts in self.by_operation.values())

    def services(self) -> dict[str, dict[Verdict, int]]:
        out: dict[str, dict[Verdict, int]] = {}
        for (service, _), counts in self.by_operation.items():
            merged = out.setdefault(service, {})
            for verdict, n in counts.items():
                merged[verdict] = merged.get(verdict, 0) + n
        return out


def parity(counts: Mapping[Verdict, int]) -> float | None:
    total = sum(counts.values())
    if total == 0:
        return None
    return 100.0 * (counts.get(Verdict.MATCH, 0) + counts.get(Verdict.WAIVED, 0)) / total


@dataclass(frozen=True, slots=True)
class ThresholdOutcome:
    scope: str
    required: float
    actual: float | None  # None when no exchange fell in the scope
    exchanges: int
    passed: bool


@dataclass(frozen=True, slots=True)
class LatencyOutcome:
    """One operation's latency against the limit of its most specific scope."""

    service: str
    operation: str
    limit: LatencyLimit
    parity: LatencyParity
    passed: bool

    def to_dict(self) -> dict[str, object]:
        evidence = self.parity.to_dict()
        return {
            "service": self.service,
            "operation": self.operation,
            "scope": self.limit.scope,
            "max_shift_ms": self.limit.max_shift_ms,
            "verdict": evidence["verdict"],
            "shift_ms": evidence["shift_ms"],
            "ci_ms": evidence["ci_ms"],
            "q": evidence["q"],
            "n_legacy": evidence["n_legacy"],
            "n_candidate": evidence["n_candidate"],
            "passed": self.passed,
        }

    def reason(self) -> str:
        p = self.parity
        low, high = p.ci_ms or (0.0, 0.0)
        return (
            f"{self.service}.{self.operation}: latency slower by {p.shift_ms:.1f} ms "
            f"(95% CI {low:.1f} to {high:.1f} ms, q {p.q:.2g}, n {p.n_legacy}/{p.n_candidate}), "
            f"allowed at most {self.limit.max_shift_ms:g} ms ({self.limit.scope})"
        )


@dataclass(frozen=True, slots=True)
class AvailabilityOutcome:
    """The consumers' requests in one floor's scope: how many, how many not answered."""

    scope: str
    required: float
    requests: int
    failed: int
    passed: bool

    @property
    def actual(self) -> float | None:
        return None if not self.requests else 100.0 * (self.requests - self.failed) / self.requests

    def to_dict(self) -> dict[str, object]:
        actual = self.actual
        return {
            "scope": self.scope,
            "required": self.required,
            "actual": None if actual is None else round(actual, 4),
            "requests": self.requests,
            "failed": self.failed,
            "passed": self.passed,
        }


@dataclass(frozen=True, slots=True)
class WaiverOutcome:
    id: str
    owner: str
    reason: str
    expires: date
    expired: bool
    applied: int
    would_apply: int  # differences an expired waiver would have covered


@dataclass(frozen=True, slots=True)
class GateDecision:
    passed: bool
    reasons: tuple[str, ...]
    thresholds: tuple[ThresholdOutcome, ...]
    waivers: tuple[WaiverOutcome, ...]
    errors: int
    max_errors: int
    evaluated_at: str
    latency: tuple[LatencyOutcome, ...] = ()
    availability: tuple[AvailabilityOutcome, ...] = ()
    error_rate: float | None = None  # percent of the exchanges compared
    max_error_rate: float | None = None
    complete: bool = True  # False: the rehearsal did not reach its end (it cannot pass)
    conformance: tuple[ConformanceOutcome, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "format_version": FORMAT_VERSION,
            "passed": self.passed,
            "complete": self.complete,
            "reasons": list(self.reasons),
            "thresholds": [
                {
                    "scope": t.scope,
                    "required": t.required,
                    "actual": None if t.actual is None else round(t.actual, 4),
                    "exchanges": t.exchanges,
                    "passed": t.passed,
                }
                for t in self.thresholds
            ],
            "errors": {
                "actual": self.errors,
                "max": self.max_errors,
                "rate": None if self.error_rate is None else round(self.error_rate, 4),
                "max_rate": self.max_error_rate,
            },
            "latency": [outcome.to_dict() for outcome in self.latency],
            "conformance": [outcome.to_dict() for outcome in self.conformance],
            "availability": [outcome.to_dict() for outcome in self.availability],
            "waivers": [
                {
                    "id": w.id,
                    "owner": w.owner,
                    "reason": w.reason,
                    "expires": w.expires.isoformat(),
                    "expired": w.expired,
                    "applied": w.applied,
                    "would_apply": w.would_apply,
                }
                for w in self.waivers
            ],
            "evaluated_at": self.evaluated_at,
        }


def most_specific(thresholds: tuple[Threshold, ...], service: str, operation: str) -> Threshold:
    return most_specific_scope(thresholds, service, operation) or Threshold("*", 100.0)


def latency_outcomes(tally: Tally, limits: tuple[LatencyLimit, ...]) -> tuple[LatencyOutcome, ...]:
    """Each operation covered by a latency limit, judged; none when there is no limit."""
    if not limits:
        return ()
    verdicts = judge_latency(tally.timings, tally.latency_criteria)
    outcomes = []
    for (service, operation), parity in sorted(verdicts.items()):
        limit = most_specific_scope(limits, service, operation)
        if limit is None:
            continue
        too_slow = (
            parity.verdict is LatencyVerdict.SLOWER
            and parity.shift_ms is not None
            and parity.shift_ms > limit.max_shift_ms
        )
        outcomes.append(LatencyOutcome(service, operation, limit, parity, not too_slow))
    return tuple(outcomes)


def availability_outcomes(
    tally: Tally, floors: tuple[AvailabilityFloor, ...]
) -> tuple[AvailabilityOutcome, ...]:
    """Each floor's scope: the requests its operations served (most specific floor wins)."""
    if not floors:
        return ()
    grouped: dict[AvailabilityFloor, list[int]] = {floor: [0, 0] for floor in floors}
    for (service, operation), (requests, failed) in tally.served.items():
        floor = most_specific_scope(floors, service, operation)
        if floor is not None:
            grouped[floor][0] += requests
            grouped[floor][1] += failed
    outcomes = []
    for floor, (requests, failed) in grouped.items():
        answered = 100.0 * (requests - failed) / requests if requests else None
        ok = answered is None or answered + 1e-9 >= floor.min_percent
        outcomes.append(AvailabilityOutcome(floor.scope, floor.min_percent, requests, failed, ok))
    return tuple(sorted(outcomes, key=lambda o: (scope_rank(o.scope), o.scope)))


def evaluate(
    results: Iterable[ResultRecord] | Tally,
    policy: Policy,
    today: date,
    *,
    interrupted: bool = False,
    incomplete: str | None = None,
    expired_hits: Mapping[str, int] | None = None,
    evaluated_at: str | None = None,
) -> GateDecision:
    """Decide the gate. `incomplete`: why the rehearsal did not reach its end (it then fails,
    whatever its counts); `interrupted` says the same without the detail. `expired_hits`:
    differences each expired waiver would have covered."""
    if isinstance(results, Tally):
        tally = results
    else:
        tally = Tally()
        for record in results:
            tally.add(record)
    thresholds = policy.thresholds or (Threshold("*", 100.0),)
    grouped: dict[Threshold, dict[Verdict, int]] = {t: {} for t in thresholds}
    for (service, operation), counts in tally.by_operation.items():
        bucket = grouped.setdefault(most_specific(thresholds, service, operation), {})
        for verdict, n in counts.items():
            bucket[verdict] = bucket.get(verdict, 0) + n

    reasons: list[str] = []
    outcomes = []
    for threshold, counts in grouped.items():
        actual = parity(counts)
        ok = actual is None or actual + 1e-9 >= threshold.min_parity
        exchanges = sum(counts.values())
        outcomes.append(
            ThresholdOutcome(threshold.scope, threshold.min_parity, actual, exchanges, ok)
        )
        if not ok and actual is not None:
            good = counts.get(Verdict.MATCH, 0) + counts.get(Verdict.WAIVED, 0)
            reasons.append(
                f"{threshold.scope}: parity {actual:.2f}% below required "
                f"{threshold.min_parity:g}% ({good}/{exchanges} exchanges)"
            )
    latency = latency_outcomes(tally, policy.latency_limits)
    reasons.extend(outcome.reason() for outcome in latency if not outcome.passed)
    conformance = conformance_outcomes(
        tally.conformance, policy.conformance_limits, most_specific_scope
    )
    reasons.extend(outcome.reason() for outcome in conformance if not outcome.passed)
    errors = tally.count(Verdict.ERROR)
    if errors > policy.max_errors:
        reasons.append(
            f"errors: {errors} exchanges failed to compare (allowed {policy.max_errors})"
        )
    error_rate = 100.0 * errors / tally.total if tally.total else None
    if (
        policy.max_error_rate is not None
        and error_rate is not None
        and error_rate > policy.max_error_rate + 1e-9
    ):
        reasons.append(
            f"error rate: {error_rate:.2f}% of {tally.total} exchanges failed to compare "
            f"(allowed {policy.max_error_rate:g}%)"
        )
    availability = availability_outcomes(tally, policy.availability)
    for outcome in availability:
        if not outcome.passed:
            reasons.append(
                f"{outcome.scope}: availability {outcome.actual:.3f}% below required "
                f"{outcome.required:g}% ({outcome.failed} of {outcome.requests} consumer "
                "requests not answered)"
            )
    if tally.total == 0:
        reasons.append("no exchange was compared")
    if incomplete is not None:
        reasons.insert(0, incomplete)
    elif interrupted:
        reasons.insert(0, "incomplete: the rehearsal was interrupted: results are partial")
    passed = not reasons

    waivers = []
    hits = expired_hits or {}
    for waiver in policy.waivers:
        expired = waiver.expired_on(today)
        waivers.append(
            WaiverOutcome(
                waiver.id,
                waiver.owner,
                waiver.reason,
                waiver.expires,
                expired,
                tally.waivers_applied.get(waiver.id, 0),
                hits.get(waiver.id, 0),
            )
        )
        if expired:
            would = hits.get(waiver.id, 0)
            note = f" ({would} differences are no longer waived)" if would else ""
            reasons.append(
                f"waiver {waiver.id} expired on {waiver.expires.isoformat()} "
                f"and no longer applies{note}"
            )
    if passed:
        reasons.insert(0, f"all thresholds met over {tally.total} exchanges")
    return GateDecision(
        passed,
        tuple(reasons),
        tuple(sorted(outcomes, key=lambda o: (scope_rank(o.scope), o.scope))),
        tuple(waivers),
        errors,
        policy.max_errors,
        evaluated_at or today.isoformat(),
        latency,
        availability,
        error_rate,
        policy.max_error_rate,
        complete=incomplete is None and not interrupted,
        conformance=conformance,
    )

"""Summarise a rehearsal's results in one pass, in bounded memory.

`SummaryBuilder.add(result)` takes result dicts (the `results.jsonl` line format) one at a time and
keeps only per-group state: verdict counts per service and operation, one latency sketch and one
seeded reservoir sample of timings per side per operation (for the latency parity verdict,
`harness.core.latency_parity`), and one example per divergence group (operation, path, kind).
The number of groups is capped (`MAX_DIVERGENCE_GROUPS`, `MAX_ERROR_GROUPS`); what falls past a
cap is still counted.

Later messages (acknowledgements, deliveries) have their own latency: per operation and kind of
later message, each side's `after_ms` (first deliveries only) is sketched and sampled the same
way, and judged by the same statistics as one family of its own (`later_latency`), past the same
warm-up, with a wider floor (`later_criteria`): a later message passes through queues on each side
(a dispatcher, retries, the consumer's endpoint), and two processes of one build were measured
here to differ by tens of milliseconds, a half of their median, on asynchronous deliveries alone.

Parity of a group = (match + waived) / exchanges * 100: errors and mismatches count against it
(the gate's definition). Divergences are grouped by path shape (list indices become `*`, as in the
gate's terminal summary); each group's example keeps its concrete path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from harness.core.conformance import ConformanceTally
from harness.core.gate import divergence_key as path_shape
from harness.core.latency import LatencySketch
from harness.core.latency_parity import LatencyCriteria, judge_latency
from harness.core.later import kinds_of
from harness.core.reservoir import OperationTimings
from harness.core.success import SuccessShare
from harness.core.triage import ClusterBuilder, Severity

SUMMARY_FORMAT_VERSION = 1
VERDICTS = ("match", "mismatch", "waived", "error")
MAX_DIVERGENCE_GROUPS = 2_000
MAX_ERROR_GROUPS = 500
MAX_EXAMPLE_CHARS = 4_000
SIDES = ("legacy", "candidate")


def parity(counts: Mapping[str, int]) -> float | None:
    """Percentage of exchanges that matched or were waived; None when there were none."""
    total = sum(counts.get(v, 0) for v in VERDICTS)
    if total == 0:
        return None
    return round(100.0 * (counts.get("match", 0) + counts.get("waived", 0)) / total, 3)


def clip_value(value: object, limit: int = MAX_EXAMPLE_CHARS) -> object:
    """A JSON value kept as is when small; a long string or big subtree becomes clipped text."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + " …[clipped]"
    if isinstance(value, (dict, list)):
        text = repr_json(value)
        return value if len(text) <= limit else text[:limit] + " …[clipped]"
    return value


def repr_json(value: object) -> str:
    """Compact JSON text of a JSON-compatible value (stdlib json: core stays dependency-light)."""
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _counts() -> dict[str, int]:
    return dict.fromkeys(VERDICTS, 0)


LATER_MIN_SHIFT_MS = 50.0
LATER_MIN_SHIFT_RELATIVE = 0.5


def later_criteria(criteria: LatencyCriteria) -> LatencyCriteria:
    """The criteria later messages are judged by: the operations', with the wider floor."""
    return replace(
        criteria,
        min_shift_ms=max(criteria.min_shift_ms, LATER_MIN_SHIFT_MS),
        min_shift_relative=max(criteria.min_shift_relative, LATER_MIN_SHIFT_RELATIVE),
    )


@dataclass(slots=True)
class _OperationState:
    service: str
    operation: str
    counts: dict[str, int] = field(default_factory=_counts)
    latency: dict[str, LatencySketch] = field(
        default_factory=lambda: {side: LatencySketch() for side in SIDES}
    )
    timings: OperationTimings = field(init=False)

    def __post_init__(self) -> None:
        self.timings = OperationTimings.of(self.service, self.operation)


@dataclass(slots=True)
class _LaterState:
    """One operation's later messages of one kind: each side's latency after the request."""

    service: str
    operation: str
    kind: str
    latency: dict[str, LatencySketch] = field(
        default_factory=lambda: {side: LatencySketch() for side in SIDES}
    )
    timings: OperationTimings = field(init=False)

    def __post_init__(self) -> None:
        self.timings = OperationTimings.of(self.service, f"{self.operation} later:{self.kind}")


@dataclass(slots=True)
class _DivergenceGroup:
    service: str
    operation: str
    path: str
    kind: str
    exchanges: int = 0
    waived: int = 0
    example: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class _ErrorGroup:
    service: str
    operation: str
    message: str
    count: int = 0
    example: dict[str, object] = field(default_factory=dict)


def _text(result: Mapping[str, Any], key: str, default: str = "") -> str:
    value = result.get(key)
    return default if value is None else str(value)


def _request_line(request: object) -> str:
    if not isinstance(request, Mapping):
        return ""
    method = str(request.get("method", ""))
    path = str(request.get("path", ""))
    query = request.get("query") or []
    if isinstance(query, list) and query:
        pairs = "&".join(f"{p[0]}={p[1]}" for p in query if isinstance(p, list) and len(p) == 2)
        path = f"{path}?{pairs}" if pairs else path
    return f"{method} {path}".strip()


class SummaryBuilder:
    """Feed result dicts with `add`, then read `to_dict()` (summary.json without the header)."""

    def __init__(
        self,
        latency_criteria: LatencyCriteria | None = None,
        severity_of: Severity | None = None,
    ) -> None:
        self.latency_criteria = latency_criteria or LatencyCriteria()
        self._clusters = ClusterBuilder(severity_of)
        self.cancelled = 0  # differences live noise cancellation dropped
        self._operations: dict[tuple[str, str], _OperationState] = {}
        self._divergences: dict[tuple[str, str, str], _DivergenceGroup] = {}
        self._errors: dict[tuple[str, str], _ErrorGroup] = {}
        self._later: dict[tuple[str, str, str], _LaterState] = {}
        self.divergences_dropped = 0
        self.errors_dropped = 0
        self.results = 0
        self.success = SuccessShare()  # generated requests answered 2xx, per operation
        self.conformance = ConformanceTally()  # candidate answers held to their document

    def add_all(self, results: Iterable[Mapping[str, Any]]) -> SummaryBuilder:
        for result in results:
            self.add(result)
        return self

    def add(self, result: Mapping[str, Any]) -> None:
        self.results += 1
        self._clusters.add(result)
        cancelled = result.get("cancelled")
        if isinstance(cancelled, list):
            self.cancelled += len(cancelled)
        service = _text(result, "service", "unknown")
        operation = _text(result, "operation", "unknown")
        verdict = _text(result, "verdict", "error")
        if verdict not in VERDICTS:
            verdict = "error"
        state = self._operations.get((service, operation))
        if state is None:
            state = self._operations[(service, operation)] = _OperationState(service, operation)
        state.counts[verdict] += 1
        self.success.add(result)
        self.conformance.add(result, path_shape)
        latency = result.get("latency_ms") or {}
        if isinstance(latency, Mapping):
            for side in SIDES:
                value = latency.get(side)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    state.latency[side].add(float(value))
            if self.results > self.latency_criteria.warmup_results:
                state.timings.add(latency.get("legacy"), latency.get("candidate"))
        later = result.get("later")
        if isinstance(later, Mapping):
            self._add_later(
                service, operation, later, self.results > self.latency_criteria.warmup_results
            )
        if verdict == "error":
            self._add_error(result, service, operation)
        differences = result.get("differences") or []
        if isinstance(differences, list):
            seen: set[tuple[str, str, str]] = set()
            for difference in differences:
                if isinstance(difference, Mapping):
                    self._add_difference(result, service, operation, difference, seen)

    def _add_later(
        self, service: str, operation: str, later: Mapping[str, Any], judged: bool
    ) -> None:
        """Each side's first deliveries, by kind, in arrival order paired with the other's (into
        the verdict's sample once `judged`: past the warm-up, as the operations' timings)."""
        by_kind: dict[str, dict[str, list[float]]] = {}
        for side in SIDES:
            for kind, after in kinds_of(later.get(side)):
                by_kind.setdefault(kind, {s: [] for s in SIDES})[side].append(after)
        for kind, sides in by_kind.items():
            key = (service, operation, kind)
            state = self._later.get(key)
            if state is None:
                state = self._later[key] = _LaterState(service, operation, kind)
            for side in SIDES:
                for value in sides[side]:
                    state.latency[side].add(value)
            pairs = max(len(sides["legacy"]), len(sides["candidate"])) if judged else 0
            for index in range(pairs):
                state.timings.add(
                    sides["legacy"][index] if index < len(sides["legacy"]) else None,
                    sides["candidate"][index] if index < len(sides["candidate"]) else None,
                )

    def _add_difference(
        self,
        result: Mapping[str, Any],
        service: str,
        operation: str,
        difference: Mapping[str, Any],
        seen: set[tuple[str, str, str]],
    ) -> None:
        path = _text(difference, "path")
        key = (operation, path_shape(path), _text(difference, "kind", "changed"))
        if key in seen:  # the same path twice in one exchange counts once
            return
        seen.add(key)
        group = self._divergences.get(key)
        if group is None:
            if len(self._divergences) >= MAX_DIVERGENCE_GROUPS:
                self.divergences_dropped += 1
                return
            group = self._divergences[key] = _DivergenceGroup(service, operation, key[1], key[2])
            group.example = {
                "id": _text(result, "id"),
                "path": path,
                "request": _request_line(result.get("request")),
                "legacy": clip_value(difference.get("legacy")),
                "candidate": clip_value(difference.get("candidate")),
                "reproducer": _text(result, "reproducer"),
            }
        group.exchanges += 1
        if difference.get("waiver") is not None:
            group.waived += 1

    def _add_error(self, result: Mapping[str, Any], service: str, operation: str) -> None:
        message = _text(result, "error", "unknown error").strip()
        first_line = message.splitlines()[0] if message else "unknown error"
        key = (operation, first_line[:300])
        group = self._errors.get(key)
        if group is None:
            if len(self._errors) >= MAX_ERROR_GROUPS:
                self.errors_dropped += 1
                return
            group = self._errors[key] = _ErrorGroup(service, operation, key[1])
            group.example = {
                "id": _text(result, "id"),
                "request": _request_line(result.get("request")),
                "error": clip_value(message),
                "reproducer": _text(result, "reproducer"),
            }
        group.count += 1

    def to_dict(self) -> dict[str, Any]:
        """Totals, services, operations (with latency), divergences and errors, sorted stably."""
        totals = _counts()
        services: dict[str, dict[str, int]] = {}
        operations = []
        parities = judge_latency(
            {key: state.timings for key, state in self._operations.items()},
            self.latency_criteria,
        )
        for (service, operation), state in sorted(self._operations.items()):
            per_service = services.setdefault(service, _counts())
            for verdict, count in state.counts.items():
                totals[verdict] += count
                per_service[verdict] += count
            entry = {
                "service": service,
                "operation": operation,
                **_with_parity(state.counts),
                "latency_ms": {side: state.latency[side].to_dict() for side in SIDES},
                "latency": parities[(service, operation)].to_dict(),
            }
            generated = self.success.of(service, operation)
            if generated is not None:
                entry["generated"] = generated  # generated requests that legacy answered 2xx
            conformance = self.conformance.of(service, operation)
            if conformance is not None:
                entry["conformance"] = conformance  # candidate answers held to the document
            operations.append(entry)
        later_parities = judge_latency(
            {(s.service, f"{s.operation} later:{s.kind}"): s.timings for s in self._later.values()},
            later_criteria(self.latency_criteria),
        )
        later_latency = [
            {
                "service": state.service,
                "operation": state.operation,
                "kind": state.kind,
                "latency_ms": {side: state.latency[side].to_dict() for side in SIDES},
                "latency": later_parities[
                    (state.service, f"{state.operation} later:{state.kind}")
                ].to_dict(),
            }
            for _, state in sorted(self._later.items())
        ]
        divergences = [
            {
                "service": g.service,
                "operation": g.operation,
                "path": g.path,
                "kind": g.kind,
                "exchanges": g.exchanges,
                "waived": g.waived,
                "example": g.example,
            }
            for g in sorted(self._divergences.values(), key=lambda g: (g.operation, g.path, g.kind))
        ]
        errors = [
            {
                "service": g.service,
                "operation": g.operation,
                "message": g.message,
                "count": g.count,
                "example": g.example,
            }
            for g in sorted(self._errors.values(), key=lambda g: (g.operation, -g.count, g.message))
        ]
        return {
            "totals": _with_parity(totals),
            "clusters": [cluster.to_dict() for cluster in self._clusters.clusters()],
            "noise_cancelled": self.cancelled,
            "services": [
                {"service": name, **_with_parity(counts)}
                for name, counts in sorted(services.items())
            ],
            "operations": operations,
            "latency_criteria": self.latency_criteria.to_dict(),
            "later_latency_criteria": later_criteria(self.latency_criteria).to_dict(),
            "later_latency": later_latency,
            "divergences": divergences,
            "divergence_groups_dropped": self.divergences_dropped,
            "errors": errors,
            "error_groups_dropped": self.errors_dropped,
            "generation_warnings": self.success.warnings(),
            "conformance": self.conformance.to_dict(),
        }


def _with_parity(counts: Mapping[str, int]) -> dict[str, Any]:
    total = sum(counts.get(v, 0) for v in VERDICTS)
    return {"exchanges": total, **{v: counts.get(v, 0) for v in VERDICTS}, "parity": parity(counts)}


def divergence_key(divergence: Mapping[str, Any]) -> tuple[str, str, str]:
    """The identity of a divergence across rehearsals: operation, path, kind."""
    return (
        str(divergence.get("operation", "")),
        str(divergence.get("path", "")),
        str(divergence.get("kind", "")),
    )


def failing_keys(summary: Mapping[str, Any]) -> set[tuple[str, str, str]]:
    """Divergences of a summary that are not entirely waived."""
    keys = set()
    for divergence in summary.get("divergences") or []:
        if isinstance(divergence, Mapping) and divergence.get("waived", 0) < divergence.get(
            "exchanges", 0
        ):
            keys.add(divergence_key(divergence))
    return keys


@dataclass(frozen=True, slots=True)
class Changes:
    """Divergences new in this rehearsal, fixed since the previous one, and still failing."""

    new: tuple[tuple[str, str, str], ...]
    fixed: tuple[tuple[str, str, str], ...]
    still_failing: tuple[tuple[str, str, str], ...]


def changes_between(previous: Mapping[str, Any], current: Mapping[str, Any]) -> Changes:
    """Compare the unwaived divergences of two summaries, keyed by operation + path + kind."""
    before = failing_keys(previous)
    now = failing_keys(current)
    return Changes(
        new=tuple(sorted(now - before)),
        fixed=tuple(sorted(before - now)),
        still_failing=tuple(sorted(now & before)),
    )

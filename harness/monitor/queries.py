"""What the store says, per service and operation, per hour and per day: SQL over `results`.

Parity is as the gate counts it (`harness.core.gate.parity`): (match + waived) / every exchange,
errors included. Error rate is error / every exchange. Latency quantiles are DuckDB's
`quantile_cont` per side; latency *verdicts* are `latency_parity.judge_latency` (Mann-Whitney,
Hodges-Lehmann, Benjamini-Hochberg over every operation and window judged together) on a
uniform sample of each window's timings (`SAMPLE_PER_WINDOW` per side, drawn by a hash of the
exchange id, so the same store always gives the same verdicts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import orjson

from harness.core.latency_parity import LatencyCriteria, LatencyParity, judge_latency
from harness.core.reservoir import OperationTimings
from harness.monitor.reading import rows

Grain = Literal["hour", "day"]
SAMPLE_PER_WINDOW = 200


@dataclass(frozen=True, slots=True)
class Window:
    """One service and operation (or all of them: service `*`) over one hour or day."""

    service: str
    operation: str
    start: datetime
    total: int
    match: int
    mismatch: int
    waived: int
    error: int
    p50_primary_ms: float | None
    p50_shadow_ms: float | None
    p95_primary_ms: float | None
    p95_shadow_ms: float | None

    @property
    def parity(self) -> float | None:
        return None if not self.total else 100.0 * (self.match + self.waived) / self.total

    @property
    def error_rate(self) -> float | None:
        return None if not self.total else 100.0 * self.error / self.total


@dataclass(frozen=True, slots=True)
class Cluster:
    """One kind of divergence: where it was first and last seen, how often, on which days."""

    signature: str
    service: str
    operation: str
    count: int
    first_seen: datetime
    last_seen: datetime
    days: tuple[date, ...]
    differences: tuple[dict[str, Any], ...]
    reproducer: str
    target: str


def _where(since: date | None, until: date | None) -> tuple[str, list[object]]:
    clauses: list[str] = []
    parameters: list[object] = []
    if since is not None:
        clauses.append("day >= ?")
        parameters.append(since)
    if until is not None:
        clauses.append("day <= ?")
        parameters.append(until)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", parameters


def windows(
    connection: Any,
    grain: Grain = "day",
    *,
    by_operation: bool = True,
    since: date | None = None,
    until: date | None = None,
) -> list[Window]:
    """Counts and latency quantiles per window (and per operation, unless `by_operation` is
    False: then one row per window, service and operation `*`)."""
    keys = "service, operation" if by_operation else "'*' AS service, '*' AS operation"
    window = _WINDOW[grain]
    group = f"service, operation, {window}" if by_operation else window
    where, parameters = _where(since, until)
    query = f"""
        SELECT {keys}, {window},
               count(*) AS total,
               count(*) FILTER (verdict = 'match') AS match,
               count(*) FILTER (verdict = 'mismatch') AS mismatch,
               count(*) FILTER (verdict = 'waived') AS waived,
               count(*) FILTER (verdict = 'error') AS error,
               quantile_cont(latency_primary_ms, [0.5, 0.95]) AS primary_ms,
               quantile_cont(latency_shadow_ms, [0.5, 0.95]) AS shadow_ms
        FROM results {where}
        GROUP BY {group} ORDER BY {window}, service, operation"""
    out = []
    for row in rows(connection, query, parameters):
        primary, shadow = (
            row.pop("primary_ms") or (None, None),
            row.pop("shadow_ms") or (None, None),
        )
        out.append(
            Window(
                start=_start(row.pop("day"), row.pop("hour", None)),
                p50_primary_ms=primary[0],
                p95_primary_ms=primary[1],
                p50_shadow_ms=shadow[0],
                p95_shadow_ms=shadow[1],
                **row,
            )
        )
    return out


_WINDOW = {"day": "day", "hour": "day, hour"}


def _start(day: date, hour: int | None) -> datetime:
    return datetime(day.year, day.month, day.day, hour or 0, tzinfo=UTC)


def clusters(
    connection: Any, *, limit: int = 20, since: date | None = None, until: date | None = None
) -> list[Cluster]:
    """The divergence clusters, most frequent first, with an example and its reproducer."""
    where, parameters = _where(since, until)
    where = (where + " AND " if where else "WHERE ") + "cluster IS NOT NULL"
    query = f"""
        SELECT cluster AS signature, any_value(service) AS service,
               any_value(operation) AS operation, count(*) AS count,
               min(ts) AS first_seen, max(ts) AS last_seen,
               list(DISTINCT day ORDER BY day) AS days,
               arg_min(differences, ts) AS differences,
               arg_min(reproducer, ts) AS reproducer,
               arg_min(target, ts) AS target
        FROM results {where}
        GROUP BY cluster ORDER BY count DESC, signature LIMIT {int(limit)}"""
    out = []
    for row in rows(connection, query, parameters):
        row["days"] = tuple(row["days"])
        row["differences"] = tuple(orjson.loads(row["differences"] or "[]"))
        row["reproducer"] = row["reproducer"] or ""
        out.append(Cluster(**row))
    return out


def latency_verdicts(
    connection: Any,
    grain: Grain = "day",
    *,
    since: date | None = None,
    until: date | None = None,
    criteria: LatencyCriteria | None = None,
    sample: int = SAMPLE_PER_WINDOW,
) -> dict[tuple[str, str, datetime], LatencyParity]:
    """A latency verdict per (service, operation, window start)."""
    timings = latency_samples(connection, grain, since=since, until=until, sample=sample)
    keyed = {(s, f"{o}\x00{w.isoformat()}"): t for (s, o, w), t in timings.items()}
    judged = judge_latency(keyed, criteria)
    out = {}
    for (service, key), verdict in judged.items():
        operation, start = key.split("\x00")
        out[(service, operation, datetime.fromisoformat(start))] = verdict
    return out


def latency_samples(
    connection: Any,
    grain: Grain = "day",
    *,
    since: date | None = None,
    until: date | None = None,
    sample: int = SAMPLE_PER_WINDOW,
) -> dict[tuple[str, str, datetime], OperationTimings]:
    """Up to `sample` timings per side of each (service, operation, window), drawn uniformly
    (by a hash of the id), with each window's full count."""
    where, parameters = _where(since, until)
    # Each window's count first (one cheap scan), then the rows whose id hashes below the
    # window's share: a uniform sample of about `sample` rows per window, in one more scan.
    window = _WINDOW[grain]
    on = " AND ".join(f"r.{key} = c.{key}" for key in ("service", "operation", *window.split(", ")))
    query = f"""
        WITH counted AS (
            SELECT service, operation, {window},
                   count(latency_primary_ms) AS np, count(latency_shadow_ms) AS ns,
                   count(*) AS n
            FROM results {where} GROUP BY ALL
        )
        SELECT c.service, c.operation, {", ".join(f"c.{k}" for k in window.split(", "))},
               any_value(c.np) AS np, any_value(c.ns) AS ns,
               list(r.latency_primary_ms) FILTER (r.latency_primary_ms IS NOT NULL) AS ps,
               list(r.latency_shadow_ms) FILTER (r.latency_shadow_ms IS NOT NULL) AS ss
        FROM results r JOIN counted c ON {on}
        WHERE hash(r.id) % 1000000 < 1000000 * {int(sample)} / c.n
              {where.replace("WHERE", "AND").replace("day", "r.day")}
        GROUP BY ALL"""
    parameters = parameters * 2
    out = {}
    for row in rows(connection, query, parameters):
        timings = OperationTimings.of(row["service"], row["operation"], capacity=max(1, sample))
        _fill(timings.legacy, row["ps"] or [], row["np"])
        _fill(timings.candidate, row["ss"] or [], row["ns"])
        start = _start(row["day"], row.get("hour"))
        out[(row["service"], row["operation"], start)] = timings
    return out


def _fill(reservoir: Any, values: Sequence[float], count: int) -> None:
    for value in values[: reservoir.capacity]:
        reservoir.add(float(value))
    reservoir.count = count  # the window's whole count; the values are its uniform sample


def days(connection: Any) -> list[date]:
    return [row["day"] for row in rows(connection, "SELECT DISTINCT day FROM results ORDER BY day")]

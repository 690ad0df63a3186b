"""The monitor's dashboard: one self-contained HTML file from the store.

Parity, error rate and latency over the days (inline SVG, `harness.reports.svg`), the first
sighting of each divergence cluster marked on the parity chart, the days each cluster was seen,
the last day hour by hour, the latency verdicts that say `slower`, and the worst clusters with
an example difference and its reproducer. No script and nothing fetched: the page's
Content-Security-Policy allows only its own inline style. `refresh_s` adds a meta refresh for
`harness monitor serve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from harness.core.latency_parity import LatencyParity, LatencyVerdict
from harness.monitor.queries import Cluster, Window, clusters, latency_verdicts, windows
from harness.reports.html_style import CSS
from harness.reports.svg import esc, presence_grid, series_chart

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
EXTRA_CSS = """
.cards { display:flex; gap:14px; flex-wrap:wrap; margin-bottom:18px; }
.card { background:#fff; border-radius:8px; padding:14px 18px; min-width:180px;
  box-shadow:0 1px 2px rgba(0,0,0,.06); }
.card .figure { font-size:26px; font-weight:600; }
.card.bad .figure { color: var(--red); }
table { border-collapse: collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line);
  vertical-align:top; }
pre.reproducer { white-space: pre-wrap; word-break: break-all; background: var(--pale);
  padding: 6px 8px; margin: 4px 0 0; font-size: 12px; max-height: 9em; overflow: auto; }
#worst { table-layout: fixed; }
#worst th:nth-child(1) { width: 24%; } #worst th:nth-child(2) { width: 6%; }
#worst th:nth-child(3), #worst th:nth-child(4) { width: 10%; } #worst th:nth-child(5) { width: 5%; }
#worst td { overflow-wrap: anywhere; }
.svg-wrap svg text { font-size: 11px; fill: var(--grey); }
"""


@dataclass(frozen=True, slots=True)
class DashboardData:
    store: str
    days: list[Window]  # all operations together, per day
    per_service: dict[str, list[Window]]
    per_operation: list[Window]  # per operation, per day
    last_day_hours: list[Window]
    clusters: list[Cluster]
    slower: list[tuple[str, str, datetime, LatencyParity]]
    generated: datetime


def gather(connection: Any, store: Path, *, worst: int = 10) -> DashboardData:
    overall = windows(connection, "day", by_operation=False)
    per_operation = windows(connection, "day")
    per_service: dict[str, list[Window]] = {}
    for service in sorted({w.service for w in per_operation}):
        per_service[service] = _merged([w for w in per_operation if w.service == service])
    last = overall[-1].start.date() if overall else None
    hours = windows(connection, "hour", by_operation=False, since=last, until=last)
    slower = [
        (service, operation, start, verdict)
        for (service, operation, start), verdict in sorted(
            latency_verdicts(connection, "day").items(), key=lambda item: item[0][2]
        )
        if verdict.verdict is LatencyVerdict.SLOWER
    ]
    return DashboardData(
        str(store),
        overall,
        per_service,
        per_operation,
        hours,
        clusters(connection, limit=worst),
        slower,
        datetime.now(UTC),
    )


def _merged(items: list[Window]) -> list[Window]:
    """A service's operations added up per day (latency quantiles are not summed: None)."""
    by_start: dict[datetime, list[Window]] = {}
    for window in items:
        by_start.setdefault(window.start, []).append(window)
    out = []
    for start, group in sorted(by_start.items()):
        counts = {name: sum(getattr(w, name) for w in group) for name in _COUNTS}
        out.append(
            Window(
                group[0].service,
                "*",
                start,
                p50_primary_ms=None,
                p50_shadow_ms=None,
                p95_primary_ms=None,
                p95_shadow_ms=None,
                **counts,
            )
        )
    return out


_COUNTS = ("total", "match", "mismatch", "waived", "error")


def render(data: DashboardData, refresh_s: int | None = None) -> str:
    labels = [w.start.strftime("%m-%d") for w in data.days]
    index_of = {w.start.date(): i for i, w in enumerate(data.days)}
    markers = []
    first_days: dict[date, int] = {}
    for cluster in data.clusters:
        day = cluster.first_seen.date()
        first_days[day] = first_days.get(day, 0) + 1
    for day, count in sorted(first_days.items())[:4]:
        index = index_of.get(day)
        if index is not None:
            plural = "s" if count > 1 else ""
            markers.append((index, f"{day:%m-%d}: {count} new divergence{plural}"))
    parity_series: dict[str, list[float | None]] = {"all": [w.parity for w in data.days]}
    for service, items in data.per_service.items():
        by_start = {w.start: w.parity for w in items}
        parity_series[service] = [by_start.get(w.start) for w in data.days]
    low = min((v for s in parity_series.values() for v in s if v is not None), default=100.0)
    floor = 0.0 if low < 50 else max(0.0, (int(low) // 5) * 5 - 5.0)
    last = data.days[-1] if data.days else None
    first_divergence = min((c.first_seen for c in data.clusters), default=None)
    refresh = f'<meta http-equiv="refresh" content="{int(refresh_s)}">' if refresh_s else ""
    cards = [
        card("exchanges stored", f"{sum(w.total for w in data.days):,}"),
        card("days", f"{len(data.days)}"),
        card(
            "parity, last day",
            _pct(last.parity if last else None),
            bad=bool(last and last.parity is not None and last.parity < 100),
        ),
        card("errors, last day", _pct(last.error_rate if last else None)),
        card("divergence clusters", f"{len(data.clusters)}", bad=bool(data.clusters)),
        card(
            "first divergence",
            first_divergence.strftime("%Y-%m-%d %H:%M") if first_divergence else "none",
            bad=first_divergence is not None,
        ),
    ]
    sections = [
        section(
            "parity",
            "Parity per day",
            series_chart(
                labels,
                parity_series,
                unit="%",
                y_range=(floor, 100.0),
                markers=markers,
                name="parity",
            ),
        ),
        section(
            "errors",
            "Error rate per day",
            series_chart(
                labels, {"all": [w.error_rate for w in data.days]}, unit="%", name="errors"
            ),
        ),
        section(
            "latency",
            "Latency per day (median, ms)",
            series_chart(
                labels,
                {
                    "primary p50": [w.p50_primary_ms for w in data.days],
                    "shadow p50": [w.p50_shadow_ms for w in data.days],
                    "shadow p95": [w.p95_shadow_ms for w in data.days],
                },
                unit=" ms",
                name="latency",
            )
            + _slower_table(data.slower),
        ),
        section(
            "hours",
            f"The last day, hour by hour ({last.start:%Y-%m-%d})" if last else "The last day",
            series_chart(
                [f"{w.start:%H}h" for w in data.last_day_hours],
                {
                    "parity": [w.parity for w in data.last_day_hours],
                    "errors": [w.error_rate for w in data.last_day_hours],
                },
                unit="%",
                y_range=(0.0, 100.0),
                name="hours",
                height=200,
            ),
        ),
        section(
            "cluster-days",
            "The days each divergence cluster was seen",
            presence_grid(
                labels,
                [
                    (c.signature, [w.start.date() in set(c.days) for w in data.days])
                    for c in data.clusters
                ],
            ),
        ),
        section("clusters", "Worst divergence clusters", _cluster_table(data.clusters)),
        section("operations", "Operations over the whole window", _operation_table(data)),
    ]
    span = f"{data.days[0].start:%Y-%m-%d} to {data.days[-1].start:%Y-%m-%d}" if data.days else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">{refresh}'
        "<title>Shadow monitor</title>"
        f"<style>{CSS}{EXTRA_CSS}</style></head><body>"
        '<header class="top"><h1>Shadow monitor</h1><div class="meta">'
        f"<span>store {esc(data.store)}</span><span>{esc(span)}</span>"
        f'<span id="generated">generated {data.generated:%Y-%m-%d %H:%M:%S} UTC</span>'
        "</div></header><main>"
        f'<div class="cards" id="cards">{"".join(cards)}</div>{"".join(sections)}'
        "</main></body></html>\n"
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}%"


def card(title: str, figure: str, bad: bool = False) -> str:
    return (
        f'<div class="card{" bad" if bad else ""}"><div class="muted">{esc(title)}</div>'
        f'<div class="figure">{esc(figure)}</div></div>'
    )


def section(anchor: str, title: str, body: str) -> str:
    return (
        f'<section id="{anchor}"><h2>{esc(title)}</h2><div class="svg-wrap">{body}</div></section>'
    )


def _slower_table(slower: list[tuple[str, str, datetime, LatencyParity]]) -> str:
    if not slower:
        return '<p class="muted" id="slower-none">No operation was slower on any day.</p>'
    body = "".join(
        f"<tr><td>{start:%Y-%m-%d}</td><td>{esc(service)}.{esc(operation)}</td>"
        f"<td>+{(p.shift_ms or 0):.1f} ms</td>"
        f"<td>{(p.ci_ms or (0, 0))[0]:.1f} to {(p.ci_ms or (0, 0))[1]:.1f} ms</td>"
        f"<td>{p.q or 0:.2g}</td></tr>"
        for service, operation, start, p in slower
    )
    return (
        '<table id="slower"><thead><tr><th>day</th><th>operation</th><th>shift</th>'
        f"<th>95% CI</th><th>q</th></tr></thead><tbody>{body}</tbody></table>"
    )


def _cluster_table(found: list[Cluster]) -> str:
    if not found:
        return '<p class="muted">No divergence.</p>'
    rows = []
    for cluster in found:
        example = "".join(
            f"<div><code>{esc(d.get('path'))}</code> {esc(d.get('kind'))}: "
            f"primary <code>{esc(_short(d.get('legacy')))}</code>, "
            f"shadow <code>{esc(_short(d.get('candidate')))}</code></div>"
            for d in cluster.differences[:3]
        )
        rows.append(
            f'<tr class="cluster"><td>{esc(cluster.signature)}</td><td>{cluster.count:,}</td>'
            f"<td>{cluster.first_seen:%Y-%m-%d %H:%M}</td>"
            f"<td>{cluster.last_seen:%Y-%m-%d %H:%M}</td><td>{len(cluster.days)}</td>"
            f'<td>{example}<div class="muted">{esc(cluster.target)}</div>'
            f'<pre class="reproducer">{esc(cluster.reproducer)}</pre></td></tr>'
        )
    return (
        '<table id="worst"><thead><tr><th>cluster</th><th>seen</th><th>first</th><th>last</th>'
        f"<th>days</th><th>example and reproducer</th></tr></thead><tbody>{''.join(rows)}"
        "</tbody></table>"
    )


def _operation_table(data: DashboardData) -> str:
    totals: dict[tuple[str, str], list[int]] = {}
    for window in data.per_operation:
        counts = totals.setdefault((window.service, window.operation), [0] * len(_COUNTS))
        for position, name in enumerate(_COUNTS):
            counts[position] += getattr(window, name)
    body = []
    for (service, operation), (total, match, mismatch, waived, error) in sorted(totals.items()):
        parity = 100.0 * (match + waived) / total if total else None
        body.append(
            f"<tr><td>{esc(service)}</td><td>{esc(operation)}</td><td>{total:,}</td>"
            f"<td>{_pct(parity)}</td><td>{mismatch:,}</td><td>{error:,}</td></tr>"
        )
    return (
        '<table id="operations"><thead><tr><th>service</th><th>operation</th><th>exchanges</th>'
        f"<th>parity</th><th>mismatches</th><th>errors</th></tr></thead><tbody>{''.join(body)}"
        "</tbody></table>"
    )


def _short(value: object, limit: int = 80) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"

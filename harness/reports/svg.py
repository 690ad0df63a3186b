"""Charts as inline SVG, drawn in Python: no script, no library, nothing fetched.

Every text that comes from data goes through `esc`; numbers are formatted by us.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from harness.reports.trend import TrendPoint

PALETTE = ("#005eb8", "#d5281b", "#007f3b", "#ffb81c", "#7c2855", "#00a499", "#330072", "#ed8b00")
LEGACY_COLOUR = "#768692"
CANDIDATE_COLOUR = "#005eb8"


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 0.001:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) < 10_000 else f"{value:,.0f}"


def trend_chart(points: Sequence[TrendPoint], width: int = 1000, height: int = 240) -> str:
    """Parity per service across rehearsals: one line per service, one point per rehearsal."""
    services = sorted({s for p in points for s in p.parity})
    values = [v for p in points for v in p.parity.values() if isinstance(v, (int, float))]
    if not points or not values:
        return '<p class="muted">No parity figures yet.</p>'
    low = min(values)
    y_min = 0.0 if low < 50 else max(0.0, math.floor((low - 1) / 5) * 5)
    left, right, top, bottom = 56, 150, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(index: int) -> float:
        return left + (plot_w / 2 if len(points) == 1 else plot_w * index / (len(points) - 1))

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - y_min) / (100 - y_min))

    parts = [
        f'<svg class="chart trend" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="Parity per service across rehearsals" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in nice_ticks(y_min, 100, 5):
        if tick < y_min or tick > 100:
            continue
        y = y_of(tick)
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_fmt(tick)}%</text>"
        )
    step = max(1, math.ceil(len(points) / 12))
    for index, point in enumerate(points):
        if index % step and index != len(points) - 1:
            continue
        label = point.name if len(point.name) <= 18 else point.name[:17] + "…"
        parts.append(
            f'<text class="tick" x="{x_of(index):.1f}" y="{top + plot_h + 18}" '
            f'text-anchor="middle">{esc(label)}</text>'
        )
    for number, service in enumerate(services):
        colour = PALETTE[number % len(PALETTE)]
        series = [
            (x_of(i), y_of(float(v)), p, float(v))
            for i, p in enumerate(points)
            if isinstance(v := p.parity.get(service), (int, float))
        ]
        if len(series) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in series)
            parts.append(
                f'<polyline class="series" data-service="{esc(service)}" points="{path}" '
                f'fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
        for x, y, point, value in series:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">'
                f"<title>{esc(service)} in {esc(point.name)}: {value:g}%</title></circle>"
            )
        legend_y = top + 14 + number * 20
        parts.append(
            f'<rect x="{left + plot_w + 20}" y="{legend_y - 9}" width="12" height="12" rx="2" '
            f'fill="{colour}"/><text class="legend" x="{left + plot_w + 38}" y="{legend_y + 1}">'
            f"{esc(service)}</text>"
        )
    parts.append(
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}"/></svg>'
    )
    return "".join(parts)


def _box(
    y: float, stats: Mapping[str, object], x_of: object, colour: str, label: str, height: float
) -> str:
    assert callable(x_of)
    keys = ("p5", "p25", "p50", "p75", "p95")
    if not all(isinstance(stats.get(k), (int, float)) for k in keys):
        return (
            f'<text class="tick" x="{x_of(0) + 4:.1f}" y="{y + height / 2 + 4:.1f}">'
            f"no {esc(label)} timings</text>"
        )
    p5, p25, p50, p75, p95 = (float(stats[k]) for k in keys)  # type: ignore[arg-type]
    mid = y + height / 2
    return (
        f'<g class="box" data-side="{esc(label)}">'
        f"<title>{esc(label)}: p5 {p5:g} ms, p25 {p25:g}, median {p50:g}, p75 {p75:g}, "
        f"p95 {p95:g} ms ({stats.get('count')} timings)</title>"
        f'<line x1="{x_of(p5):.1f}" y1="{mid:.1f}" x2="{x_of(p95):.1f}" y2="{mid:.1f}" '
        f'stroke="{colour}" stroke-width="1.5"/>'
        f'<line x1="{x_of(p5):.1f}" y1="{y + 4:.1f}" x2="{x_of(p5):.1f}" y2="{y + height - 4:.1f}" '
        f'stroke="{colour}" stroke-width="1.5"/>'
        f'<line x1="{x_of(p95):.1f}" y1="{y + 4:.1f}" x2="{x_of(p95):.1f}" '
        f'y2="{y + height - 4:.1f}" stroke="{colour}" stroke-width="1.5"/>'
        f'<rect x="{x_of(p25):.1f}" y="{y:.1f}" width="{max(1.5, x_of(p75) - x_of(p25)):.1f}" '
        f'height="{height:.1f}" rx="3" fill="{colour}" fill-opacity="0.25" stroke="{colour}"/>'
        f'<line x1="{x_of(p50):.1f}" y1="{y:.1f}" x2="{x_of(p50):.1f}" y2="{y + height:.1f}" '
        f'stroke="{colour}" stroke-width="3"/></g>'
    )


def latency_boxplot(operation: Mapping[str, object], width: int = 420, height: int = 120) -> str:
    """Legacy vs candidate latency of one operation: whiskers p5-p95, box p25-p75, median bar."""
    latency = operation.get("latency_ms")
    sides = latency if isinstance(latency, Mapping) else {}
    legacy = sides.get("legacy") or {}
    candidate = sides.get("candidate") or {}
    highs = [float(s[k]) for s in (legacy, candidate) for k in ("p95",) if s.get(k) is not None]
    top_value = max(highs) * 1.1 if highs and max(highs) > 0 else 1.0
    left, right, top, bottom = 78, 16, 8, 26
    plot_w = width - left - right
    row_h = (height - top - bottom) / 2

    def x_of(value: float) -> float:
        return left + plot_w * min(1.0, value / top_value)

    parts = [
        f'<svg class="chart latency" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Latency of {esc(operation.get("operation"))}" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in nice_ticks(0, top_value, 4):
        if tick > top_value:
            continue
        x = x_of(tick)
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - bottom}"/>'
            f'<text class="tick" x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{_fmt(tick)}</text>"
        )
    parts.append(
        f'<text class="tick" x="{width - right}" y="{height - 2}" text-anchor="end">ms</text>'
    )
    for row, (label, stats, colour) in enumerate(
        (("legacy", legacy, LEGACY_COLOUR), ("candidate", candidate, CANDIDATE_COLOUR))
    ):
        y = top + row * row_h + 6
        parts.append(
            f'<text class="legend" x="{left - 8}" y="{y + row_h / 2 - 2:.1f}" '
            f'text-anchor="end">{label}</text>'
        )
        parts.append(_box(y, stats, x_of, colour, label, row_h - 12))
    parts.append("</svg>")
    return "".join(parts)


def parity_bar(value: object, width: int = 120) -> str:
    """A small inline bar for a parity percentage."""
    if not isinstance(value, (int, float)):
        return ""
    filled = width * max(0.0, min(100.0, float(value))) / 100
    colour = "#007f3b" if value >= 100 else ("#ffb81c" if value >= 95 else "#d5281b")
    return (
        f'<svg class="bar" viewBox="0 0 {width} 10" width="{width}" height="10" '
        f'xmlns="http://www.w3.org/2000/svg"><rect width="{width}" height="10" rx="5" '
        f'fill="#e8edee"/><rect width="{filled:.1f}" height="10" rx="5" fill="{colour}"/></svg>'
    )


def series_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    unit: str = "",
    y_range: tuple[float, float] | None = None,
    markers: Sequence[tuple[int, str]] = (),
    bands: Sequence[tuple[int, int, str, str]] = (),
    name: str = "chart",
    width: int = 1000,
    height: int = 240,
) -> str:
    """Named series over the same labelled x positions (days, hours): one line each, a gap
    where a value is None; `markers` draw a labelled vertical line at an x position (the day a
    divergence was first seen); `bands` shade the spans (first, last, label, colour) behind the
    lines (a cutover's phases); `y_range` fixes the axis (else it fits the values)."""
    values = [v for points in series.values() for v in points if v is not None]
    if not labels or not values:
        return '<p class="muted">Nothing to draw yet.</p>'
    low, high = y_range or (min(0.0, min(values)), max(values) or 1.0)
    if high <= low:
        high = low + 1
    left, right, top, bottom = 64, 170, 22, 56
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(index: int) -> float:
        return left + (plot_w / 2 if len(labels) == 1 else plot_w * index / (len(labels) - 1))

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (min(max(value, low), high) - low) / (high - low))

    parts = [
        f'<svg class="chart {esc(name)}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{esc(name)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for first, last, label, colour in bands:
        x1, x2 = x_of(first), x_of(max(first, last))
        parts.append(
            f'<rect class="band" data-band="{esc(label)}" x="{x1:.1f}" y="{top}" '
            f'width="{max(1.0, x2 - x1):.1f}" height="{plot_h}" fill="{esc(colour)}" '
            f'opacity="0.35"/><text class="band-label" x="{x1 + 3:.1f}" '
            f'y="{top + plot_h - 6}">{esc(label)}</text>'
        )
    for tick in nice_ticks(low, high, 5):
        if low <= tick <= high:
            y = y_of(tick)
            parts.append(
                f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}"/>'
                f'<text class="tick" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
                f"{_fmt(tick)}{esc(unit)}</text>"
            )
    step = max(1, math.ceil(len(labels) / 15))
    for index, label in enumerate(labels):
        if index % step == 0 or index == len(labels) - 1:
            parts.append(
                f'<text class="tick" x="{x_of(index):.1f}" y="{top + plot_h + 18}" '
                f'text-anchor="middle">{esc(label)}</text>'
            )
    for index, text in markers:
        x = x_of(index)
        parts.append(
            f'<line class="marker" x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{top + plot_h}" '
            f'stroke="#d5281b" stroke-dasharray="4 3" stroke-width="1.5"/>'
            f'<text class="marker-label" x="{x + 4:.1f}" y="{top + 4}" fill="#d5281b">'
            f"{esc(text)}</text>"
        )
    for number, (title, points) in enumerate(series.items()):
        colour = PALETTE[number % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(points):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((x_of(index), y_of(value)))
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline class="series" data-series="{esc(title)}" points="{path}" '
                    f'fill="none" stroke="{colour}" stroke-width="2"/>'
                )
            elif run:
                x, y = run[0]
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        legend_y = top + 10 + number * 20
        parts.append(
            f'<rect x="{left + plot_w + 20}" y="{legend_y - 9}" width="12" height="12" rx="2" '
            f'fill="{colour}"/><text class="legend" x="{left + plot_w + 38}" y="{legend_y + 1}">'
            f"{esc(title)}</text>"
        )
    parts.append(
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}"/></svg>'
    )
    return "".join(parts)


def presence_grid(
    labels: Sequence[str], rows: Sequence[tuple[str, Sequence[bool]]], width: int = 1000
) -> str:
    """One row per item (a divergence cluster), one cell per label (a day), filled where seen."""
    if not labels or not rows:
        return '<p class="muted">Nothing seen.</p>'
    left, cell_h = 300, 18
    cell_w = (width - left - 10) / len(labels)
    height = 24 + cell_h * len(rows)
    parts = [
        f'<svg class="chart presence" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="days each cluster was seen" xmlns="http://www.w3.org/2000/svg">'
    ]
    step = max(1, math.ceil(len(labels) / 15))
    for index, label in enumerate(labels):
        if index % step == 0:
            parts.append(
                f'<text class="tick" x="{left + index * cell_w:.1f}" y="12">{esc(label)}</text>'
            )
    for number, (title, seen) in enumerate(rows):
        y = 20 + number * cell_h
        short = title if len(title) <= 46 else title[:45] + "…"
        parts.append(
            f'<text class="legend" x="4" y="{y + 13}"><title>{esc(title)}</title>'
            f"{esc(short)}</text>"
        )
        for index, present in enumerate(seen):
            fill = PALETTE[1] if present else "#f0f4f5"
            parts.append(
                f'<rect class="{"seen" if present else "unseen"}" x="{left + index * cell_w:.1f}" '
                f'y="{y + 2}" width="{max(1.0, cell_w - 1):.1f}" height="{cell_h - 4}" '
                f'fill="{fill}"/>'
            )
    parts.append("</svg>")
    return "".join(parts)

"""report.html: one self-contained page (inline CSS, SVG and a few lines of script).

Every value from the rehearsal goes through `esc` (html.escape with quotes): response bodies can
hold anything, and none of it may become markup. The page's Content-Security-Policy forbids
loading anything from the network as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.core.summary import Changes
from harness.reports.coverage import coverage_section
from harness.reports.html_style import CONTENT_SECURITY_POLICY, CSS, SCRIPT
from harness.reports.sections import conformance_section, generation_section
from harness.reports.summary import write_atomically
from harness.reports.svg import (
    CANDIDATE_COLOUR,
    LEGACY_COLOUR,
    esc,
    latency_boxplot,
    parity_bar,
    trend_chart,
)
from harness.reports.text import milliseconds, percent, show_value
from harness.reports.trend import TrendPoint

HTML_FILE = "report.html"
_NAVIGATION = "".join(
    f'<a href="#{anchor}">{title}</a>'
    for anchor, title in (
        ("clusters", "Clusters"),
        ("gate", "Gate"),
        ("parity", "Parity"),
        ("changes", "Changes"),
        ("divergences", "Divergences"),
        ("errors", "Errors"),
        ("latency", "Latency"),
        ("conformance", "Conformance"),
    )
)


def _number(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return esc(value if value is not None else "-")
    if isinstance(value, float):
        return esc(f"{value:g}")
    return esc(value)


def _header(summary: Mapping[str, Any], directory: str) -> str:
    rehearsal = summary.get("rehearsal") or {}
    targets = rehearsal.get("targets") or {}
    meta = [
        f"<span>started {esc(rehearsal.get('started_at') or '-')}</span>",
        f"<span>finished {esc(rehearsal.get('finished_at') or '-')}</span>",
        f"<span>candidate {esc(targets.get('candidate') or '-')}</span>",
        f"<span>legacy {esc(targets.get('legacy') or 'recorded answers')}</span>",
    ]
    return (
        f'<header class="top"><h1>Rehearsal {esc(rehearsal.get("name") or directory)}</h1>'
        f'<div class="meta">{"".join(meta)}</div><nav>{_NAVIGATION}</nav></header>'
    )


def _banners(summary: Mapping[str, Any]) -> str:
    out = []
    if (summary.get("rehearsal") or {}).get("interrupted"):
        out.append(
            '<div class="banner"><strong>Interrupted:</strong> this rehearsal was stopped before '
            "it finished; the figures cover the exchanges completed.</div>"
        )
    if (summary.get("results") or {}).get("torn_last_line"):
        out.append(
            '<div class="banner">The last line of results.jsonl was incomplete (the run was '
            "killed while writing it) and was skipped.</div>"
        )
    return "".join(out)


def _verdict(summary: Mapping[str, Any]) -> str:
    gate = summary.get("gate") or {}
    if not gate.get("evaluated"):
        return (
            '<section class="verdict" id="verdict"><div class="word">NOT EVALUATED'
            "<small>gate</small></div><div>The gate was not evaluated for this rehearsal "
            '(no gate.json). Run <code class="inline">harness gate DIR --policy FILE</code> to '
            "decide it.</div></section>"
        )
    passed = bool(gate.get("passed"))
    reasons = "".join(f"<li>{esc(r)}</li>" for r in gate.get("reasons") or [])
    reasons = f"<ul>{reasons}</ul>" if reasons else '<p class="muted">No reasons given.</p>'
    word = "PASSED" if passed else "FAILED"
    return (
        f'<section class="verdict {"passed" if passed else "failed"}" id="verdict">'
        f'<div class="word">{word}<small>gate evaluated {esc(gate.get("evaluated_at") or "")}'
        f"</small></div><div>{reasons}</div></section>"
    )


def _kpis(summary: Mapping[str, Any]) -> str:
    totals = summary.get("totals") or {}
    paths = sum(
        1 for d in summary.get("divergences") or [] if d.get("waived", 0) < d.get("exchanges", 0)
    )
    par = totals.get("parity")
    causes = sum(1 for c in summary.get("clusters") or [] if not c.get("waived"))
    tiles = [
        ("Exchanges", _number(totals.get("exchanges", 0)), ""),
        ("Parity", esc(percent(par)), "good" if par == 100 else ("bad" if par is not None else "")),
        ("Mismatches", _number(totals.get("mismatch", 0)), "bad" if totals.get("mismatch") else ""),
        ("Root causes", _number(causes), "bad" if causes else ""),
        ("Divergent paths", _number(paths), "bad" if paths else ""),
        ("Waived", _number(totals.get("waived", 0)), "warn" if totals.get("waived") else ""),
        ("Errors", _number(totals.get("error", 0)), "bad" if totals.get("error") else ""),
    ]
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi {cls}"><div class="value">{value}</div>'
            f'<div class="label">{label}</div></div>'
            for label, value, cls in tiles
        )
        + "</div>"
    )


def _gate_details(summary: Mapping[str, Any]) -> str:
    gate = summary.get("gate") or {}
    if not gate.get("evaluated"):
        return ""
    rows = []
    for t in gate.get("thresholds") or []:
        rows.append(
            _threshold_row(
                f"parity {t.get('scope')}",
                esc(percent(t.get("required"))),
                esc(percent(t.get("actual"))),
                bool(t.get("passed")),
                t.get("exchanges"),
            )
        )
    errors = gate.get("errors")
    if isinstance(errors, Mapping) and errors.get("max") is not None:
        actual, most = errors.get("actual", 0), errors.get("max")
        ok = isinstance(actual, int) and isinstance(most, int) and actual <= most
        rows.append(_threshold_row("errors", f"at most {_number(most)}", _number(actual), ok, None))
    for c in gate.get("conformance") or []:
        rows.append(
            _threshold_row(
                f"conformance {c.get('scope')}",
                f"at most {_number(c.get('max_nonconforming'))} not conforming",
                _number(c.get("nonconforming")),
                bool(c.get("passed")),
                c.get("checked"),
            )
        )
    thresholds = (
        '<table><thead><tr><th>Scope</th><th class="num">Required</th><th class="num">Actual'
        '</th><th class="num">Exchanges</th><th></th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else '<p class="muted">No thresholds.</p>'
    )
    waiver_rows = []
    for w in gate.get("waivers") or []:
        status = '<span class="badge ok">active</span>'
        if w.get("expired"):
            covered = w.get("would_apply")
            note = f"; would have covered {_number(covered)}" if covered else ""
            status = (
                '<span class="badge bad">expired</span>'
                f'<div class="muted">no longer applies{note}</div>'
            )
        waiver_rows.append(
            f'<tr><td><code class="inline">{esc(w.get("id"))}</code></td>'
            f"<td>{esc(w.get('owner') or '-')}</td><td>{esc(w.get('reason') or '-')}</td>"
            f'<td>{esc(w.get("expires") or "-")}</td><td class="num">{_number(w.get("applied"))}'
            f"</td><td>{status}</td></tr>"
        )
    waivers = (
        "<table><thead><tr><th>Waiver</th><th>Owner</th><th>Reason</th><th>Expires</th>"
        f'<th class="num">Applied</th><th>Status</th></tr></thead><tbody>{"".join(waiver_rows)}'
        "</tbody></table>"
        if waiver_rows
        else '<p class="muted">No waivers.</p>'
    )
    return (
        '<section id="gate"><h2>Gate</h2><div class="two"><div><h3>Thresholds</h3>'
        f"{thresholds}</div><div><h3>Waivers</h3>{waivers}</div></div></section>"
    )


def _threshold_row(scope: str, required: str, actual: str, ok: bool, exchanges: object) -> str:
    badge = '<span class="badge ok">met</span>' if ok else '<span class="badge bad">not met</span>'
    return (
        f'<tr><td>{esc(scope)}</td><td class="num">{required}</td><td class="num">{actual}</td>'
        f'<td class="num">{_number(exchanges) if exchanges is not None else ""}</td>'
        f"<td>{badge}</td></tr>"
    )


def _parity(summary: Mapping[str, Any], points: Sequence[TrendPoint], lineage: str = "") -> str:
    operations = summary.get("operations") or []
    by_service = {s.get("service"): s for s in summary.get("services") or []}
    rows = []
    for service, figures in by_service.items():
        rows.append(_parity_row("service-row", esc(service), "all operations", figures))
        for op in operations:
            if op.get("service") == service:
                rows.append(_parity_row("op-row", "", esc(op.get("operation")), op))
    table = (
        '<table id="operations"><thead><tr><th>Service</th><th>Operation</th>'
        '<th class="num">Exchanges</th><th class="num">Match</th><th class="num">Mismatch</th>'
        '<th class="num">Waived</th><th class="num">Error</th><th>Parity</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    note = f'<p class="muted lineage">{esc(lineage)}</p>' if lineage else ""
    trend = (
        f'<h3>Parity per service across rehearsals</h3><div id="trend">{trend_chart(points)}</div>'
        f"{note}"
    )
    return (
        f'<section id="parity"><h2>Parity</h2>{trend}<h3>Per service and operation</h3>{table}'
        "</section>"
    )


def _parity_row(cls: str, service: str, operation: str, f: Mapping[str, Any]) -> str:
    cells = "".join(
        f'<td class="num">{_number(f.get(k, 0))}</td>'
        for k in ("exchanges", "match", "mismatch", "waived", "error")
    )
    return (
        f'<tr class="{cls}"><td>{service}</td><td>{operation}</td>{cells}'
        f"<td>{parity_bar(f.get('parity'))}{esc(percent(f.get('parity')))}</td></tr>"
    )


def _changes(changes: Changes | None, previous: str | None, lineage: str = "") -> str:
    note = f'<p class="muted lineage">{esc(lineage)}</p>' if lineage else ""
    if changes is None or previous is None:
        body = (
            '<p class="muted">No earlier rehearsal of this lineage in this reports directory: '
            f"nothing to compare with yet.</p>{note}"
        )
    else:
        columns = []
        for cls, title, keys in (
            ("new", "New", changes.new),
            ("fixed", "Fixed", changes.fixed),
            ("still", "Still failing", changes.still_failing),
        ):
            items = "".join(
                f'<li><strong>{esc(op)}</strong> <code class="inline">{esc(path)}</code> '
                f'<span class="badge kind">{esc(kind)}</span></li>'
                for op, path, kind in keys
            )
            columns.append(
                f'<div class="card {cls}"><h3>{title} ({len(keys)})</h3>'
                + (f"<ul>{items}</ul>" if items else '<p class="muted">none</p>')
                + "</div>"
            )
        body = (
            f'<p class="muted">Compared with <strong>{esc(previous)}</strong>, by operation, '
            f"path and kind (waived divergences are not failing).</p>"
            f'<div class="changes">{"".join(columns)}</div>{note}'
        )
    return f'<section id="changes"><h2>Changed since the previous rehearsal</h2>{body}</section>'


def _reproducer(command: object) -> str:
    if not command:
        return ""
    return (
        f'<div class="repro"><code>{esc(command)}</code>'
        '<button type="button" class="copy" title="Copy the command">Copy</button></div>'
    )


def _sides(example: Mapping[str, Any]) -> str:
    """Both values of an example, side by side."""
    return (
        '<div class="sides"><div class="side legacy"><div class="label">legacy</div>'
        f"<pre>{esc(show_value(example.get('legacy')))}</pre></div>"
        '<div class="side candidate"><div class="label">candidate</div>'
        f"<pre>{esc(show_value(example.get('candidate')))}</pre></div></div>"
    )


_SEVERITY_BADGE = {"blocker": "bad", "critical": "bad", "normal": "warn", "minor": "kind",
                   "trivial": "kind"}  # fmt: skip


def _clusters(summary: Mapping[str, Any]) -> str:
    """Root causes first, most severe first: one card per cluster, with its minimal reproducer."""
    clusters = summary.get("clusters") or []
    if not clusters:
        return (
            '<section id="clusters"><h2>Clusters</h2><p class="muted">No divergence and no '
            "error: nothing to triage.</p></section>"
        )
    cards = []
    for c in clusters:
        example = c.get("example") or {}
        severity = str(c.get("severity") or "normal")
        badges = (
            f'<span class="badge {_SEVERITY_BADGE.get(severity, "kind")} severity">'
            f"{esc(severity)}</span> "
            f'<span class="badge kind">{esc(c.get("kind"))}</span>'
        )
        if c.get("waived"):
            badges += ' <span class="badge warn">waived</span>'
        cascaded = c.get("cascaded") or 0
        cascade = f", {_number(cascaded)} of them later steps it caused" if cascaded else ""
        signature = "".join(f"<li><code class=\"inline\">{esc(s)}</code></li>"
                            for s in c.get("signature") or [])  # fmt: skip
        cards.append(
            f'<div class="divergence cluster" id="{esc(c.get("id"))}"><div class="head">'
            f'<span class="path">{esc(", ".join(c.get("operations") or []))}</span>{badges}'
            f'<span class="muted">{_number(c.get("exchanges"))} exchanges{cascade} · smallest '
            f'example <code class="inline">{esc(example.get("id"))}</code> '
            f'{esc(example.get("request") or "")}</span></div><ul class="signature">{signature}'
            f"</ul>{_sides(example)}{_reproducer(c.get('reproducer'))}</div>"
        )
    return (
        '<section id="clusters"><h2>Clusters</h2><p class="muted">One per root cause, most '
        "severe first: a status change stands for the paths it changed, paths that always "
        "differ together are one signature, and what a scenario's later steps showed because "
        f"an earlier step diverged is folded into that step's cluster.</p>{''.join(cards)}"
        "</section>"
    )


def _divergences(summary: Mapping[str, Any]) -> str:
    divergences = summary.get("divergences") or []
    if not divergences:
        return (
            '<section id="divergences"><h2>Divergences</h2><p class="muted">None: every '
            "compared answer matched.</p></section>"
        )
    exchanges = {o.get("operation"): o.get("exchanges") for o in summary.get("operations") or []}
    by_operation: dict[str, list[Mapping[str, Any]]] = {}
    for d in divergences:
        by_operation.setdefault(str(d.get("operation")), []).append(d)
    blocks = []
    for operation, groups in by_operation.items():
        cards = "".join(_divergence_card(d, exchanges.get(operation)) for d in groups)
        blocks.append(
            f'<details class="op" open><summary>{esc(operation)} '
            f'<span class="muted">({esc(groups[0].get("service"))}, {len(groups)} '
            f"path{'s' if len(groups) != 1 else ''})</span></summary>{cards}</details>"
        )
    dropped = summary.get("divergence_groups_dropped") or 0
    note = (
        f'<p class="muted">{_number(dropped)} further differences fell past the group limit.</p>'
        if dropped
        else ""
    )
    return f'<section id="divergences"><h2>Divergences</h2>{"".join(blocks)}{note}</section>'


def _divergence_card(d: Mapping[str, Any], total: object) -> str:
    example = d.get("example") or {}
    waived = d.get("waived", 0)
    concrete = example.get("path")
    at = f" at {esc(concrete)}" if concrete and concrete != d.get("path") else ""
    badges = f'<span class="badge kind">{esc(d.get("kind"))}</span>'
    if waived:
        badges += f' <span class="badge warn">{_number(waived)} waived</span>'
    return (
        f'<div class="divergence"><div class="head"><span class="path">{esc(d.get("path"))}'
        f'</span>{badges}<span class="muted">in {_number(d.get("exchanges"))} of '
        f'{_number(total)} exchanges · example <code class="inline">{esc(example.get("id"))}'
        f"</code> {esc(example.get('request') or '')}{at}</span></div>"
        f"{_sides(example)}{_reproducer(example.get('reproducer'))}</div>"
    )


def _errors(summary: Mapping[str, Any]) -> str:
    errors = summary.get("errors") or []
    if not errors:
        return '<section id="errors"><h2>Errors</h2><p class="muted">No errors.</p></section>'
    rows = "".join(
        f"<tr><td>{esc(e.get('operation'))}</td><td><pre>{esc(e.get('message'))}</pre></td>"
        f'<td class="num">{_number(e.get("count"))}</td><td><code class="inline">'
        f"{esc((e.get('example') or {}).get('id'))}</code>"
        f"{_reproducer((e.get('example') or {}).get('reproducer'))}</td></tr>"
        for e in errors
    )
    return (
        '<section id="errors"><h2>Errors</h2><table><thead><tr><th>Operation</th><th>Error</th>'
        f'<th class="num">Exchanges</th><th>Example</th></tr></thead><tbody>{rows}</tbody></table>'
        "</section>"
    )


def _latency_verdict(parity: object, criteria: Mapping[str, Any]) -> tuple[str, str]:
    """The operation's latency verdict as a badge, and the evidence behind it as a line."""
    if not isinstance(parity, Mapping) or "verdict" not in parity:
        return "", ""
    verdict = str(parity.get("verdict"))
    n = f"n {_count(parity.get('n_legacy'))} / {_count(parity.get('n_candidate'))}"
    if (parity.get("sampled_legacy"), parity.get("sampled_candidate")) != (
        parity.get("n_legacy"),
        parity.get("n_candidate"),
    ):
        n += (
            f" ({_count(parity.get('sampled_legacy'))} / "
            f"{_count(parity.get('sampled_candidate'))} sampled)"
        )
    if verdict == "insufficient":
        badge = '<span class="badge warn latency-verdict">insufficient</span>'
        least = criteria.get("min_samples")
        fewer = f"fewer than {_number(least)}" if least is not None else "too few"
        return badge, f"{fewer} timings on a side ({esc(n)}): no verdict"
    shift = parity.get("shift_ms")
    ci = parity.get("ci_ms") or [None, None]
    cls = {"slower": "bad", "faster": "ok"}.get(verdict, "")
    shown = f" {shift:+.1f} ms" if cls and isinstance(shift, int | float) else ""
    badge = f'<span class="badge {cls} latency-verdict">{esc(verdict)}{esc(shown)}</span>'
    evidence = (
        f"shift {_signed_ms(shift)} (95% CI {_signed_ms(ci[0])} to {_signed_ms(ci[1])}) · "
        f"p {_probability(parity.get('p'))} · q {_probability(parity.get('q'))} · {n} · "
        f"floor ±{milliseconds(parity.get('floor_ms'))}"
    )
    return badge, esc(evidence)


def _signed_ms(value: object) -> str:
    return f"{value:+.1f} ms" if isinstance(value, int | float) else "-"


def _probability(value: object) -> str:
    return f"{value:.2g}" if isinstance(value, int | float) else "-"


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "-"


def _latency(summary: Mapping[str, Any]) -> str:
    criteria = summary.get("latency_criteria") or {}
    cards = [
        _latency_card(esc(op.get("operation")), op, criteria)
        for op in summary.get("operations") or []
    ]
    later_criteria = summary.get("later_latency_criteria") or criteria
    cards += [  # how long each later message (an acknowledgement, a delivery) took to come
        _latency_card(
            f'{esc(later.get("operation"))} <span class="muted">later</span> {esc(later.get("kind"))}',
            later,
            later_criteria,
        )
        for later in summary.get("later_latency") or []
    ]
    key = (
        '<p class="key muted">Verdict per operation: Mann-Whitney U over both sides\' timings '
        "(q: Benjamini-Hochberg across operations) and the Hodges-Lehmann shift of the "
        "candidate with its 95% interval; slower or faster only when the whole interval lies "
        "beyond the floor. "
        + (
            "Later messages (acknowledgements, deliveries) are timed from their request and judged "
            "with a wider floor: they pass through each side's queues. "
            if summary.get("later_latency")
            else ""
        )
        + "Whiskers p5 to p95, box p25 to p75, bar at the median."
        f'<span style="background:{LEGACY_COLOUR}"></span>legacy'
        f'<span style="background:{CANDIDATE_COLOUR}"></span>candidate</p>'
    )
    return (
        f'<section id="latency"><h2>Latency</h2>{key}<div class="grid3">{"".join(cards)}</div>'
        "</section>"
    )


def _latency_card(title: str, entry: Mapping[str, Any], criteria: Mapping[str, Any]) -> str:
    """One operation's (or one kind of later message's) timings on both sides, and its verdict."""
    sides = entry.get("latency_ms") or {}
    legacy, candidate = sides.get("legacy") or {}, sides.get("candidate") or {}
    badge, evidence = _latency_verdict(entry.get("latency"), criteria)
    evidence = f'<p class="evidence muted">{evidence}</p>' if evidence else ""
    return (
        f'<div class="card latency-card"><h3>{title} '
        f'<span class="muted">{esc(entry.get("service"))}</span> {badge}</h3>{evidence}'
        f"{latency_boxplot(entry)}"
        '<table><thead><tr><th></th><th class="num">p50</th><th class="num">p95</th>'
        '<th class="num">timings</th></tr></thead><tbody>'
        f'<tr><td>legacy</td><td class="num">{esc(milliseconds(legacy.get("p50")))}</td>'
        f'<td class="num">{esc(milliseconds(legacy.get("p95")))}</td>'
        f'<td class="num">{_number(legacy.get("count", 0))}</td></tr>'
        f'<tr><td>candidate</td><td class="num">{esc(milliseconds(candidate.get("p50")))}</td>'
        f'<td class="num">{esc(milliseconds(candidate.get("p95")))}</td>'
        f'<td class="num">{_number(candidate.get("count", 0))}</td></tr></tbody></table></div>'
    )


def _footer(summary: Mapping[str, Any]) -> str:
    rehearsal = summary.get("rehearsal") or {}
    return (
        f"<footer>Made by spine-harness {esc(rehearsal.get('harness_version') or '')} · command "
        f'<code class="inline">{esc(rehearsal.get("command") or "-")}</code> · seed '
        f"{esc(rehearsal.get('seed'))} · contracts {esc(rehearsal.get('contracts') or '-')} · "
        f"policy {esc(rehearsal.get('policy') or '-')}</footer>"
    )


def render_html(
    summary: Mapping[str, Any],
    points: Sequence[TrendPoint],
    changes: Changes | None,
    previous: str | None,
    directory: str = "",
    extra_sections: str = "",
    lineage: str = "",
) -> str:
    """The whole page as one string (`extra_sections`: e.g. interface coverage)."""
    name = (summary.get("rehearsal") or {}).get("name") or directory
    body = "".join(
        (
            _header(summary, directory),
            "<main>",
            _banners(summary),
            _verdict(summary),
            _kpis(summary),
            _clusters(summary),
            _gate_details(summary),
            _parity(summary, points, lineage),
            _changes(changes, previous, lineage),
            _divergences(summary),
            _errors(summary),
            _latency(summary),
            conformance_section(summary),
            generation_section(summary),
            extra_sections,
            _footer(summary),
            "</main>",
        )
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Rehearsal {esc(name)}: {esc(summary.get('verdict'))}</title>"
        f"<style>{CSS}</style></head><body>{body}<script>{SCRIPT}</script></body></html>\n"
    )


def write_html(
    report_dir: Path,
    summary: Mapping[str, Any],
    points: Sequence[TrendPoint],
    changes: Changes | None,
    previous: str | None,
    lineage: str = "",
) -> Path:
    path = report_dir / HTML_FILE
    html = render_html(
        summary,
        points,
        changes,
        previous,
        report_dir.name,
        coverage_section(report_dir),
        lineage,
    )
    write_atomically(path, html.encode("utf-8"))
    return path

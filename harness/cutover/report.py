"""`report.html` of a cutover rehearsal: one self-contained file drawn from `cutover.json`.

The timeline (phases as bands, switches and rollbacks as marks; error rate, latency and the
shadowed side's parity over time), each phase with its availability (as the facade served and
as consumers saw it), latency, parity, switch and rollback times and the requests in flight
across each switch, each gate's go/no-go with its evidence, the rollbacks, the state checks and
the notifications feed. Inline SVG (`harness.reports.svg`), no script, nothing fetched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.monitor.dashboard import CSP, EXTRA_CSS, card, section
from harness.reports.html_style import CSS
from harness.reports.svg import esc, series_chart

BAND = {"completed": "#cde8d6", "rolled_back": "#f6d0cc", "not_run": "#e8edee", "running": "#fff"}
MORE_CSS = """
.band-label { font-size: 11px; fill: #4c6272; }
.go { color: var(--green); font-weight: 600; } .nogo { color: var(--red); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details { margin: 6px 0; } summary { cursor: pointer; }
"""


def write_report(document: Mapping[str, Any], path: Path) -> None:
    path.write_text(render(document), encoding="utf-8")


def render(doc: Mapping[str, Any]) -> str:
    served = doc["served"]
    consumers = doc.get("consumers") or {}
    totals = consumers.get("totals") or {}
    phases = doc["phases"]
    rolled = [p["name"] for p in phases if p["outcome"] == "rolled_back"]
    cards = [
        card(
            "outcome", "completed" if not rolled else f"{len(rolled)} rolled back", bad=bool(rolled)
        ),
        card("availability (facade)", _pct(served.get("availability"))),
        card("availability (consumers)", _pct(totals.get("availability"))),
        card("consumer requests", f"{totals.get('requests', served['requests']):,}"),
        card(
            "phases completed",
            f"{sum(p['outcome'] == 'completed' for p in phases)} of {len(phases)}",
        ),
        card("p99 (facade)", _ms(served.get("p99_ms"))),
    ]
    sections = [
        section("timeline", "Timeline", _timeline(doc)),
        section("phases", "Phases", _phase_table(phases, consumers)),
        section("gates", "Gate decisions", "".join(_gate(p) for p in phases)),
        section("rollbacks", "Rollbacks", _rollbacks(phases)),
        section("state", "State across the switches", _state(phases)),
        section("consumers", "What consumers saw (Locust)", _consumers(consumers)),
        section("feed", "Notifications (the status feed)", _feed(doc["notifications"])),
    ]
    plan = doc["plan"]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>Cutover rehearsal: {esc(plan['name'])}</title>"
        f"<style>{CSS}{EXTRA_CSS}{MORE_CSS}</style></head><body>"
        f'<header class="top"><h1>Cutover rehearsal: {esc(plan["name"])}</h1><div class="meta">'
        f"<span>legacy {esc(doc['legacy'])}</span><span>candidate {esc(doc['candidate'])}</span>"
        f"<span>{esc(doc['started_at'])} to {esc(doc['ended_at'])}</span>"
        f"<span>plan {esc(plan['file'])}</span></div></header><main>"
        f'<div class="cards" id="cards">{"".join(cards)}</div>{"".join(sections)}'
        "</main></body></html>\n"
    )


def _timeline(doc: Mapping[str, Any]) -> str:
    served = doc["timeline"]["served"]
    length = int(max([p["t"] for p in served] + [doc["ended"] - doc["started"], 1])) + 1
    labels = [f"{t}s" for t in range(length)]
    error_rate: list[float | None] = [None] * length
    p50: list[float | None] = [None] * length
    p99: list[float | None] = [None] * length
    for point in served:
        index = int(point["t"])
        if 0 <= index < length and point["requests"]:
            error_rate[index] = 100.0 * point["failed"] / point["requests"]
            p50[index], p99[index] = point["p50_ms"], point["p99_ms"]
    parity: dict[str, list[float | None]] = {}
    for side, points in doc["timeline"]["parity"].items():
        line: list[float | None] = [None] * length
        for point in points:
            index = int(point["t"])
            if 0 <= index < length:
                line[index] = point["parity"]
        parity[f"shadowed by {side}"] = line
    bands: list[tuple[int, int, str, str]] = []
    markers: list[tuple[int, str]] = []
    origin = doc["started"]
    for phase in doc["phases"]:
        if phase["outcome"] == "not_run":
            continue
        first, last = int(phase["started"] - origin), int(phase["ended"] - origin)
        bands.append((first, last, f"{phase['index']}. {phase['name']}", BAND[phase["outcome"]]))
        if phase.get("switch") and phase["switch"]["moved"]:
            markers.append((int(phase["switch"]["started"] - origin), "switch"))
        if phase.get("rollback"):
            markers.append((int(phase["rollback"]["started"] - origin), "rollback"))

    def chart(series: Mapping[str, Sequence[float | None]], unit: str, name: str) -> str:
        y_range = (0.0, 100.0) if name == "parity" else None
        return series_chart(
            labels,
            series,
            unit=unit,
            y_range=y_range,
            bands=bands,
            markers=markers,
            name=name,
            height=220,
        )

    return (
        "<h3>Error rate (consumer requests not answered, % per second)</h3>"
        + chart({"errors": error_rate}, "%", "errors")
        + "<h3>Latency through the facade (ms per second)</h3>"
        + chart({"p50": p50, "p99": p99}, " ms", "latency")
        + "<h3>Parity of the shadowed side (% per 2 s)</h3>"
        + chart(parity, "%", "parity")
    )


def _phase_table(phases: Sequence[Mapping[str, Any]], consumers: Mapping[str, Any]) -> str:
    rows = []
    seen = consumers.get("phases") or {}
    for phase in phases:
        switch, rollback = phase.get("switch") or {}, phase.get("rollback") or {}
        crossing = switch.get("in_flight") or {}
        served = phase.get("served") or {}
        theirs = seen.get(phase["name"]) or {}
        parity = phase.get("parity") or {}
        rows.append(
            f'<tr class="phase {esc(phase["outcome"])}" id="phase-{esc(phase["name"])}">'
            f"<td>{phase['index']}. {esc(phase['name'])}</td><td>{esc(phase['slice'])}</td>"
            f'<td class="{"go" if phase["outcome"] == "completed" else "nogo"}">'
            f"{esc(phase['outcome'].replace('_', ' '))}</td>"
            f'<td class="num">{_s(switch.get("elapsed_s"))}</td>'
            f'<td class="num">{_s(rollback.get("elapsed_s"))}</td>'
            f'<td class="num">{crossing.get("in_flight_at_switch", "")} / '
            f"{crossing.get('answered', '')} / {crossing.get('lost', '')}</td>"
            f'<td class="num">{_pct(served.get("availability"))}</td>'
            f'<td class="num">{_pct(theirs.get("availability"))}</td>'
            f'<td class="num">{_ms(served.get("p50_ms"))} / {_ms(served.get("p95_ms"))} / '
            f"{_ms(served.get('p99_ms'))}</td>"
            f"<td>{_parity(parity.get('before_switch'))}</td>"
            f"<td>{_parity(parity.get('after_switch'))}</td></tr>"
        )
        for service, figures in sorted((phase.get("served_by_service") or {}).items()):
            rows.append(
                f'<tr class="service muted"><td></td><td>{esc(service)}</td><td></td><td></td>'
                f'<td></td><td></td><td class="num">{_pct(figures.get("availability"))}</td>'
                f'<td></td><td class="num">{_ms(figures.get("p50_ms"))} / '
                f"{_ms(figures.get('p95_ms'))} / {_ms(figures.get('p99_ms'))}</td>"
                "<td></td><td></td></tr>"
            )
    return (
        '<table id="phase-table"><thead><tr><th>phase</th><th>slice</th><th>outcome</th>'
        "<th>switch</th><th>rollback</th><th>in flight / answered / lost</th>"
        "<th>availability (facade)</th><th>availability (consumers)</th>"
        "<th>p50 / p95 / p99</th><th>parity, candidate shadowing</th>"
        f"<th>parity, legacy shadowing</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _gate(phase: Mapping[str, Any]) -> str:
    gate = phase.get("gate")
    if not gate:
        why = phase.get("reason") or "no gate was held"
        return (
            f'<div class="gate" id="gate-{esc(phase["name"])}"><h3>{phase["index"]}. '
            f'{esc(phase["name"])}: <span class="nogo">no decision</span></h3>'
            f'<p class="muted">{esc(why)}</p></div>'
        )
    decision = gate["decision"]
    word = '<span class="go">GO</span>' if gate["passed"] else '<span class="nogo">NO-GO</span>'
    evidence = [
        f"<tr><td>parity {esc(t['scope'])}</td><td>{_pct(t['actual'])}</td>"
        f"<td>at least {t['required']:g}%</td><td>{t['exchanges']:,} exchanges</td>"
        f"<td>{'met' if t['passed'] else 'missed'}</td></tr>"
        for t in decision["thresholds"]
    ]
    evidence += [
        f"<tr><td>availability {esc(a['scope'])}</td><td>{_pct(a['actual'])}</td>"
        f"<td>at least {a['required']:g}%</td><td>{a['requests']:,} requests, "
        f"{a['failed']} not answered</td><td>{'met' if a['passed'] else 'missed'}</td></tr>"
        for a in decision.get("availability", [])
    ]
    errors = decision["errors"]
    rate_limit = "" if errors.get("max_rate") is None else f" and {errors['max_rate']:g}%"
    evidence.append(
        f"<tr><td>errors</td><td>{errors['actual']}</td><td>at most {errors['max']}"
        f"{rate_limit}</td>"
        f"<td>{_pct(errors.get('rate'))} of the compared</td>"
        f"<td>{'met' if errors['actual'] <= errors['max'] else 'missed'}</td></tr>"
    )
    evidence += [_latency_row(outcome) for outcome in decision.get("latency", [])]
    window = gate["window"]
    return (
        f'<div class="gate" id="gate-{esc(phase["name"])}"><h3>{phase["index"]}. '
        f"{esc(phase['name'])}: {word}</h3><p>Over the last {window['seconds']:g} s on the "
        f"candidate: {gate['compared']:,} exchanges compared with legacy's copies, "
        f"{gate['served']['requests']:,} consumer requests served (policy {esc(gate['policy'])})."
        f'</p><ul class="reasons">{"".join(f"<li>{esc(r)}</li>" for r in gate["reasons"])}</ul>'
        '<table class="evidence"><thead><tr><th>what</th><th>measured</th><th>required</th>'
        f"<th>over</th><th></th></tr></thead><tbody>{''.join(evidence)}</tbody></table></div>"
    )


def _latency_row(outcome: Mapping[str, Any]) -> str:
    shift = "" if outcome["shift_ms"] is None else f" {outcome['shift_ms']:+.1f} ms"
    return (
        f"<tr><td>latency {esc(outcome['service'])}.{esc(outcome['operation'])}</td>"
        f"<td>{esc(outcome['verdict'])}{shift}</td><td>at most +{outcome['max_shift_ms']:g} ms"
        f"</td><td>n {outcome['n_legacy']}/{outcome['n_candidate']}</td>"
        f"<td>{'met' if outcome['passed'] else 'missed'}</td></tr>"
    )


def _rollbacks(phases: Sequence[Mapping[str, Any]]) -> str:
    rolled = [p for p in phases if p["outcome"] == "rolled_back"]
    if not rolled:
        return '<p class="muted" id="no-rollback">No phase rolled back.</p>'
    items = []
    for phase in rolled:
        if not phase.get("rollback"):  # the switch never routed the slice to the candidate
            items.append(
                f'<div class="rollback" id="rollback-{esc(phase["name"])}"><h3>{phase["index"]}. '
                f"{esc(phase['name'])} not moved</h3><p>Why: {esc(phase['reason'])}</p>"
                "<p>Legacy kept answering the slice: nothing to move back.</p></div>"
            )
            continue
        rollback = phase["rollback"]
        crossing = rollback.get("in_flight") or {}
        migration = rollback.get("migration")
        items.append(
            f'<div class="rollback" id="rollback-{esc(phase["name"])}"><h3>{phase["index"]}. '
            f"{esc(phase['name'])} rolled back</h3><p>Why: {esc(phase['reason'])}</p>"
            f"<p>Back on legacy in {_s(rollback.get('elapsed_s'))}"
            f"{' (over its budget)' if rollback.get('over_budget') else ''}; "
            f"{crossing.get('in_flight_at_switch', 0)} requests in flight on the candidate "
            f"finished there ({crossing.get('answered', 0)} answered, "
            f"{crossing.get('failed', 0)} failed, {crossing.get('lost', 0)} lost)."
            + _migration_note(migration)
            + "</p></div>"
        )
    return "".join(items)


def _migration_note(migration: Mapping[str, Any] | None) -> str:
    if not migration:
        return ""
    result = "ok" if migration["ok"] else "failed"
    return f" Migration back: {esc(migration['step'])} ({result})."


def _state(phases: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for phase in phases:
        state = phase.get("state") or {}
        migrate = [(k, (phase.get(k) or {}).get("migration")) for k in ("switch", "rollback")]
        for when, migration in migrate:
            if migration:
                rows.append(
                    f"<tr><td>{esc(phase['name'])}</td><td>migration at the {when}</td>"
                    f"<td>{esc(migration['step'])}</td><td>{'ok' if migration['ok'] else 'failed'}"
                    f" in {_s(migration['elapsed_s'])}</td></tr>"
                )
        for check in state.get("checks", []):
            rows.append(
                f'<tr class="check"><td>{esc(phase["name"])}</td><td>reads after the '
                f"{esc(check['when'])} ({esc(state.get('how'))})</td>"
                f"<td>{check['readable']} of {check['checked']} records written before it "
                f"readable ({check['written_before']} written)</td>"
                f'<td class="{"go" if check["passed"] else "nogo"}">'
                f"{'passed' if check['passed'] else 'failed'}</td></tr>"
            )
    if not rows:
        return '<p class="muted">No phase moves state.</p>'
    return (
        '<table id="state-checks"><thead><tr><th>phase</th><th>what</th><th>detail</th>'
        f"<th>result</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _consumers(consumers: Mapping[str, Any]) -> str:
    if not consumers:
        return '<p class="muted">No consumer load was run by the harness (real consumers?).</p>'
    totals = consumers["totals"]
    switches = "".join(
        f"<tr><td>{esc(s['phase'])}</td><td>{esc(s['event'])}</td><td>{esc(s['at'])}</td>"
        f'<td class="num">{s.get("requests")}</td><td class="num">{s.get("failures")}</td></tr>'
        for s in consumers.get("switches", [])
    )
    names = []
    for phase, figures in consumers.get("phases", {}).items():
        for name, f in figures.get("by_name", {}).items():
            names.append(
                f'<tr><td>{esc(phase)}</td><td>{esc(name)}</td><td class="num">{f["requests"]:,}'
                f'</td><td class="num">{f["failures"]}</td><td class="num">'
                f'{_pct(f["availability"])}</td><td class="num">{_ms(f["p50_ms"])} / '
                f"{_ms(f['p95_ms'])} / {_ms(f['p99_ms'])}</td></tr>"
            )
    return (
        f"<p>{totals['requests']:,} requests at {totals['rps']:g}/s on average (asked: "
        f"{consumers['rate']:g}/s at the busiest hour; reference {consumers.get('reference_rate')}"
        f"/s), {totals['failures']} failed: availability {_pct(totals['availability'])}; p50 "
        f"{_ms(totals['p50_ms'])}, p95 {_ms(totals['p95_ms'])}, p99 {_ms(totals['p99_ms'])}.</p>"
        '<h3>Around each switch (1 s before to 2 s after)</h3><table id="switch-failures">'
        "<thead><tr><th>phase</th><th>event</th><th>at</th><th>requests</th><th>failed</th>"
        f"</tr></thead><tbody>{switches}</tbody></table><details><summary>Per phase and "
        'consumer type</summary><table id="consumer-names"><thead><tr><th>phase</th>'
        "<th>consumer: scenario</th><th>requests</th><th>failed</th><th>availability</th>"
        f"<th>p50 / p95 / p99</th></tr></thead><tbody>{''.join(names)}</tbody></table></details>"
    )


def _feed(entries: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for entry in entries:
        detail = {
            k: v
            for k, v in entry.items()
            if k not in ("seq", "at", "event", "phase") and not isinstance(v, dict | list)
        }
        text = ", ".join(f"{k}: {v}" for k, v in detail.items())
        rows.append(
            f'<tr class="entry {esc(entry["event"])}"><td class="num">{entry["seq"]}</td>'
            f"<td>{esc(entry['at'])}</td><td>{esc(entry['event'])}</td>"
            f"<td>{esc(entry.get('phase') or '')}</td><td>{esc(text[:400])}</td></tr>"
        )
    return (
        '<table id="feed-entries"><thead><tr><th>#</th><th>at</th><th>event</th><th>phase</th>'
        f"<th>detail</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _parity(by_service: Mapping[str, Any] | None) -> str:
    if not by_service:
        return '<span class="muted">n/a</span>'
    return "<br>".join(
        f'{esc(service)} {_pct(f["parity"])} <span class="muted">({f["compared"]:,})</span>'
        for service, f in by_service.items()
    )


def _pct(value: object) -> str:
    return "n/a" if not isinstance(value, int | float) else f"{value:.3f}%"


def _ms(value: object) -> str:
    return "n/a" if not isinstance(value, int | float) else f"{value:.1f} ms"


def _s(value: object) -> str:
    return "" if not isinstance(value, int | float) else f"{value:.3f} s"

"""The one-screen terminal summary printed at the end of `harness rehearse` / `harness gate`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from harness.core.difference import Verdict
from harness.core.gate import GateDecision, Tally, parity
from harness.core.latency_parity import LatencyVerdict, judge_latency
from harness.reports.summary import SUMMARY_FILE, load_summary

MAX_DIVERGENCE_ROWS = 12


def print_summary(
    console: Console, tally: Tally, decision: GateDecision, report_dir: Path, interrupted: bool
) -> None:
    services = Table(title="Parity per service", title_justify="left")
    for column in ("service", "exchanges", "match", "mismatch", "waived", "error", "parity"):
        services.add_column(column, justify="left" if column == "service" else "right")
    for service, counts in sorted(tally.services().items()):
        value = parity(counts)
        services.add_row(
            service,
            str(sum(counts.values())),
            str(counts.get(Verdict.MATCH, 0)),
            _red(counts.get(Verdict.MISMATCH, 0)),
            str(counts.get(Verdict.WAIVED, 0)),
            _red(counts.get(Verdict.ERROR, 0)),
            "-" if value is None else f"{value:.2f}%",
        )
    console.print(services)

    clusters = [c for c in _clusters(report_dir) if not c.get("waived")]
    if clusters:
        table = Table(title="Divergences by root cause, most severe first", title_justify="left")
        for column in ("severity", "operations", "signature", "exchanges", "smallest example"):
            # (the example's id: its request and reproducer are in the report)
            table.add_column(column, justify="right" if column == "exchanges" else "left")
        for cluster in clusters[:MAX_DIVERGENCE_ROWS]:
            signature = list(cluster.get("signature") or [])
            shown = ", ".join(s.split(" ", 1)[-1] for s in signature[:3])
            if len(signature) > 3:
                shown += f" (+{len(signature) - 3})"
            example = cluster.get("example") or {}
            table.add_row(
                str(cluster.get("severity")),
                ", ".join(cluster.get("operations") or []),
                shown,
                str(cluster.get("exchanges")),
                str(example.get("id")),
            )
        if len(clusters) > MAX_DIVERGENCE_ROWS:
            more = len(clusters) - MAX_DIVERGENCE_ROWS
            table.caption = f"... and {more} more root causes in the report"
        console.print(table)
    elif tally.divergences:  # no summary.json (reports not written): paths, by operation
        table = Table(title="Divergences (not waived) by operation and path", title_justify="left")
        table.add_column("operation")
        table.add_column("path")
        table.add_column("count", justify="right")
        ranked = sorted(tally.divergences.items(), key=lambda item: (-item[1], item[0]))
        for (service, operation, path), count in ranked[:MAX_DIVERGENCE_ROWS]:
            table.add_row(f"{service}.{operation}", path, str(count))
        if len(ranked) > MAX_DIVERGENCE_ROWS:
            table.caption = f"... and {len(ranked) - MAX_DIVERGENCE_ROWS} more paths in the report"
        console.print(table)

    _print_latency(console, tally)
    _print_conformance(console, tally)
    for warning in tally.success.warnings():
        console.print(f"warning: {warning}", markup=False, highlight=False)

    verdict = "[bold green]PASSED[/]" if decision.passed else "[bold red]FAILED[/]"
    note = " [yellow](incomplete: partial results)[/]" if interrupted else ""
    console.print(f"Gate: {verdict}{note}")
    for reason in decision.reasons:
        console.print(f"  - {reason}", markup=False, highlight=False)
    console.print(f"Report: {report_dir}", markup=False, highlight=False)


def _print_latency(console: Console, tally: Tally) -> None:
    """Operations whose latency verdict is slower or faster; one line when there are none."""
    verdicts = judge_latency(tally.timings, tally.latency_criteria)
    if not verdicts:
        return
    moved = [
        (key, p)
        for key, p in sorted(verdicts.items())
        if p.verdict in (LatencyVerdict.SLOWER, LatencyVerdict.FASTER)
    ]
    few = sum(1 for p in verdicts.values() if p.verdict is LatencyVerdict.INSUFFICIENT)
    note = f"{len(verdicts) - few} judged, {few} with too few timings"
    if not moved:
        console.print(f"Latency: no operation slower or faster than legacy ({note})")
        return
    table = Table(title=f"Latency, candidate vs legacy ({note})", title_justify="left")
    for column in ("operation", "verdict", "shift", "95% CI", "q", "n"):
        table.add_column(column, justify="left" if column in ("operation", "verdict") else "right")
    for (service, operation), p in moved:
        low, high = p.ci_ms or (0.0, 0.0)
        colour = "red" if p.verdict is LatencyVerdict.SLOWER else "green"
        table.add_row(
            f"{service}.{operation}",
            f"[{colour}]{p.verdict.value}[/]",
            f"{p.shift_ms or 0.0:+.1f} ms",
            f"{low:+.1f} to {high:+.1f} ms",
            f"{p.q or 0.0:.2g}",
            f"{p.n_legacy}/{p.n_candidate}",
        )
    console.print(table)


def _print_conformance(console: Console, tally: Tally) -> None:
    """Candidate answers their document does not describe, per operation (beside parity:
    none of them is a mismatch); nothing when no answer was held to a document."""
    found = tally.conformance
    checked = sum(found.checked.values())
    if not checked:
        return
    failing = sum(found.failing.values())
    line = (
        f"Schema conformance: {failing} of {checked} candidate answers not what their "
        "document describes (counted apart from parity)"
    )
    if not failing:
        console.print(f"Schema conformance: all {checked} candidate answers conform")
        return
    table = Table(title=line, title_justify="left")
    for column in ("operation", "not conforming", "checked", "kinds"):
        table.add_column(column, justify="left" if column in ("operation", "kinds") else "right")
    ranked = sorted(found.failing.items(), key=lambda item: (-item[1], item[0]))
    for (service, operation), bad in ranked[:MAX_DIVERGENCE_ROWS]:
        kinds = found.kinds.get((service, operation), {})
        table.add_row(
            f"{service}.{operation}",
            _red(bad),
            str(found.checked[(service, operation)]),
            ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())),
        )
    if len(ranked) > MAX_DIVERGENCE_ROWS:
        table.caption = f"... and {len(ranked) - MAX_DIVERGENCE_ROWS} more operations in the report"
    console.print(table)


def _clusters(report_dir: Path) -> list[dict[str, Any]]:
    """The clusters summary.json lists (none when it was not written)."""
    summary = load_summary(report_dir / SUMMARY_FILE)
    found = summary.get("clusters") if summary else None
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def _red(count: int) -> str:
    return f"[red]{count}[/]" if count else "0"

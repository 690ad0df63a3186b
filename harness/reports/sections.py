"""Sections of report.html beside parity: how generated traffic reached success paths.

Each takes summary.json's document and returns its `<section>` (empty when it has nothing to
show). Every value goes through `esc`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.core.success import SUCCESS_FLOOR
from harness.reports.svg import esc


def generation_section(summary: Mapping[str, Any]) -> str:
    """Per operation, the generated requests that legacy answered 2xx, and a warning under a
    quarter (empty when the rehearsal generated nothing)."""
    rows = []
    for entry in summary.get("operations") or []:
        generated = entry.get("generated")
        if not isinstance(generated, Mapping) or not generated.get("requests"):
            continue
        share = float(generated.get("share") or 0.0)
        low = share < SUCCESS_FLOOR
        badge = (
            '<span class="badge bad">under a quarter: mostly error paths</span>'
            if low
            else '<span class="badge ok">reaches its success paths</span>'
        )
        rows.append(
            f"<tr><td>{esc(entry.get('service'))}.{esc(entry.get('operation'))}</td>"
            f'<td class="num">{esc(generated.get("requests"))}</td>'
            f'<td class="num">{esc(generated.get("2xx"))}</td>'
            f'<td class="num">{esc(f"{100 * share:.0f}%")}</td><td>{badge}</td></tr>'
        )
    if not rows:
        return ""
    return (
        '<section id="generation"><h2>Generated traffic: success paths</h2>'
        '<p class="muted">Generated requests per operation and how many the live legacy answered '
        "2xx. Under a quarter, generation tests mostly the error paths: record the operation, or "
        "give the document examples or links.</p>"
        '<table><thead><tr><th>Operation</th><th class="num">Generated</th>'
        '<th class="num">2xx</th><th class="num">Share</th><th></th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def conformance_section(summary: Mapping[str, Any]) -> str:
    """Schema conformance beside parity: per operation, the candidate answers held to their
    document and those that were not what it describes, then each kind of finding with an
    example (empty when nothing was checked)."""
    totals = summary.get("conformance") or {}
    if not totals.get("checked"):
        return ""
    rows = []
    for entry in summary.get("operations") or []:
        figure = entry.get("conformance")
        if not isinstance(figure, Mapping):
            continue
        bad = int(figure.get("nonconforming") or 0)
        kinds = ", ".join(f"{k} {n}" for k, n in (figure.get("kinds") or {}).items())
        badge = (
            f'<span class="badge bad">{esc(kinds)}</span>'
            if bad
            else '<span class="badge ok">conforms</span>'
        )
        rows.append(
            f"<tr><td>{esc(entry.get('service'))}.{esc(entry.get('operation'))}</td>"
            f'<td class="num">{esc(figure.get("checked"))}</td>'
            f'<td class="num">{esc(bad)}</td><td>{badge}</td></tr>'
        )
    groups = "".join(
        f"<tr><td>{esc(g.get('service'))}.{esc(g.get('operation'))}</td><td>{esc(g.get('kind'))}"
        f'</td><td><code class="inline">{esc(g.get("path") or "-")}</code></td>'
        f'<td class="num">{esc(g.get("answers"))}</td>'
        f'<td>{esc((g.get("example") or {}).get("message"))}<div class="muted">'
        f"{esc((g.get('example') or {}).get('id'))}</div></td></tr>"
        for g in totals.get("groups") or []
    )
    found = (
        "<h3>What the document does not describe</h3><table><thead><tr><th>Operation</th>"
        '<th>Kind</th><th>Where</th><th class="num">Answers</th><th>Example</th></tr></thead>'
        f"<tbody>{groups}</tbody></table>"
        if groups
        else '<p class="muted">Every checked answer is one its document describes.</p>'
    )
    return (
        '<section id="conformance"><h2>Schema conformance</h2>'
        f'<p class="muted">{esc(totals.get("nonconforming"))} of {esc(totals.get("checked"))} '
        "candidate answers are not what their operation's document describes (an undocumented "
        "status or media type, a missing or malformed header, a body that fails its schema). "
        "Counted apart from parity: an answer can match legacy and still not conform.</p>"
        '<table><thead><tr><th>Operation</th><th class="num">Checked</th>'
        '<th class="num">Not conforming</th><th></th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{found}</section>"
    )

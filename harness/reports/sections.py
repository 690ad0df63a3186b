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

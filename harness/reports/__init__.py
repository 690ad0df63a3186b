"""Report writers for a rehearsal directory `reports/<name>/`.

`write_reports(report_dir)` reads rehearsal.json, results.jsonl (streamed) and gate.json (optional)
and writes summary.json, junit.xml and report.html. `write_one(report_dir, kind)` rewrites one of
them. The allure-results export lives in `harness.reports.allure` (`export_allure`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from harness.core.policy import Policy
from harness.core.summary import changes_between
from harness.reports.coverage import write_coverage
from harness.reports.html import write_html
from harness.reports.junit import write_junit
from harness.reports.summary import build_summary, write_summary
from harness.reports.trend import history, summary_of, trend

Output = Literal["summary", "junit", "html"]
OUTPUTS: tuple[Output, ...] = ("summary", "junit", "html")

__all__ = ["OUTPUTS", "write_one", "write_reports"]


def _write_html(report_dir: Path, summary: dict[str, Any]) -> Path:
    started_at = str(summary["rehearsal"].get("started_at") or "")
    points = trend(report_dir, summary)
    found = history(report_dir, started_at)
    previous = found.previous
    previous_summary = summary_of(previous) if previous is not None else None
    changes = changes_between(previous_summary, summary) if previous_summary else None
    others = ""
    if found.left_out == 1:
        others = "; 1 rehearsal of another lineage in this directory is not compared"
    elif found.left_out:
        others = (
            f"; {found.left_out} rehearsals of other lineages in this directory are not compared"
        )
    lineage = f"Compared by lineage: {found.reason}{others}."
    return write_html(
        report_dir,
        summary,
        points,
        changes,
        previous.name if previous is not None else None,
        lineage,
    )


def write_one(report_dir: Path, kind: Output, policy: Policy | None = None) -> Path:
    """(Re)write one output from the rehearsal's files; returns the path written."""
    summary = build_summary(report_dir, policy)
    if kind == "summary":
        return write_summary(report_dir, summary)
    if kind == "junit":
        return write_junit(report_dir, summary)
    return _write_html(report_dir, summary)


def write_reports(report_dir: Path, policy: Policy | None = None) -> None:
    """Write summary.json, junit.xml and report.html in one pass over the results (`policy`
    gives the clusters their severity)."""
    report_dir = Path(report_dir)
    summary = build_summary(report_dir, policy)
    write_summary(report_dir, summary)
    write_junit(report_dir, summary)
    write_coverage(report_dir)
    _write_html(report_dir, summary)

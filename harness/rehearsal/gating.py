"""The gate over a rehearsal directory: waivers re-judged for a day, thresholds, gate.json.

`regate` is what a finished rehearsal and `harness gate` both run, so a resumed or re-gated
rehearsal goes through the same path as a fresh one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from harness.core.difference import Verdict
from harness.core.gate import GateDecision, Tally, evaluate
from harness.core.policy import Policy, WaiverBook
from harness.core.result import ResultRecord, verdict_of
from harness.reports import write_reports
from harness.rundir import RehearsalDir, now_iso


def regate(
    directory: RehearsalDir,
    policy: Policy,
    today: dt.date,
    *,
    reports: bool = True,
) -> tuple[GateDecision, Tally]:
    """Re-judge waivers for `today` over results.jsonl, write gate.json and the reports.

    A rehearsal that did not reach its end (`RehearsalDir.completion()`: killed, interrupted,
    stopped by an error) fails, its reason first. results.jsonl is rewritten (atomically) only
    when a waiver decision changed; a file with a repeated id is refused (`DuplicateResult`).
    """
    completion = directory.completion()
    book = WaiverBook(policy.waivers, today)
    tally = Tally()
    changed = False
    for record in directory.records():
        updated = _rejudged(record, book)
        changed = changed or updated is not record
        tally.add(updated)
    if changed:
        book = WaiverBook(policy.waivers, today)
        directory.rewrite_results(_rejudged(record, book) for record in directory.records())
    decision = evaluate(
        tally,
        policy,
        today,
        incomplete=completion.reason(),
        expired_hits=book.expired_hits,
        evaluated_at=now_iso(),
    )
    directory.write_gate(decision.to_dict())
    if reports:
        write_reports(directory.path, policy)
    return decision, tally


def _rejudged(record: ResultRecord, book: WaiverBook) -> ResultRecord:
    if not record.differences:
        return record
    differences = book.reapply(record.service, record.operation, record.differences)
    verdict = verdict_of(differences) if record.verdict is not Verdict.ERROR else record.verdict
    if differences == record.differences and verdict is record.verdict:
        return record
    return replace(record, differences=differences, verdict=verdict)

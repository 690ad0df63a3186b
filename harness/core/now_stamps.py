"""Timestamps that say "now" on both sides: the same meaning, whatever the milliseconds.

A server stamps its answers with the moment it made them: a SOAP `Security/Timestamp/Created`,
a Bundle's `timestamp`, an `Expires` ten minutes on. Legacy and candidate answer a few
milliseconds apart (or, against a recording, on different days), so such values always differ
and never mean anything. A changed value is dropped when both sides are timestamps, each within
`NOW_WINDOW_S` of its own answer's `Date`, or at a fixed distance from it that both sides share
(an expiry `Date` + 10 minutes): both say "now" (or "now + the same"). A value days or hours off
its own answer's time, or off by another distance than legacy's, is still a difference. Without
a `Date` on both answers nothing is dropped.
"""

from __future__ import annotations

from datetime import datetime

from harness.core.canonical.sides import anchor_of
from harness.core.canonical.times import parse_timestamp
from harness.core.difference import Difference, DiffKind
from harness.core.exchange import Response

DATE = "header:date"  # each answer's own time, as timestamp rules read it by default
NOW_WINDOW_S = 5.0  # a Date header has whole seconds; an answer takes a moment to make


def now_stamps_removed(
    differences: list[Difference], legacy: Response, candidate: Response
) -> list[Difference]:
    """The differences left once values stamped with each answer's own time are dropped."""
    legacy_date, candidate_date = anchor_of(legacy, DATE), anchor_of(candidate, DATE)
    if legacy_date is None or candidate_date is None:
        return differences
    kept = []
    for difference in differences:
        if difference.kind is DiffKind.CHANGED and _both_now(
            difference.legacy, legacy_date, difference.candidate, candidate_date
        ):
            continue
        kept.append(difference)
    return kept


def _both_now(first: object, first_date: datetime, second: object, second_date: datetime) -> bool:
    if not isinstance(first, str) or not isinstance(second, str):
        return False
    a, b = parse_timestamp(first), parse_timestamp(second)
    if a is None or b is None or a.tzinfo is None or b.tzinfo is None:
        return False
    offset_a = (a - first_date).total_seconds()
    offset_b = (b - second_date).total_seconds()
    return abs(offset_a - offset_b) <= NOW_WINDOW_S and min(abs(offset_a), abs(offset_b)) <= 3600

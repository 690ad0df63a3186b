"""Timestamps each side stamped with its own answer's time are the same meaning."""

from __future__ import annotations

from harness.core.difference import Difference, DiffKind
from harness.core.exchange import Response
from harness.core.now_stamps import now_stamps_removed


def answer(date: str) -> Response:
    return Response(200, (("date", date),), b"")


LEGACY = answer("Tue, 01 Dec 2026 10:00:00 GMT")
LATER = answer("Wed, 02 Dec 2026 09:30:07 GMT")  # the candidate, a day after the recording


def changed(path: str, legacy: str, candidate: str) -> Difference:
    return Difference(path, DiffKind.CHANGED, legacy, candidate)


def test_now_on_both_sides_and_now_plus_the_same_are_dropped() -> None:
    created = changed("/Created", "2026-12-01T10:00:00.206Z", "2026-12-02T09:30:07.205Z")
    expires = changed("/Expires", "2026-12-01T10:10:00.206Z", "2026-12-02T09:40:07.205Z")
    assert now_stamps_removed([created, expires], LEGACY, LATER) == []


def test_days_off_another_distance_or_a_stored_time_stay() -> None:
    expiry = changed("/expiry", "2026-12-06T10:00:00Z", "2026-12-05T09:30:07Z")  # 5 days, 3 days
    skewed = changed("/timestamp", "2026-12-01T10:00:00Z", "2026-12-02T08:30:07Z")  # an hour off
    stored = changed("/lastUpdated", "2026-10-01T10:00:00Z", "2026-10-01T10:00:03Z")
    kept = [expiry, skewed, stored]
    assert now_stamps_removed(kept, LEGACY, LATER) == kept


def test_without_a_date_on_both_answers_nothing_is_dropped() -> None:
    created = changed("/Created", "2026-12-01T10:00:00.206Z", "2026-12-01T10:00:00.205Z")
    assert now_stamps_removed([created], LEGACY, Response(200, (), b"")) == [created]

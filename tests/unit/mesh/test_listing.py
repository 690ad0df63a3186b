"""Inbox pages (500 ids at most) and the workflow filter expressions."""

from __future__ import annotations

import pytest

from harness.simulator.mesh.listing import (
    ListingError,
    continuation_of,
    continuation_token,
    max_results_of,
    page,
    workflow_matcher,
)


@pytest.mark.parametrize(
    ("expression", "matches", "misses"),
    [
        ("PATH", ["PATH"], ["PATH_ACK", "X"]),
        ("!PATH", ["PATH_ACK"], ["PATH"]),
        ("PATH*", ["PATH", "PATH_ACK"], ["MY_PATH"]),
        ("!PATH*", ["MY_PATH"], ["PATH_ACK"]),
        ("*_ACK*", ["PATH_ACK", "_ACK_X"], ["PATH"]),
        ("!*_ACK*", ["PATH"], ["PATH_ACK"]),
        ("", ["anything"], []),
    ],
)
def test_workflow_filter(expression: str, matches: list[str], misses: list[str]) -> None:
    test = workflow_matcher(expression)
    assert all(test(w) for w in matches) and not any(test(w) for w in misses)


def test_no_page_holds_more_than_500_ids() -> None:
    ids = [f"M{n:04d}" for n in range(1200)]
    first = page(ids, 5000)
    assert len(first.ids) == 500 and first.next_after == "M0499"
    second = page(ids, 5000, first.next_after)
    third = page(ids, 5000, second.next_after)
    assert second.ids[0] == "M0500" and len(third.ids) == 200 and third.next_after is None
    small = page(ids, 10, "M0005")
    assert small.ids == [f"M{n:04d}" for n in range(6, 16)]


def test_an_exact_page_has_no_next() -> None:
    assert page([str(n) for n in range(500)], 500).next_after is None


def test_continuation_tokens_round_trip_and_bad_ones_are_refused() -> None:
    token = continuation_token("20261201_ABC")
    assert len(token) >= 24 and continuation_of(token, 2) == "20261201_ABC"
    assert continuation_of("20261201_ABC", 1) == "20261201_ABC"
    with pytest.raises(ListingError):
        continuation_of("not-a-token-at-all-really", 2)


@pytest.mark.parametrize("value", ["9", "5001", "ten"])
def test_max_results_out_of_range(value: str) -> None:
    with pytest.raises(ListingError):
        max_results_of(value)

"""The messaging clock, its control requests, and the ISO 8601 durations both read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from harness.simulator.clock import SimulatorClock
from harness.simulator.control import advance_of
from harness.simulator.durations import parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1M", timedelta(minutes=1)),
        ("PT2H", timedelta(hours=2)),
        ("P5D", timedelta(days=5)),
        ("P1DT12H30M", timedelta(days=1, hours=12, minutes=30)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("pt5m", timedelta(minutes=5)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "5M", "P1Y", "P1W", "PT1M5", "-PT1M"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_duration(text)


def test_the_clock_moves_forward_only_and_tells_its_listeners() -> None:
    clock = SimulatorClock()
    told: list[timedelta] = []
    clock.subscribe(lambda: told.append(clock.offset))
    before = clock.now()
    after = clock.advance(timedelta(days=5))
    assert after - before >= timedelta(days=5) and told == [timedelta(days=5)]
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    assert clock.offset == timedelta(days=5)


@pytest.mark.parametrize(
    ("body", "expected"),
    [({"advance": "PT5M"}, timedelta(minutes=5)), ({"advance_seconds": 90}, timedelta(seconds=90))],
)
def test_control_bodies(body: object, expected: timedelta) -> None:
    assert advance_of(body) == expected


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (None, "send"),
        ({"advance": 5}, "ISO 8601"),
        ({"advance_seconds": True}, "number"),
        ({"advance_seconds": -5}, "forward"),
        ({"speed": 2}, "unknown field"),
        ({"advance": "PT1M", "advance_seconds": 1}, "send"),
    ],
)
def test_bad_control_bodies(body: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        advance_of(body)

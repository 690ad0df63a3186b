"""The limits on one answer: defaults, validation, and the older single timeout setting."""

from __future__ import annotations

import math

import pytest

from harness.errors import HarnessError
from harness.transport import AnswerLimits
from harness.transport.limits import MiB, limits_for, size


def test_the_defaults() -> None:
    limits = AnswerLimits()
    assert (limits.max_body_bytes, limits.max_decoded_bytes) == (16 * MiB, 64 * MiB)
    assert (limits.max_header_count, limits.max_header_bytes) == (200, 64 * 1024)
    assert (limits.first_byte_timeout_s, limits.total_timeout_s) == (10.0, 30.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_body_bytes", 0),
        ("max_decoded_bytes", -1),
        ("max_header_count", 2.5),
        ("max_header_bytes", True),
        ("first_byte_timeout_s", 0),
        ("total_timeout_s", math.inf),
        ("total_timeout_s", math.nan),
        ("first_byte_timeout_s", "10"),
    ],
)
def test_each_limit_must_be_positive(field: str, value: object) -> None:
    with pytest.raises(HarnessError, match="must be a positive") as raised:
        AnswerLimits(**{field: value})  # type: ignore[arg-type]
    assert raised.value.field == field


def test_the_single_timeout_is_the_whole_answer() -> None:
    small = AnswerLimits(max_body_bytes=1024)
    assert limits_for(None, None) == AnswerLimits()
    assert limits_for(small, None) is small
    assert limits_for(small, 2.5) == AnswerLimits(
        max_body_bytes=1024, first_byte_timeout_s=2.5, total_timeout_s=2.5
    )
    with pytest.raises(HarnessError, match="first_byte_timeout_s"):
        limits_for(None, -1)


def test_limits_are_frozen() -> None:
    with pytest.raises(AttributeError):
        AnswerLimits().max_body_bytes = 1  # type: ignore[misc]


def test_sizes_read_as_people_write_limits() -> None:
    assert [size(n) for n in (16 * MiB, 64 * 1024, 1000, 1536)] == [
        "16 MiB",
        "64 KiB",
        "1,000 bytes",
        "1,536 bytes",
    ]

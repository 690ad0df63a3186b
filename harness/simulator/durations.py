"""ISO 8601 durations as SDS writes them (`PT1M`, `PT2H`, `PT5M`) and as the clock accepts them."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?"
)


def parse_duration(text: str) -> timedelta:
    """`P5D`, `PT1M`, `PT1H30M`, `P1DT12H`, `PT0.5S`; ValueError for anything else.

    Years, months and weeks are refused: their length depends on the calendar, and neither SDS
    nor the MESH expiry uses them.
    """
    found = _DURATION.fullmatch(text.strip().upper())
    if not found or not any(found.groupdict().values()) or text.strip().upper().endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration like PT1M or P5D")
    parts = {name: float(value) for name, value in found.groupdict().items() if value is not None}
    return timedelta(**parts)

"""Timestamps as the answers write them: ISO-8601, HL7 v2/v3 TS, HTTP dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

# HL7 v2/v3 TS: YYYYMMDD[HH[MM[SS[.S{1,6}]]]][+/-ZZZZ]
_HL7 = re.compile(
    r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?)?([+-]\d{4})?"
)


def parse_timestamp(text: str) -> datetime | None:
    """ISO-8601 date (time), HL7 `YYYYMMDDHHMMSS[.f][+zzzz]` or an HTTP date; naive means UTC."""
    text = text.strip()
    if not text:
        return None
    parsed: datetime | None = None
    if text[:8].isdigit():
        parsed = _parse_hl7(text)
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
    if parsed is None and "," in text:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _parse_hl7(text: str) -> datetime | None:
    match = _HL7.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
        )
    except ValueError:
        return None
    if offset:
        sign = -1 if offset[0] == "-" else 1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        return moment.replace(tzinfo=timezone(sign * delta))
    return moment

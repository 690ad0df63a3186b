"""Typed value rules: differing values are accepted when both are UUIDs, timestamps, or match."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_UUID = re.compile(
    r"(?:urn:uuid:|uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    re.IGNORECASE,
)
# HL7 v2/v3 TS: YYYYMMDD[HH[MM[SS[.S{1,6}]]]][+/-ZZZZ]
_HL7 = re.compile(
    r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?)?([+-]\d{4})?"
)


def as_text(value: object) -> str | None:
    """The JSON text of a scalar (strings as themselves); None for objects and arrays."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return None


def is_uuid(text: str) -> bool:
    return _UUID.fullmatch(text) is not None


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


@dataclass(frozen=True, slots=True)
class ValueCheck:
    """A compiled uuid / timestamp / pattern rule."""

    kind: str
    regex: re.Pattern[str] | None = None
    tolerance_s: float | None = None

    @classmethod
    def of(
        cls, kind: str, pattern: str | None = None, tolerance_s: float | None = None
    ) -> ValueCheck | None:
        """The check of a rule's kind (None for kinds that do not look at values)."""
        if kind == "pattern" and pattern is not None:
            return cls("pattern", regex=re.compile(pattern))
        if kind in ("uuid", "timestamp"):
            return cls(kind, tolerance_s=tolerance_s)
        return None

    def accepts(self, legacy: object, candidate: object) -> bool:
        """True when the two (differing) values are equal under this rule."""
        a, b = as_text(legacy), as_text(candidate)
        if a is None or b is None:
            return False
        if self.kind == "uuid":
            return is_uuid(a) and is_uuid(b)
        if self.kind == "pattern":
            assert self.regex is not None
            return self.regex.fullmatch(a) is not None and self.regex.fullmatch(b) is not None
        first, second = parse_timestamp(a), parse_timestamp(b)
        if first is None or second is None:
            return False
        if self.tolerance_s is None:
            return True
        return abs((first - second).total_seconds()) <= self.tolerance_s

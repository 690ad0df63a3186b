"""Typed value rules: differing values are accepted when both are UUIDs, timestamps, or match.

A `timestamp` is accepted within a tolerance (`tolerance_s`, default `DEFAULT_TOLERANCE_S`),
read two ways, either of which may accept it: as absolute times (a stored time, the same on
both sides), and as offsets from each answer's own time (its `Date` header, or what the rule's
`relative_to` names), when both answers have one (a time of the answer itself, or an expiry
"answer time + 5 days", compared with an answer recorded days ago). Seconds of clock skew or
processing pass; a date days off does not (unless, in a replay, the recording is that many
days old to within the tolerance: a coincidence the live comparison does not have). A
`uuid` is accepted when both values are UUIDs, except a value that side was sent or carried
(an echoed `X-Request-ID`): that one must be the echo (see `harness.core.canonical.sides`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from harness.core.canonical.sides import CANDIDATE, DATE_HEADER, LEGACY, Sides
from harness.core.canonical.times import parse_timestamp

DEFAULT_TOLERANCE_S = 120.0

_UUID = re.compile(
    r"(?:urn:uuid:|uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    re.IGNORECASE,
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


@dataclass(frozen=True, slots=True)
class ValueCheck:
    """A compiled uuid / timestamp / pattern rule; `sides` is its comparator's cell (None: the
    two values alone decide, as for a one-off comparison)."""

    kind: str
    regex: re.Pattern[str] | None = None
    tolerance_s: float | None = None
    relative_to: str | None = None
    path: str = ""
    sides: Sides | None = None

    @classmethod
    def of(
        cls,
        kind: str,
        pattern: str | None = None,
        tolerance_s: float | None = None,
        *,
        relative_to: str | None = None,
        path: str = "",
        sides: Sides | None = None,
    ) -> ValueCheck | None:
        """The check of a rule's kind (None for kinds that do not look at values)."""
        if kind == "pattern" and pattern is not None:
            return cls("pattern", regex=re.compile(pattern))
        if kind in ("uuid", "timestamp"):
            return cls(kind, None, tolerance_s, relative_to, path, sides)
        return None

    @property
    def tolerance(self) -> float:
        return DEFAULT_TOLERANCE_S if self.tolerance_s is None else self.tolerance_s

    def accepts(self, legacy: object, candidate: object) -> bool:
        """True when the two (differing) values are equal under this rule."""
        a, b = as_text(legacy), as_text(candidate)
        if a is None or b is None:
            return False
        if self.kind == "uuid":
            if not (is_uuid(a) and is_uuid(b)):
                return False
            sides = self.sides
            return sides is None or not (
                _uuid_core(a) in sides.known(LEGACY) or _uuid_core(b) in sides.known(CANDIDATE)
            )
        if self.kind == "pattern":
            assert self.regex is not None
            return self.regex.fullmatch(a) is not None and self.regex.fullmatch(b) is not None
        first, second = parse_timestamp(a), parse_timestamp(b)
        if first is None or second is None:
            return False
        return self.gap_between(first, second) <= self.tolerance

    def gap_between(self, first: datetime, second: datetime) -> float:
        """Seconds between two times: the smaller of their absolute gap and the gap between
        their offsets from each answer's own time (when both answers have one)."""
        gap = abs((first - second).total_seconds())
        anchor = self.relative_to or DATE_HEADER
        if self.sides is not None and anchor != self.path:
            own_first = self.sides.anchor(LEGACY, anchor)
            own_second = self.sides.anchor(CANDIDATE, anchor)
            if own_first is not None and own_second is not None:
                relative = ((first - own_first) - (second - own_second)).total_seconds()
                gap = min(gap, abs(relative))
        return gap


def _uuid_core(text: str) -> str:
    """The bare lower-case UUID of a value (`urn:uuid:` prefixes removed)."""
    return text.rsplit(":", 1)[-1].lower()

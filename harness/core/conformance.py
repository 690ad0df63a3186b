"""Schema conformance: whether an answer is one its operation's document describes.

A finding class of its own, beside parity: a candidate may answer exactly as the legacy
platform did and still answer what the interface never promised (an undocumented status, a
media type the operation does not list, a missing required header, a body that fails its
schema), or answer differently and still conform. Pure values here: `Finding` (one way an answer
departs from its document), what a checker is (`ConformanceCheck`), and the per-operation tally
that summary.json, the report and the gate read. Checking itself is `harness.conformance`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.core.exchange import Response

KINDS = ("status", "content-type", "header", "schema")
MAX_GROUPS = 500  # distinct (operation, kind, path) groups kept with an example
MAX_MESSAGE = 500


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # status | content-type | header | schema
    message: str
    path: str = ""  # where: a JSON pointer in the body, or the header's name

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "path": self.path, "message": self.message[:MAX_MESSAGE]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(str(data["kind"]), str(data.get("message", "")), str(data.get("path", "")))


# (service, operation, the answer) -> its findings (empty: it conforms), or None when the
# operation has no document to be held to.
ConformanceCheck = Callable[[str, str, Response], "tuple[Finding, ...] | None"]


@dataclass(slots=True)
class _Group:
    service: str
    operation: str
    kind: str
    path: str
    count: int = 0
    example: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ConformanceTally:
    """Answers checked and answers that did not conform, per (service, operation), and the
    findings grouped by (operation, kind, path) with one example each, from result lines."""

    checked: dict[tuple[str, str], int] = field(default_factory=dict)
    failing: dict[tuple[str, str], int] = field(default_factory=dict)
    kinds: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    groups: dict[tuple[str, str, str, str], _Group] = field(default_factory=dict)
    dropped: int = 0

    def count(self, service: str, operation: str, findings: tuple[Finding, ...] | None) -> None:
        """One answer (None: not checked)."""
        if findings is None:
            return
        key = (service, operation)
        self.checked[key] = self.checked.get(key, 0) + 1
        if findings:
            self.failing[key] = self.failing.get(key, 0) + 1
            kinds = self.kinds.setdefault(key, {})
            for kind in {finding.kind for finding in findings}:
                kinds[kind] = kinds.get(kind, 0) + 1

    def add(self, result: Mapping[str, Any], shape: Callable[[str], str]) -> None:
        """One result line; `shape` groups body paths (list indices as `*`)."""
        raw = result.get("conformance")
        if not isinstance(raw, list):
            return
        findings = tuple(Finding.from_dict(item) for item in raw if isinstance(item, Mapping))
        service, operation = str(result.get("service", "")), str(result.get("operation", ""))
        self.count(service, operation, findings)
        for finding in findings:
            key = (service, operation, finding.kind, shape(finding.path))
            group = self.groups.get(key)
            if group is None:
                if len(self.groups) >= MAX_GROUPS:
                    self.dropped += 1
                    continue
                group = self.groups[key] = _Group(*key)
                group.example = {
                    "id": str(result.get("id", "")),
                    "status": (result.get("status") or {}).get("candidate"),
                    "path": finding.path,
                    "message": finding.message,
                    "reproducer": str(result.get("reproducer", "")),
                }
            group.count += 1

    def of(self, service: str, operation: str) -> dict[str, Any] | None:
        """`{"checked", "nonconforming", "kinds"}` for one operation (None: never checked)."""
        key = (service, operation)
        if key not in self.checked:
            return None
        return {
            "checked": self.checked[key],
            "nonconforming": self.failing.get(key, 0),
            "kinds": dict(sorted(self.kinds.get(key, {}).items())),
        }

    def nonconforming(self, service: str, operation: str) -> int:
        return self.failing.get((service, operation), 0)

    def to_dict(self) -> dict[str, Any]:
        """summary.json's `conformance`: totals and the groups, most frequent first."""
        return {
            "checked": sum(self.checked.values()),
            "nonconforming": sum(self.failing.values()),
            "groups": [
                {
                    "service": g.service,
                    "operation": g.operation,
                    "kind": g.kind,
                    "path": g.path,
                    "answers": g.count,
                    "example": g.example,
                }
                for g in sorted(
                    self.groups.values(), key=lambda g: (g.operation, -g.count, g.kind, g.path)
                )
            ],
            "groups_dropped": self.dropped,
        }


@dataclass(frozen=True, slots=True)
class ConformanceOutcome:
    """One policy scope's nonconforming answers against its limit (`conformance:`)."""

    scope: str
    max_nonconforming: int
    nonconforming: int
    checked: int
    passed: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "scope": self.scope,
            "max_nonconforming": self.max_nonconforming,
            "nonconforming": self.nonconforming,
            "checked": self.checked,
            "passed": self.passed,
        }

    def reason(self) -> str:
        return (
            f"{self.scope}: {self.nonconforming} of {self.checked} candidate answers do not "
            f"conform to their document (allowed {self.max_nonconforming})"
        )


class Limit(Protocol):
    @property
    def scope(self) -> str: ...

    @property
    def max_nonconforming(self) -> int: ...


def conformance_outcomes(
    tally: ConformanceTally,
    limits: Sequence[Limit],
    most_specific: Callable[[Sequence[Limit], str, str], Limit | None],
) -> tuple[ConformanceOutcome, ...]:
    """Each limit's scope, with the answers of the operations it is the most specific limit of
    (none without limits: conformance is then reported, not gated)."""
    buckets: dict[str, list[int]] = {}
    chosen: dict[str, Limit] = {}
    for (service, operation), checked in tally.checked.items():
        limit = most_specific(limits, service, operation)
        if limit is None:
            continue
        chosen[limit.scope] = limit
        bucket = buckets.setdefault(limit.scope, [0, 0])
        bucket[0] += tally.nonconforming(service, operation)
        bucket[1] += checked
    return tuple(
        ConformanceOutcome(
            scope,
            chosen[scope].max_nonconforming,
            bad,
            checked,
            bad <= chosen[scope].max_nonconforming,
        )
        for scope, (bad, checked) in sorted(buckets.items())
    )

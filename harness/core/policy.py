"""The gate policy: parity thresholds, an error budget, and waivers for accepted differences.

Pure values. Loading and validating the YAML file lives in `harness.config.policy`.

Scopes name what a threshold covers: `*` (everything), a service (`pds`) or an operation
(`pds.getPatient`). A waiver's `operation` is a glob over `service.operation` (or over the bare
operation when it has no dot); its `path` is a glob over difference paths where `*` matches
within one path segment and `**` any number of segments (`/entry/*/resource/meta/**`, `header:x-*`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase
from typing import Protocol, TypeVar

from harness.core.difference import Difference
from harness.core.result import ResultDifference


def scope_covers(scope: str, service: str, operation: str) -> bool:
    """Whether a scope ("*", a service or service.operation) covers an operation."""
    return scope in ("*", service, f"{service}.{operation}")


def scope_rank(scope: str) -> int:
    """How specific a scope is: `*` 0, a service 1, an operation 2."""
    return 0 if scope == "*" else (2 if "." in scope else 1)


class Scoped(Protocol):
    @property
    def scope(self) -> str: ...


ScopedItem = TypeVar("ScopedItem", bound=Scoped)


def most_specific_scope(
    items: Iterable[ScopedItem], service: str, operation: str
) -> ScopedItem | None:
    """The item whose scope covers the operation most specifically (the first of equals)."""
    best: ScopedItem | None = None
    for item in items:
        if scope_covers(item.scope, service, operation) and (
            best is None or scope_rank(item.scope) > scope_rank(best.scope)
        ):
            best = item
    return best


@dataclass(frozen=True, slots=True)
class Threshold:
    scope: str  # "*", "<service>" or "<service>.<operation>"
    min_parity: float  # percent, 0..100

    def covers(self, service: str, operation: str) -> bool:
        return scope_covers(self.scope, service, operation)


@dataclass(frozen=True, slots=True)
class AvailabilityFloor:
    """The least share (percent) of consumers' requests that must be answered in scope: not
    refused, not failed upstream, not a server error. Gated only where availability is counted
    (a cutover's facade); a rehearsal has no consumers to count."""

    scope: str
    min_percent: float


@dataclass(frozen=True, slots=True)
class LatencyLimit:
    """The largest slowdown (Hodges-Lehmann shift, ms) allowed for a `slower` verdict in scope."""

    scope: str
    max_shift_ms: float


@dataclass(frozen=True, slots=True)
class ConformanceLimit:
    """The most candidate answers in scope allowed not to conform to their document."""

    scope: str
    max_nonconforming: int


@dataclass(frozen=True, slots=True)
class ValuePredicate:
    """A condition on one side's value: equal to a value, or (as text) matching a regex."""

    equals: object = None
    regex: str | None = None
    has_equals: bool = False

    def holds(self, value: object) -> bool:
        if self.has_equals and value != self.equals:
            return False
        return not (self.regex is not None and re.search(self.regex, _text(value)) is None)


@dataclass(frozen=True, slots=True)
class Waiver:
    id: str
    operation: str
    path: str
    owner: str
    reason: str
    expires: date
    legacy: ValuePredicate | None = None
    candidate: ValuePredicate | None = None

    def expired_on(self, today: date) -> bool:
        """A waiver applies up to and including its expiry date."""
        return today > self.expires

    def matches(self, service: str, operation: str, difference: Difference) -> bool:
        target = f"{service}.{operation}" if "." in self.operation else operation
        if not fnmatchcase(target, self.operation):
            return False
        if not path_matches(self.path, difference.path):
            return False
        if self.legacy is not None and not self.legacy.holds(difference.legacy):
            return False
        return self.candidate is None or self.candidate.holds(difference.candidate)


@dataclass(frozen=True, slots=True)
class PolicyName:
    """A service or operation a policy names, and where: checked against what a rehearsal has."""

    section: str  # thresholds, severity, latency, waivers
    name: str  # a scope (`*`, a service, service.operation) or a waiver's operation glob
    line: int | None = None
    glob: bool = False  # a waiver's operation: a glob over service.operation


@dataclass(frozen=True, slots=True)
class Policy:
    thresholds: tuple[Threshold, ...] = (Threshold("*", 100.0),)
    max_errors: int = 0
    waivers: tuple[Waiver, ...] = ()
    source: str | None = None  # the file it came from
    # Allure severity per scope ("*", service or service.operation); the most specific wins.
    severities: tuple[tuple[str, str], ...] = ()
    # Latency gates per scope; the most specific wins. None: latency is reported, not gated.
    latency_limits: tuple[LatencyLimit, ...] = ()
    # Schema conformance gates per scope; the most specific wins. None: reported, not gated.
    conformance_limits: tuple[ConformanceLimit, ...] = ()
    # Every service or operation the file names, with its line (see `harness.config.names`).
    names: tuple[PolicyName, ...] = ()
    # Severity of divergences at a path (scope, path glob, severity); the most specific scope
    # with a matching path wins over `severities`.
    path_severities: tuple[tuple[str, str, str], ...] = ()
    # The share of compared exchanges that may fail to compare (percent), beside `max_errors`.
    max_error_rate: float | None = None
    # Availability floors per scope (consumers' requests answered); the most specific wins.
    availability: tuple[AvailabilityFloor, ...] = ()

    def severity_at(self, service: str, operation: str, path: str) -> str | None:
        """The severity of a divergence at `path`: a path rule of the most specific scope that
        matches, else the operation's (`severity_for`)."""
        best: tuple[int, str] | None = None
        for scope, glob, level in self.path_severities:
            if scope_covers(scope, service, operation) and path_matches(glob, path):
                rank = scope_rank(scope)
                if best is None or rank > best[0]:
                    best = (rank, level)
        return best[1] if best is not None else self.severity_for(service, operation)

    def severity_for(self, service: str, operation: str) -> str | None:
        """The severity of the most specific matching scope, or None when none is set."""
        found = dict(self.severities)
        for scope in (f"{service}.{operation}", service, "*"):
            if scope in found:
                return found[scope]
        return None


@dataclass
class WaiverBook:
    """Applies a policy's waivers to differences, counting what each waiver covered.

    Expired waivers never apply; the differences they would have covered are counted so the
    gate can say so.
    """

    waivers: tuple[Waiver, ...]
    today: date
    applied: dict[str, int] = field(default_factory=dict)
    expired_hits: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._live = tuple(w for w in self.waivers if not w.expired_on(self.today))
        self._expired = tuple(w for w in self.waivers if w.expired_on(self.today))

    def apply(
        self, service: str, operation: str, differences: Iterable[Difference]
    ) -> tuple[ResultDifference, ...]:
        out = []
        for difference in differences:
            waiver_id = None
            for waiver in self._live:
                if waiver.matches(service, operation, difference):
                    waiver_id = waiver.id
                    self.applied[waiver_id] = self.applied.get(waiver_id, 0) + 1
                    break
            else:
                for waiver in self._expired:
                    if waiver.matches(service, operation, difference):
                        self.expired_hits[waiver.id] = self.expired_hits.get(waiver.id, 0) + 1
                        break
            out.append(ResultDifference.of(difference, waiver_id))
        return tuple(out)

    def reapply(
        self, service: str, operation: str, differences: Iterable[ResultDifference]
    ) -> tuple[ResultDifference, ...]:
        """Re-decide waivers on recorded differences (`harness gate` with today's date)."""
        plain = [Difference(d.path, d.kind, d.legacy, d.candidate) for d in differences]
        return self.apply(service, operation, plain)


def path_matches(pattern: str, path: str) -> bool:
    """Glob over difference paths: `*` within a segment, `**` across segments."""
    if pattern == path:
        return True
    if pattern.startswith("header:") or path.startswith("header:"):
        return fnmatchcase(path.lower(), pattern.lower())
    return _segments_match(pattern.split("/"), path.split("/"))


def _segments_match(pattern: list[str], path: list[str]) -> bool:
    if not pattern:
        return not path
    head = pattern[0]
    if head == "**":
        return any(_segments_match(pattern[1:], path[i:]) for i in range(len(path) + 1))
    if not path or not fnmatchcase(path[0], head):
        return False
    return _segments_match(pattern[1:], path[1:])


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)

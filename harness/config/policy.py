"""Load and validate a gate policy file (YAML). Errors name the file, line, entry and field.

```yaml
format_version: 1
thresholds:            # minimum parity in percent; the most specific scope wins
  "*": 100
  pds.searchPatients: 99.5
max_errors: 0          # exchanges that could not be compared (target down, timeout)
waivers:
  - id: W-001
    operation: pds.searchPatients       # glob over service.operation
    path: /entry/*/search/score         # glob: * within a segment, ** across segments
    candidate: {regex: "^0\\.9"}        # optional value predicates: equals / regex
    owner: jane.doe@example.nhs.uk
    reason: score rounding differs; agreed with the PDS team
    expires: 2027-03-31
severity:              # optional: severity per scope (most specific wins), and per scope + path
  "*": normal
  pds.getPatient: critical             # blocker | critical | normal | minor | trivial
  "pds.getPatient /address/**": blocker   # a divergence at these paths (clusters, the report)
latency:               # optional: the largest slowdown allowed, per scope (most specific wins)
  "*": {max_shift_ms: 50}              # fails when an operation is `slower` by more than this
  eps.releasePrescription: {max_shift_ms: 20}
conformance:           # optional: candidate answers allowed not to conform to their document
  "*": {max_nonconforming: 0}          # per most specific scope, over its operations' answers
  pds.searchPatients: {max_nonconforming: 3}
max_error_rate: 0.5    # optional: the share (%) of exchanges that may fail to compare
availability:          # optional: the least share (%) of consumers' requests answered, per scope
  "*": 99.9                            # (counted where consumers are: a cutover's facade)
```
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

from harness.contracts.yamlfile import Located, load_yaml
from harness.core.policy import (
    AvailabilityFloor,
    ConformanceLimit,
    LatencyLimit,
    Policy,
    PolicyName,
    Threshold,
    ValuePredicate,
    Waiver,
)
from harness.errors import HarnessError

POLICY_FORMAT_VERSION = 1
_TOP_KEYS = {
    "format_version",
    "thresholds",
    "max_errors",
    "max_error_rate",
    "waivers",
    "severity",
    "latency",
    "conformance",
    "availability",
}
SEVERITIES = ("blocker", "critical", "normal", "minor", "trivial")
_WAIVER_KEYS = {"id", "operation", "path", "owner", "reason", "expires", "legacy", "candidate"}
_SCOPE = re.compile(r"^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?)$")


def load_policy(path: Path) -> Policy:
    if not path.is_file():
        raise HarnessError("policy file not found", file=str(path))
    data, where = load_yaml(path)
    return policy_from_data(data, where)


def policy_from_data(data: Any, where: Located) -> Policy:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise where.error("a policy is a mapping (thresholds, max_errors, waivers)")
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        raise where.error(_unknown("key", unknown[0], _TOP_KEYS), unknown[0])
    version = data.get("format_version", POLICY_FORMAT_VERSION)
    if version != POLICY_FORMAT_VERSION:
        raise where.error(
            f"unsupported format_version {version!r} (expected {POLICY_FORMAT_VERSION})",
            "format_version",
        )
    waivers = _waivers(data.get("waivers") or [], where)
    severities, path_severities = _severities(data.get("severity") or {}, where)
    return Policy(
        thresholds=_thresholds(data.get("thresholds", {"*": 100}), where),
        max_errors=_max_errors(data.get("max_errors", 0), where),
        waivers=waivers,
        source=where.file,
        severities=severities,
        path_severities=path_severities,
        latency_limits=_latency_limits(_section(data, "latency"), where),
        conformance_limits=_conformance_limits(_section(data, "conformance"), where),
        names=_names(data, where),
        max_error_rate=_max_error_rate(data.get("max_error_rate"), where),
        availability=_availability(data.get("availability") or {}, where),
    )


def _percent(raw: Any, where: Located, what: str, *key: Hashable) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 100:
        raise where.error(f"{what} must be a percentage 0..100, got {raw!r}", *key)
    return float(raw)


def _max_error_rate(raw: Any, where: Located) -> float | None:
    if raw is None:
        return None
    return _percent(raw, where, "max_error_rate", "max_error_rate")


def _availability(raw: Any, where: Located) -> tuple[AvailabilityFloor, ...]:
    return tuple(
        AvailabilityFloor(scope, _percent(value, where, "availability", "availability", scope))
        for scope, value in _scoped(raw, where, "availability", "least % answered")
    )


def _names(data: Mapping[Any, Any], where: Located) -> tuple[PolicyName, ...]:
    """Every service or operation the policy names, with its line (checked later against the
    rehearsal's contracts: `harness.config.names`)."""
    found = [
        PolicyName(section, str(scope).partition(" ")[0], where.line(section, scope))
        for section in ("thresholds", "severity", "latency", "conformance", "availability")
        if isinstance(data.get(section), Mapping)
        for scope in data[section]
        if str(scope).partition(" ")[0] != "*"
    ]
    for index, entry in enumerate(data.get("waivers") or []):
        if isinstance(entry, Mapping) and isinstance(entry.get("operation"), str):
            line = where.line("waivers", index, "operation")
            found.append(PolicyName("waivers", entry["operation"], line, glob=True))
    return tuple(found)


def _section(data: Mapping[Any, Any], key: str) -> Any:
    """A section's value: absent or empty (`key:` alone) is none; anything else is checked."""
    value = data.get(key)
    return {} if value is None else value


def _scoped(raw: Any, where: Located, section: str, what: str) -> list[tuple[str, Any]]:
    """The (scope, value) pairs of a `scope -> value` section, each scope checked."""
    if not isinstance(raw, Mapping):
        raise where.error(f"{section}: a mapping of scope -> {what}", section)
    for scope in raw:
        if not isinstance(scope, str) or not _SCOPE.match(scope):
            raise where.error("a scope is '*', a service or service.operation", section, scope)
    return list(raw.items())


def _unknown(what: str, name: str, expected: set[str]) -> str:
    """`unknown <what>`, with the nearest expected name when there is one (as settings say)."""
    nearest = difflib.get_close_matches(name, sorted(expected), n=1, cutoff=0.6)
    hint = f"did you mean {nearest[0]!r}? " if nearest else ""
    return f"unknown {what} ({hint}expected one of {sorted(expected)})"


def _latency_limits(raw: Any, where: Located) -> tuple[LatencyLimit, ...]:
    def shift(value: Any) -> bool:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and 0 <= value < float("inf")

    found = _limits(raw, where, "latency", "max_shift_ms", shift, "a number of milliseconds >= 0")
    return tuple(LatencyLimit(scope, float(value)) for scope, value in found)


def _conformance_limits(raw: Any, where: Located) -> tuple[ConformanceLimit, ...]:
    def count(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    found = _limits(raw, where, "conformance", "max_nonconforming", count, "a whole number >= 0")
    return tuple(ConformanceLimit(scope, int(value)) for scope, value in found)


def _limits(
    raw: Any, where: Located, section: str, name: str, valid: Any, what: str
) -> list[tuple[str, Any]]:
    """The (scope, value) of a section of `scope: {<name>: value}` limits, each checked."""
    out = []
    for scope, value in _scoped(raw, where, section, f"{{{name}: N}}"):
        key = (section, scope)
        if not isinstance(value, Mapping):
            raise where.error(f"a {section} limit is a mapping {{{name}: N}}", *key)
        unknown = sorted(set(map(str, value)) - {name})
        if unknown:
            raise where.error(_unknown("field", unknown[0], {name}), *key, unknown[0])
        if name not in value:
            raise where.error(f"required: {name}", *key)
        if not valid(value[name]):
            raise where.error(f"{name} must be {what}, got {value[name]!r}", *key, name)
        out.append((scope, value[name]))
    return out


def _severities(
    raw: Any, where: Located
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str, str], ...]]:
    """Severity per scope, and per scope and path glob (`"service.operation /address/**"`)."""
    if not isinstance(raw, Mapping):
        raise where.error("severity: a mapping of scope -> severity", "severity")
    plain, pathed = [], []
    for key, value in raw.items():
        scope, _, path = str(key).partition(" ")
        path = path.strip()
        if not _SCOPE.match(scope):
            raise where.error(
                "a scope is '*', a service or service.operation, optionally followed by a "
                "space and a difference path glob ('service.operation /address/**')",
                "severity",
                key,
            )
        if path and not (path.startswith("/") or path.startswith("header:") or path == "status"):
            raise where.error(
                f"{path!r}: a path glob starts with '/', 'header:' or is 'status'", "severity", key
            )
        if value not in SEVERITIES:
            raise where.error(
                f"severity must be one of {', '.join(SEVERITIES)}, got {value!r}", "severity", key
            )
        (pathed.append((scope, path, str(value))) if path else plain.append((scope, str(value))))
    return tuple(plain), tuple(pathed)


def _thresholds(raw: Any, where: Located) -> tuple[Threshold, ...]:
    out = []
    for scope, value in _scoped(raw, where, "thresholds", "minimum parity %"):
        out.append(Threshold(scope, _percentage(value, where, "thresholds", scope)))
    if not any(t.scope == "*" for t in out):
        out.insert(0, Threshold("*", 100.0))
    return tuple(out)


def _percentage(value: Any, where: Located, *key: Hashable) -> float:
    """A minimum parity in percent: a number 0..100 or a string like "99.5%". A number in
    (0, 1] is refused: it is almost always a fraction meant as a percentage (0.995 for 99.5%),
    and read as written it would let nearly everything through."""
    written = value
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            percent = float(value.strip()[:-1])
        except ValueError:
            percent = -1.0
        if 0 <= percent <= 100:
            return percent
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise where.error(
            f"minimum parity must be a percentage 0..100 (or a string like '99.5%'), "
            f"got {written!r}",
            *key,
        )
    if 0 < value <= 1:
        raise where.error(
            f"{value!r} looks like a fraction, but thresholds are percentages: write "
            f"{value * 100:g} for {value * 100:g}% (or '{value:g}%' if you really mean "
            f"{value:g} percent)",
            *key,
        )
    return float(value)


def _max_errors(raw: Any, where: Located) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise where.error(f"max_errors must be a whole number >= 0, got {raw!r}", "max_errors")
    return raw


def _waivers(raw: Any, where: Located) -> tuple[Waiver, ...]:
    if not isinstance(raw, list):
        raise where.error("waivers: a list of waivers", "waivers")
    seen: set[str] = set()
    out = []
    for index, entry in enumerate(raw):
        key: tuple[Hashable, ...] = ("waivers", index)
        if not isinstance(entry, Mapping):
            raise where.error("a waiver is a mapping", *key)
        label = f"waiver {entry.get('id', '#' + str(index + 1))}"
        unknown = sorted(set(map(str, entry)) - _WAIVER_KEYS)
        if unknown:
            raise _entry_error(
                where, label, _unknown("field", unknown[0], _WAIVER_KEYS), *key, unknown[0]
            )
        for name in ("id", "operation", "path", "owner", "reason"):
            value = entry.get(name)
            if not isinstance(value, str) or not value.strip():
                raise _entry_error(where, label, "required, a non-empty string", *key, name)
        if entry["id"] in seen:
            raise _entry_error(where, label, "duplicate waiver id", *key, "id")
        seen.add(entry["id"])
        out.append(
            Waiver(
                id=entry["id"],
                operation=entry["operation"],
                path=entry["path"],
                owner=entry["owner"],
                reason=entry["reason"],
                expires=_date(entry.get("expires"), where, label, *key, "expires"),
                legacy=_predicate(entry.get("legacy"), where, label, *key, "legacy"),
                candidate=_predicate(entry.get("candidate"), where, label, *key, "candidate"),
            )
        )
    return tuple(out)


def _date(raw: Any, where: Located, label: str, *key: Hashable) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise _entry_error(where, label, f"required, a date YYYY-MM-DD, got {raw!r}", *key)


def _predicate(raw: Any, where: Located, label: str, *key: Hashable) -> ValuePredicate | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not raw or set(map(str, raw)) - {"equals", "regex"}:
        raise _entry_error(where, label, "a predicate is {equals: VALUE} and/or {regex: RE}", *key)
    regex = raw.get("regex")
    if regex is not None:
        if not isinstance(regex, str):
            raise _entry_error(where, label, "regex must be a string", *key, "regex")
        try:
            re.compile(regex)
        except re.error as error:
            raise _entry_error(where, label, f"invalid regex: {error}", *key, "regex") from None
    return ValuePredicate(equals=raw.get("equals"), regex=regex, has_equals="equals" in raw)


def _entry_error(where: Located, label: str, message: str, *key: Hashable) -> HarnessError:
    return where.error(f"{label}: {message}", *key)

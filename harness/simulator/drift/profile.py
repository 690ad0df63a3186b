"""Drift profiles: YAML files declaring the divergences a candidate injects.

    format_version: 1
    seed: 7                      # optional: the random stream of intermittent failures
    drift:
      - id: pds-birthdate-compact
        operation: getPatient    # an operationId of the simulator's /openapi.json
        when:                    # optional; every condition must hold
          path_matches: "/Patient/9000000009$"
        effect:
          kind: reformat_date
          path: /birthDate
          format: "%Y%m%d"
        since: 2026-12-12T00:00:00Z   # optional: from this time of the simulator's clock on

`since` makes a divergence start at a moment of simulated time: the request's own stamp when a
compressed-time consumer sent one, else the simulator's clock (`clock.moment_of`), which tests
move forward: a candidate that goes wrong on day 12 of a shadow window. Before it the entry
does nothing.

A bad file raises HarnessError naming the file, the line, the entry (id or index) and the field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml

from harness.core.exchange import Request
from harness.errors import HarnessError
from harness.simulator.drift.paths import check_path, json_values, xml_select, xml_text
from harness.simulator.drift.spec import AnyEffect, FieldProblem, parse_effect

FORMAT_VERSION = 1
TOP_FIELDS = {"format_version", "description", "seed", "drift"}
ENTRY_FIELDS = {"id", "operation", "when", "effect", "description", "since"}
WHEN_FIELDS = {
    "method",
    "path_matches",
    "query_equals",
    "query_present",
    "header_equals",
    "header_present",
    "body_equals",
}


@dataclass(frozen=True, slots=True)
class Predicate:
    """Conditions on the request; all must hold."""

    method: str | None = None
    path_matches: re.Pattern[str] | None = None
    query_equals: tuple[tuple[str, str], ...] = ()
    query_present: tuple[str, ...] = ()
    header_equals: tuple[tuple[str, str], ...] = ()
    header_present: tuple[str, ...] = ()
    body_equals: tuple[tuple[str, Any], ...] = ()

    @property
    def needs_body(self) -> bool:
        return bool(self.body_equals)

    def matches(self, request: Request) -> bool:
        if self.method is not None and request.method.upper() != self.method:
            return False
        if self.path_matches is not None and not self.path_matches.search(request.path):
            return False
        query = request.query
        if any((name, value) not in query for name, value in self.query_equals):
            return False
        names = {name for name, _ in query}
        if any(name not in names for name in self.query_present):
            return False
        if any(request.header(name) != value for name, value in self.header_equals):
            return False
        if any(request.header(name) is None for name in self.header_present):
            return False
        return all(_body_has(request.body, path, value) for path, value in self.body_equals)


def _body_has(body: bytes, path: str, expected: Any) -> bool:
    stripped = body.lstrip()
    if stripped.startswith(b"<"):
        from lxml import etree

        try:
            root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            return False
        return any(xml_text(node).strip() == str(expected) for node in xml_select(root, path))
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return any(value == expected for value in json_values(document, path))


@dataclass(frozen=True, slots=True)
class DriftEntry:
    id: str
    operation: str
    effect: AnyEffect
    when: Predicate | None = None
    description: str = ""
    line: int | None = None
    since: datetime | None = None  # active from this time of the simulator's clock on

    def active_at(self, now: datetime) -> bool:
        return self.since is None or now >= self.since


@dataclass(frozen=True, slots=True)
class DriftProfile:
    path: Path
    entries: tuple[DriftEntry, ...]
    seed: int | None = None
    description: str = ""


class _LineLoader(yaml.SafeLoader):
    """Remembers the line of every mapping, for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = _LineDict({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    mapping.line = node.start_mark.line + 1
    return mapping


class _LineDict(dict[str, Any]):
    line: int | None = None


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_profile(path: Path, operations: Collection[str] | None = None) -> DriftProfile:
    """Read and validate a drift file; `operations` are the operationIds entries may name."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise HarnessError(f"cannot read drift profile: {error.strerror}", file=where) from None
    try:
        document = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise HarnessError(f"not valid YAML: {error}", file=where, line=line) from None
    if not isinstance(document, Mapping):
        raise HarnessError("a drift profile is a mapping with format_version and drift", file=where)
    unknown = sorted(set(document) - TOP_FIELDS)
    if unknown:
        raise HarnessError("unknown top-level field", file=where, field=unknown[0])
    if document.get("format_version") != FORMAT_VERSION:
        raise HarnessError(
            f"format_version must be {FORMAT_VERSION}, not {document.get('format_version')!r}",
            file=where,
            field="format_version",
        )
    seed = document.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise HarnessError("seed must be an integer", file=where, field="seed")
    items = document.get("drift")
    if not isinstance(items, list):
        raise HarnessError("drift must be a list of entries", file=where, field="drift")
    entries: list[DriftEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        entry = _entry(item, index, where, operations)
        if entry.id in seen:
            raise HarnessError(
                f"entry '{entry.id}': the id is used twice", file=where, line=entry.line, field="id"
            )
        seen.add(entry.id)
        entries.append(entry)
    return DriftProfile(path, tuple(entries), seed, str(document.get("description") or ""))


def _entry(item: object, index: int, where: str, operations: Collection[str] | None) -> DriftEntry:
    line = getattr(item, "line", None)
    label = f"entry #{index + 1}"
    if not isinstance(item, Mapping):
        raise HarnessError(f"{label}: must be a mapping", file=where, line=line)
    entry_id = item.get("id")
    if isinstance(entry_id, str) and entry_id:
        label = f"entry '{entry_id}'"

    def problem(field: str, message: str) -> HarnessError:
        return HarnessError(f"{label}: {message}", file=where, line=line, field=field)

    unknown = sorted(set(item) - ENTRY_FIELDS)
    if unknown:
        raise problem(unknown[0], "unknown field")
    if not isinstance(entry_id, str) or not entry_id:
        raise problem("id", "a non-empty string is required")
    operation = item.get("operation")
    if not isinstance(operation, str) or not operation:
        raise problem("operation", "an operationId is required")
    if operations is not None and operation not in operations:
        raise problem(
            "operation", f"unknown operation {operation!r}; known: {', '.join(sorted(operations))}"
        )
    try:
        effect = parse_effect(item.get("effect"))
        when = _predicate(item["when"]) if item.get("when") is not None else None
        since = _since(item.get("since"))
    except FieldProblem as error:
        raise problem(error.field, error.message) from None
    return DriftEntry(
        id=entry_id,
        operation=operation,
        effect=effect,
        when=when,
        description=str(item.get("description") or ""),
        line=line,
        since=since,
    )


def _since(value: object) -> datetime | None:
    """An ISO 8601 date-time (a date alone is its midnight); UTC unless it says otherwise."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise FieldProblem("since", f"not an ISO 8601 date-time: {value!r}") from None
    else:
        raise FieldProblem("since", "must be an ISO 8601 date-time such as 2026-12-12T00:00:00Z")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _string_pairs(value: object, field: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value.values()
    ):
        raise FieldProblem(field, "must be a mapping of names to string values")
    return tuple((str(k), str(v)) for k, v in value.items())


def _names(value: object, field: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FieldProblem(field, "must be a name or a list of names")
    return tuple(value)


def _predicate(spec: object) -> Predicate:
    if not isinstance(spec, Mapping):
        raise FieldProblem("when", "must be a mapping of conditions")
    unknown = sorted(set(spec) - WHEN_FIELDS)
    if unknown:
        raise FieldProblem(f"when.{unknown[0]}", f"unknown condition; use {sorted(WHEN_FIELDS)}")
    pattern = None
    if "path_matches" in spec:
        try:
            pattern = re.compile(str(spec["path_matches"]))
        except re.error as error:
            raise FieldProblem("when.path_matches", f"not a regular expression: {error}") from None
    method = spec.get("method")
    if method is not None and not isinstance(method, str):
        raise FieldProblem("when.method", "must be an HTTP method name")
    body = spec.get("body_equals", {})
    if not isinstance(body, Mapping):
        raise FieldProblem("when.body_equals", "must map JSON pointers or XML paths to values")
    for path in body:
        problem = check_path(path)
        if problem:
            raise FieldProblem(f"when.body_equals.{path}", problem)
    return Predicate(
        method=method.upper() if method else None,
        path_matches=pattern,
        query_equals=_string_pairs(spec.get("query_equals", {}), "when.query_equals"),
        query_present=_names(spec.get("query_present", []), "when.query_present"),
        header_equals=_string_pairs(spec.get("header_equals", {}), "when.header_equals"),
        header_present=_names(spec.get("header_present", []), "when.header_present"),
        body_equals=tuple((str(k), v) for k, v in body.items()),
    )

"""Holding answers to their operation's document, cheaply enough to do it for every answer."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from harness.core.conformance import Finding
from harness.core.exchange import Response
from harness.openapi import DocumentOperation, Interface

MAX_FINDINGS = 5  # per answer: the first ones say enough
MAX_REMEMBERED = 4_096  # answers' bytes already judged, per checker


@dataclass(slots=True)
class _Expected:
    """What one status of one operation promises: its media types and, per media type, the
    compiled validator of its body (None: no schema), its headers."""

    media_types: tuple[tuple[str, str], ...]
    definition: Any
    validators: dict[str, Any] = field(default_factory=dict)


class _Operation:
    def __init__(self, found: DocumentOperation) -> None:
        from schemathesis.core.transport import expand_status_code

        responses = found.operation.responses
        self.operation = found
        self.codes = tuple(str(code) for code in responses.status_codes)
        self.any_status = "default" in self.codes
        self.allowed = frozenset(
            number
            for code in self.codes
            if code != "default"
            for number in expand_status_code(code)
        )
        self.expected: dict[int, _Expected | None] = {}

    def expected_for(self, status: int) -> _Expected | None:
        if status not in self.expected:
            definition = self.operation.operation.responses.find_by_status_code(status)
            self.expected[status] = (
                None if definition is None else _Expected(_media_types(definition), definition)
            )
        return self.expected[status]


class DocumentConformance:
    """A `ConformanceCheck` over one document per service (`documents`: service -> document)."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.documents = {service: doc for service, doc in documents.items() if doc.get("paths")}
        self._interfaces: dict[str, Interface | None] = {}
        self._operations: dict[tuple[str, str], _Operation | None] = {}
        self._judged: dict[tuple[str, int, str, bytes], tuple[Finding, ...]] = {}

    def prepare(self) -> DocumentConformance:
        """Parse every document and compile every validator now, before any request is timed
        (the first parse also imports schemathesis: hundreds of milliseconds that would
        otherwise block the event loop at the first answer and be counted in latencies)."""
        for service in self.documents:
            interface = self._interface(service)
            for name in interface.operations if interface is not None else ():
                found = self._operation(service, name)
                if found is None:
                    continue
                for code in found.allowed:
                    expected = found.expected_for(code)
                    if expected is None:
                        continue
                    for media in expected.media_types:
                        _compiled(expected, "/".join(media))
        return self

    def __call__(
        self, service: str, operation: str, response: Response
    ) -> tuple[Finding, ...] | None:
        found = self._operation(service, operation)
        if found is None:
            return None
        return tuple(self._check(found, response, response.media_type))[:MAX_FINDINGS]

    def _operation(self, service: str, operation: str) -> _Operation | None:
        key = (service, operation)
        if key in self._operations:
            return self._operations[key]
        interface = self._interface(service)
        found = interface.operations.get(operation) if interface is not None else None
        self._operations[key] = None if found is None else _Operation(found)
        return self._operations[key]

    def _interface(self, service: str) -> Interface | None:
        if service not in self._interfaces:
            document = self.documents.get(service)
            try:
                self._interfaces[service] = None if document is None else Interface(document)
            except Exception:  # a document schemathesis cannot read holds nothing to check
                self._interfaces[service] = None
        return self._interfaces[service]

    def _check(self, found: _Operation, response: Response, media: str) -> list[Finding]:
        status = response.status
        if not found.any_status and status not in found.allowed:
            return [
                Finding(
                    "status",
                    f"{status} is not documented (documented: {', '.join(found.codes)})",
                )
            ]
        expected = found.expected_for(status)
        if expected is None:
            return []
        findings = _header_findings(expected.definition, response)
        if expected.media_types and response.body:
            if not media:
                findings.append(Finding("content-type", "no Content-Type for a documented body"))
                return findings
            if not any(_matches(wanted, media) for wanted in expected.media_types):
                documented = ", ".join("/".join(pair) for pair in expected.media_types)
                findings.append(
                    Finding("content-type", f"{media} is not documented (documented: {documented})")
                )
                return findings
        if response.body and (media.endswith("json") or media.endswith("+json")):
            # The body against its schema, once per distinct body (replays repeat answers).
            key = (found.operation.key, status, media, response.body)
            known = self._judged.get(key)
            if known is None:
                known = tuple(_schema_findings(expected, response, media))
                if len(self._judged) >= MAX_REMEMBERED:
                    self._judged.clear()
                self._judged[key] = known
            findings.extend(known)
        return findings


def _media_types(definition: Any) -> tuple[tuple[str, str], ...]:
    from schemathesis.core import media_types

    found = []
    for name in (definition.definition.get("content") or {}) if definition.definition else ():
        try:
            found.append(media_types.parse(str(name)))
        except Exception:  # a malformed media type in the document promises nothing
            continue
    return tuple(found)


def _matches(wanted: tuple[str, str], media: str) -> bool:
    main, _, sub = media.partition("/")
    return wanted[0] in ("*", main) and wanted[1] in ("*", sub)


def _header_findings(definition: Any, response: Response) -> list[Finding]:
    findings: list[Finding] = []
    headers = definition.headers
    if not headers:
        return findings
    present = {name.lower(): value for name, value in response.headers}
    for name, header in headers.items():
        value = present.get(str(name).lower())
        if value is None:
            if header.is_required:
                findings.append(Finding("header", f"required header {name} missing", str(name)))
            continue
        if header.unresolvable_reference is not None or "string" not in _types(header.schema):
            continue  # only text is checked as it is sent (no coercion guesses)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            error = next(iter(header.validator.iter_errors(value)), None)
        if error is not None:
            findings.append(Finding("header", f"{name}: {error.message}", str(name)))
    return findings


def _types(schema: Any) -> tuple[str, ...]:
    if not isinstance(schema, Mapping):
        return ()
    kind = schema.get("type")
    return tuple(kind) if isinstance(kind, list) else (str(kind),) if kind else ()


def _schema_findings(expected: _Expected, response: Response, media: str) -> list[Finding]:
    """A JSON body against its schema (XML and other bodies have none to be held to)."""
    validator = _compiled(expected, media)
    if validator is None:
        return []
    try:
        data = orjson.loads(response.body)
    except orjson.JSONDecodeError as broken:
        return [Finding("schema", f"the body is not JSON: {broken}")]
    if validator.is_valid(data):
        return []
    findings = []
    for error in validator.iter_errors(data):
        path = "".join(f"/{_escape(str(part))}" for part in error.instance_path)
        findings.append(Finding("schema", error.message, path))
        if len(findings) >= MAX_FINDINGS:
            break
    return findings


_UNSET: Any = object()


def _compiled(expected: _Expected, media: str) -> Any:
    """The body validator of one media type, compiled once (None: no schema)."""
    validator = expected.validators.get(media, _UNSET)
    if validator is _UNSET:
        validator = expected.validators[media] = _validator(expected.definition, media)
    return validator


def _validator(definition: Any, media: str) -> Any:
    """schemathesis's compiled validator for the body of this media type (None: no schema)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            resolved = definition.get_schema(media)
            if resolved.schema is None:
                return None
            return definition.get_validator(
                resolved.media_type, resolved.schema, validate_formats=False
            )
        except Exception:  # a schema its validator cannot compile promises nothing checkable
            return None


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")

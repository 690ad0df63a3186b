"""Shared by the simulated FHIR services: Spine OperationOutcomes and request-header rules.

OperationOutcomes follow the public PDS error stubs: one issue with a severity and FHIR issue
type that depend on the Spine error code, a coding in the Spine-ErrorOrWarningCode system,
and `diagnostics` when there is something to explain.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SPINE_ERROR_SYSTEM = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_UUID = re.compile(UUID_PATTERN)


@dataclass(frozen=True, slots=True)
class SpineCode:
    severity: str  # OperationOutcome.issue.severity
    issue_type: str  # OperationOutcome.issue.code (FHIR IssueType)
    display: str


# Code -> how the platform words it, from the spec's stubs/errorResponses and path tables.
SPINE_CODES: dict[str, SpineCode] = {
    "ACCESS_DENIED": SpineCode("error", "forbidden", "Access Denied - Unauthorised"),
    "ADDITIONAL_PROPERTIES": SpineCode(
        "error", "invariant", "Additional properties should not be included"
    ),
    "FORBIDDEN_UPDATE": SpineCode("information", "forbidden", "Update is forbidden"),
    "INVALIDATED_RESOURCE": SpineCode(
        "error",
        "processing",
        "Resource that has been marked as invalid was requested - "
        "invalid resources cannot be retrieved",
    ),
    "INSERT_BIRTH_DEATH_STATUS_INCONSISTENT": SpineCode(
        "error", "processing", "INSERT_BIRTH_DEATH_STATUS_INCONSISTENT"
    ),
    "INVALID_CREATE": SpineCode("error", "value", "Patient create data is invalid"),
    "INVALID_METHOD": SpineCode("error", "forbidden", "Method not allowed"),
    "INVALID_RESOURCE_ID": SpineCode("error", "value", "Resource Id is invalid"),
    "INVALID_SEARCH_DATA": SpineCode("error", "value", "Search data is invalid"),
    "INVALID_UPDATE": SpineCode("error", "structure", "Update is invalid"),
    "INVALID_VALUE": SpineCode("error", "value", "Provided value is invalid"),
    "MISSING_VALUE": SpineCode("error", "required", "Required value is missing"),
    "MULTIPLE_MATCHES": SpineCode("error", "value", "Multiple matches found"),
    "PRECONDITION_FAILED": SpineCode("error", "structure", "Required condition was not fulfilled"),
    "RESOURCE_NOT_FOUND": SpineCode("information", "not-found", "Resource not found"),
    "RESOURCE_VERSION_MISMATCH": SpineCode(
        "error", "conflict", "Resource version supplied does not match actual version"
    ),
    "SINGLE_MATCH": SpineCode("error", "value", "Single match found"),
    "TOO_FEW_VALUES_SUBMITTED": SpineCode("error", "value", "Too few values submitted"),
    "TOO_MANY_MATCHES": SpineCode("information", "multiple-matches", "Too Many Matches"),
    "TOO_MANY_VALUES_SUBMITTED": SpineCode("error", "value", "Too many values submitted"),
    "UNSUPPORTED_SERVICE": SpineCode("error", "processing", "Unsupported Service"),
    "UNSUPPORTED_VALUE": SpineCode("error", "value", "Unsupported value"),
    "VALIDATION_ERROR": SpineCode("error", "invalid", "Validation error"),
}


def display_for(code: str) -> str:
    known = SPINE_CODES.get(code)
    return known.display if known else code.replace("_", " ").capitalize()


def operation_outcome(
    code: str, display: str | None = None, diagnostics: str | None = None
) -> dict[str, Any]:
    """An OperationOutcome with one issue for Spine error `code`, shaped like the spec's stubs."""
    known = SPINE_CODES.get(code, SpineCode("error", "processing", display_for(code)))
    issue: dict[str, Any] = {
        "severity": known.severity,
        "code": known.issue_type,
        "details": {
            "coding": [
                {
                    "system": SPINE_ERROR_SYSTEM,
                    "version": "1",
                    "code": code,
                    "display": display or known.display,
                }
            ]
        },
    }
    if diagnostics is not None:
        issue["diagnostics"] = diagnostics
    return {"resourceType": "OperationOutcome", "issue": [issue]}


@dataclass(frozen=True, slots=True)
class HeaderProblem:
    """A request header the platform rejects: status 400, a Spine code and diagnostics."""

    code: str
    diagnostics: str
    status: int = 400


def check_request_id(headers: Mapping[str, str]) -> HeaderProblem | None:
    """X-Request-ID must be present and a UUID (the spec's MISSING_VALUE / INVALID_VALUE)."""
    value = headers.get("x-request-id")
    if value is None or value == "":
        return HeaderProblem(
            "MISSING_VALUE",
            "Invalid request with error - X-Request-ID header must be supplied to access "
            "this resource",
        )
    if not _UUID.match(value):
        return HeaderProblem("INVALID_VALUE", f"Invalid value - '{value}' in header 'X-Request-ID'")
    return None


def echo_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The tracing headers mirrored back on every response."""
    echoed = {}
    request_id = headers.get("x-request-id")
    if request_id is not None:
        echoed["X-Request-ID"] = request_id
    correlation_id = headers.get("x-correlation-id")
    if correlation_id is not None:
        echoed["X-Correlation-ID"] = correlation_id
    return echoed


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    media_type: str


class RequestLedger:
    """Remembers successful responses by X-Request-ID (+ method and target) for a while.

    A repeated request id within the window gets the stored response back instead of being
    processed again, as the platform does, so a retried PATCH or POST is never applied twice.
    """

    def __init__(self, window_s: float = 600.0, capacity: int = 100_000) -> None:
        self.window_s = window_s
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, str, str], tuple[float, StoredResponse]] = (
            OrderedDict()
        )

    def recall(self, key: tuple[str, str, str]) -> StoredResponse | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, response = entry
        if time.monotonic() - stored_at > self.window_s:
            del self._entries[key]
            return None
        return response

    def remember(self, key: tuple[str, str, str], response: StoredResponse) -> None:
        self._entries[key] = (time.monotonic(), response)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

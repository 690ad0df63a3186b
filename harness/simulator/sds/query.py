"""SDS search parameters and headers: parsing, validation, and the errors the legacy SDS gives.

Messages follow the legacy SDS FHIR service word for word, since consumers match on them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.simulator.sds.resources import INTERACTION_SYSTEM, ODS_SYSTEM, PARTY_KEY_SYSTEM

SPINE_CODE_SYSTEM = "https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1"
SPINE_CODES = {
    "BAD_REQUEST": "Bad request",
    "NOT_IMPLEMENTED": "Not implemented",
    "MISSING_OR_INVALID_HEADER": "There is a required header missing or invalid",
}
UUID_PATTERN = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
JSON_TYPES = ("application/fhir+json", "application/json")
XML_TYPE = "application/fhir+xml"


class SdsError(Exception):
    """An error answer: HTTP status plus one OperationOutcome issue."""

    def __init__(
        self, status: int, issue_code: str, spine_code: str, diagnostics: str, **headers: str
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.issue_code = issue_code
        self.spine_code = spine_code
        self.diagnostics = diagnostics
        self.headers = headers

    def outcome(self, outcome_id: str) -> dict[str, Any]:
        return {
            "resourceType": "OperationOutcome",
            "id": outcome_id,
            "issue": [
                {
                    "severity": "error",
                    "code": self.issue_code,
                    "details": {
                        "coding": [
                            {
                                "system": SPINE_CODE_SYSTEM,
                                "code": self.spine_code,
                                "display": SPINE_CODES[self.spine_code],
                            }
                        ]
                    },
                    "diagnostics": self.diagnostics,
                }
            ],
        }


def bad_request(diagnostics: str) -> SdsError:
    return SdsError(400, "required", "BAD_REQUEST", diagnostics)


NOT_FOUND = SdsError(404, "not-found", "NOT_IMPLEMENTED", "HTTP endpoint not found")
METHOD_NOT_ALLOWED = SdsError(
    405, "not-supported", "NOT_IMPLEMENTED", "HTTP operation not supported", Allow="GET"
)


@dataclass(frozen=True, slots=True)
class DeviceQuery:
    ods_code: str
    interaction: str
    party_key: str | None
    manufacturer: str | None


@dataclass(frozen=True, slots=True)
class EndpointQuery:
    ods_code: str | None
    interaction: str | None
    party_key: str | None


def _invalid_parameter(name: str, system: str) -> SdsError:
    return bad_request(
        f"Missing or invalid '{name}' query parameter. Should be '{name}={system}|value'"
    )


def _invalid_identifier() -> SdsError:
    return bad_request(
        "Missing or invalid 'identifier' query parameter. Should be one or both of: ["
        f"'identifier={INTERACTION_SYSTEM}|value', 'identifier={PARTY_KEY_SYSTEM}|value'"
    )


def _check(query: Sequence[tuple[str, str]], allowed: dict[str, tuple[str, ...]]) -> None:
    """Every parameter known, and every value prefixed by one of its token systems."""
    for name, value in query:
        if name not in allowed:
            raise bad_request(f"Illegal query parameter '{name}'")
        systems = allowed[name]
        if not any(value.startswith(f"{system}|") for system in systems):
            if name == "identifier":
                raise _invalid_identifier()
            raise _invalid_parameter(name, systems[0])


def token(query: Sequence[tuple[str, str]], name: str, system: str) -> str | None:
    """The last non-blank value of `name` in `system` (later occurrences win, as in SDS)."""
    found = None
    for key, value in query:
        prefix, _, rest = value.partition("|")
        if key == name and prefix == system and rest.strip():
            found = rest
    return found


def parse_device_query(query: Sequence[tuple[str, str]]) -> DeviceQuery:
    _check(
        query,
        {
            "organization": (ODS_SYSTEM,),
            "identifier": (INTERACTION_SYSTEM, PARTY_KEY_SYSTEM),
            "manufacturing-organization": (ODS_SYSTEM,),
        },
    )
    ods_code = token(query, "organization", ODS_SYSTEM)
    if ods_code is None:
        raise _invalid_parameter("organization", ODS_SYSTEM)
    interaction = token(query, "identifier", INTERACTION_SYSTEM)
    if interaction is None:
        raise _invalid_parameter("identifier", INTERACTION_SYSTEM)
    return DeviceQuery(
        ods_code=ods_code,
        interaction=interaction,
        party_key=token(query, "identifier", PARTY_KEY_SYSTEM),
        manufacturer=token(query, "manufacturing-organization", ODS_SYSTEM),
    )


def parse_endpoint_query(query: Sequence[tuple[str, str]]) -> EndpointQuery:
    _check(
        query,
        {"organization": (ODS_SYSTEM,), "identifier": (INTERACTION_SYSTEM, PARTY_KEY_SYSTEM)},
    )
    ods_code = token(query, "organization", ODS_SYSTEM)
    interaction = token(query, "identifier", INTERACTION_SYSTEM)
    party_key = token(query, "identifier", PARTY_KEY_SYSTEM)
    if (ods_code and not interaction and not party_key) or (
        not ods_code and (not interaction or not party_key)
    ):
        org = f"organization={ODS_SYSTEM}|value"
        key = f"identifier={PARTY_KEY_SYSTEM}|value"
        service = f"identifier={INTERACTION_SYSTEM}|value"
        raise bad_request(
            "Missing or invalid query parameters. Should one of following combinations: ["
            f"'{org}&{service}&{key}''{org}&{service}''{org}&{key}''{service}&{key}']"
        )
    return EndpointQuery(ods_code=ods_code, interaction=interaction, party_key=party_key)


def correlation_id(value: str | None) -> str | None:
    """The caller's X-Correlation-ID, which must be a UUID when given."""
    if value is None or value == "":
        return None
    if not UUID_PATTERN.match(value):
        raise bad_request(
            "Invalid X-Correlation-ID header. Should be an UUIDv4 matching regex "
            f"'{UUID_PATTERN.pattern}'"
        )
    return value


def accepted_media_type(accept: str | None) -> str:
    """The media type to answer with (FHIR JSON by default, or FHIR XML), else 406."""
    if not accept:
        return JSON_TYPES[0]
    offered = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    for media_type in offered:
        if media_type in ("*/*", "application/*", ""):
            return JSON_TYPES[0]
        if media_type in JSON_TYPES or media_type == XML_TYPE:
            return media_type
    raise SdsError(406, "not-supported", "MISSING_OR_INVALID_HEADER", "Accept type not supported")

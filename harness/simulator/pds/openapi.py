"""The PDS FHIR part of `/openapi.json`: every operation, parameter, body and response status.

Parameters carry patterns and enums so that generated traffic (schemathesis) is mostly valid.
"""

from __future__ import annotations

from typing import Any

from harness.simulator.pds import schema
from harness.simulator.pds.routes import BASE_PATH

TAG = "pds"
REF = "#/components/schemas/"
COMPONENT_SCHEMAS: dict[str, Any] = {
    "PdsPatient": schema.PATIENT,
    "PdsPatientSearch": schema.SEARCH_BUNDLE,
    "PdsRelatedPersonBundle": schema.RELATED_PERSON_BUNDLE,
    "PdsOperationOutcome": schema.OPERATION_OUTCOME,
    "PdsPatientPatch": schema.JSON_PATCH_BODY,
    "PdsPatientCreate": schema.PATIENT_CREATE,
}
# A calendar date exactly as the simulator (and PDS) accepts one: years 0001-9999, each month's
# own number of days, 29 February of leap years only.
_YEAR = "([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_MONTH_DAY = (
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|02-(0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_DAY = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)-02-29"
CALENDAR_DATE = f"({_YEAR}-{_MONTH_DAY}|{_LEAP_DAY})"
DATE_VALUE = f"^(eq|ge|le){CALENDAR_DATE}$"
NAME_VALUE = "^[A-Za-z][A-Za-z' -]{1,20}[*]?$"


def _header(name: str, required: bool, schema_: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": schema_,
        "description": description,
    }


COMMON_HEADERS = [
    _header(
        "X-Request-ID",
        True,
        schema.REQUEST_ID,
        "A UUID per request; mirrored back; a repeat within 10 minutes gets the stored answer.",
    ),
    _header("X-Correlation-ID", False, {"type": "string"}, "Any text; mirrored back."),
    _header(
        "NHSD-Session-URID",
        False,
        {"type": "string"},
        "User role: present = healthcare worker access (up to 50 search results, updates); "
        "absent = application-restricted access (1 result, no updates).",
    ),
]
NHS_NUMBER_PARAMETER = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]{10}$", "format": "nhs-number"},
    "description": "NHS number (10 digits, Modulus 11 check digit: format `nhs-number`).",
    "example": "9000000009",
}
ECHO_HEADERS = {
    "X-Request-ID": {"schema": {"type": "string"}},
    "X-Correlation-ID": {"schema": {"type": "string"}},
}
ERROR_TEXT = {
    400: "Invalid request: INVALID_RESOURCE_ID, MISSING_VALUE, INVALID_VALUE, "
    "INVALID_SEARCH_DATA, ADDITIONAL_PROPERTIES, UNSUPPORTED_SERVICE, INVALID_UPDATE, "
    "INVALID_CREATE, UNSUPPORTED_VALUE, TOO_FEW/MANY_VALUES_SUBMITTED, VALIDATION_ERROR.",
    403: "Not allowed in this access mode (INVALID_METHOD, INVALID_VALUE) or FORBIDDEN_UPDATE.",
    404: "RESOURCE_NOT_FOUND or INVALIDATED_RESOURCE.",
    409: "RESOURCE_VERSION_MISMATCH: If-Match names an older version.",
    412: 'PRECONDITION_FAILED: If-Match missing or not W/"<version>".',
}


def _content(name: str) -> dict[str, Any]:
    return {"application/fhir+json": {"schema": {"$ref": REF + name}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {
            "description": ERROR_TEXT[status],
            "headers": ECHO_HEADERS,
            "content": _content("PdsOperationOutcome"),
        }
        for status in statuses
    }


def _query(name: str, schema_: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema_,
        "description": description,
        **extra,
    }


SEARCH_PARAMETERS = [
    _query("family", {"type": "string", "pattern": NAME_VALUE}, "Family name; `*` wildcard."),
    _query(
        "given",
        {"type": "array", "maxItems": 2, "items": {"type": "string", "pattern": NAME_VALUE}},
        "Given names in order (repeat the parameter).",
        style="form",
        explode=True,
    ),
    _query("gender", {"type": "string", "enum": ["male", "female", "other", "unknown"]}, "Gender."),
    _query(
        "birthdate",
        {
            "type": "array",
            "minItems": 1,
            "maxItems": 2,
            "items": {"type": "string", "pattern": DATE_VALUE},
        },
        "`eq|ge|le` + yyyy-mm-dd; a range is one ge and one le.",
        style="form",
        explode=True,
    ),
    _query(
        "death-date",
        {"type": "array", "maxItems": 2, "items": {"type": "string", "pattern": DATE_VALUE}},
        "`eq|ge|le` + yyyy-mm-dd.",
        style="form",
        explode=True,
    ),
    _query(
        "address-postalcode",
        {"type": "string", "pattern": "^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"},
        "Postcode of any address; spaces ignored; `*` wildcard.",
    ),
    _query(
        "general-practitioner",
        {"type": "string", "pattern": "^[A-Z][0-9]{5}$"},
        "ODS code of the registered GP practice.",
    ),
    _query("email", {"type": "string", "format": "email"}, "Exact email address."),
    _query("phone", {"type": "string", "pattern": "^0[0-9]{9,10}$"}, "Exact phone number."),
    _query("_fuzzy-match", {"type": "boolean"}, "Soundex, transposed names, history."),
    _query("_exact-match", {"type": "boolean"}, "Only matches scoring 1."),
    _query("_history", {"type": "boolean"}, "Also match previous names and addresses."),
    _query(
        "_max-results",
        {"type": "integer", "minimum": 1, "maximum": 50},
        "At most this many matches (1 for application-restricted access).",
    ),
]


def _operation(operation_id: str, summary: str, **parts: Any) -> dict[str, Any]:
    return {"operationId": operation_id, "tags": [TAG], "summary": summary, **parts}


def openapi_paths() -> dict[str, Any]:
    patient_ok = {
        "description": "The patient (superseded numbers answer with the replacing record).",
        "headers": {
            "ETag": {"schema": {"type": "string", "pattern": '^W/"[0-9]+"$'}},
            **ECHO_HEADERS,
        },
        "content": _content("PdsPatient"),
    }
    return {
        f"{BASE_PATH}/Patient": {
            "get": _operation(
                "searchPatients",
                "Search for patients",
                parameters=[*COMMON_HEADERS, *SEARCH_PARAMETERS],
                responses={
                    "200": {
                        "description": "A searchset Bundle, or TOO_MANY_MATCHES.",
                        "headers": ECHO_HEADERS,
                        "content": {
                            "application/fhir+json": {
                                "schema": {
                                    "anyOf": [
                                        {"$ref": REF + "PdsPatientSearch"},
                                        {"$ref": REF + "PdsOperationOutcome"},
                                    ]
                                }
                            }
                        },
                    },
                    **_errors(400, 403),
                },
            ),
            "post": _operation(
                "createPatient",
                "Create a patient and allocate an NHS number",
                parameters=list(COMMON_HEADERS),
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": REF + "PdsPatientCreate"}}},
                },
                responses={
                    "201": {
                        "description": "Created, with the newly allocated NHS number.",
                        "headers": ECHO_HEADERS,
                        "content": _content("PdsPatient"),
                    },
                    "200": {
                        "description": "Not created: SINGLE_MATCH or MULTIPLE_MATCHES.",
                        "headers": ECHO_HEADERS,
                        "content": _content("PdsOperationOutcome"),
                    },
                    **_errors(400, 403),
                },
            ),
        },
        f"{BASE_PATH}/Patient/{{id}}": {
            "get": _operation(
                "getPatient",
                "Get a patient's details",
                parameters=[NHS_NUMBER_PARAMETER, *COMMON_HEADERS],
                responses={"200": patient_ok, **_errors(400, 404)},
            ),
            "patch": _operation(
                "updatePatient",
                "Update a patient's details (JSON Patch)",
                parameters=[
                    NHS_NUMBER_PARAMETER,
                    *COMMON_HEADERS,
                    _header(
                        "If-Match",
                        True,
                        {"type": "string", "pattern": '^W/"[0-9]+"$'},
                        "The version being updated, as the ETag of the last read.",
                    ),
                ],
                requestBody={
                    "required": True,
                    "content": {
                        "application/json-patch+json": {"schema": {"$ref": REF + "PdsPatientPatch"}}
                    },
                },
                responses={"200": patient_ok, **_errors(400, 403, 404, 409, 412)},
            ),
        },
        f"{BASE_PATH}/Patient/{{id}}/RelatedPerson": {
            "get": _operation(
                "getRelatedPersons",
                "Get a patient's related people",
                parameters=[NHS_NUMBER_PARAMETER, *COMMON_HEADERS],
                responses={
                    "200": {
                        "description": "A Bundle of RelatedPerson (empty for restricted patients).",
                        "headers": ECHO_HEADERS,
                        "content": _content("PdsRelatedPersonBundle"),
                    },
                    **_errors(400, 404),
                },
            )
        },
    }


def openapi_components() -> dict[str, Any]:
    return {"schemas": dict(COMPONENT_SCHEMAS)}

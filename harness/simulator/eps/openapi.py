"""The EPS part of the simulator's OpenAPI document (tag `eps`).

One operation per path and method, since operations are told apart by path and method:
`$process-message` carries prescription orders, cancellations and dispense notifications,
and `POST /Task` carries returns (status `rejected`) and withdrawals (status `in-progress`).
"""

from __future__ import annotations

from typing import Any

from harness.simulator.eps.routes import BASE_PATH, TASK_QUERY

Json = dict[str, Any]
FHIR_JSON = "application/fhir+json"
REF = "#/components/schemas/"

HEADERS: list[Json] = [
    {
        "in": "header",
        "name": "X-Request-ID",
        "required": True,
        "description": "A UUID per request; mirrored back. A repeated id within ten minutes "
        "gets the first answer again (de-duplication).",
        "schema": {
            "type": "string",
            "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
            "[0-9a-fA-F]{12}$",
        },
    },
    {
        "in": "header",
        "name": "X-Correlation-ID",
        "required": False,
        "description": "Optional tracing id; mirrored back.",
        "schema": {"type": "string"},
    },
]


def _resource(kind: str, **properties: Json) -> Json:
    return {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string", "enum": [kind]}, **properties},
    }


def openapi_components() -> dict[str, Any]:
    object_list = {"type": "array", "items": {"type": "object"}}
    coding = {
        "type": "object",
        "properties": {
            "system": {"type": "string"},
            "code": {"type": "string"},
            "display": {"type": "string"},
        },
    }
    issue = {
        "type": "object",
        "required": ["severity", "code"],
        "properties": {
            "severity": {"type": "string", "enum": ["fatal", "error", "warning", "information"]},
            "code": {"type": "string"},
            "details": {
                "type": "object",
                "properties": {"coding": {"type": "array", "items": coding}},
            },
            "diagnostics": {"type": "string"},
        },
    }
    return {
        "schemas": {
            "EpsOperationOutcome": {
                **_resource(
                    "OperationOutcome",
                    meta={"type": "object"},
                    issue={"type": "array", "minItems": 1, "items": issue},
                    contained=object_list,
                    extension=object_list,
                ),
                "required": ["resourceType", "issue"],
            },
            "EpsBundle": {
                **_resource(
                    "Bundle",
                    type={"type": "string", "enum": ["message", "searchset"]},
                    total={"type": "integer", "minimum": 0},
                    entry=object_list,
                ),
                "required": ["resourceType", "type"],
            },
            "EpsParameters": _resource(
                "Parameters",
                parameter={
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name"],
                        "properties": {"name": {"type": "string"}},
                    },
                },
            ),
            "EpsMessageBundle": {
                **_resource(
                    "Bundle",
                    type={"type": "string", "enum": ["message"]},
                    entry={
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "properties": {
                                "fullUrl": {"type": "string"},
                                "resource": {"type": "object"},
                            },
                        },
                    },
                ),
                "required": ["resourceType", "entry"],
            },
            "EpsReleaseRequest": {
                **_resource("Parameters", parameter={**object_list, "minItems": 1}),
                "required": ["resourceType", "parameter"],
            },
            "EpsTask": {
                **_resource(
                    "Task",
                    status={"type": "string", "enum": ["in-progress", "rejected"]},
                    groupIdentifier={"type": "object"},
                ),
                "required": ["resourceType", "status", "groupIdentifier"],
            },
            "EpsClaim": {
                **_resource("Claim", prescription={"type": "object"}, item=object_list),
                "required": ["resourceType", "prescription"],
            },
        }
    }


def _json(schema: str) -> Json:
    return {FHIR_JSON: {"schema": {"$ref": REF + schema}}}


def _error_response() -> Json:
    return {"description": "Refused: an OperationOutcome.", "content": _json("EpsOperationOutcome")}


def _post(operation_id: str, summary: str, request: str, ok: str, description: str) -> Json:
    return {
        "post": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "tags": ["eps"],
            "parameters": HEADERS,
            "requestBody": {"required": True, "content": _json(request)},
            "responses": {
                "200": {"description": "Done.", "content": _json(ok)},
                "4XX": _error_response(),
            },
        }
    }


def openapi_paths() -> dict[str, Any]:
    process = _post(
        "processMessage",
        "Create, cancel, or record a dispense notification for a prescription",
        "EpsMessageBundle",
        "EpsOperationOutcome",
        "MessageHeader.eventCoding.code chooses: `prescription-order` (create), "
        "`prescription-order-update` (cancel one line; the answer is a Bundle with the "
        "R-code, 200 for R-0001, 400 otherwise) or `dispense-notification`.",
    )
    process["post"]["responses"]["200"]["content"] = {
        FHIR_JSON: {
            "schema": {
                "oneOf": [{"$ref": REF + "EpsOperationOutcome"}, {"$ref": REF + "EpsBundle"}]
            }
        }
    }
    process["post"]["responses"]["4XX"]["content"] = process["post"]["responses"]["200"]["content"]
    convert = _post(
        "convert",
        "The HL7 v3 translation of a prescription message",
        "EpsMessageBundle",
        "EpsOperationOutcome",
        "Answers `application/xml`: PORX_IN020101SM31 for a prescription order, "
        "PORX_IN030101SM32 for a cancellation. Changes no state.",
    )
    convert["post"]["parameters"] = [
        *HEADERS,
        {
            "in": "header",
            "name": "NHSD-Session-URID",
            "required": False,
            "description": "The sender's role profile id, written into ControlActEvent/author.",
            "schema": {"type": "string"},
        },
    ]
    convert["post"]["responses"]["200"] = {
        "description": "The HL7 v3 message.",
        "content": {"application/xml": {"schema": {"type": "string"}}},
    }
    search = {
        "get": {
            "operationId": "searchTasks",
            "summary": "Find prescriptions' Tasks (tracker)",
            "description": "By Task id (`identifier`), by prescription short-form id "
            "(`focus:identifier`), or by business status (`business-status`, a simulator "
            "extension listing the seeded prescriptions).",
            "tags": ["eps"],
            "parameters": [
                *HEADERS[1:],
                *[
                    {"in": "query", "name": name, "required": False, "schema": {"type": "string"}}
                    for name in TASK_QUERY
                ],
            ],
            "responses": {
                "200": {
                    "description": "A searchset Bundle of Tasks.",
                    "content": _json("EpsBundle"),
                },
                "4XX": _error_response(),
            },
        }
    }
    task = _post(
        "returnOrWithdraw",
        "Return a downloaded prescription, or withdraw a dispense notification",
        "EpsTask",
        "EpsOperationOutcome",
        "Task.status `rejected` returns the prescription (reason from "
        "EPS-task-dispense-return-status-reason); `in-progress` withdraws the latest dispense "
        "notification (reason from EPS-task-dispense-withdraw-reason).",
    )
    return {
        f"{BASE_PATH}/$prepare": _post(
            "prepare",
            "Encode a prescription ready to sign",
            "EpsMessageBundle",
            "EpsParameters",
            "Validates an unsigned prescription-order and answers the digest to sign.",
        ),
        f"{BASE_PATH}/$process-message": process,
        f"{BASE_PATH}/$convert": convert,
        f"{BASE_PATH}/Task/$release": _post(
            "releasePrescription",
            "Download prescriptions for dispensing",
            "EpsReleaseRequest",
            "EpsParameters",
            "With `group-identifier`: one prescription (patient release); without: up to 25 "
            "prescriptions nominated to the `owner` pharmacy.",
        ),
        f"{BASE_PATH}/Task": {**task, **search},
        f"{BASE_PATH}/Claim": _post(
            "claim",
            "Claim reimbursement for a dispensed prescription",
            "EpsClaim",
            "EpsOperationOutcome",
            "Closes a Dispensed (Claimed) or Not Dispensed (No-Claimed) prescription.",
        ),
    }

"""The SMSP face's part of `/openapi.json`: one POST operation, selected by SOAPAction."""

from __future__ import annotations

from typing import Any

from harness.simulator.smsp.operations import OPERATIONS
from harness.simulator.smsp.requests import request_envelope

SMSP_PATH = "/smsp/pds"
EXAMPLE_MESSAGE_ID = "8A4E5A6C-0A40-4D1A-9E53-6A1F3C2B7D10"
EXAMPLE_PAYLOAD_ID = "2C6D3F0E-5B7A-4C1D-8E9F-0A1B2C3D4E5F"
BORN = "2010-10-22"
# One request per operation, all for the sandbox patient Jane Smith (9000000009).
EXAMPLES: dict[str, dict[str, Any]] = {
    "getPatientDetailsByNHSNumber": {"nhs_number": "9000000009", "birth_date": BORN},
    "getPatientDetailsBySearch": {"family": "Smith", "gender": "female", "birth_date": BORN},
    "getNHSNumber": {"family": "Smith", "given": ("Jane",), "gender": "female", "birth_date": BORN},
    "verifyNHSNumber": {
        "nhs_number": "9000000009",
        "family": "Smith",
        "given": ("Jane",),
        "birth_date": BORN,
    },
}


def openapi_paths() -> dict[str, Any]:
    actions = {operation.action: operation.operation_id for operation in OPERATIONS}
    xml = {"schema": {"type": "string"}}
    examples = {
        operation_id: {
            "summary": f"{operation_id} for a sandbox patient",
            "value": request_envelope(
                operation_id,
                message_id=EXAMPLE_MESSAGE_ID,
                payload_id=EXAMPLE_PAYLOAD_ID,
                **parameters,
            ).decode(),
        }
        for operation_id, parameters in EXAMPLES.items()
    }
    return {
        SMSP_PATH: {
            "post": {
                "operationId": "smspPds",
                "summary": "PDS Spine Mini Services (SOAP 1.1), operation chosen by SOAPAction",
                "description": (
                    "One SOAP endpoint for getPatientDetailsByNHSNumber, "
                    "getPatientDetailsBySearch, getNHSNumber and verifyNHSNumber. "
                    "Request errors answer a SOAP fault (faultcode Client) with HTTP 400."
                ),
                "tags": ["pds"],
                "x-soap-actions": actions,
                "parameters": [
                    {
                        "name": "SOAPAction",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string", "enum": list(actions)},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"text/xml": {**xml, "examples": examples}},
                },
                "responses": {
                    "200": {
                        "description": "SOAP response; the outcome code is in the payload value",
                        "content": {"text/xml": xml},
                    },
                    "400": {
                        "description": "SOAP fault (Client): bad envelope, action or data",
                        "content": {"text/xml": xml},
                    },
                },
            }
        }
    }

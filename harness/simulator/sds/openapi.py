"""SDS's part of the simulator's OpenAPI document (operations `searchDevices`, `searchEndpoints`).

Follows the published SDS FHIR specification, with two deliberate tightenings so generated
traffic is meaningful: token parameters carry a `pattern` naming their system (exactly what the
service accepts), and every error answer is a described OperationOutcome.
"""

from __future__ import annotations

from typing import Any

TAG = "sds"
REF = "#/components/schemas/"

# Patterns say exactly what the service accepts: the token's system, then a non-blank value.
_ODS_TOKEN = r"^https://fhir\.nhs\.uk/Id/ods-organization-code\|[\s\S]*\S[\s\S]*$"
_IDENTIFIER_TOKEN = (
    r"^https://fhir\.nhs\.uk/Id/(nhsServiceInteractionId|nhsMhsPartyKey)\|[\s\S]*\S[\s\S]*$"
)
_UUID_OR_EMPTY = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$"
_EXAMPLE_INTERACTION = (
    "https://fhir.nhs.uk/Id/nhsServiceInteractionId|urn:nhs:names:services:psis:REPC_IN150016UK05"
)


def _schema(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _parameters(organization_required: bool, manufacturer: bool) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = [
        {
            "in": "query",
            "name": "organization",
            "required": organization_required,
            "description": "ODS code as a token: `https://fhir.nhs.uk/Id/ods-organization-code|X`.",
            "schema": {"type": "string", "pattern": _ODS_TOKEN},
            "example": "https://fhir.nhs.uk/Id/ods-organization-code|YES",
        },
        {
            "in": "query",
            "name": "identifier",
            "required": True,
            "description": (
                "Service interaction id (`https://fhir.nhs.uk/Id/nhsServiceInteractionId|...`) "
                "and/or MHS party key (`https://fhir.nhs.uk/Id/nhsMhsPartyKey|...`), "
                "as separate occurrences."
            ),
            "schema": {
                "type": "array",
                "items": {"type": "string", "pattern": _IDENTIFIER_TOKEN},
                "minItems": 1,
            },
            "style": "form",
            "explode": True,
            "example": [_EXAMPLE_INTERACTION],
        },
    ]
    if manufacturer:
        parameters.append(
            {
                "in": "query",
                "name": "manufacturing-organization",
                "required": False,
                "description": "Manufacturing organisation ODS code, as a token.",
                "schema": {"type": "string", "pattern": _ODS_TOKEN},
            }
        )
    parameters += [
        {
            "in": "header",
            "name": "X-Correlation-ID",
            "required": False,
            "description": "UUID for request tracking; echoed back (generated when absent).",
            "schema": {"type": "string", "pattern": _UUID_OR_EMPTY},
        },
        {
            "in": "header",
            "name": "X-Request-ID",
            "required": False,
            "description": "Echoed back when given (not checked by SDS).",
            "schema": {"type": "string"},
        },
        {
            "in": "header",
            "name": "apikey",
            "required": False,
            "description": "API key; any value is accepted by the simulator.",
            "schema": {"type": "string"},
        },
    ]
    return parameters


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/fhir+json": {"schema": _schema("SdsOperationOutcome")}},
    }


def _operation(
    operation_id: str, summary: str, bundle: str, organization_required: bool, manufacturer: bool
) -> dict[str, Any]:
    bundle_schema = _schema(bundle)
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": [TAG],
            "parameters": _parameters(organization_required, manufacturer),
            "responses": {
                "200": {
                    "description": "All matching records (possibly none).",
                    "headers": {
                        "X-Correlation-ID": {"schema": {"type": "string", "format": "uuid"}}
                    },
                    "content": {
                        "application/fhir+json": {"schema": bundle_schema},
                        "application/json": {"schema": bundle_schema},
                        "application/fhir+xml": {"schema": {"type": "string"}},
                    },
                },
                "400": _error("Missing or invalid query parameter(s) or header."),
                "404": _error("Invalid endpoint path."),
                "405": _error("Unsupported HTTP method: only GET."),
                "406": _error("Unsupported Accept media type (FHIR JSON and XML are offered)."),
            },
        }
    }


def openapi_paths(base_path: str) -> dict[str, Any]:
    return {
        f"{base_path}/Device": _operation(
            "searchDevices",
            "Get accredited system details (ASID, party key, interactions).",
            "SdsDeviceBundle",
            organization_required=True,
            manufacturer=True,
        ),
        f"{base_path}/Endpoint": _operation(
            "searchEndpoints",
            "Get routing and reliability details (address, MHS settings).",
            "SdsEndpointBundle",
            organization_required=False,
            manufacturer=False,
        ),
    }


_IDENTIFIER = {
    "type": "object",
    "required": ["system", "value"],
    "properties": {"system": {"type": "string"}, "value": {"type": "string"}},
}
_REFERENCE_EXTENSION = {
    "type": "object",
    "required": ["url"],
    "properties": {
        "url": {"type": "string"},
        "valueReference": {"type": "object", "properties": {"identifier": _IDENTIFIER}},
        "extension": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["url"],
                "properties": {
                    "url": {"type": "string"},
                    "valueString": {"type": "string"},
                    "valueInteger": {"type": "integer"},
                },
            },
        },
    },
}


def _bundle(resource: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["resourceType", "id", "type", "total", "link", "entry"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["Bundle"]},
            "id": {"type": "string", "format": "uuid"},
            "type": {"type": "string", "enum": ["searchset"]},
            "total": {"type": "integer", "minimum": 0},
            "link": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"relation": {"type": "string"}, "url": {"type": "string"}},
                },
            },
            "entry": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["fullUrl", "resource"],
                    "properties": {
                        "fullUrl": {"type": "string"},
                        "resource": _schema(resource),
                        "search": {
                            "type": "object",
                            "properties": {"mode": {"type": "string", "enum": ["match"]}},
                        },
                    },
                },
            },
        },
    }


def openapi_components() -> dict[str, Any]:
    return {
        "schemas": {
            "SdsDeviceBundle": _bundle("SdsDevice"),
            "SdsEndpointBundle": _bundle("SdsEndpoint"),
            "SdsDevice": {
                "type": "object",
                "required": ["resourceType", "id", "identifier", "extension", "owner"],
                "properties": {
                    "resourceType": {"type": "string", "enum": ["Device"]},
                    "id": {"type": "string"},
                    "identifier": {"type": "array", "items": _IDENTIFIER},
                    "extension": {"type": "array", "items": _REFERENCE_EXTENSION},
                    "owner": {"type": "object", "properties": {"identifier": _IDENTIFIER}},
                },
            },
            "SdsEndpoint": {
                "type": "object",
                "required": ["resourceType", "id", "status", "address", "identifier"],
                "properties": {
                    "resourceType": {"type": "string", "enum": ["Endpoint"]},
                    "id": {"type": "string"},
                    "status": {"type": "string", "enum": ["active"]},
                    "connectionType": {
                        "type": "object",
                        "properties": {
                            "system": {"type": "string"},
                            "code": {"type": "string"},
                            "display": {"type": "string"},
                        },
                    },
                    "payloadType": {"type": "array", "items": {"type": "object"}},
                    "address": {"type": "string"},
                    "managingOrganization": {
                        "type": "object",
                        "properties": {"identifier": _IDENTIFIER},
                    },
                    "identifier": {"type": "array", "items": _IDENTIFIER},
                    "extension": {"type": "array", "items": _REFERENCE_EXTENSION},
                },
            },
            "SdsOperationOutcome": {
                "type": "object",
                "required": ["resourceType", "issue"],
                "properties": {
                    "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
                    "id": {"type": "string"},
                    "issue": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["severity", "code"],
                            "properties": {
                                "severity": {"type": "string"},
                                "code": {"type": "string"},
                                "details": {"type": "object"},
                                "diagnostics": {"type": "string"},
                            },
                        },
                    },
                },
            },
        }
    }

"""JSON Schemas of the PDS FHIR resources the simulator serves (OpenAPI 3.0 dialect).

They feed `/openapi.json` and guard PATCH and POST: a patched or created Patient that would
not conform is refused with a 400 instead of being stored and served.
"""

from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped]

from harness.simulator.fhir import UUID_PATTERN


def searchset_bundle(entry: dict[str, Any], max_entries: int | None = None) -> dict[str, Any]:
    """A FHIR searchset Bundle whose `entry` items have the schema `entry`."""
    entries: dict[str, Any] = {"type": "array"}
    if max_entries is not None:
        entries["maxItems"] = max_entries
    entries["items"] = entry
    return {
        "type": "object",
        "required": ["resourceType", "type", "total"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["Bundle"]},
            "type": {"type": "string", "enum": ["searchset"]},
            "timestamp": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "entry": entries,
        },
    }


NHS_NUMBER = {"type": "string", "pattern": "^[0-9]{10}$"}
DATE = {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
PERIOD = {
    "type": "object",
    "required": ["start"],
    "properties": {"start": DATE, "end": DATE},
}
STRINGS = {"type": "array", "items": {"type": "string"}}
EXTENSIONS = {"type": "array", "items": {"type": "object", "required": ["url"]}}
CODING = {
    "type": "object",
    "properties": {
        "system": {"type": "string"},
        "version": {"type": "string"},
        "code": {"type": "string"},
        "display": {"type": "string"},
    },
}
HUMAN_NAME = {
    "type": "object",
    "required": ["use", "family"],
    "properties": {
        "id": {"type": "string"},
        "use": {"type": "string", "enum": ["usual", "temp", "nickname", "old", "maiden"]},
        "period": PERIOD,
        "given": {"type": "array", "maxItems": 5, "items": {"type": "string"}},
        "family": {"type": "string"},
        "prefix": STRINGS,
        "suffix": STRINGS,
    },
}
ADDRESS = {
    "type": "object",
    "required": ["use"],
    "properties": {
        "id": {"type": "string"},
        "period": PERIOD,
        "use": {"type": "string", "enum": ["home", "work", "temp", "billing"]},
        "text": {"type": "string"},
        "line": {"type": "array", "maxItems": 5, "items": {"type": "string"}},
        "postalCode": {"type": "string"},
        "extension": EXTENSIONS,
    },
}
CONTACT_POINT = {
    "type": "object",
    "required": ["system", "value"],
    "properties": {
        "id": {"type": "string"},
        "period": PERIOD,
        "system": {"type": "string", "enum": ["phone", "fax", "email", "other"]},
        "value": {"type": "string"},
        "use": {"type": "string", "enum": ["home", "work", "temp", "mobile"]},
        "extension": EXTENSIONS,
    },
}
ORGANIZATION_REFERENCE = {
    "type": "object",
    "required": ["identifier"],
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string"},
        "identifier": {
            "type": "object",
            "required": ["value"],
            "properties": {
                "system": {"type": "string"},
                "value": {"type": "string"},
                "period": PERIOD,
            },
        },
    },
}
META = {
    "type": "object",
    "properties": {
        "versionId": {"type": "string"},
        "security": {
            "type": "array",
            "maxItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "system": {"type": "string"},
                    "code": {"type": "string", "enum": ["U", "R", "V", "REDACTED"]},
                    "display": {"type": "string"},
                },
            },
        },
    },
}
PATIENT = {
    "type": "object",
    "required": ["resourceType", "id"],
    "additionalProperties": False,
    "properties": {
        "resourceType": {"type": "string", "enum": ["Patient"]},
        "id": NHS_NUMBER,
        "identifier": {
            "type": "array",
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["value"],
                "properties": {
                    "system": {"type": "string"},
                    "value": NHS_NUMBER,
                    "extension": EXTENSIONS,
                },
            },
        },
        "meta": META,
        "name": {"type": "array", "minItems": 1, "items": HUMAN_NAME},
        "gender": {"type": "string", "enum": ["male", "female", "other", "unknown"]},
        "birthDate": DATE,
        "multipleBirthInteger": {"type": "integer", "minimum": 1, "maximum": 9},
        "deceasedDateTime": {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\+00:00)?)?$",
        },
        "address": {"type": "array", "items": ADDRESS},
        "telecom": {"type": "array", "items": CONTACT_POINT},
        "contact": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["relationship"],
                "properties": {
                    "id": {"type": "string"},
                    "period": PERIOD,
                    "relationship": {"type": "array", "items": {"type": "object"}},
                    "telecom": {"type": "array", "items": CONTACT_POINT},
                },
            },
        },
        "generalPractitioner": {"type": "array", "maxItems": 1, "items": ORGANIZATION_REFERENCE},
        "managingOrganization": ORGANIZATION_REFERENCE,
        "extension": EXTENSIONS,
    },
}
SEARCH_BUNDLE = searchset_bundle(
    {
        "type": "object",
        "required": ["fullUrl", "search", "resource"],
        "properties": {
            "fullUrl": {"type": "string"},
            "search": {
                "type": "object",
                "required": ["score"],
                "properties": {"score": {"type": "number", "minimum": 0, "maximum": 1}},
            },
            "resource": PATIENT,
        },
    },
    max_entries=50,
)
RELATED_PERSON = {
    "type": "object",
    "required": ["resourceType", "id", "patient", "relationship"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["RelatedPerson"]},
        "id": {"type": "string"},
        "active": {"type": "boolean"},
        "period": PERIOD,
        "patient": {
            "type": "object",
            "properties": {
                "identifier": {
                    "type": "object",
                    "properties": {"system": {"type": "string"}, "value": NHS_NUMBER},
                }
            },
        },
        "name": {"type": "array", "maxItems": 1, "items": HUMAN_NAME},
        "address": {"type": "array", "maxItems": 1, "items": ADDRESS},
        "telecom": {"type": "array", "maxItems": 5, "items": CONTACT_POINT},
        "relationship": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {"coding": {"type": "array", "items": CODING}},
            },
        },
        "extension": EXTENSIONS,
    },
}
RELATED_PERSON_BUNDLE = searchset_bundle(
    {
        "type": "object",
        "required": ["fullUrl", "resource"],
        "properties": {"fullUrl": {"type": "string"}, "resource": RELATED_PERSON},
    }
)
OPERATION_OUTCOME = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {
                        "type": "string",
                        "enum": ["fatal", "error", "warning", "information"],
                    },
                    "code": {"type": "string"},
                    "details": {
                        "type": "object",
                        "properties": {"coding": {"type": "array", "items": CODING}},
                    },
                    "diagnostics": {"type": "string"},
                },
            },
        },
    },
}
JSON_PATCH_BODY = {
    "type": "object",
    "required": ["patches"],
    "properties": {
        "patches": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["op", "path"],
                "properties": {
                    "op": {"type": "string", "enum": ["add", "remove", "replace", "test"]},
                    "path": {"type": "string", "pattern": "^/"},
                    "value": {},
                },
            },
        }
    },
}
# What a create request may hold, as `simulator.pds.create` checks it: a family name and any
# given names are non-empty, addresses are home, temp or billing ones.
_CREATE_NAME = {
    **HUMAN_NAME,
    "properties": {
        **HUMAN_NAME["properties"],  # type: ignore[dict-item]
        "family": {"type": "string", "minLength": 1},
        "given": {"type": "array", "maxItems": 5, "items": {"type": "string", "minLength": 1}},
    },
}
_CREATE_ADDRESS = {
    **ADDRESS,
    "properties": {
        **ADDRESS["properties"],  # type: ignore[dict-item]
        "use": {"type": "string", "enum": ["home", "temp", "billing"]},
    },
}
PATIENT_CREATE = {
    "type": "object",
    "required": ["name", "gender", "birthDate", "address", "extension"],
    "additionalProperties": False,
    "properties": {
        "resourceType": {"type": "string", "enum": ["Patient"]},
        "name": {"type": "array", "minItems": 1, "maxItems": 1, "items": _CREATE_NAME},
        "gender": {"type": "string", "enum": ["male", "female", "unknown"]},
        "birthDate": {"type": "string", "format": "date"},
        "address": {"type": "array", "minItems": 1, "items": _CREATE_ADDRESS},
        "telecom": {"type": "array", "items": CONTACT_POINT},
        "extension": EXTENSIONS,
    },
}
REQUEST_ID = {"type": "string", "format": "uuid", "pattern": UUID_PATTERN}

_patient_validator = jsonschema.Draft4Validator(PATIENT)


def patient_problem(resource: Any) -> str | None:
    """Why `resource` is not a Patient this service may serve, or None when it conforms."""
    error = jsonschema.exceptions.best_match(_patient_validator.iter_errors(resource))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path)
    return f"'{where or 'Patient'}': {error.message}"

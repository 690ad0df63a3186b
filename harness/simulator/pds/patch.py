"""PATCH /Patient/{id}: JSON Patch (RFC 6902) with the business rules the spec publishes.

All patches apply or none do: they run on a copy; the record is only replaced on success.
"""

from __future__ import annotations

import copy
import random
import re
from datetime import UTC, date, datetime
from typing import Any

from harness.simulator.pds.model import Access, PdsError, resolve
from harness.simulator.pds.schema import patient_problem
from harness.simulator.population import PatientRecord, Population

_IF_MATCH = re.compile(r'^W/"([0-9]+)"$')
UPDATABLE = {
    "name",
    "gender",
    "birthDate",
    "deceasedDateTime",
    "address",
    "telecom",
    "contact",
    "generalPractitioner",
    "managingOrganization",
    "multipleBirthInteger",
    "extension",
}
READ_ONLY = {"id", "identifier", "meta", "resourceType"}
LISTS_WITH_IDS = {"name", "address", "telecom", "contact", "generalPractitioner"}
NOT_REMOVABLE = {"gender", "birthDate", "deceasedDateTime"}
SETTABLE_GENDERS = ("male", "female", "unknown")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ids = random.Random()


def invalid_update(diagnostics: str) -> PdsError:
    return PdsError("INVALID_UPDATE", 400, diagnostics=f"Invalid update with error - {diagnostics}")


def expected_version(if_match: str | None) -> int:
    """The version an If-Match header names; PRECONDITION_FAILED (412) if missing/malformed."""
    if not if_match:
        raise PdsError(
            "PRECONDITION_FAILED",
            412,
            diagnostics="Invalid request with error - If-Match header "
            "must be supplied to update this resource",
        )
    match = _IF_MATCH.match(if_match.strip())
    if match is None:
        raise PdsError(
            "PRECONDITION_FAILED",
            412,
            diagnostics=f"Invalid request with error - If-Match header '{if_match}' must be "
            'of the form W/"<version>"',
        )
    return int(match.group(1))


def _tokens(path: Any) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/") or path == "/":
        raise invalid_update(f"Invalid patch path '{path}'")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _walk(document: Any, tokens: list[str], path: str) -> Any:
    node = document
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise invalid_update(f"Invalid patch path '{path}': no such element")
    return node


def _apply(document: dict[str, Any], operation: dict[str, Any]) -> None:
    op, path = operation["op"], operation["path"]
    tokens = _tokens(path)
    parent = _walk(document, tokens[:-1], path)
    key = tokens[-1]
    if op == "test":
        if _walk(document, tokens, path) != operation["value"]:
            raise invalid_update(f"Test operation failed for path '{path}'")
        return
    value = copy.deepcopy(operation.get("value"))
    if isinstance(parent, dict):
        if op in ("replace", "remove") and key not in parent:
            raise invalid_update(f"Invalid patch path '{path}': no such element")
        if op == "remove":
            del parent[key]
        else:
            parent[key] = value
        return
    if not isinstance(parent, list):
        raise invalid_update(f"Invalid patch path '{path}'")
    if key == "-" and op == "add":
        parent.append(value)
        return
    if not key.isdigit() or int(key) > len(parent) or (op != "add" and int(key) == len(parent)):
        raise invalid_update(f"Invalid patch path '{path}': no such element")
    index = int(key)
    if op == "add":
        parent.insert(index, value)
    elif op == "remove":
        del parent[index]
    else:
        parent[index] = value


def _check_operation(
    operation: Any, previous: Any, record: PatientRecord, today: str
) -> dict[str, Any]:
    if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
        raise invalid_update("each patch needs 'op' and 'path'")
    op, path = operation["op"], operation["path"]
    if op not in ("add", "remove", "replace", "test"):
        raise invalid_update(f"Invalid patch operation '{op}'")
    tokens = _tokens(path)
    if op in ("add", "replace", "test") and "value" not in operation:
        raise invalid_update(f"Patch operation '{op}' on '{path}' needs a 'value'")
    if op == "remove" and "value" in operation:
        raise invalid_update(f"Patch operation 'remove' on '{path}' must not have a 'value'")
    field = tokens[0]
    if op != "test" and field in READ_ONLY:
        raise PdsError(
            "FORBIDDEN_UPDATE",
            403,
            diagnostics=f"Invalid update with error - '{field}' cannot be updated",
        )
    if field not in UPDATABLE and field not in READ_ONLY:
        raise invalid_update(f"Update unsupported for resource - '{field}'")
    if op == "test":
        return operation
    base_list = field in LISTS_WITH_IDS or field == "extension"
    if len(tokens) == 2 and base_list:
        if op == "add" and tokens[1] != "-":
            raise invalid_update(f"New items are added to '{field}' with the path '/{field}/-'")
        if op == "remove" and not (
            isinstance(previous, dict)
            and previous.get("op") == "test"
            and isinstance(previous.get("path"), str)
            and previous["path"].startswith(f"/{field}/{tokens[1]}")
        ):
            raise invalid_update(
                f"Removing '{path}' must immediately follow a test of the item's id or url"
            )
    if op == "remove" and len(tokens) == 1 and field in NOT_REMOVABLE:
        raise invalid_update(f"'{field}' cannot be removed")
    if field == "gender" and op in ("add", "replace"):
        _check_gender(operation["value"])
    if field == "birthDate" and op in ("add", "replace"):
        _check_date(operation["value"], "birthDate", today)
    if field == "deceasedDateTime" and op == "replace" and _formal_death(record):
        raise PdsError(
            "FORBIDDEN_UPDATE",
            403,
            diagnostics="Invalid update with error - a formally notified date of death cannot "
            "be replaced",
        )
    if op == "add" and len(tokens) == 2 and field in LISTS_WITH_IDS:
        if not isinstance(operation["value"], dict):
            raise invalid_update(f"A new '{field}' item must be an object")
        item = dict(operation["value"])
        item.setdefault("id", f"{_ids.getrandbits(32):08X}")
        if field != "generalPractitioner":
            item.setdefault("period", {"start": today})
        return {**operation, "value": item}
    return operation


def _check_gender(value: Any) -> None:
    if value == "other":
        raise PdsError(
            "UNSUPPORTED_VALUE", 400, diagnostics="Unsupported value - 'other' in field 'gender'"
        )
    if value not in SETTABLE_GENDERS:
        raise PdsError(
            "INVALID_VALUE", 400, diagnostics=f"Invalid value - '{value}' in field 'gender'"
        )


def _check_date(value: Any, field: str, today: str) -> None:
    if not isinstance(value, str) or not _DATE.match(value):
        raise PdsError(
            "INVALID_VALUE", 400, diagnostics=f"Invalid value - '{value}' in field '{field}'"
        )
    try:
        date.fromisoformat(value)
    except ValueError:
        raise PdsError(
            "INVALID_VALUE", 400, diagnostics=f"Invalid value - '{value}' in field '{field}'"
        ) from None
    if value > today:
        raise invalid_update(f"'{field}' cannot be in the future")


def _formal_death(record: PatientRecord) -> bool:
    for extension in record.resource.get("extension", []):
        if str(extension.get("url", "")).endswith("DeathNotificationStatus"):
            for part in extension.get("extension", []):
                codings = part.get("valueCodeableConcept", {}).get("coding", [{}])
                if codings and codings[0].get("code") == "2":
                    return True
    return False


def update_patient(
    population: Population,
    nhs_number: str,
    expected: int,
    body: Any,
    access: Access,
) -> PatientRecord:
    """Apply a JSON Patch body ({"patches": [...]}) to the record; returns the stored new one.

    Raises PdsError: the id errors of a read, RESOURCE_VERSION_MISMATCH (409) when `expected`
    is stale, FORBIDDEN_UPDATE (403) for restricted patients and read-only fields,
    INVALID_UPDATE / INVALID_VALUE / UNSUPPORTED_VALUE (400) for bad patches.
    """
    access.require_update()
    record = resolve(population, nhs_number)
    if expected != record.version:
        raise PdsError("RESOURCE_VERSION_MISMATCH", 409)
    if not isinstance(body, dict) or not isinstance(body.get("patches"), list):
        raise invalid_update("no 'patches' array in the request body")
    if not body["patches"]:
        raise invalid_update("the 'patches' array is empty")
    if record.restricted:
        raise PdsError(
            "FORBIDDEN_UPDATE",
            403,
            diagnostics="Invalid update with error - restricted patients can only be updated "
            "by authorised systems",
        )
    today = datetime.now(UTC).date().isoformat()
    document = copy.deepcopy(record.resource)
    previous: Any = None
    for raw in body["patches"]:
        operation = _check_operation(raw, previous, record, today)
        _apply(document, operation)
        previous = raw
    if document.get("gender") not in (None, *SETTABLE_GENDERS, record.resource.get("gender")):
        _check_gender(document.get("gender"))
    problem = patient_problem(document)
    if problem is not None:
        raise invalid_update(f"the patched patient is not valid: {problem}")
    updated = record.with_resource(document)
    population.store(updated)
    return updated

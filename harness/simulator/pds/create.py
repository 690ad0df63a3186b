"""POST /Patient: create a record and allocate an NHS number, unless the person is already known.

Matching on family, first given name, birth date, gender and postcode: one existing record ->
SINGLE_MATCH, several -> MULTIPLE_MATCHES (both HTTP 200 OperationOutcomes on the platform).
"""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime
from typing import Any

from harness.simulator.pds.model import Access, PdsError
from harness.simulator.pds.schema import patient_problem
from harness.simulator.population import PatientRecord, Population, shapes

ALLOWED_FIELDS = {"resourceType", "name", "gender", "birthDate", "address", "telecom", "extension"}
REQUIRED_FIELDS = ("name", "gender", "birthDate", "address", "extension")
REGISTERING_AUTHORITY = shapes.EXT + "RegisteringAuthority"
PERSISTED_EXTENSIONS = (shapes.COMMUNICATION_URL, shapes.EXT + "ContactPreference")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ids = random.Random()


def invalid_create(diagnostics: str, code: str = "INVALID_CREATE") -> PdsError:
    return PdsError(code, 400, diagnostics=diagnostics)


def _check(body: Any, today: str) -> None:
    if not isinstance(body, dict):
        raise invalid_create("Invalid create with error - the body must be a JSON object")
    extra = sorted(set(body) - ALLOWED_FIELDS)
    if extra:
        raise invalid_create(
            f"Invalid create with error - Additional properties are not allowed ('{extra[0]}' "
            "was unexpected)",
            "ADDITIONAL_PROPERTIES",
        )
    if body.get("resourceType", "Patient") != "Patient":
        raise invalid_create("Invalid create with error - resourceType must be 'Patient'")
    for field in REQUIRED_FIELDS:
        if field not in body:
            raise invalid_create(f"Invalid create with error - Missing value - '{field}'")
    names = body["name"]
    if not isinstance(names, list) or not names:
        raise invalid_create("Too few values submitted for 'name'", "TOO_FEW_VALUES_SUBMITTED")
    if len(names) > 1:
        raise invalid_create("Too many values submitted for 'name'", "TOO_MANY_VALUES_SUBMITTED")
    name = names[0]
    if not isinstance(name, dict) or not isinstance(name.get("family"), str) or not name["family"]:
        raise invalid_create("Invalid create with error - Missing value - 'name/0/family'")
    given = name.get("given", [])
    if not isinstance(given, list) or not all(isinstance(g, str) and g for g in given):
        raise invalid_create("Invalid create with error - Invalid value in 'name/0/given'")
    if body["gender"] == "other":
        raise invalid_create("Unsupported value - 'other' in field 'gender'", "UNSUPPORTED_VALUE")
    if body["gender"] not in ("male", "female", "unknown"):
        raise invalid_create(
            f"Invalid value - '{body['gender']}' in field 'gender'", "INVALID_VALUE"
        )
    birth = body["birthDate"]
    if not isinstance(birth, str) or not _DATE.match(birth) or not _is_date(birth) or birth > today:
        raise invalid_create(f"Invalid value - '{birth}' in field 'birthDate'", "INVALID_VALUE")
    for field in ("address", "telecom", "extension"):
        items = body.get(field, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise invalid_create(f"Invalid create with error - '{field}' must be a list of objects")
    if not body["address"]:
        raise invalid_create("Too few values submitted for 'address'", "TOO_FEW_VALUES_SUBMITTED")
    for item in body["address"]:
        if item.get("use") not in ("home", "temp", "billing"):
            raise invalid_create(
                f"Invalid value - '{item.get('use')}' in field 'address/use'", "INVALID_VALUE"
            )
        if not isinstance(item.get("postalCode", ""), str) or not all(
            isinstance(line, str) for line in item.get("line", [])
        ):
            raise invalid_create("Invalid create with error - address lines and postcode are text")
    for item in body.get("telecom", []):
        if item.get("system") not in ("phone", "fax", "email", "other") or not isinstance(
            item.get("value"), str
        ):
            raise invalid_create("Invalid create with error - telecom needs a system and value")
    if not any(e.get("url") == REGISTERING_AUTHORITY for e in body["extension"]):
        raise invalid_create(
            "Invalid create with error - Missing value - 'extension' RegisteringAuthority"
        )


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _postcodes(addresses: list[Any]) -> set[str]:
    return {
        str(a.get("postalCode", "")).replace(" ", "").upper()
        for a in addresses
        if isinstance(a, dict) and a.get("postalCode")
    }


def matching_records(population: Population, body: dict[str, Any]) -> list[PatientRecord]:
    name = body["name"][0]
    family = name["family"].lower()
    given = (name.get("given") or [""])[0].lower()
    postcodes = _postcodes(body["address"])
    found = []
    for record in population.born_between(body["birthDate"], body["birthDate"]):
        resource = record.resource
        if record.status != "active" or resource.get("gender") != body["gender"]:
            continue
        usual = resource.get("name", [{}])[0]
        if str(usual.get("family", "")).lower() != family:
            continue
        if given and str((usual.get("given") or [""])[0]).lower() != given:
            continue
        if postcodes and not postcodes & _postcodes(resource.get("address", [])):
            continue
        found.append(record)
    return found


def create_patient(population: Population, body: Any, access: Access) -> PatientRecord:
    """Store a new patient (version 1) with a newly allocated NHS number.

    Raises PdsError: SINGLE_MATCH / MULTIPLE_MATCHES (200) when the person already exists;
    INVALID_CREATE, ADDITIONAL_PROPERTIES, INVALID_VALUE, TOO_FEW/TOO_MANY_VALUES_SUBMITTED
    (400) for bad bodies; INVALID_METHOD (403) for application-restricted access.
    """
    access.require_update()
    today = datetime.now(UTC).date().isoformat()
    _check(body, today)
    matches = matching_records(population, body)
    if len(matches) == 1:
        raise PdsError(
            "SINGLE_MATCH",
            200,
            diagnostics=f"Unable to create new patient. NHS number {matches[0].nhs_number} "
            "found for supplied demographic data.",
        )
    if matches:
        raise PdsError(
            "MULTIPLE_MATCHES",
            200,
            diagnostics="Unable to create new patient. Multiple matches found for supplied "
            "demographic data.",
        )
    problem = patient_problem(_resource("9999999999", body, today))
    if problem is not None:
        raise invalid_create(f"Invalid create with error - {problem}")
    number = population.allocator.allocate()
    record = PatientRecord(number, _resource(number, body, today), note="created")
    population.store(record)
    return record


def _new_id() -> str:
    return f"{_ids.getrandbits(32):08X}"


def _resource(number: str, body: dict[str, Any], today: str) -> dict[str, Any]:
    name = {k: v for k, v in body["name"][0].items() if k != "id"}
    name = {"id": _new_id(), "use": name.pop("use", "usual"), **name}
    name.setdefault("period", {"start": today})
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": number,
        "identifier": shapes.identifier(number),
        "meta": shapes.meta(1, False),
        "name": [name],
        "gender": body["gender"],
        "birthDate": body["birthDate"],
    }
    extensions = [e for e in body["extension"] if e.get("url") in PERSISTED_EXTENSIONS]
    if extensions:
        resource["extension"] = extensions
    telecoms = [{"id": _new_id(), **t} for t in body.get("telecom", [])]
    if telecoms:
        resource["telecom"] = telecoms
    resource["address"] = [
        {"id": _new_id(), **{k: v for k, v in a.items() if k != "id"}} for a in body["address"]
    ]
    for item in (*resource["address"], *telecoms):
        item.setdefault("period", {"start": today})
    return resource

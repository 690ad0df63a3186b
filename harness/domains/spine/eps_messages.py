"""EPS request templates for the stateful workflow, shaped like the public EPS examples.

Every value that must be fresh per run is a bound built-in placeholder, so a script (or its
regression) replays against long-lived targets: the prescription's short-form id
`{{$prescription_id as rx0}}`, its long-form id and line item ids `{{$uuid as rx0_long}}`...
Later steps refer to them as `{{rx0}}`, `{{rx0_item1}}`. Message ids are bound per step (the
same value to both targets); only `X-Request-ID` is fresh per target.
"""

from __future__ import annotations

from typing import Any

import orjson

BASE = "/electronic-prescriptions/FHIR/R4"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
SHORT_ID = "https://fhir.nhs.uk/Id/prescription-order-number"
ITEM = "https://fhir.nhs.uk/Id/prescription-order-item-number"
RFC4122 = "https://tools.ietf.org/html/rfc4122"
EVENTS = "https://fhir.nhs.uk/CodeSystem/message-event"
PRESCRIBER = "A83008"
PATIENT = "9000000009"  # the sandbox patient: in every simulated population
HEADERS = [["X-Request-ID", "{{$uuid}}"], ["Content-Type", "application/fhir+json"]]
ITEMS = (
    ("39732311000001104", "Amoxicillin 250mg capsules"),
    ("322341003", "Co-codamol 30mg/500mg tablets"),
)
_PATIENT_URL = "urn:uuid:8a3a2fd5-3896-5c77-844b-86b05f644b5a"
_ROLE_URL = "urn:uuid:d524e809-420b-5435-998d-f6529afea373"
_ORG_URL = "urn:uuid:2bf9f37c-d88b-4f86-ad5b-373e5c6d1a4b"
_PRACTITIONER_URL = "urn:uuid:a8c85454-f8cb-498d-9629-78e2cb5fa47a"

Json = dict[str, Any]
_SIGNATURE = (  # base64 of an (empty) XML-DSig Signature element
    "PFNpZ25hdHVyZSB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC8wOS94bWxkc2lnIyIvPg=="
)


def template(path: str, body: Json, method: str = "POST") -> Json:
    return {
        "method": method,
        "path": f"{BASE}{path}",
        "query": [],
        "headers": [list(h) for h in HEADERS],
        "body": orjson.dumps(body).decode("utf-8"),
        "body_encoding": "utf-8",
    }


def _coding(system: str, code: str) -> Json:
    return {"coding": [{"system": system, "code": code}]}


def _message(message: str, entries: list[Json]) -> Json:
    return {
        "resourceType": "Bundle",
        "id": f"{{{{$uuid as {message}}}}}",
        "identifier": {"system": RFC4122, "value": f"{{{{{message}}}}}"},
        "type": "message",
        "entry": entries,
    }


def _medication_request(rx: str, number: int, bind: bool, cancelled: str | None) -> Json:
    code, display = ITEMS[number - 1]
    item = f"{{{{$uuid as {rx}_item{number}}}}}" if bind else f"{{{{{rx}_item{number}}}}}"
    short_id = f"{{{{$prescription_id as {rx}}}}}" if bind else f"{{{{{rx}}}}}"
    long_id = f"{{{{$uuid as {rx}_long}}}}" if bind else f"{{{{{rx}_long}}}}"
    request: Json = {
        "resourceType": "MedicationRequest",
        "extension": [
            {
                "url": "https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionType",
                "valueCoding": {
                    "system": "https://fhir.nhs.uk/CodeSystem/prescription-type",
                    "code": "0101",
                },
            }
        ],
        "identifier": [{"system": ITEM, "value": item}],
        "status": "active",
        "intent": "order",
        "category": [
            _coding("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "community")
        ],
        "medicationCodeableConcept": {
            "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]
        },
        "subject": {"reference": _PATIENT_URL},
        "requester": {"reference": _ROLE_URL},
        "groupIdentifier": {
            "system": SHORT_ID,
            "value": short_id,
            "extension": [
                {
                    "url": "https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionId",
                    "valueIdentifier": {"system": "https://fhir.nhs.uk/Id/prescription",
                                        "value": long_id},
                }
            ],
        },
        "courseOfTherapyType": _coding(
            "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy", "acute"
        ),
        "dosageInstruction": [{"text": "2 times a day for 10 days"}],
        "dispenseRequest": {
            "extension": [
                {
                    "url": "https://fhir.nhs.uk/StructureDefinition/Extension-DM-PerformerSiteType",
                    "valueCoding": {
                        "system": "https://fhir.nhs.uk/CodeSystem/dispensing-site-preference",
                        "code": "P1",
                    },
                }
            ],
            "validityPeriod": {"start": "2026-01-12"},
            "quantity": {"value": 20, "unit": "tablet", "system": "http://snomed.info/sct",
                         "code": "428673006"},
            "performer": {"identifier": {"system": ODS, "value": "FA565"}},
        },
        "substitution": {"allowedBoolean": False},
    }  # fmt: skip
    if cancelled is not None:
        request["status"] = "cancelled"
        request["statusReason"] = _coding(
            "https://fhir.nhs.uk/CodeSystem/medicationrequest-status-reason", cancelled
        )
    return request


def _prescriber_entries() -> list[Json]:
    return [
        {"fullUrl": _PATIENT_URL, "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": PATIENT}],
            "name": [{"use": "usual", "family": "SMITH", "given": ["JANE"], "prefix": ["MRS"]}],
            "gender": "female", "birthDate": "2010-10-22"}},
        {"fullUrl": _ROLE_URL, "resource": {
            "resourceType": "PractitionerRole",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-role-profile-id",
                            "value": "200102238987"}],
            "practitioner": {"reference": _PRACTITIONER_URL},
            "organization": {"reference": _ORG_URL},
            "code": [_coding("https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode", "R8000")],
            "telecom": [{"system": "phone", "use": "work", "value": "01234567890"}]}},
        {"fullUrl": _PRACTITIONER_URL, "resource": {
            "resourceType": "Practitioner",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-user-id",
                            "value": "555086689106"}],
            "name": [{"family": "BOIN", "given": ["C"], "prefix": ["DR"]}]}},
        {"fullUrl": _ORG_URL, "resource": {
            "resourceType": "Organization",
            "identifier": [{"system": ODS, "value": PRESCRIBER}],
            "name": "HALLGARTH SURGERY"}},
    ]  # fmt: skip


def _header(event: str, sender: str, focus: list[str]) -> Json:
    return {
        "fullUrl": "urn:uuid:cbe78615-4f53-5641-9253-4af9f53fadc0",
        "resource": {
            "resourceType": "MessageHeader",
            "eventCoding": {"system": EVENTS, "code": event},
            "sender": {"identifier": {"system": ODS, "value": sender}},
            "source": {
                "endpoint": f"https://directory.spineservices.nhs.uk/STU3/Organization/{sender}"
            },
            "focus": [{"reference": url} for url in focus],
        },
    }


def order(rx: str, message: str) -> Json:
    """A signed prescription-order for the sandbox patient: two lines, nominated to FA565."""
    urls = [f"urn:uuid:0000000{n}-1111-4111-8111-111111111111" for n in (1, 2)]
    requests = [
        {"fullUrl": url, "resource": _medication_request(rx, n, True, None)}
        for n, url in enumerate(urls, 1)
    ]
    provenance = {
        "fullUrl": "urn:uuid:28828c55-8fa7-42d7-916f-fcf076e0c10e",
        "resource": {
            "resourceType": "Provenance",
            "target": [{"reference": url} for url in urls],
            "recorded": "2026-01-12T10:30:00+00:00",
            "agent": [{"who": {"reference": _ROLE_URL}}],
            "signature": [
                {
                    "type": [{"system": "urn:iso-astm:E1762-95:2013",
                              "code": "1.2.840.10065.1.12.1.1"}],
                    "when": "2026-01-12T10:30:00+00:00",
                    "who": {"reference": _ROLE_URL},
                    "data": _SIGNATURE,
                }
            ],
        },
    }  # fmt: skip
    entries = [_header("prescription-order", PRESCRIBER, [*urls, _PATIENT_URL]), *requests]
    return template("/$process-message", _message(message, [*entries, *_prescriber_entries(),
                                                              provenance]))  # fmt: skip


def cancellation(rx: str, message: str, item: int = 1, reason: str = "0001") -> Json:
    """A prescription-order-update cancelling line `item`."""
    url = f"urn:uuid:0000000{item}-1111-4111-8111-111111111111"
    request = {"fullUrl": url, "resource": _medication_request(rx, item, False, reason)}
    header = _header("prescription-order-update", PRESCRIBER, [url, _PATIENT_URL])
    return template("/$process-message", _message(message, [header, request,
                                                            *_prescriber_entries()]))  # fmt: skip


def _organization(ods: str) -> Json:
    return {"resourceType": "Organization", "id": "organisation",
            "identifier": [{"system": ODS, "value": ods}], "name": f"PHARMACY {ods}"}  # fmt: skip


def release(rx: str, dispenser: str, message: str) -> Json:
    """A patient release (`group-identifier`) of `rx` to `dispenser`."""
    return template("/Task/$release", {
        "resourceType": "Parameters", "id": f"{{{{$uuid as {message}}}}}",
        "parameter": [
            {"name": "group-identifier", "valueIdentifier": {"system": SHORT_ID,
                                                             "value": f"{{{{{rx}}}}}"}},
            {"name": "owner", "resource": _organization(dispenser)},
            {"name": "status", "valueCode": "accepted"},
        ]})  # fmt: skip


def _task(rx: str, dispenser: str, message: str, status: str, reason: Json, code: str) -> Json:
    return {
        "resourceType": "Task",
        "id": f"{{{{$uuid as {message}}}}}",
        "contained": [
            {"resourceType": "PractitionerRole", "id": "requester",
             "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-role-profile-id",
                             "value": "641555508105"}],
             "organization": {"reference": "#organisation"}},
            _organization(dispenser),
        ],
        "identifier": [{"system": RFC4122, "value": f"{{{{{message}}}}}"}],
        "status": status,
        "statusReason": {"coding": [reason]},
        "intent": "order",
        "code": _coding("http://hl7.org/fhir/CodeSystem/task-code", code),
        "groupIdentifier": {"system": SHORT_ID, "value": f"{{{{{rx}}}}}"},
        "requester": {"reference": "#requester"},
        "owner": {"identifier": {"system": ODS, "value": dispenser}},
    }  # fmt: skip


def return_task(rx: str, dispenser: str, message: str) -> Json:
    system = "https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-return-status-reason"
    reason = {"system": system, "code": "0003"}
    return template("/Task", _task(rx, dispenser, message, "rejected", reason, "fulfill"))


def withdraw_task(rx: str, dispenser: str, message: str) -> Json:
    system = "https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-withdraw-reason"
    reason = {"system": system, "code": "MU"}
    return template("/Task", _task(rx, dispenser, message, "in-progress", reason, "abort"))


def dispense_notification(rx: str, dispenser: str, message: str, complete: bool) -> Json:
    """Both lines dispensed (0006), or line 2 only partly (0003: with dispenser - active)."""
    lines = {1: "0001", 2: "0001" if complete else "0003"}
    entries = [_header("dispense-notification", dispenser, [])]
    for number, kind in lines.items():
        entries.append({
            "fullUrl": f"urn:uuid:0000000{number}-2222-4222-8222-222222222222",
            "resource": {
                "resourceType": "MedicationDispense",
                "contained": [{"resourceType": "MedicationRequest", "id": "m1",
                               "identifier": [{"system": ITEM,
                                               "value": f"{{{{{rx}_item{number}}}}}"}],
                               "groupIdentifier": {"system": SHORT_ID, "value": f"{{{{{rx}}}}}"},
                               "intent": "order"}],
                "extension": [{
                    "url": "https://fhir.nhs.uk/StructureDefinition/Extension-EPS-TaskBusinessStatus",
                    "valueCoding": {"system": "https://fhir.nhs.uk/CodeSystem/EPS-task-business-status",
                                    "code": "0006" if complete else "0003"}}],
                "status": "completed",
                "authorizingPrescription": [{"reference": "#m1"}],
                "type": _coding("https://fhir.nhs.uk/CodeSystem/medicationdispense-type", kind),
            },
        })  # fmt: skip
    return template("/$process-message", _message(message, entries))


def claim(rx: str, dispenser: str, message: str) -> Json:
    codes = [
        _coding("https://fhir.nhs.uk/CodeSystem/DM-prescription-charge", "paid-once"),
        _coding("https://fhir.nhs.uk/CodeSystem/medicationdispense-endorsement", "NDEC"),
    ]
    return template("/Claim", {
        "resourceType": "Claim", "id": f"{{{{$uuid as {message}}}}}",
        "contained": [_organization(dispenser)],
        "status": "active", "use": "claim",
        "payee": {"party": {"reference": "#organisation"}},
        "prescription": {"extension": [{
            "url": "https://fhir.nhs.uk/StructureDefinition/Extension-DM-GroupIdentifier",
            "extension": [{"url": "shortForm",
                           "valueIdentifier": {"system": SHORT_ID, "value": f"{{{{{rx}}}}}"}}]}]},
        "item": [{"sequence": 1, "detail": [{"sequence": 1, "programCode": codes}]}],
    })  # fmt: skip

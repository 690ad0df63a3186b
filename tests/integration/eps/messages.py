"""Request bodies for the EPS tests, shaped like the public dispensing and prescribing examples."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from harness.simulator.eps.bundles import (
    FORMULARY,
    ITEM_SYSTEM,
    ODS_SYSTEM,
    RFC4122,
    SHORT_ID_SYSTEM,
    Prescriber,
    eps_patient,
    prescription_order,
)
from harness.simulator.eps.checkdigit import short_form_id

Json = dict[str, Any]
BASE = "/electronic-prescriptions/FHIR/R4"
PRESCRIBER = Prescriber("A83008", "HALLGARTH SURGERY", "200102238987", "555086689106")
TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"


def new_uuid() -> str:
    return str(uuid.uuid4())


def headers() -> dict[str, str]:
    return {"X-Request-ID": new_uuid(), "Content-Type": "application/fhir+json"}


def new_short_id(ods: str = PRESCRIBER.ods_code) -> str:
    raw = uuid.uuid4().hex.upper()
    return short_form_id(raw[:6], ods, raw[6:11])


def order(
    nhs_number: str,
    pds_patient: Json,
    *,
    short_id: str | None = None,
    performer: str | None = "FA565",
    items: int = 2,
    signed: bool = True,
) -> Json:
    return prescription_order(
        message_id=new_uuid(),
        short_id=short_id or new_short_id(),
        long_id=new_uuid(),
        items=[(new_uuid(), FORMULARY[n]) for n in range(items)],
        patient=eps_patient(pds_patient, nhs_number),
        prescriber=PRESCRIBER,
        performer=performer,
        authored="2026-01-12T10:30:00+00:00",
        entry_ids=[new_uuid() for _ in range(6)],
        signed=signed,
    )


def short_id_of(order_bundle: Json) -> str:
    return str(_requests(order_bundle)[0]["groupIdentifier"]["value"])


def item_ids(order_bundle: Json) -> list[str]:
    return [r["identifier"][0]["value"] for r in _requests(order_bundle)]


def _requests(bundle: Json) -> list[Json]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationRequest"
    ]


def cancellation(
    order_bundle: Json, item: int = 0, reason: str = "0001", role: str | None = None
) -> Json:
    """A prescription-order-update cancelling one line of `order_bundle`."""
    bundle = copy.deepcopy(order_bundle)
    keep = _requests(bundle)[item]
    entries = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        if kind == "Provenance" or (kind == "MedicationRequest" and resource is not keep):
            continue
        if kind == "MessageHeader":
            resource["eventCoding"] = {
                "system": "https://fhir.nhs.uk/CodeSystem/message-event",
                "code": "prescription-order-update",
                "display": "Prescription Order Update",
            }
        if kind == "PractitionerRole" and role:
            resource["identifier"][0]["value"] = role
        entries.append(entry)
    keep["status"] = "cancelled"
    keep["statusReason"] = {
        "coding": [
            {
                "system": "https://fhir.nhs.uk/CodeSystem/medicationrequest-status-reason",
                "code": reason,
            }
        ]
    }
    bundle["entry"] = entries
    bundle["identifier"]["value"] = bundle["id"] = new_uuid()
    return bundle


def organization(ods: str, local_id: str = "organisation") -> Json:
    return {
        "resourceType": "Organization",
        "id": local_id,
        "identifier": [{"system": ODS_SYSTEM, "value": ods}],
        "name": f"PHARMACY {ods}",
    }


def release(owner: str, short_id: str | None = None) -> Json:
    parameters: list[Json] = []
    if short_id is not None:
        parameters.append(
            {
                "name": "group-identifier",
                "valueIdentifier": {"system": SHORT_ID_SYSTEM, "value": short_id},
            }
        )
    parameters += [
        {"name": "owner", "resource": organization(owner)},
        {"name": "status", "valueCode": "accepted"},
    ]
    return {"resourceType": "Parameters", "id": new_uuid(), "parameter": parameters}


def _task(status: str, short_id: str, dispenser: str, reason: Json, code: str) -> Json:
    return {
        "resourceType": "Task",
        "id": new_uuid(),
        "contained": [
            {
                "resourceType": "PractitionerRole",
                "id": "requester",
                "identifier": [
                    {
                        "system": "https://fhir.nhs.uk/Id/sds-role-profile-id",
                        "value": "641555508105",
                    }
                ],
                "organization": {"reference": "#organisation"},
            },
            organization(dispenser),
        ],
        "identifier": [{"system": RFC4122, "value": new_uuid()}],
        "status": status,
        "statusReason": {"coding": [reason]},
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": code}]},
        "groupIdentifier": {"system": SHORT_ID_SYSTEM, "value": short_id},
        "requester": {"reference": "#requester"},
    }


def return_task(short_id: str, dispenser: str, reason: str = "0003") -> Json:
    system = "https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-return-status-reason"
    return _task("rejected", short_id, dispenser, {"system": system, "code": reason}, "fulfill")


def withdraw_task(short_id: str, dispenser: str, reason: str = "MU") -> Json:
    system = "https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-withdraw-reason"
    task = _task("in-progress", short_id, dispenser, {"system": system, "code": reason}, "abort")
    task["owner"] = {"identifier": {"system": ODS_SYSTEM, "value": dispenser}}
    return task


def dispense_notification(
    short_id: str, dispenser: str, lines: dict[str, str], status: str = "0006"
) -> Json:
    """`lines` maps item id -> medicationdispense-type code (0001 fully dispensed, ...)."""
    entries: list[Json] = [
        {
            "fullUrl": f"urn:uuid:{new_uuid()}",
            "resource": {
                "resourceType": "MessageHeader",
                "eventCoding": {
                    "system": "https://fhir.nhs.uk/CodeSystem/message-event",
                    "code": "dispense-notification",
                },
                "sender": {"identifier": {"system": ODS_SYSTEM, "value": dispenser}},
                "source": {
                    "endpoint": f"https://directory.spineservices.nhs.uk/STU3/Organization/{dispenser}"
                },
            },
        }
    ]
    for item_id, item_type in lines.items():
        entries.append(
            {
                "fullUrl": f"urn:uuid:{new_uuid()}",
                "resource": {
                    "resourceType": "MedicationDispense",
                    "contained": [
                        {
                            "resourceType": "MedicationRequest",
                            "id": "m1",
                            "identifier": [{"system": ITEM_SYSTEM, "value": item_id}],
                            "groupIdentifier": {"system": SHORT_ID_SYSTEM, "value": short_id},
                            "intent": "order",
                        }
                    ],
                    "extension": [
                        {
                            "url": "https://fhir.nhs.uk/StructureDefinition/Extension-EPS-TaskBusinessStatus",
                            "valueCoding": {
                                "system": "https://fhir.nhs.uk/CodeSystem/EPS-task-business-status",
                                "code": status,
                            },
                        }
                    ],
                    "status": "completed",
                    "authorizingPrescription": [{"reference": "#m1"}],
                    "type": {
                        "coding": [
                            {
                                "system": "https://fhir.nhs.uk/CodeSystem/medicationdispense-type",
                                "code": item_type,
                            }
                        ]
                    },
                },
            }
        )
    message_id = new_uuid()
    return {
        "resourceType": "Bundle",
        "id": message_id,
        "identifier": {"system": RFC4122, "value": message_id},
        "type": "message",
        "entry": entries,
    }


def claim(short_id: str, dispenser: str, endorsed: bool = True) -> Json:
    program_codes: list[Json] = [
        {
            "coding": [
                {
                    "system": "https://fhir.nhs.uk/CodeSystem/DM-prescription-charge",
                    "code": "paid-once",
                }
            ]
        }
    ]
    if endorsed:
        program_codes.append(
            {
                "coding": [
                    {
                        "system": "https://fhir.nhs.uk/CodeSystem/medicationdispense-endorsement",
                        "code": "NDEC",
                    }
                ]
            }
        )
    return {
        "resourceType": "Claim",
        "id": new_uuid(),
        "contained": [organization(dispenser)],
        "status": "active",
        "use": "claim",
        "payee": {"party": {"reference": "#organisation"}},
        "prescription": {
            "extension": [
                {
                    "url": "https://fhir.nhs.uk/StructureDefinition/Extension-DM-GroupIdentifier",
                    "extension": [
                        {
                            "url": "shortForm",
                            "valueIdentifier": {"system": SHORT_ID_SYSTEM, "value": short_id},
                        }
                    ],
                }
            ]
        },
        "item": [{"sequence": 1, "detail": [{"sequence": 1, "programCode": program_codes}]}],
    }

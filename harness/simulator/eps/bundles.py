"""Build EPS FHIR messages the way prescribing systems send them (seeded data and tests).

Shapes follow the public acute nominated-pharmacy examples: a `message` Bundle holding a
MessageHeader, one MedicationRequest per line item, the Patient, the prescriber's
PractitionerRole, Practitioner and Organization, and (once signed) a Provenance.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
SHORT_ID_SYSTEM = "https://fhir.nhs.uk/Id/prescription-order-number"
LONG_ID_SYSTEM = "https://fhir.nhs.uk/Id/prescription"
ITEM_SYSTEM = "https://fhir.nhs.uk/Id/prescription-order-item-number"
ROLE_SYSTEM = "https://fhir.nhs.uk/Id/sds-role-profile-id"
MESSAGE_EVENT_SYSTEM = "https://fhir.nhs.uk/CodeSystem/message-event"
RFC4122 = "https://tools.ietf.org/html/rfc4122"
PRESCRIPTION_ID_URL = "https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionId"
SNOMED = "http://snomed.info/sct"


@dataclass(frozen=True, slots=True)
class Medication:
    code: str  # dm+d (SNOMED CT) code
    display: str
    quantity: int
    dosage: str


# A few dm+d products with the quantities and dosages of the public examples.
FORMULARY: tuple[Medication, ...] = (
    Medication("39732311000001104", "Amoxicillin 250mg capsules", 20, "2 times a day for 10 days"),
    Medication("322341003", "Co-codamol 30mg/500mg tablets", 20, "2 times a day for 10 days"),
    Medication("321080004", "Pseudoephedrine hydrochloride 60mg tablets", 30, "3 times a day"),
    Medication("324252006", "Azithromycin 250mg capsules", 30, "3 times a day for 10 days"),
    Medication("322237000", "Paracetamol 500mg soluble tablets", 100, "4 times a day - Oral"),
)


@dataclass(frozen=True, slots=True)
class Prescriber:
    ods_code: str
    name: str
    role_id: str  # sds-role-profile-id
    user_id: str  # sds-user-id
    family: str = "BOIN"
    given: str = "C"


def coding(system: str, code: str, display: str | None = None) -> Json:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def eps_patient(pds_patient: Mapping[str, Any], nhs_number: str) -> Json:
    """The Patient as a prescription carries it, taken from the PDS master record."""
    names = pds_patient.get("name") or [{}]
    name = next((n for n in names if n.get("use") == "usual"), names[0])
    patient: Json = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": nhs_number}],
        "name": [
            {
                "use": "usual",
                "family": str(name.get("family", "")).upper(),
                "given": [str(g).upper() for g in name.get("given", [])],
                "prefix": [str(p).upper() for p in name.get("prefix", [])],
            }
        ],
    }
    for key in ("gender", "birthDate"):
        if key in pds_patient:
            patient[key] = pds_patient[key]
    addresses = pds_patient.get("address") or []
    if addresses:
        address = addresses[0]
        patient["address"] = [
            {
                "use": "home",
                "line": [str(line).upper() for line in address.get("line", [])],
                "postalCode": address.get("postalCode", ""),
            }
        ]
    practices = pds_patient.get("generalPractitioner") or []
    if practices:
        ods = practices[0].get("identifier", {}).get("value")
        if ods:
            patient["generalPractitioner"] = [{"identifier": {"system": ODS_SYSTEM, "value": ods}}]
    return patient


def medication_request(
    item_id: str,
    medication: Medication,
    short_id: str,
    long_id: str,
    performer: str | None,
    start: str,
    subject: str,
    requester: str,
) -> Json:
    dispense_request: Json = {
        "extension": [
            {
                "url": "https://fhir.nhs.uk/StructureDefinition/Extension-DM-PerformerSiteType",
                "valueCoding": coding(
                    "https://fhir.nhs.uk/CodeSystem/dispensing-site-preference",
                    "P1" if performer else "0004",
                ),
            }
        ],
        "validityPeriod": {"start": start},
        "quantity": {
            "value": medication.quantity,
            "unit": "tablet",
            "system": SNOMED,
            "code": "428673006",
        },
    }
    if performer:
        dispense_request["performer"] = {"identifier": {"system": ODS_SYSTEM, "value": performer}}
    return {
        "resourceType": "MedicationRequest",
        "extension": [
            {
                "url": "https://fhir.nhs.uk/StructureDefinition/Extension-DM-PrescriptionType",
                "valueCoding": coding(
                    "https://fhir.nhs.uk/CodeSystem/prescription-type",
                    "0101",
                    "Primary Care Prescriber - Medical Prescriber",
                ),
            }
        ],
        "identifier": [{"system": ITEM_SYSTEM, "value": item_id}],
        "status": "active",
        "intent": "order",
        "category": [
            {
                "coding": [
                    coding(
                        "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                        "community",
                        "Community",
                    )
                ]
            }
        ],
        "medicationCodeableConcept": {
            "coding": [coding(SNOMED, medication.code, medication.display)]
        },
        "subject": {"reference": subject},
        "requester": {"reference": requester},
        "groupIdentifier": {
            "system": SHORT_ID_SYSTEM,
            "value": short_id,
            "extension": [
                {
                    "url": PRESCRIPTION_ID_URL,
                    "valueIdentifier": {"system": LONG_ID_SYSTEM, "value": long_id},
                }
            ],
        },
        "courseOfTherapyType": {
            "coding": [
                coding(
                    "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy",
                    "acute",
                    "Short course (acute) therapy",
                )
            ]
        },
        "dosageInstruction": [{"text": medication.dosage}],
        "dispenseRequest": dispense_request,
        "substitution": {"allowedBoolean": False},
    }


def prescription_order(
    *,
    message_id: str,
    short_id: str,
    long_id: str,
    items: Sequence[tuple[str, Medication]],
    patient: Json,
    prescriber: Prescriber,
    performer: str | None,
    authored: str,
    entry_ids: Sequence[str],
    signed: bool = True,
    event: str = "prescription-order",
) -> Json:
    """A prescription-order message. `entry_ids` gives UUIDs for the header, patient,
    role, practitioner, organization and provenance entries (six, in that order)."""
    header_id, patient_id, role_id, practitioner_id, organization_id, provenance_id = entry_ids
    subject, requester = f"urn:uuid:{patient_id}", f"urn:uuid:{role_id}"
    requests = [
        (
            f"urn:uuid:{item_id}",
            medication_request(
                item_id, med, short_id, long_id, performer, authored[:10], subject, requester
            ),
        )
        for item_id, med in items
    ]
    header: Json = {
        "resourceType": "MessageHeader",
        "eventCoding": coding(MESSAGE_EVENT_SYSTEM, event, event.replace("-", " ").title()),
        "sender": {"identifier": {"system": ODS_SYSTEM, "value": prescriber.ods_code}},
        "source": {
            "endpoint": f"https://directory.spineservices.nhs.uk/STU3/Organization/"
            f"{prescriber.ods_code}"
        },
        "focus": [{"reference": url} for url, _ in requests] + [{"reference": subject}],
    }
    if performer:
        header["destination"] = [
            {
                "endpoint": "https://sandbox.api.service.nhs.uk/electronic-prescriptions/FHIR/R4/"
                "$process-message",
                "receiver": {"identifier": {"system": ODS_SYSTEM, "value": performer}},
            }
        ]
    entries: list[Json] = [{"fullUrl": f"urn:uuid:{header_id}", "resource": header}]
    entries += [{"fullUrl": url, "resource": resource} for url, resource in requests]
    entries += [
        {"fullUrl": subject, "resource": patient},
        {
            "fullUrl": requester,
            "resource": {
                "resourceType": "PractitionerRole",
                "identifier": [{"system": ROLE_SYSTEM, "value": prescriber.role_id}],
                "practitioner": {"reference": f"urn:uuid:{practitioner_id}"},
                "organization": {"reference": f"urn:uuid:{organization_id}"},
                "code": [
                    {
                        "coding": [
                            coding(
                                "https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode",
                                "R8000",
                                "Clinical Practitioner Access Role",
                            )
                        ]
                    }
                ],
                "telecom": [{"system": "phone", "use": "work", "value": "01234567890"}],
            },
        },
        {
            "fullUrl": f"urn:uuid:{practitioner_id}",
            "resource": {
                "resourceType": "Practitioner",
                "identifier": [
                    {"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": prescriber.user_id}
                ],
                "name": [
                    {"family": prescriber.family, "given": [prescriber.given], "prefix": ["DR"]}
                ],
            },
        },
        {
            "fullUrl": f"urn:uuid:{organization_id}",
            "resource": {
                "resourceType": "Organization",
                "identifier": [{"system": ODS_SYSTEM, "value": prescriber.ods_code}],
                "name": prescriber.name,
            },
        },
    ]
    if signed:
        signature = base64.b64encode(
            f'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">{short_id}</Signature>'.encode()
        ).decode()
        entries.append(
            {
                "fullUrl": f"urn:uuid:{provenance_id}",
                "resource": {
                    "resourceType": "Provenance",
                    "target": [{"reference": url} for url, _ in requests],
                    "recorded": authored,
                    "agent": [{"who": {"reference": requester}}],
                    "signature": [
                        {
                            "type": [
                                coding("urn:iso-astm:E1762-95:2013", "1.2.840.10065.1.12.1.1")
                            ],
                            "when": authored,
                            "who": {"reference": requester},
                            "data": signature,
                        }
                    ],
                },
            }
        )
    return {
        "resourceType": "Bundle",
        "id": message_id,
        "identifier": {"system": RFC4122, "value": message_id},
        "type": "message",
        "entry": entries,
    }

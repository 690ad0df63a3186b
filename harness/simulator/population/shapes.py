"""Builders for the FHIR fragments of a PDS Patient, shaped like the public spec's examples."""

from __future__ import annotations

from typing import Any

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
EXT = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-"
DEATH_NOTIFICATION_URL = EXT + "DeathNotificationStatus"
NOMINATED_PHARMACY_URL = EXT + "NominatedPharmacy"
COMMUNICATION_URL = EXT + "NHSCommunication"
ADDRESS_KEY_URL = EXT + "AddressKey"
ADDITIONAL_ROLE_SYSTEM = "https://fhir.nhs.uk/R4/CodeSystem/UKCore-AdditionalRelatedPersonRole"

Json = dict[str, Any]


# Shared by every record (records are read-only; updates work on deep copies).
_VERIFIED = [
    {
        "url": EXT + "NHSNumberVerificationStatus",
        "valueCodeableConcept": {
            "coding": [
                {
                    "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus",
                    "version": "1.0.0",
                    "code": "01",
                    "display": "Number present and verified",
                }
            ]
        },
    }
]


def identifier(nhs_number: str) -> list[Json]:
    return [{"system": NHS_NUMBER_SYSTEM, "value": nhs_number, "extension": _VERIFIED}]


def security(restricted: bool) -> list[Json]:
    code, display = ("R", "restricted") if restricted else ("U", "unrestricted")
    return [{"system": CONFIDENTIALITY_SYSTEM, "code": code, "display": display}]


def meta(version: int, restricted: bool) -> Json:
    return {"versionId": str(version), "security": security(restricted)}


def period(start: str, end: str | None = None) -> Json:
    return {"start": start} if end is None else {"start": start, "end": end}


def name(
    name_id: str,
    use: str,
    given: list[str],
    family: str,
    start: str,
    end: str | None = None,
    prefix: str | None = None,
    suffix: str | None = None,
) -> Json:
    entry: Json = {"id": name_id, "use": use, "period": period(start, end), "given": given}
    entry["family"] = family
    if prefix:
        entry["prefix"] = [prefix]
    if suffix:
        entry["suffix"] = [suffix]
    return entry


def address_keys(paf: str, uprn: str | None = None) -> list[Json]:
    keys = [("PAF", paf)] + ([("UPRN", uprn)] if uprn else [])
    return [
        {
            "url": ADDRESS_KEY_URL,
            "extension": [
                {
                    "url": "type",
                    "valueCoding": {
                        "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-AddressKeyType",
                        "code": kind,
                    },
                },
                {"url": "value", "valueString": value},
            ],
        }
        for kind, value in keys
    ]


def address(
    address_id: str,
    use: str,
    lines: list[str],
    postcode: str,
    start: str,
    end: str | None = None,
    text: str | None = None,
    paf: str | None = None,
) -> Json:
    entry: Json = {"id": address_id, "period": period(start, end), "use": use}
    if text:
        entry["text"] = text
    entry["line"] = lines
    entry["postalCode"] = postcode
    if paf:
        entry["extension"] = address_keys(paf)
    return entry


def telecom(
    telecom_id: str, system: str, value: str, use: str, start: str, end: str | None = None
) -> Json:
    return {
        "id": telecom_id,
        "period": period(start, end),
        "system": system,
        "value": value,
        "use": use,
    }


def general_practitioner(reference_id: str, ods_code: str, start: str) -> list[Json]:
    return [
        {
            "id": reference_id,
            "type": "Organization",
            "identifier": {"system": ODS_SYSTEM, "value": ods_code, "period": period(start)},
        }
    ]


def nominated_pharmacy(ods_code: str) -> Json:
    return {
        "url": NOMINATED_PHARMACY_URL,
        "valueReference": {"identifier": {"system": ODS_SYSTEM, "value": ods_code}},
    }


def death_notification(status: str, effective: str) -> Json:
    display = {
        "1": "Informal - death notice received via an update from a local NHS Organisation "
        "such as GP or Trust",
        "2": "Formal - death notice received from Registrar of Deaths",
    }[status]
    return {
        "url": DEATH_NOTIFICATION_URL,
        "extension": [
            {
                "url": "deathNotificationStatus",
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "https://fhir.hl7.org.uk/CodeSystem/"
                            "UKCore-DeathNotificationStatus",
                            "version": "1.0.0",
                            "code": status,
                            "display": display,
                        }
                    ]
                },
            },
            {"url": "systemEffectiveDate", "valueDateTime": effective},
        ],
    }


def communication(language: str, display: str, interpreter: bool) -> Json:
    return {
        "url": COMMUNICATION_URL,
        "extension": [
            {
                "url": "language",
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-HumanLanguage",
                            "version": "1.0.0",
                            "code": language,
                            "display": display,
                        }
                    ]
                },
            },
            {"url": "interpreterRequired", "valueBoolean": interpreter},
        ],
    }


def related_person(
    patient: str,
    related_id: str,
    relationship: tuple[str, str],
    start: str,
    person: Json | None = None,
    reference: str | None = None,
) -> Json:
    """A RelatedPerson: either personal details (name, address, telecom) or a patient reference."""
    resource: Json = {
        "resourceType": "RelatedPerson",
        "id": related_id,
        "active": True,
        "period": period(start),
        "patient": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": patient}},
        "relationship": [
            {
                "coding": [
                    {
                        "system": ADDITIONAL_ROLE_SYSTEM
                        if relationship[0] in ("Agent", "Guardian", "Personal")
                        else "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                        "code": relationship[0],
                        "display": relationship[1],
                    }
                ]
            }
        ],
        "extension": [
            {
                "url": "https://fhir.nhs.uk/R4/StructureDefinition/"
                "Extension-UKCore-CopyCorrespondenceIndicator",
                "valueBoolean": False,
            },
            {
                "url": "https://fhir.nhs.uk/R4/StructureDefinition/Extension-UKCore-ContactRank",
                "valuePositiveInt": 1,
            },
        ],
    }
    if reference is not None:
        resource["patient"] = {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": reference}}
    if person:
        resource.update(person)
    return resource

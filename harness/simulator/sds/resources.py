"""Directory records as FHIR R4 resources, shaped like the public SDS API examples."""

from __future__ import annotations

from typing import Any

from harness.simulator.sds.directory import AccreditedSystem, MessageHandler, Reliability

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
INTERACTION_SYSTEM = "https://fhir.nhs.uk/Id/nhsServiceInteractionId"
PARTY_KEY_SYSTEM = "https://fhir.nhs.uk/Id/nhsMhsPartyKey"
ASID_SYSTEM = "https://fhir.nhs.uk/Id/nhsSpineASID"
FQDN_SYSTEM = "https://fhir.nhs.uk/Id/nhsMhsFQDN"
CPA_ID_SYSTEM = "https://fhir.nhs.uk/Id/nhsMhsCPAId"
MHS_ID_SYSTEM = "https://fhir.nhs.uk/Id/nhsMHSId"

EXTENSION_BASE = "https://fhir.nhs.uk/StructureDefinition/"
MANUFACTURER_EXTENSION = EXTENSION_BASE + "Extension-SDS-ManufacturingOrganisation"
INTERACTION_EXTENSION = EXTENSION_BASE + "Extension-SDS-NhsServiceInteractionId"
RELIABILITY_EXTENSION = EXTENSION_BASE + "Extension-SDS-ReliabilityConfiguration"

CONNECTION_TYPE = {
    "system": "http://terminology.hl7.org/CodeSystem/endpoint-connection-type",
    "code": "hl7-fhir-msg",
    "display": "HL7 FHIR Messaging",
}
PAYLOAD_TYPE = [
    {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/endpoint-payload-type",
                "code": "any",
                "display": "Any",
            }
        ]
    }
]


def _identifier(system: str, value: str) -> dict[str, str]:
    return {"system": system, "value": value}


def _interaction_extension(interaction: str) -> dict[str, Any]:
    return {
        "url": INTERACTION_EXTENSION,
        "valueReference": {"identifier": _identifier(INTERACTION_SYSTEM, interaction)},
    }


def device(system: AccreditedSystem) -> dict[str, Any]:
    return {
        "resourceType": "Device",
        "id": system.id,
        "identifier": [
            _identifier(ASID_SYSTEM, system.asid),
            _identifier(PARTY_KEY_SYSTEM, system.party_key),
        ],
        "extension": [
            {
                "url": MANUFACTURER_EXTENSION,
                "valueReference": {"identifier": _identifier(ODS_SYSTEM, system.manufacturer)},
            },
            *(_interaction_extension(i) for i in system.interactions),
        ],
        "owner": {"identifier": _identifier(ODS_SYSTEM, system.ods_code)},
    }


def _reliability_extension(reliability: Reliability) -> dict[str, Any]:
    settings: list[dict[str, Any]] = [
        {"url": "nhsMHSSyncReplyMode", "valueString": reliability.sync_reply_mode}
    ]
    if reliability.retry_interval is not None:
        settings.append({"url": "nhsMHSRetryInterval", "valueString": reliability.retry_interval})
    if reliability.retries is not None:
        settings.append({"url": "nhsMHSRetries", "valueInteger": reliability.retries})
    if reliability.persist_duration is not None:
        settings.append(
            {"url": "nhsMHSPersistDuration", "valueString": reliability.persist_duration}
        )
    settings.append(
        {"url": "nhsMHSDuplicateElimination", "valueString": reliability.duplicate_elimination}
    )
    settings.append({"url": "nhsMHSAckRequested", "valueString": reliability.ack_requested})
    if reliability.actor is not None:
        settings.append({"url": "nhsMHSActor", "valueString": reliability.actor})
    return {"url": RELIABILITY_EXTENSION, "extension": settings}


def endpoints(handler: MessageHandler) -> list[dict[str, Any]]:
    """One Endpoint per address of the MHS record (almost always exactly one)."""
    extensions = [_interaction_extension(i) for i in handler.interactions]
    if handler.reliability is not None:
        extensions.insert(0, _reliability_extension(handler.reliability))
    resources = []
    for index, address in enumerate(handler.addresses):
        resources.append(
            {
                "resourceType": "Endpoint",
                "id": handler.id if index == 0 else f"{handler.id[:-4]}{index:04X}",
                "status": "active",
                "connectionType": CONNECTION_TYPE,
                "payloadType": PAYLOAD_TYPE,
                "address": address,
                "managingOrganization": {"identifier": _identifier(ODS_SYSTEM, handler.ods_code)},
                "identifier": [
                    _identifier(FQDN_SYSTEM, handler.fqdn),
                    _identifier(PARTY_KEY_SYSTEM, handler.party_key),
                    _identifier(CPA_ID_SYSTEM, handler.cpa_id),
                    _identifier(MHS_ID_SYSTEM, handler.mhs_id),
                ],
                "extension": extensions,
            }
        )
    return resources


def searchset(
    bundle_id: str, self_url: str, resource_base: str, resources: list[dict[str, Any]]
) -> dict[str, Any]:
    """A searchset Bundle; `resource_base` is the public URL of the resource type."""
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "searchset",
        "total": len(resources),
        "link": [{"relation": "self", "url": self_url}],
        "entry": [
            {
                "fullUrl": f"{resource_base}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }

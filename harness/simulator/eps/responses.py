"""EPS answers as FHIR JSON, shaped like the public examples."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from harness.simulator.eps.bundles import (
    ITEM_SYSTEM,
    MESSAGE_EVENT_SYSTEM,
    NHS_NUMBER_SYSTEM,
    ODS_SYSTEM,
    RFC4122,
    SHORT_ID_SYSTEM,
    coding,
)
from harness.simulator.eps.errors import STATUS_HISTORY_SYSTEM, EpsError
from harness.simulator.eps.machine import (
    CANCELLATION_RESPONSES,
    ITEM_DISPLAY,
    ITEM_WITH_DISPENSER,
    STATUS_DISPLAY,
    Status,
)
from harness.simulator.eps.messages import Cancellation, PrescriptionOrder
from harness.simulator.eps.seed import PHARMACY_NAMES
from harness.simulator.eps.store import Record

Json = dict[str, Any]
NewId = Callable[[], str]
BUSINESS_STATUS_SYSTEM = "https://fhir.nhs.uk/CodeSystem/EPS-task-business-status"
DISPENSE_TYPE_SYSTEM = "https://fhir.nhs.uk/CodeSystem/medicationdispense-type"
DISPENSING_INFORMATION_URL = (
    "https://fhir.nhs.uk/StructureDefinition/Extension-EPS-DispensingInformation"
)
SPINE_ODS = "X2601"
TASK_STATUS = {
    Status.TO_BE_DISPENSED: "requested",
    Status.WITH_DISPENSER: "in-progress",
    Status.WITH_DISPENSER_ACTIVE: "in-progress",
    Status.EXPIRED: "failed",
    Status.CANCELLED: "cancelled",
    Status.DISPENSED: "completed",
    Status.NOT_DISPENSED: "completed",
    Status.CLAIMED: "completed",
    Status.NO_CLAIMED: "completed",
}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def success(now: str) -> Json:
    return {
        "resourceType": "OperationOutcome",
        "meta": {"lastUpdated": now},
        "issue": [{"severity": "information", "code": "informational"}],
    }


def operation_outcome(error: EpsError, now: str, new_id: NewId) -> Json:
    issue: Json = {"severity": "error", "code": error.issue_code}
    if error.code:
        details = coding(error.system, error.code, error.display)
        issue["details"] = {"coding": [details]}
    if error.diagnostics:
        issue["diagnostics"] = error.diagnostics
    outcome: Json = {"resourceType": "OperationOutcome", "meta": {"lastUpdated": now}}
    outcome["issue"] = [issue]
    if error.holder:
        organization_id = new_id()
        outcome["contained"] = [
            {
                "resourceType": "Organization",
                "id": organization_id,
                "identifier": [{"system": ODS_SYSTEM, "value": error.holder}],
                "name": PHARMACY_NAMES.get(error.holder, error.holder),
            }
        ]
        outcome["extension"] = [
            {
                "url": "https://fhir.nhs.uk/StructureDefinition/Extension-Spine-supportingInfo",
                "valueReference": {"reference": f"#{organization_id}"},
            }
        ]
    return outcome


def prepare(order: PrescriptionOrder, now: str) -> Json:
    """The data to sign: a SignedInfo over a digest of the prescription's content."""
    digest = base64.b64encode(
        hashlib.sha256(orjson.dumps(order.bundle, option=orjson.OPT_SORT_KEYS)).digest()
    ).decode()
    signed_info = (
        '<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><CanonicalizationMethod '
        'Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></CanonicalizationMethod>'
        '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256">'
        "</SignatureMethod><Reference><Transforms><Transform "
        'Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></Transform></Transforms>'
        '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></DigestMethod>'
        f"<DigestValue>{digest}</DigestValue></Reference></SignedInfo>"
    )
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "digest", "valueString": base64.b64encode(signed_info.encode()).decode()},
            {"name": "timestamp", "valueString": now},
            {"name": "algorithm", "valueString": "RS256"},
        ],
    }


def _with_ids(bundle: Json) -> Json:
    """Copy of a received message with each resource's id taken from its fullUrl."""
    copied: Json = orjson.loads(orjson.dumps(bundle))
    for entry in copied.get("entry", []):
        url = entry.get("fullUrl", "")
        if isinstance(url, str) and url.startswith("urn:uuid:"):
            entry["resource"] = {"id": url[len("urn:uuid:") :], **entry["resource"]}
    return copied


def released_prescription(record: Record) -> Json:
    """The prescription as a dispenser downloads it (message Bundle, lines with their state)."""
    p = record.prescription
    bundle = _with_ids(record.order)
    states = {item.id: item.state for item in p.items}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource.get("resourceType") == "MessageHeader" and p.dispenser:
            resource["destination"] = [
                {
                    "endpoint": f"https://directory.spineservices.nhs.uk/STU3/Organization/"
                    f"{p.dispenser}",
                    "receiver": {"identifier": {"system": ODS_SYSTEM, "value": p.dispenser}},
                }
            ]
        if resource.get("resourceType") == "MedicationRequest":
            item_ids = [
                str(i.get("value", "")).lower()
                for i in _list(resource.get("identifier"))
                if isinstance(i, dict) and i.get("system") == ITEM_SYSTEM
            ]
            state = states.get(item_ids[0] if item_ids else "", ITEM_WITH_DISPENSER)
            resource["extension"] = [
                *_list(resource.get("extension")),
                {
                    "url": DISPENSING_INFORMATION_URL,
                    "extension": [
                        {
                            "url": "dispenseStatus",
                            "valueCoding": coding(DISPENSE_TYPE_SYSTEM, state, ITEM_DISPLAY[state]),
                        }
                    ],
                },
            ]
    return {
        "resourceType": "Bundle",
        "id": bundle.get("id"),
        "timestamp": record.authored_on,
        "identifier": bundle.get("identifier"),
        "type": "message",
        "entry": bundle["entry"],
    }


def _searchset(entries: list[Json], now: str, new_id: NewId, self_url: str | None) -> Json:
    bundle_id = new_id()
    bundle: Json = {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"lastUpdated": now},
        "identifier": {"system": RFC4122, "value": bundle_id},
        "type": "searchset",
    }
    if self_url:
        bundle["link"] = [{"relation": "self", "url": self_url}]
    bundle["total"] = len(entries)
    bundle["entry"] = entries
    return bundle


def release(records: Sequence[Record], now: str, new_id: NewId, self_url: str) -> Json:
    passed = [
        {
            "fullUrl": f"urn:uuid:{record.order.get('id')}",
            "search": {"mode": "match"},
            "resource": released_prescription(record),
        }
        for record in records
    ]
    return {
        "resourceType": "Parameters",
        "id": new_id(),
        "parameter": [
            {"name": "passedPrescriptions", "resource": _searchset(passed, now, new_id, self_url)},
            {"name": "failedPrescriptions", "resource": _searchset([], now, new_id, None)},
        ],
    }


def task(record: Record) -> Json:
    p = record.prescription
    business = coding(BUSINESS_STATUS_SYSTEM, p.status.value, STATUS_DISPLAY[p.status])
    resource: Json = {
        "resourceType": "Task",
        "id": record.task_id,
        "extension": [
            {
                "url": "https://fhir.nhs.uk/StructureDefinition/Extension-EPS-Prescription",
                "extension": [
                    {
                        "url": "courseOfTherapyType",
                        "valueCoding": coding(
                            "https://fhir.nhs.uk/CodeSystem/medicationrequest-course-of-therapy",
                            "acute",
                            "Short course (acute) therapy",
                        ),
                    }
                ],
            }
        ],
        "identifier": [{"system": RFC4122, "value": record.task_id}],
        "status": TASK_STATUS[p.status],
        "businessStatus": {"coding": [business]},
        "intent": "order",
        "code": {
            "coding": [coding(MESSAGE_EVENT_SYSTEM, "prescription-order", "Prescription Order")]
        },
        "focus": {"identifier": {"system": SHORT_ID_SYSTEM, "value": p.short_id}},
        "for": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": p.nhs_number}},
        "requester": {"identifier": {"system": ODS_SYSTEM, "value": p.prescriber}},
    }
    if p.dispenser:
        resource["owner"] = {
            "identifier": {"system": ODS_SYSTEM, "value": p.dispenser},
            "display": PHARMACY_NAMES.get(p.dispenser, p.dispenser),
        }
    resource["authoredOn"] = record.authored_on
    resource["input"] = [
        {
            "extension": [
                {
                    "url": DISPENSING_INFORMATION_URL,
                    "extension": [
                        {
                            "url": "dispenseStatus",
                            "valueCoding": coding(
                                DISPENSE_TYPE_SYSTEM, item.state, ITEM_DISPLAY[item.state]
                            ),
                        }
                    ],
                }
            ],
            "type": {"coding": [coding("http://snomed.info/sct", "16076005", "Prescription")]},
            "valueReference": {"identifier": {"system": RFC4122, "value": item.id}},
        }
        for item in p.items
    ]
    return resource


def task_search(records: Sequence[Record], now: str, new_id: NewId) -> Json:
    entries = [{"fullUrl": f"urn:uuid:{r.task_id}", "resource": task(r)} for r in records]
    return _searchset(entries, now, new_id, None)


def cancellation(
    record: Record | None, request: Cancellation, code: str, now: str, new_id: NewId
) -> Json:
    """The prescription-order-response Bundle answering a cancellation (R-0001 ... R-0010)."""
    bundle = _with_ids(request.bundle)
    header_id, message_id = new_id(), new_id()
    focus = []
    entries: list[Json] = []
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        kind = resource.get("resourceType")
        if kind in ("MessageHeader", "Provenance"):
            continue
        if kind == "MedicationRequest":
            history = (
                "PrescriptionTaskStatusReason" if code == "R-0001" else "PrescriptionStatusHistory"
            )
            resource = {
                **resource,
                "extension": [
                    {
                        "url": f"https://fhir.nhs.uk/StructureDefinition/Extension-DM-{history}",
                        "extension": [
                            {
                                "url": "status",
                                "valueCoding": coding(
                                    STATUS_HISTORY_SYSTEM, code, CANCELLATION_RESPONSES[code]
                                ),
                            },
                            {"url": "statusDate", "valueDateTime": now},
                        ],
                    },
                    *[
                        e
                        for e in _list(resource.get("extension"))
                        if isinstance(e, dict) and "PrescriptionType" not in str(e.get("url"))
                    ],
                ],
                "status": "cancelled" if code == "R-0001" else "active",
            }
            holder = record.prescription.dispenser if record else None
            if code in ("R-0002", "R-0003") and holder:
                resource["dispenseRequest"] = {
                    **_dict(resource.get("dispenseRequest")),
                    "performer": {
                        "identifier": {"system": ODS_SYSTEM, "value": holder},
                        "display": PHARMACY_NAMES.get(holder, holder),
                    },
                }
        if kind in ("MedicationRequest", "Patient"):
            focus.append({"reference": entry.get("fullUrl")})
        entries.append({**entry, "resource": resource})
    prescriber = record.prescription.prescriber if record else ""
    header = {
        "fullUrl": f"urn:uuid:{header_id}",
        "resource": {
            "resourceType": "MessageHeader",
            "id": header_id,
            "extension": [
                {
                    "url": "https://fhir.nhs.uk/StructureDefinition/Extension-MessageHeader-messageId",
                    "valueIdentifier": {"system": RFC4122, "value": message_id},
                }
            ],
            "eventCoding": coding(
                MESSAGE_EVENT_SYSTEM, "prescription-order-response", "Prescription Order Response"
            ),
            "destination": [
                {
                    "endpoint": f"urn:nhs-uk:addressing:ods:{prescriber}",
                    "receiver": {"identifier": {"system": ODS_SYSTEM, "value": prescriber}},
                }
            ],
            "sender": {
                "identifier": {"system": ODS_SYSTEM, "value": SPINE_ODS},
                "display": "NHS Digital Spine",
            },
            "source": {"name": "NHS Spine", "endpoint": "/$process-message"},
            "response": {"identifier": request.message_id, "code": "ok"},
            "focus": focus,
        },
    }
    return {
        "resourceType": "Bundle",
        "type": "message",
        "identifier": {"system": RFC4122, "value": message_id},
        "timestamp": now,
        "entry": [header, *entries],
    }

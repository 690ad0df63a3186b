"""Read EPS request bodies into commands, refusing malformed ones the way the FHIR facade does.

Every function takes the decoded JSON (any value at all) and returns a frozen command, or
raises `EpsError` naming what is wrong. Nothing here touches the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.simulator.eps import errors
from harness.simulator.eps.bundles import (
    ITEM_SYSTEM,
    NHS_NUMBER_SYSTEM,
    PRESCRIPTION_ID_URL,
    ROLE_SYSTEM,
)
from harness.simulator.eps.checkdigit import has_valid_check_character
from harness.simulator.eps.errors import EpsError
from harness.simulator.eps.machine import (
    CANCELLATION_REASONS,
    DISPENSE_ITEM_TYPES,
    Status,
)

Json = dict[str, Any]
MESSAGE_EVENTS = ("prescription-order", "prescription-order-update", "dispense-notification")
ORDER_INTENTS = ("order", "original-order", "instance-order")
MISSING_FIELD_SYSTEM = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
TASK_STATUS_URL = "https://fhir.nhs.uk/StructureDefinition/Extension-EPS-TaskBusinessStatus"
CANCEL_REASON_SYSTEM = "https://fhir.nhs.uk/CodeSystem/medicationrequest-status-reason"


@dataclass(frozen=True, slots=True)
class PrescriptionOrder:
    message_id: str
    short_id: str
    long_id: str
    nhs_number: str
    prescriber: str
    performer: str | None
    item_ids: tuple[str, ...]
    signed: bool
    bundle: Json = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Cancellation:
    message_id: str
    short_id: str
    item_id: str
    nhs_number: str
    canceller: str  # the cancelling prescriber's role profile id
    reason: str
    bundle: Json = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DispenseNotification:
    message_id: str
    short_id: str
    dispenser: str
    status: Status
    item_states: dict[str, str]


Message = PrescriptionOrder | Cancellation | DispenseNotification


# -- small readers ---------------------------------------------------------------------------


def require_object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise errors.invalid_value(f"{where} must be an object.")
    return value


def array_of(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.invalid_value(f"{where} must be an array.")
    return value


def required_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise errors.invalid_value(f"{where} is required.")
    return value.strip()


def identifier_value(resource: Mapping[str, Any], system: str, where: str) -> str:
    for identifier in array_of(resource.get("identifier"), f"{where}.identifier"):
        if isinstance(identifier, Mapping) and identifier.get("system") == system:
            return required_text(identifier.get("value"), f"{where}.identifier.value")
    raise errors.invalid_value(f"{where}.identifier with system {system} is required.")


def coding_code(concept: Any, system: str, where: str) -> str:
    if isinstance(concept, Mapping):
        for coding in array_of(concept.get("coding"), f"{where}.coding"):
            if isinstance(coding, Mapping) and coding.get("system") == system:
                return required_text(coding.get("code"), f"{where}.coding.code")
    raise errors.invalid_value(f"{where} must have a coding with system {system}.")


def ods_code(reference: Any, where: str) -> str:
    identifier = require_object(
        require_object(reference, where).get("identifier"), f"{where}.identifier"
    )
    return required_text(identifier.get("value"), f"{where}.identifier.value").upper()


def checked_short_id(value: Any, where: str) -> str:
    short_id = required_text(value, where).upper()
    if not has_valid_check_character(short_id):
        raise errors.failure_to_process("prescriptionID has invalid checksum")
    return short_id


def require_resource_type(body: Any, expected: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping) or body.get("resourceType") != expected:
        raise errors.invalid_value(f"Incorrect FHIR resource type. Expected {expected}.")
    return body


# -- bundles ---------------------------------------------------------------------------------


class _Bundle:
    def __init__(self, body: Any) -> None:
        bundle = require_resource_type(body, "Bundle")
        if "entry" not in bundle:
            raise EpsError(
                "value",
                "MISSING_FIELD",
                "ResourceType Bundle must contain 'entry' field",
                system=MISSING_FIELD_SYSTEM,
            )
        self.body = bundle
        self.by_url: dict[str, Mapping[str, Any]] = {}
        self.resources: list[Mapping[str, Any]] = []
        for index, entry in enumerate(array_of(bundle.get("entry"), "Bundle.entry")):
            entry = require_object(entry, f"Bundle.entry[{index}]")
            resource = require_object(entry.get("resource"), f"Bundle.entry[{index}].resource")
            required_text(
                resource.get("resourceType"), f"Bundle.entry[{index}].resource.resourceType"
            )
            self.resources.append(resource)
            if isinstance(entry.get("fullUrl"), str):
                self.by_url[entry["fullUrl"]] = resource
        identifier = bundle.get("identifier")
        value = identifier.get("value") if isinstance(identifier, Mapping) else None
        self.message_id = str(value or bundle.get("id") or "")

    def of_type(self, resource_type: str) -> list[Mapping[str, Any]]:
        return [r for r in self.resources if r.get("resourceType") == resource_type]

    def one(self, resource_type: str) -> Mapping[str, Any]:
        found = self.of_type(resource_type)
        if len(found) != 1:
            raise errors.invalid_value(
                f"Bundle must contain exactly one {resource_type}; found {len(found)}."
            )
        return found[0]

    def event(self) -> str:
        header = self.one("MessageHeader")
        coding = require_object(header.get("eventCoding"), "MessageHeader.eventCoding")
        code = coding.get("code")
        if code not in MESSAGE_EVENTS:
            raise errors.invalid_value(
                "MessageHeader.eventCoding.code must be one of: " + ", ".join(MESSAGE_EVENTS) + "."
            )
        return str(code)

    def resolve(self, reference: Any, where: str) -> Mapping[str, Any]:
        url = require_object(reference, where).get("reference")
        if not isinstance(url, str) or url not in self.by_url:
            raise EpsError(
                "invalid",
                diagnostics=f"{where} populated incorrectly. Please populate with Reference "
                "to resource within Bundle.",
            )
        return self.by_url[url]

    def nhs_number(self) -> str:
        return identifier_value(self.one("Patient"), NHS_NUMBER_SYSTEM, "Patient")


def _same(values: list[str], field_name: str) -> str:
    if len(set(values)) != 1:
        raise errors.invalid_value(
            f"Expected all MedicationRequests to have the same value for {field_name}. "
            f"Received {sorted(set(values))}."
        )
    return values[0]


def _long_id(group: Mapping[str, Any]) -> str:
    for extension in array_of(group.get("extension"), "groupIdentifier.extension"):
        if isinstance(extension, Mapping) and extension.get("url") == PRESCRIPTION_ID_URL:
            value = require_object(
                extension.get("valueIdentifier"), "PrescriptionId.valueIdentifier"
            )
            return required_text(value.get("value"), "PrescriptionId.valueIdentifier.value").lower()
    raise errors.invalid_value("MedicationRequest.groupIdentifier must carry the prescription id.")


def _order(bundle: _Bundle, require_signature: bool) -> PrescriptionOrder:
    requests = bundle.of_type("MedicationRequest")
    if not requests:
        raise errors.invalid_value("Bundle must contain at least one MedicationRequest.")
    for request in requests:
        if request.get("intent") not in ORDER_INTENTS:
            raise errors.invalid_value(
                "MedicationRequest.intent must be order, original-order or instance-order."
            )
    groups = [
        require_object(r.get("groupIdentifier"), "MedicationRequest.groupIdentifier")
        for r in requests
    ]
    short_id = _same(
        [required_text(g.get("value"), "groupIdentifier.value") for g in groups], "groupIdentifier"
    )
    long_id = _same([_long_id(g) for g in groups], "groupIdentifier.extension(PrescriptionId)")
    item_ids = [identifier_value(r, ITEM_SYSTEM, "MedicationRequest").lower() for r in requests]
    if len(set(item_ids)) != len(item_ids):
        raise errors.invalid_value(
            "Expected all MedicationRequests to have a different value for identifier."
        )
    performers = []
    for request in requests:
        dispense = request.get("dispenseRequest")
        performer = dispense.get("performer") if isinstance(dispense, Mapping) else None
        performers.append(ods_code(performer, "dispenseRequest.performer") if performer else "")
    performer = _same(performers, "dispenseRequest.performer")
    therapy = []
    for request in requests:
        concept = request.get("courseOfTherapyType")
        codes = concept.get("coding") if isinstance(concept, Mapping) else None
        first = codes[0] if isinstance(codes, list) and codes else {}
        therapy.append(str(first.get("code", "")) if isinstance(first, Mapping) else "")
    if len(set(therapy)) > 1 and set(therapy) != {"acute", "continuous"}:
        raise EpsError(
            "invalid",
            "INVALID_VALUE",
            "Course of therapy type must either match for all MedicationRequests or be a "
            "mixture of 'acute' and 'continuous'.",
            system=MISSING_FIELD_SYSTEM,
        )
    header = bundle.one("MessageHeader")
    prescriber = ods_code(header.get("sender"), "MessageHeader.sender")
    signed = bool(bundle.of_type("Provenance"))
    if require_signature and not signed:
        raise EpsError("invalid", "MISSING_DIGITAL_SIGNATURE", "Digital signature not found.")
    nhs_number = bundle.nhs_number()
    return PrescriptionOrder(
        message_id=bundle.message_id,
        short_id=checked_short_id(short_id, "groupIdentifier.value"),
        long_id=long_id,
        nhs_number=nhs_number,
        prescriber=prescriber,
        performer=performer or None,
        item_ids=tuple(item_ids),
        signed=signed,
        bundle=dict(bundle.body),
    )


def _cancellation(bundle: _Bundle) -> Cancellation:
    requests = bundle.of_type("MedicationRequest")
    if len(requests) != 1:
        raise errors.invalid_value(
            "The Bundle must contain exactly one MedicationRequest if "
            "MessageHeader.eventCoding.code is 'prescription-order-update'."
        )
    request = requests[0]
    if request.get("status") != "cancelled":
        raise errors.invalid_value("MedicationRequest.status must be 'cancelled'.")
    if not isinstance(request.get("statusReason"), Mapping):
        raise errors.invalid_value("Expected MedicationRequest to have a value for statusReason.")
    reason = coding_code(request["statusReason"], CANCEL_REASON_SYSTEM, "statusReason")
    if reason not in CANCELLATION_REASONS:
        raise errors.invalid_value(
            "MedicationRequest.statusReason.coding.code must be one of: "
            + ", ".join(CANCELLATION_REASONS)
            + "."
        )
    group = require_object(request.get("groupIdentifier"), "MedicationRequest.groupIdentifier")
    role = bundle.resolve(request.get("requester"), "MedicationRequest.requester")
    return Cancellation(
        message_id=bundle.message_id,
        short_id=checked_short_id(group.get("value"), "groupIdentifier.value"),
        item_id=identifier_value(request, ITEM_SYSTEM, "MedicationRequest").lower(),
        nhs_number=bundle.nhs_number(),
        canceller=identifier_value(role, ROLE_SYSTEM, "PractitionerRole"),
        reason=reason,
        bundle=dict(bundle.body),
    )


def _dispense_notification(bundle: _Bundle) -> DispenseNotification:
    header = bundle.one("MessageHeader")
    dispenser = ods_code(header.get("sender"), "MessageHeader.sender")
    dispenses = bundle.of_type("MedicationDispense")
    if not dispenses:
        raise errors.invalid_value("Bundle must contain at least one MedicationDispense.")
    short_ids, statuses, item_states = [], [], {}
    for index, dispense in enumerate(dispenses):
        where = f"MedicationDispense[{index}]"
        status = None
        for extension in array_of(dispense.get("extension"), f"{where}.extension"):
            if isinstance(extension, Mapping) and extension.get("url") == TASK_STATUS_URL:
                status = required_text(
                    require_object(extension.get("valueCoding"), f"{where}.TaskBusinessStatus").get(
                        "code"
                    ),
                    f"{where}.TaskBusinessStatus.code",
                )
        if status is None:
            raise errors.invalid_value(f"{where} must carry Extension-EPS-TaskBusinessStatus.")
        statuses.append(status)
        contained = {
            f"#{r.get('id')}": r
            for r in array_of(dispense.get("contained"), f"{where}.contained")
            if isinstance(r, Mapping)
        }
        authorising = array_of(
            dispense.get("authorizingPrescription"), f"{where}.authorizingPrescription"
        )
        reference = require_object(
            authorising[0] if authorising else None, f"{where}.authorizingPrescription"
        )
        request = contained.get(str(reference.get("reference")))
        if request is None or request.get("resourceType") != "MedicationRequest":
            raise errors.invalid_value(
                f"{where}.authorizingPrescription must reference a contained MedicationRequest."
            )
        group = require_object(
            request.get("groupIdentifier"), f"{where} MedicationRequest.groupIdentifier"
        )
        short_ids.append(required_text(group.get("value"), "groupIdentifier.value").upper())
        item_type = coding_code(
            dispense.get("type"),
            "https://fhir.nhs.uk/CodeSystem/medicationdispense-type",
            f"{where}.type",
        )
        if item_type not in DISPENSE_ITEM_TYPES:
            raise errors.invalid_value(
                f"{where}.type must be one of: " + ", ".join(sorted(DISPENSE_ITEM_TYPES)) + "."
            )
        item_states[
            identifier_value(request, ITEM_SYSTEM, f"{where} MedicationRequest").lower()
        ] = item_type
    status = _same(statuses, "Extension-EPS-TaskBusinessStatus")
    try:
        business_status = Status(status)
    except ValueError:
        raise errors.invalid_value(f"Unknown task business status {status}.") from None
    return DispenseNotification(
        message_id=bundle.message_id,
        short_id=checked_short_id(_same(short_ids, "groupIdentifier"), "groupIdentifier.value"),
        dispenser=dispenser,
        status=business_status,
        item_states=item_states,
    )


def parse_message(body: Any, require_signature: bool = True) -> Message:
    """A `$process-message` body: prescription order, cancellation or dispense notification."""
    bundle = _Bundle(body)
    event = bundle.event()
    if event == "prescription-order":
        return _order(bundle, require_signature)
    if event == "prescription-order-update":
        return _cancellation(bundle)
    return _dispense_notification(bundle)


def parse_prepare(body: Any) -> PrescriptionOrder:
    """A `$prepare` body: an unsigned prescription order."""
    bundle = _Bundle(body)
    if bundle.event() != "prescription-order":
        raise errors.invalid_value("MessageHeader.eventCoding.code must be prescription-order.")
    return _order(bundle, require_signature=False)

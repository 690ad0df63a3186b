"""Read dispensing request bodies (release, return or withdraw Task, Claim) into commands.

Like `messages`, every function takes any decoded JSON and returns a frozen command or raises
`EpsError` naming the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.simulator.eps import errors
from harness.simulator.eps.bundles import ODS_SYSTEM, SHORT_ID_SYSTEM
from harness.simulator.eps.errors import EpsError
from harness.simulator.eps.machine import RETURN_REASONS, WITHDRAW_REASONS
from harness.simulator.eps.messages import (
    array_of,
    checked_short_id,
    coding_code,
    identifier_value,
    ods_code,
    require_object,
    require_resource_type,
)

RETURN_REASON_SYSTEM = "https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-return-status-reason"
WITHDRAW_REASON_SYSTEM = "https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-withdraw-reason"
ENDORSEMENT_SYSTEM = "https://fhir.nhs.uk/CodeSystem/medicationdispense-endorsement"


@dataclass(frozen=True, slots=True)
class ReleaseRequest:
    dispenser: str
    short_id: str | None  # None: nominated release of everything waiting for the dispenser


@dataclass(frozen=True, slots=True)
class TaskRequest:
    kind: str  # "return" | "withdraw"
    task_id: str
    short_id: str
    dispenser: str
    reason: str


@dataclass(frozen=True, slots=True)
class ClaimRequest:
    short_id: str
    dispenser: str


# -- dispensing ------------------------------------------------------------------------------


def parse_release(body: Any) -> ReleaseRequest:
    parameters = require_resource_type(body, "Parameters")
    by_name = {
        str(p.get("name")): p
        for p in array_of(parameters.get("parameter"), "Parameters.parameter")
        if isinstance(p, Mapping)
    }
    owner = by_name.get("owner")
    if owner is None:
        raise EpsError("invalid", diagnostics="Required parameter owner is missing.")
    organization = require_object(owner.get("resource"), "Parameters.parameter(owner).resource")
    dispenser = identifier_value(organization, ODS_SYSTEM, "Parameters.parameter(owner).resource")
    group = by_name.get("group-identifier")
    short_id = None
    if group is not None:
        identifier = require_object(
            group.get("valueIdentifier"), "group-identifier.valueIdentifier"
        )
        short_id = checked_short_id(identifier.get("value"), "group-identifier.value")
    return ReleaseRequest(dispenser=dispenser.upper(), short_id=short_id)


def _task_dispenser(task: Mapping[str, Any]) -> str:
    if task.get("owner") is not None:
        return ods_code(task["owner"], "Task.owner")
    contained = {
        f"#{r.get('id')}": r
        for r in array_of(task.get("contained"), "Task.contained")
        if isinstance(r, Mapping)
    }
    role = contained.get(
        str(require_object(task.get("requester"), "Task.requester").get("reference"))
    )
    link = require_object(
        require_object(role, "Task.requester").get("organization"), "PractitionerRole.organization"
    )
    organization = contained.get(str(link.get("reference")))
    return identifier_value(
        require_object(organization, "Task.requester.organization"), ODS_SYSTEM, "Organization"
    )


def parse_task(body: Any) -> TaskRequest:
    task = require_resource_type(body, "Task")
    status = task.get("status")
    if status not in ("in-progress", "rejected"):
        raise errors.invalid_value("Task.status must be one of: 'in-progress', 'rejected'")
    if status == "in-progress" and task.get("code") is None:
        raise errors.invalid_value("Task.code is required when Task.status is 'in-progress'.")
    kind, system, reasons = (
        ("return", RETURN_REASON_SYSTEM, RETURN_REASONS)
        if status == "rejected"
        else ("withdraw", WITHDRAW_REASON_SYSTEM, WITHDRAW_REASONS)
    )
    try:
        reason = coding_code(task.get("statusReason"), system, "Task.statusReason")
    except EpsError:
        reason = ""
    if reason not in reasons:
        raise errors.invalid_value(
            f"Task.reasonCode must have a system of '{system}' and a value from that system."
        )
    group = require_object(task.get("groupIdentifier"), "Task.groupIdentifier")
    if group.get("system") not in (None, SHORT_ID_SYSTEM):
        raise errors.invalid_value(f"Task.groupIdentifier.system must be {SHORT_ID_SYSTEM}.")
    identifier = array_of(task.get("identifier"), "Task.identifier")
    task_id = (
        identifier[0].get("value") if identifier and isinstance(identifier[0], Mapping) else None
    )
    return TaskRequest(
        kind=kind,
        task_id=str(task_id or task.get("id") or ""),
        short_id=checked_short_id(group.get("value"), "Task.groupIdentifier.value"),
        dispenser=_task_dispenser(task).upper(),
        reason=reason,
    )


def parse_claim(body: Any) -> ClaimRequest:
    claim = require_resource_type(body, "Claim")
    prescription = require_object(claim.get("prescription"), "Claim.prescription")
    short_id = None
    for extension in array_of(prescription.get("extension"), "Claim.prescription.extension"):
        if not isinstance(extension, Mapping):
            continue
        for part in array_of(extension.get("extension"), "Claim.prescription.extension.extension"):
            if isinstance(part, Mapping) and part.get("url") == "shortForm":
                short_id = require_object(
                    part.get("valueIdentifier"), "shortForm.valueIdentifier"
                ).get("value")
    details = [
        detail
        for item in array_of(claim.get("item"), "Claim.item")
        if isinstance(item, Mapping)
        for detail in array_of(item.get("detail"), "Claim.item.detail")
        if isinstance(detail, Mapping)
    ]
    if not details:
        raise errors.invalid_value("Claim.item.detail is required.")
    for detail in details:
        systems = {
            str(coding.get("system"))
            for concept in array_of(detail.get("programCode"), "Claim.item.detail.programCode")
            if isinstance(concept, Mapping)
            for coding in array_of(concept.get("coding"), "programCode.coding")
            if isinstance(coding, Mapping)
        }
        if ENDORSEMENT_SYSTEM not in systems:
            raise EpsError(
                "invalid", diagnostics="The claim is missing the required endorsement code."
            )
    contained = {
        f"#{r.get('id')}": r
        for r in array_of(claim.get("contained"), "Claim.contained")
        if isinstance(r, Mapping)
    }
    payee = require_object(claim.get("payee"), "Claim.payee")
    organization = contained.get(
        str(require_object(payee.get("party"), "Claim.payee.party").get("reference"))
    )
    dispenser = identifier_value(
        require_object(organization, "Claim.payee.party"), ODS_SYSTEM, "Organization"
    )
    return ClaimRequest(
        short_id=checked_short_id(short_id, "Claim.prescription shortForm"),
        dispenser=dispenser.upper(),
    )

"""The prescription life cycle as a pure state machine: values in, values out, no I/O.

States are the EPS task business statuses; item states are the dispense types of each line.
Every command either returns the next `Prescription` or raises `EpsError`; cancellation
returns the response code (R-0001 ... R-0010) with the next value, since some refusals
(R-0002, R-0003: "marked for cancellation") change the prescription too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from harness.simulator.eps import errors
from harness.simulator.eps.errors import EpsError


class Status(StrEnum):
    """https://fhir.nhs.uk/CodeSystem/EPS-task-business-status"""

    TO_BE_DISPENSED = "0001"
    WITH_DISPENSER = "0002"
    WITH_DISPENSER_ACTIVE = "0003"
    EXPIRED = "0004"
    CANCELLED = "0005"
    DISPENSED = "0006"
    NOT_DISPENSED = "0007"
    CLAIMED = "0008"
    NO_CLAIMED = "0009"


STATUS_DISPLAY = {
    Status.TO_BE_DISPENSED: "To be Dispensed",
    Status.WITH_DISPENSER: "With Dispenser",
    Status.WITH_DISPENSER_ACTIVE: "With Dispenser - Active",
    Status.EXPIRED: "Expired",
    Status.CANCELLED: "Cancelled",
    Status.DISPENSED: "Dispensed",
    Status.NOT_DISPENSED: "Not Dispensed",
    Status.CLAIMED: "Claimed",
    Status.NO_CLAIMED: "No-Claimed",
}

# https://fhir.nhs.uk/CodeSystem/medicationdispense-type (the state of one line item)
ITEM_DISPLAY = {
    "0001": "Item fully dispensed",
    "0002": "Item not dispensed",
    "0003": "Item dispensed - partial",
    "0004": "Item not dispensed owing",
    "0005": "Item cancelled",
    "0006": "Expired",
    "0007": "Item to be dispensed",
    "0008": "Item with dispenser",
}
ITEM_TO_BE_DISPENSED, ITEM_WITH_DISPENSER, ITEM_CANCELLED = "0007", "0008", "0005"
ITEM_DISPENSED = "0001"
DISPENSE_ITEM_TYPES = frozenset({"0001", "0002", "0003", "0004"})  # what a dispenser may report
DISPENSE_STATUSES = frozenset(
    {Status.WITH_DISPENSER_ACTIVE, Status.DISPENSED, Status.NOT_DISPENSED}
)

# https://fhir.nhs.uk/CodeSystem/medicationrequest-status-reason
CANCELLATION_REASONS = {
    "0001": "Prescribing Error",
    "0002": "Clinical contra-indication",
    "0003": "Change to medication treatment regime",
    "0004": "Clinical grounds",
    "0005": "At the Patient's request",
    "0006": "At the Pharmacist's request",
    "0007": "Notification of Death",
    "0008": "Patient deducted - other reason",
    "0009": "Patient deducted - registered with new practice",
}
# https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-return-status-reason
RETURN_REASONS = {
    "0001": "Patient non-attendance",
    "0002": "Unable to dispense medication on prescriptions",
    "0003": "Patient requested release",
    "0004": "Another dispenser requested release on behalf of the patient",
    "0005": "Invalid digital signature",
    "0006": "Rejected due to version problem",
    "0007": "Prescription otherwise invalid or unreadable",
    "0008": "Prescription expired",
}
# https://fhir.nhs.uk/CodeSystem/EPS-task-dispense-withdraw-reason
WITHDRAW_REASONS = {
    "QU": "Quantity Update",
    "MU": "Medication Update",
    "DA": "Dosage Amendments",
    "PA": "Patient Details Amendments",
    "OC": "Other Clinical",
    "ONC": "Other Non-Clinical",
}
# https://fhir.nhs.uk/CodeSystem/medicationrequest-status-history (cancellation responses)
CANCELLATION_RESPONSES = {
    "R-0001": "Prescription/item was cancelled",
    "R-0002": "Prescription/item was not cancelled. With dispenser. Marked for cancellation",
    "R-0003": "Prescription/item was not cancelled. With dispenser active. Marked for cancellation",
    "R-0004": "Prescription/item was not cancelled. Prescription has been dispensed.",
    "R-0005": "Prescription/item has expired",
    "R-0006": "Prescription/item had already been cancelled",
    "R-0007": "Prescription/item cancellation requested by another prescriber",
    "R-0008": "Prescription/item not found",
    "R-0010": "Prescription/item was not cancelled. Prescription has been not dispensed.",
}

HELD = frozenset(
    {
        Status.WITH_DISPENSER,
        Status.WITH_DISPENSER_ACTIVE,
        Status.DISPENSED,
        Status.NOT_DISPENSED,
        Status.CLAIMED,
        Status.NO_CLAIMED,
    }
)


@dataclass(frozen=True, slots=True)
class Item:
    id: str  # prescription-order-item-number (a UUID, lower case)
    state: str = ITEM_TO_BE_DISPENSED


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a withdrawn dispense notification restores."""

    status: Status
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Prescription:
    short_id: str
    long_id: str
    nhs_number: str
    prescriber: str  # ODS code of the prescribing organisation
    nominated: str | None  # ODS code of the nominated pharmacy, if any
    items: tuple[Item, ...]
    status: Status = Status.TO_BE_DISPENSED
    dispenser: str | None = None  # ODS code of the pharmacy holding it
    before_notifications: tuple[Snapshot, ...] = ()  # one per dispense notification, in order
    cancellation_requested_by: str | None = None  # prescriber role marking it for cancellation
    cancellation_reason: str | None = None

    def item(self, item_id: str) -> Item | None:
        wanted = item_id.lower()
        return next((item for item in self.items if item.id == wanted), None)


# -- commands ------------------------------------------------------------------------------


def release(p: Prescription, dispenser: str) -> Prescription:
    """Download by a dispenser: locks the prescription to it."""
    if p.status is Status.TO_BE_DISPENSED:
        items = tuple(
            replace(i, state=ITEM_WITH_DISPENSER) if i.state == ITEM_TO_BE_DISPENSED else i
            for i in p.items
        )
        return replace(p, status=Status.WITH_DISPENSER, dispenser=dispenser, items=items)
    if p.status in (Status.WITH_DISPENSER, Status.WITH_DISPENSER_ACTIVE):
        if p.dispenser != dispenser:
            raise errors.with_another_dispenser(p.dispenser)
        return p  # the same dispenser downloads it again
    raise errors.invalid_state_transition(STATUS_DISPLAY[p.status], "release")


def _require_holder(
    p: Prescription, dispenser: str, allowed: frozenset[Status], action: str
) -> None:
    if p.status in HELD and p.dispenser != dispenser:
        raise errors.with_another_dispenser(p.dispenser)
    if p.status not in allowed:
        raise errors.invalid_state_transition(STATUS_DISPLAY[p.status], action)


def return_(p: Prescription, dispenser: str) -> Prescription:
    """The dispenser gives an undispensed prescription back to the spine."""
    _require_holder(p, dispenser, frozenset({Status.WITH_DISPENSER}), "return")
    if p.cancellation_requested_by is not None:  # the deferred cancellation now applies
        items = tuple(replace(i, state=ITEM_CANCELLED) for i in p.items)
        return replace(p, status=Status.CANCELLED, dispenser=None, items=items)
    items = tuple(
        replace(i, state=ITEM_TO_BE_DISPENSED) if i.state == ITEM_WITH_DISPENSER else i
        for i in p.items
    )
    return replace(p, status=Status.TO_BE_DISPENSED, dispenser=None, items=items)


def dispense(
    p: Prescription, dispenser: str, status: Status, item_states: dict[str, str]
) -> Prescription:
    """A dispense notification: the dispenser reports each line and the prescription status."""
    allowed = frozenset({Status.WITH_DISPENSER, Status.WITH_DISPENSER_ACTIVE})
    _require_holder(p, dispenser, allowed, "record a dispense notification for")
    if status not in DISPENSE_STATUSES:
        raise errors.invalid_value(
            "Extension-EPS-TaskBusinessStatus must be one of: 0003, 0006, 0007."
        )
    item_states = {key.lower(): value for key, value in item_states.items()}
    updated = []
    for item_id in item_states:
        if p.item(item_id) is None:
            raise errors.item_not_found(item_id)
    for item in p.items:
        new_state = item_states.get(item.id)
        if new_state is None:
            updated.append(item)
            continue
        if item.state == ITEM_CANCELLED:
            raise errors.invalid_line_state_transition(item.id, ITEM_DISPLAY[item.state])
        updated.append(replace(item, state=new_state))
    snapshot = Snapshot(p.status, p.items)
    return replace(
        p,
        status=status,
        items=tuple(updated),
        before_notifications=(*p.before_notifications, snapshot),
    )


def withdraw(p: Prescription, dispenser: str) -> Prescription:
    """Withdraw the latest dispense notification, restoring the state before it."""
    allowed = frozenset({Status.WITH_DISPENSER_ACTIVE, Status.DISPENSED, Status.NOT_DISPENSED})
    _require_holder(p, dispenser, allowed, "withdraw a dispense notification from")
    if not p.before_notifications:
        raise errors.invalid_state_transition(STATUS_DISPLAY[p.status], "withdraw")
    previous = p.before_notifications[-1]
    return replace(
        p,
        status=previous.status,
        items=previous.items,
        before_notifications=p.before_notifications[:-1],
    )


def claim(p: Prescription, dispenser: str) -> Prescription:
    """The reimbursement claim closes a dispensed (or not dispensed) prescription."""
    allowed = frozenset({Status.DISPENSED, Status.NOT_DISPENSED})
    _require_holder(p, dispenser, allowed, "claim")
    closed = Status.CLAIMED if p.status is Status.DISPENSED else Status.NO_CLAIMED
    return replace(p, status=closed)


def cancel(p: Prescription, item_id: str, canceller: str, reason: str) -> tuple[Prescription, str]:
    """A prescriber cancels one line; answers (next value, R-code)."""
    item = p.item(item_id)
    if item is None:
        raise errors.cancellation_error("R-0008", "not-found", CANCELLATION_RESPONSES["R-0008"])
    if p.status is Status.CANCELLED or item.state == ITEM_CANCELLED:
        return p, "R-0006"
    if p.status is Status.EXPIRED:
        return p, "R-0005"
    if p.status in (Status.DISPENSED, Status.CLAIMED) or item.state == ITEM_DISPENSED:
        return p, "R-0004"
    if p.status in (Status.NOT_DISPENSED, Status.NO_CLAIMED):
        return p, "R-0010"
    if p.status in (Status.WITH_DISPENSER, Status.WITH_DISPENSER_ACTIVE):
        if p.cancellation_requested_by not in (None, canceller):
            return p, "R-0007"
        marked = replace(p, cancellation_requested_by=canceller, cancellation_reason=reason)
        return marked, "R-0002" if p.status is Status.WITH_DISPENSER else "R-0003"
    items = tuple(replace(i, state=ITEM_CANCELLED) if i.id == item.id else i for i in p.items)
    all_cancelled = all(i.state == ITEM_CANCELLED for i in items)
    status = Status.CANCELLED if all_cancelled else p.status
    return replace(p, items=items, status=status, cancellation_reason=reason), "R-0001"


def create(existing: Prescription | None, new: Prescription) -> Prescription:
    """A new prescription order; the short-form id must not exist yet."""
    if existing is not None:
        raise errors.duplicate_prescription(new.short_id)
    return new


def expire(p: Prescription) -> Prescription:
    """Validity ended before dispensing (used by the seeded set; no API call expires one)."""
    if p.status is not Status.TO_BE_DISPENSED:
        raise errors.invalid_state_transition(STATUS_DISPLAY[p.status], "expire")
    items = tuple(replace(i, state="0006") for i in p.items)
    return replace(p, status=Status.EXPIRED, items=items)


__all__ = [
    "CANCELLATION_REASONS",
    "CANCELLATION_RESPONSES",
    "RETURN_REASONS",
    "WITHDRAW_REASONS",
    "EpsError",
    "Item",
    "Prescription",
    "Status",
    "cancel",
    "claim",
    "create",
    "dispense",
    "expire",
    "release",
    "return_",
    "withdraw",
]

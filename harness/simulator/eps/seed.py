"""The deterministic starting set: prescriptions in every state, for patients of the population.

Each seeded prescription is created and then driven through the pure state machine (release,
dispense, claim, cancel, expire), so a seeded state is always one the API could reach. The
prescription ids come from the seed alone (they are prescribers' data, migrated unchanged to a
new implementation); the Task ids are allocated by the service, so they follow the flavour.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.simulator.eps import machine
from harness.simulator.eps.bundles import FORMULARY, Prescriber, eps_patient, prescription_order
from harness.simulator.eps.checkdigit import short_form_id
from harness.simulator.eps.machine import Item, Prescription, Status
from harness.simulator.eps.store import PrescriptionStore, Record

PER_STATE = 3
SEED_EPOCH = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)

# Synthetic community pharmacies (ODS codes shaped like real F-codes).
PHARMACIES: tuple[tuple[str, str], ...] = (
    ("FA565", "ASDA INSTORE PHARMACY"),
    ("VNE51", "THE SIMPLE PHARMACY"),
    ("FCG71", "HIGH STREET PHARMACY"),
    ("FH542", "RIVERSIDE CHEMIST"),
    ("FX123", "MARKET SQUARE PHARMACY"),
    ("FQ909", "STATION ROAD PHARMACY"),
)
PHARMACY_NAMES = dict(PHARMACIES)
NOMINATED_PHARMACY_SUFFIX = "NominatedPharmacy"

# How each seeded state is reached from a new prescription.
SEEDED_STATES: tuple[Status, ...] = tuple(Status)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def nominated_pharmacy(resource: dict[str, Any]) -> str | None:
    for extension in resource.get("extension", []):
        if str(extension.get("url", "")).endswith(NOMINATED_PHARMACY_SUFFIX):
            value = extension.get("valueReference", {}).get("identifier", {}).get("value")
            if isinstance(value, str) and value:
                return value
    return None


def drive(p: Prescription, target: Status, dispenser: str) -> Prescription:
    """Take a new prescription to `target` through the life cycle's own transitions."""
    if target is Status.TO_BE_DISPENSED:
        return p
    if target is Status.EXPIRED:
        return machine.expire(p)
    if target is Status.CANCELLED:
        for item in p.items:
            p, _ = machine.cancel(p, item.id, "seed", "0001")
        return p
    p = machine.release(p, dispenser)
    if target is Status.WITH_DISPENSER:
        return p
    if target is Status.WITH_DISPENSER_ACTIVE:
        first = {p.items[0].id: "0003"}
        return machine.dispense(p, dispenser, Status.WITH_DISPENSER_ACTIVE, first)
    if target in (Status.DISPENSED, Status.CLAIMED):
        p = machine.dispense(p, dispenser, Status.DISPENSED, {i.id: "0001" for i in p.items})
    else:
        p = machine.dispense(p, dispenser, Status.NOT_DISPENSED, {i.id: "0002" for i in p.items})
    if target in (Status.CLAIMED, Status.NO_CLAIMED):
        p = machine.claim(p, dispenser)
    return p


def seed_store(
    store: PrescriptionStore,
    seed: int,
    patients: Iterable[tuple[str, dict[str, Any]]],
    practices: Sequence[str],
) -> None:
    """Add PER_STATE prescriptions in every state. `patients` yields (NHS number, resource).

    Prescription ids, prescribers and items depend on the seed alone; patients and pharmacies
    also depend on the population they are drawn from.
    """
    candidates = list(patients)
    if not candidates or not practices:
        return
    ids = random.Random(f"eps-seed-ids:{seed}")
    choose = random.Random(f"eps-seed-patients:{seed}")
    for index in range(PER_STATE * len(SEEDED_STATES)):
        target = SEEDED_STATES[index % len(SEEDED_STATES)]
        practice = practices[ids.randrange(len(practices))]
        nhs_number, resource = candidates[choose.randrange(len(candidates))]
        dispenser = nominated_pharmacy(resource) or PHARMACIES[choose.randrange(len(PHARMACIES))][0]
        short_id = short_form_id(
            f"{ids.getrandbits(24):06X}", practice, f"{ids.getrandbits(20):05X}"
        )
        long_id = _uuid(ids)
        medications = ids.sample(FORMULARY, k=1 + ids.randrange(3))
        items = [(_uuid(ids), medication) for medication in medications]
        authored = (SEED_EPOCH + timedelta(hours=index)).isoformat()
        prescriber = Prescriber(
            ods_code=practice,
            name=f"{practice} MEDICAL PRACTICE",
            role_id=f"{200000000000 + ids.randrange(10**9)}",
            user_id=f"{555000000000 + ids.randrange(10**9)}",
        )
        message_id = _uuid(ids)
        order = prescription_order(
            message_id=message_id,
            short_id=short_id,
            long_id=long_id,
            items=items,
            patient=eps_patient(resource, nhs_number),
            prescriber=prescriber,
            performer=dispenser,
            authored=authored,
            entry_ids=[_uuid(ids) for _ in range(6)],
        )
        prescription = Prescription(
            short_id=short_id,
            long_id=long_id,
            nhs_number=nhs_number,
            prescriber=practice,
            nominated=dispenser,
            items=tuple(Item(item_id) for item_id, _ in items),
        )
        store.add(
            Record(
                prescription=drive(prescription, target, dispenser),
                task_id=store.identifiers.seeded(),
                order=order,
                authored_on=authored,
                last_message_id=message_id,
            )
        )

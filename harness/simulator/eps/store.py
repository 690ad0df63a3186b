"""Where prescriptions live for the server's lifetime, and who allocates identifiers.

Identifiers of the seeded starting set come from a generator seeded with (seed, flavour): the
same for the same seed on legacy, different on spine2, as two implementations' data would be.
Identifiers the service allocates while answering (task ids, message ids, response bundle ids)
are fresh UUIDs on every call, as on the real platform, so recording twice learns them as noise.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from harness.simulator.eps.machine import Prescription, Status

NOMINATED_RELEASE_LIMIT = 25  # prescriptions per nominated download, as the spec says


class Identifiers:
    """Seeded UUIDs for the starting set of one (seed, flavour); fresh ones at run time."""

    def __init__(self, seed: int, flavour: str) -> None:
        self._random = random.Random(f"eps:{flavour}:{seed}")

    def seeded(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def uuid(self) -> str:
        return str(uuid.uuid4())


@dataclass
class Record:
    """One prescription: its state, the Task id EPS gave it and the order as received."""

    prescription: Prescription
    task_id: str
    order: dict[str, Any]  # the prescription-order message Bundle
    authored_on: str
    last_message_id: str


class PrescriptionStore:
    def __init__(self, identifiers: Identifiers) -> None:
        self.identifiers = identifiers
        self._records: dict[str, Record] = {}
        self._by_task: dict[str, str] = {}

    def get(self, short_id: str) -> Record | None:
        return self._records.get(short_id.upper())

    def by_task_id(self, task_id: str) -> Record | None:
        short_id = self._by_task.get(task_id.lower())
        return self._records[short_id] if short_id else None

    def add(self, record: Record) -> None:
        self._records[record.prescription.short_id] = record
        self._by_task[record.task_id.lower()] = record.prescription.short_id

    def update(self, prescription: Prescription) -> Record:
        record = self._records[prescription.short_id]
        record.prescription = prescription
        return record

    def __iter__(self) -> Iterator[Record]:
        return iter(self._records.values())

    def __len__(self) -> int:
        return len(self._records)

    def waiting_for(self, dispenser: str) -> list[Record]:
        """Prescriptions nominated to `dispenser` and not yet downloaded (oldest first)."""
        found = [
            record
            for record in self._records.values()
            if record.prescription.status is Status.TO_BE_DISPENSED
            and record.prescription.nominated == dispenser
        ]
        return found[:NOMINATED_RELEASE_LIMIT]

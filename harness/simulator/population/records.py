"""The population store: patient records by NHS number, with a birth-date index for searches."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import orjson

from harness.simulator.population.nhs_numbers import NhsNumberAllocator

Status = Literal["active", "superseded", "invalidated"]


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """One PDS record. `resource` is the master FHIR Patient: treat it as read-only.

    Updates never mutate a record: they store a new one with `version` + 1.
    """

    nhs_number: str
    resource: dict[str, Any]
    status: Status = "active"
    superseded_by: str | None = None
    restricted: bool = False
    version: int = 1
    # RelatedPerson resources (without fullUrl), in the order PDS returns them.
    related: tuple[dict[str, Any], ...] = ()
    # Postcodes of previous addresses (matched by history and fuzzy searches only).
    previous_postcodes: tuple[str, ...] = ()
    # Why the record is notable (sandbox scenario, special category), for docs and tests.
    note: str = ""

    def with_resource(self, resource: dict[str, Any]) -> PatientRecord:
        """The next version of this record holding `resource` (its meta.versionId updated)."""
        version = self.version + 1
        resource["meta"] = {**resource.get("meta", {}), "versionId": str(version)}
        return replace(self, resource=resource, version=version)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PatientRecord:
        """The record `to_dict` wrote (a migration between two simulators)."""
        return cls(
            nhs_number=str(data["nhs_number"]),
            resource=dict(data["resource"]),
            status=data.get("status", "active"),
            superseded_by=data.get("superseded_by"),
            restricted=bool(data.get("restricted", False)),
            version=int(data.get("version", 1)),
            related=tuple(data.get("related") or ()),
            previous_postcodes=tuple(data.get("previous_postcodes") or ()),
            note=str(data.get("note", "")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "nhs_number": self.nhs_number,
            "status": self.status,
            "superseded_by": self.superseded_by,
            "restricted": self.restricted,
            "version": self.version,
            "resource": self.resource,
            "related": list(self.related),
            "previous_postcodes": list(self.previous_postcodes),
            "note": self.note,
        }


@dataclass
class Population:
    """All patients of one simulator, built deterministically from a seed."""

    seed: int
    records: dict[str, PatientRecord]
    practice_codes: list[str]
    allocator: NhsNumberAllocator
    _by_birth_date: list[tuple[str, str]] = field(default_factory=list, repr=False)
    # NHS numbers of the records written since the population was built (created or updated
    # through the services, or migrated in), in the order first written: what a migration moves
    written: dict[str, None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_birth_date = sorted(
            (birth, number)
            for number, record in self.records.items()
            if (birth := record.resource.get("birthDate"))
        )

    def get(self, nhs_number: str) -> PatientRecord | None:
        return self.records.get(nhs_number)

    def __iter__(self) -> Iterator[PatientRecord]:
        return iter(self.records.values())

    def __len__(self) -> int:
        return len(self.records)

    def practices(self) -> list[str]:
        """The GP practice ODS codes patients are registered with (stable order)."""
        return list(self.practice_codes)

    def born_between(self, first: str, last: str) -> Iterator[PatientRecord]:
        """Records whose birthDate (yyyy-mm-dd text) lies in [first, last], in date order."""
        start = bisect.bisect_left(self._by_birth_date, (first, ""))
        for birth, number in self._by_birth_date[start:]:
            if birth > last:
                break
            yield self.records[number]

    def store(self, record: PatientRecord) -> None:
        """Add a new record or replace an existing one (keeping the birth-date index right)."""
        previous = self.records.get(record.nhs_number)
        if previous is not None and (old := previous.resource.get("birthDate")):
            index = bisect.bisect_left(self._by_birth_date, (old, record.nhs_number))
            if index < len(self._by_birth_date) and self._by_birth_date[index] == (
                old,
                record.nhs_number,
            ):
                del self._by_birth_date[index]
        self.records[record.nhs_number] = record
        self.written[record.nhs_number] = None
        if birth := record.resource.get("birthDate"):
            bisect.insort(self._by_birth_date, (str(birth), record.nhs_number))

    def serialise(self) -> bytes:
        """Every record as canonical JSON: equal bytes mean equal populations."""
        return orjson.dumps(
            {
                "seed": self.seed,
                "practices": self.practice_codes,
                "records": [record.to_dict() for record in self.records.values()],
            },
            option=orjson.OPT_SORT_KEYS,
        )

"""The seeded synthetic patients: ordinary records plus every special category PDS knows.

Categories are placed by index pattern (so every population of a few hundred has some of each)
and their details drawn from `random.Random(seed)`. Dates come from fixed ranges, never from
today, so one seed gives byte-identical records on any machine and any day.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from harness.simulator.population import shapes
from harness.simulator.population.nhs_numbers import random_numbers
from harness.simulator.population.pools import Pools
from harness.simulator.population.records import PatientRecord, Status

T = TypeVar("T")
FIRST_BIRTH = date(1925, 1, 1).toordinal()
LAST_BIRTH = date(2024, 12, 31).toordinal()
LAST_EVENT = date(2025, 6, 30).toordinal()  # latest date any record mentions

# The crowd that makes some searches legitimately too broad: many Smiths born in 1980,
# and a fuzzy group (John/Jon Smith/Smyth/Smythe born 1980-05-12).
CLUSTER_FAMILY = "Smith"
CLUSTER_YEAR = 1980
CLUSTER_SIZE = 60
FUZZY_GROUP = (
    ("John", "Smith"),
    ("John", "Smith"),
    ("Jon", "Smith"),
    ("John", "Smyth"),
    ("Jon", "Smythe"),
    ("John", "Smithe"),
)
FUZZY_BIRTH_DATE = "1980-05-12"

TEMP_ADDRESS_TEXTS = (
    "Second Home",
    "Student Accommodation",
    "Respite Care Address",
    "Temporary Residence Address",
    "Holiday Home",
)
LANGUAGES = (("fr", "French"), ("pl", "Polish"), ("ur", "Urdu"), ("pa", "Panjabi"))
RELATIONSHIPS = (
    ("MTH", "mother"),
    ("FTH", "father"),
    ("SPS", "spouse"),
    ("CHILD", "child"),
    ("Guardian", "Guardian of patient"),
)


def practice_codes(rng: random.Random, count: int = 120) -> list[str]:
    """Realistic GP practice ODS codes (a letter and five digits), the spec's two included."""
    codes = {"Y12345": None, "A20047": None}
    while len(codes) < count:
        codes[f"{rng.choice('ABCDEFGHJKLMNPY')}{rng.randrange(10_000, 100_000)}"] = None
    return list(codes)


def pharmacy_codes(rng: random.Random, count: int = 40) -> list[str]:
    codes: dict[str, None] = {}
    while len(codes) < count:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPQRSTVWXY") for _ in range(2))
        codes[f"F{letters}{rng.randrange(100, 1000)}"] = None
    return list(codes)


class _Builder:
    """Draws one patient at a time; holds the pools and the random stream."""

    def __init__(self, rng: random.Random, pools: Pools, practices: list[str]) -> None:
        self.rng = rng
        self.pools = pools
        self.practices = practices
        self.pharmacies = pharmacy_codes(rng)

    def pick(self, values: Sequence[T]) -> T:
        """`rng.choice` without its overhead (one C call to random())."""
        return values[int(self.rng.random() * len(values))]

    def between(self, first: int, last: int) -> int:
        """`rng.randint` without its overhead."""
        return first + int(self.rng.random() * (last - first + 1))

    def hex_id(self) -> str:
        return f"{self.rng.getrandbits(32):08X}"

    def day(self, first: int, last: int) -> str:
        return date.fromordinal(self.between(first, max(first, last))).isoformat()

    def first_name(self, gender: str) -> str:
        pool = self.pools.female_names if gender == "female" else self.pools.male_names
        if gender in ("other", "unknown"):
            pool = self.pick((self.pools.female_names, self.pools.male_names))
        return self.pick(pool)

    def home_lines(self) -> list[str]:
        rng = self.rng
        lines = [f"{self.between(1, 240)} {self.pick(self.pools.streets)}"]
        if rng.random() < 0.15:
            lines.insert(0, f"Flat {self.between(1, 30)}")
        lines.append(self.pick(self.pools.towns))
        if rng.random() < 0.5:
            lines.append(self.pick(self.pools.counties))
        return lines

    def patient(
        self,
        number: str,
        index: int,
        family: str | None = None,
        given: str | None = None,
        birth: str | None = None,
        gender: str | None = None,
    ) -> tuple[dict[str, Any], list[str], str]:
        """A Patient resource, its previous postcodes and a note on what makes it special."""
        rng = self.rng
        notes: list[str] = []
        if gender is None:
            roll = rng.random()
            gender = (
                "female"
                if roll < 0.495
                else "male"
                if roll < 0.99
                else "unknown"
                if roll < 0.997
                else "other"
            )
        birth_ordinal = (
            date.fromisoformat(birth).toordinal()
            if birth
            else self.between(FIRST_BIRTH, LAST_BIRTH)
        )
        birth_date = date.fromordinal(birth_ordinal).isoformat()
        adult = LAST_BIRTH - birth_ordinal > 16 * 365
        first = given or self.first_name(gender)
        if index % 50 == 5 and given is None:
            first = f"{first} {self.first_name(gender)}"  # compound first name: "John Paul"
            notes.append("compound given name")
        given_names = [first] + (
            [self.first_name(gender)] if rng.random() < 0.55 and index % 50 != 5 else []
        )
        if index % 50 == 5:
            given_names.append(self.first_name(gender))
        surname = family or self.pick(self.pools.surnames)
        if family is None and index % 40 == 17:
            surname = f"{surname}-{self.pick(self.pools.surnames)}"
            notes.append("double-barrelled family name")
        prefix = None
        if adult:
            prefix = {"female": self.pick(("Mrs", "Ms", "Miss")), "male": "Mr"}.get(gender)
            if rng.random() < 0.02:
                prefix = "Dr"
        names = [
            shapes.name(self.hex_id(), "usual", given_names, surname, birth_date, prefix=prefix)
        ]
        if gender == "female" and adult and index % 12 == 4:
            married = self.day(birth_ordinal + 18 * 365, LAST_EVENT)
            maiden = self.pick(self.pools.surnames)
            names[0]["period"] = shapes.period(married)
            names.append(
                shapes.name(self.hex_id(), "old", given_names, maiden, birth_date, end=married)
            )
            notes.append(f"previous name {maiden}")
        if index % 45 == 11:
            names.append(shapes.name(self.hex_id(), "nickname", [first[:3]], surname, birth_date))
            notes.append("nickname")

        resource: dict[str, Any] = {
            "resourceType": "Patient",
            "id": number,
            "identifier": shapes.identifier(number),
            "meta": shapes.meta(1, False),
            "name": names,
            "gender": gender,
            "birthDate": birth_date,
        }
        if index % 67 == 8:
            resource["multipleBirthInteger"] = self.pick((1, 2))
        deceased = index % 33 == 3 and birth_ordinal < LAST_BIRTH - 20 * 365
        if deceased:
            died = self.day(birth_ordinal + 20 * 365, LAST_EVENT)
            resource["deceasedDateTime"] = f"{died}T00:00:00+00:00"
            notes.append("deceased")
        if rng.random() < 0.95:
            resource["generalPractitioner"] = shapes.general_practitioner(
                self.hex_id(), self.pick(self.practices), self.day(birth_ordinal, LAST_EVENT)
            )
        extensions = []
        if rng.random() < 0.3:
            extensions.append(shapes.nominated_pharmacy(self.pick(self.pharmacies)))
        if deceased:
            status = "2" if rng.random() < 0.7 else "1"
            extensions.append(shapes.death_notification(status, resource["deceasedDateTime"]))
        if index % 29 == 6:
            language, display = self.pick(LANGUAGES)
            extensions.append(shapes.communication(language, display, rng.random() < 0.5))
        if extensions:
            resource["extension"] = extensions
        telecoms = self.telecoms(given_names[0], surname, birth_ordinal)
        if telecoms:
            resource["telecom"] = telecoms
        addresses = [
            shapes.address(
                self.hex_id(),
                "home",
                self.home_lines(),
                self.pick(self.pools.postcodes),
                self.day(birth_ordinal, LAST_EVENT),
                paf=str(rng.randrange(10_000_000, 100_000_000)) if rng.random() < 0.6 else None,
            )
        ]
        if index % 20 == 9:
            start = self.between(date(2024, 1, 1).toordinal(), date(2025, 3, 31).toordinal())
            addresses.append(
                shapes.address(
                    self.hex_id(),
                    "temp",
                    self.home_lines(),
                    self.pick(self.pools.postcodes),
                    date.fromordinal(start).isoformat(),
                    end=date.fromordinal(start + self.between(30, 90)).isoformat(),
                    text=self.pick(TEMP_ADDRESS_TEXTS),
                )
            )
            notes.append("temporary address")
        resource["address"] = addresses
        previous = []
        if index % 10 == 2:
            previous = [self.pick(self.pools.postcodes) for _ in range(self.between(1, 2))]
        return resource, previous, ", ".join(notes)

    def telecoms(self, given: str, family: str, birth_ordinal: int) -> list[dict[str, Any]]:
        rng = self.rng
        start = self.day(birth_ordinal, LAST_EVENT)
        entries = []
        if rng.random() < 0.7:
            phone = f"01632960{rng.randrange(0, 1000):03d}"  # Ofcom drama range
            entries.append(shapes.telecom(self.hex_id(), "phone", phone, "home", start))
        if rng.random() < 0.5:
            mobile = f"07700900{rng.randrange(0, 1000):03d}"
            entries.append(shapes.telecom(self.hex_id(), "phone", mobile, "mobile", start))
        if rng.random() < 0.4:
            local = "".join(ch for ch in f"{given}.{family}".lower() if ch.isalpha() or ch == ".")
            email = f"{local}{rng.randrange(1, 100)}@example.com"
            entries.append(shapes.telecom(self.hex_id(), "email", email, "home", start))
        return entries


def generate_records(
    seed: int, size: int, pools: Pools, practices: list[str], taken: set[str]
) -> list[PatientRecord]:
    """`size` records: active ones, plus superseded and invalidated ones by index pattern."""
    rng = random.Random(f"pds-population:{seed}")
    builder = _Builder(rng, pools, practices)
    numbers = random_numbers(rng, size, taken)
    cluster = min(CLUSTER_SIZE, size // 4)
    year_first = date(CLUSTER_YEAR, 1, 1).toordinal()
    records: list[PatientRecord] = []
    for index, number in enumerate(numbers):
        if index < cluster:
            special = index < len(FUZZY_GROUP)
            given, family = FUZZY_GROUP[index] if special else (None, CLUSTER_FAMILY)
            birth = (
                FUZZY_BIRTH_DATE
                if special
                else date.fromordinal(year_first + rng.randrange(366)).isoformat()
            )
            resource, previous, note = builder.patient(
                number, index, family, given, birth, "male" if special else None
            )
            note = f"search cluster ({family} born {CLUSTER_YEAR})" + (f", {note}" if note else "")
        elif index % 100 == 13 and records and records[-1].status == "active":
            records.append(_superseded(number, records[-1]))
            continue
        else:
            resource, previous, note = builder.patient(number, index)
        restricted = index % 100 == 7
        status: Status = "invalidated" if index % 200 == 21 else "active"
        if restricted:
            resource["meta"] = shapes.meta(1, True)
            note = "restricted" + (f", {note}" if note else "")
        if status == "invalidated":
            note = "invalidated" + (f", {note}" if note else "")
        records.append(
            PatientRecord(
                nhs_number=number,
                resource=resource,
                status=status,
                restricted=restricted,
                previous_postcodes=tuple(previous),
                note=note,
            )
        )
    _relate(rng, builder, records)
    return records


def _superseded(number: str, replacement: PatientRecord) -> PatientRecord:
    """An old record merged into `replacement`: reading it returns the replacement."""
    resource = copy.deepcopy(replacement.resource)
    resource["id"] = number
    resource["identifier"] = shapes.identifier(number)
    return PatientRecord(
        nhs_number=number,
        resource=resource,
        status="superseded",
        superseded_by=replacement.nhs_number,
        restricted=replacement.restricted,
        note=f"superseded by {replacement.nhs_number}",
    )


def _relate(rng: random.Random, builder: _Builder, records: list[PatientRecord]) -> None:
    """Give about one patient in eight related people: details held inline or a reference."""
    active = [r.nhs_number for r in records if r.status == "active"]
    for position, record in enumerate(records):
        if record.status != "active" or position % 8 != 1:
            continue
        related = []
        start = record.resource["birthDate"]
        for _ in range(rng.randint(1, 2)):
            relationship = rng.choice(RELATIONSHIPS)
            if rng.random() < 0.5 and active:
                related.append(
                    shapes.related_person(
                        record.nhs_number,
                        builder.hex_id(),
                        relationship,
                        start,
                        reference=rng.choice(active),
                    )
                )
                continue
            gender = "female" if relationship[0] in ("MTH",) else "male"
            person = {
                "name": [
                    {
                        "use": "usual",
                        "period": shapes.period(start),
                        "given": [builder.first_name(gender)],
                        "family": record.resource["name"][0]["family"],
                    }
                ],
                "telecom": [
                    {
                        "period": shapes.period(start),
                        "system": "phone",
                        "value": f"01632960{rng.randrange(0, 1000):03d}",
                        "use": "home",
                    }
                ],
            }
            home = record.resource.get("address", [{}])[0]
            if home:
                person["address"] = [
                    {
                        "period": shapes.period(start),
                        "use": "home",
                        "line": home["line"],
                        "postalCode": home["postalCode"],
                    }
                ]
            related.append(
                shapes.related_person(
                    record.nhs_number, builder.hex_id(), relationship, start, person=person
                )
            )
        records[position] = _with_related(record, tuple(related))


def _with_related(record: PatientRecord, related: tuple[dict[str, Any], ...]) -> PatientRecord:
    note = (
        record.note
        + (", " if record.note else "")
        + ("1 related person" if len(related) == 1 else f"{len(related)} related people")
    )
    return replace(record, related=related, note=note)

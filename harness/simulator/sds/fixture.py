"""The SDS directory fixture and the seeded generation of GP practice records.

`fixtures/sds/directory.json` holds the national records (the Spine core `YES` and the `X26` test
organisation) and the templates practice records are made from (GP system suppliers, the messaging
interactions every practice has). Each GP practice of the PDS population then gets its records
from a random generator seeded with (seed, ODS code), so a practice's ASID and party key do not
depend on the population size, and the same seed always gives the same directory.

`python -m harness.simulator.sds` writes `fixtures/sds/practices-seed0.json`, the
reviewable snapshot of what seed 0 generates for the default population.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.simulator.fixtures import read_fixture
from harness.simulator.sds.directory import (
    AccreditedSystem,
    Directory,
    MessageHandler,
    Reliability,
    handler_from_ldap,
    handler_to_ldap,
    system_from_ldap,
    system_to_ldap,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sds"
DIRECTORY_FIXTURE = FIXTURES / "directory.json"
SNAPSHOT = FIXTURES / "practices-seed0.json"
FORMAT_VERSION = 1
RECORD_NAMESPACE = uuid.UUID("5d0b1d9e-3c1a-4c9a-9a57-5d5e2b3d0c11")


@dataclass(frozen=True, slots=True)
class Supplier:
    """A GP system supplier: who manufactures the system and where its GP Connect lives."""

    name: str
    manufacturer: str
    weight: int
    gpconnect_address: str  # with an `{ods}` placeholder
    gpconnect: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PracticeTemplate:
    messaging: tuple[str, ...]  # GP2GP interactions, one MHS record each
    messaging_address: str
    messaging_reliability: Reliability
    spine_clients: tuple[str, ...]  # interactions the practice sends to the Spine
    second_system_rate: float


@dataclass(frozen=True, slots=True)
class DirectoryFixture:
    systems: tuple[AccreditedSystem, ...]
    handlers: tuple[MessageHandler, ...]
    suppliers: tuple[Supplier, ...]
    practice: PracticeTemplate


def record_id(*parts: str) -> str:
    """A stable upper-case UUID for a directory record, like SDS's own record ids."""
    return str(uuid.uuid5(RECORD_NAMESPACE, ":".join(parts))).upper()


def load_fixture(path: Path = DIRECTORY_FIXTURE) -> DirectoryFixture:
    document = read_fixture(path, "SDS directory fixture", FORMAT_VERSION)
    field = "systems"
    try:
        systems = tuple(system_from_ldap(r) for r in document["systems"])
        field = "handlers"
        handlers = tuple(handler_from_ldap(r) for r in document["handlers"])
        field = "suppliers"
        suppliers = tuple(
            Supplier(
                name=str(s["name"]),
                manufacturer=str(s["manufacturer"]),
                weight=int(s["weight"]),
                gpconnect_address=str(s["gpconnect_address"]),
                gpconnect=tuple(str(i) for i in s["gpconnect"]),
            )
            for s in document["suppliers"]
        )
        field = "practice"
        template = document["practice"]
        practice = PracticeTemplate(
            messaging=tuple(str(i) for i in template["messaging"]),
            messaging_address=str(template["messaging_address"]),
            messaging_reliability=_reliability(template["messaging_reliability"]),
            spine_clients=tuple(str(i) for i in template["spine_clients"]),
            second_system_rate=float(template["second_system_rate"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise HarnessError(f"malformed record: {error!r}", file=str(path), field=field) from None
    return DirectoryFixture(systems, handlers, suppliers, practice)


def _reliability(settings: Mapping[str, Any]) -> Reliability:
    retries = settings.get("nhsMHSRetries")
    return Reliability(
        sync_reply_mode=str(settings["nhsMHSSyncReplyMode"]),
        ack_requested=str(settings["nhsMHSAckRequested"]),
        duplicate_elimination=str(settings["nhsMHSDuplicateElimination"]),
        retries=None if retries is None else int(retries),
        retry_interval=settings.get("nhsMHSRetryInterval"),
        persist_duration=settings.get("nhsMHSPersistDuration"),
        actor=settings.get("nhsMHSActor"),
    )


def practice_records(
    seed: int, ods: str, fixture: DirectoryFixture
) -> tuple[list[AccreditedSystem], list[MessageHandler]]:
    """The AS and MHS records of one GP practice: its GP system, GP Connect and GP2GP."""
    rng = random.Random(f"sds:{seed}:{ods}")
    suppliers = fixture.suppliers
    supplier = rng.choices(suppliers, weights=[s.weight for s in suppliers])[0]
    systems: list[AccreditedSystem] = []
    handlers: list[MessageHandler] = []
    party_key = f"{ods}-{rng.randrange(100_000, 1_000_000)}"
    template = fixture.practice
    systems.append(
        AccreditedSystem(
            id=record_id("as", ods, party_key),
            asid=str(rng.randrange(10**11, 10**12)),
            ods_code=ods,
            party_key=party_key,
            manufacturer=supplier.manufacturer,
            interactions=(*supplier.gpconnect, *template.messaging, *template.spine_clients),
        )
    )
    handlers.append(_gpconnect_handler(rng, ods, party_key, supplier))
    fqdn = f"mhs.{ods.lower()}.{supplier.gpconnect_address.split('/')[2]}"
    for interaction in template.messaging:
        cpa_id = f"{rng.getrandbits(80):020x}"
        handlers.append(
            MessageHandler(
                id=record_id("mhs", ods, party_key, interaction),
                ods_code=ods,
                party_key=party_key,
                cpa_id=cpa_id,
                mhs_id=cpa_id,
                fqdn=fqdn,
                interactions=(interaction,),
                addresses=(template.messaging_address,),
                reliability=template.messaging_reliability,
            )
        )
    if len(suppliers) > 1 and rng.random() < template.second_system_rate:
        # A practice part-way through a change of GP system: the new supplier's system is
        # already registered, with its own ASID and party key, for GP Connect only.
        other = rng.choice([s for s in suppliers if s is not supplier])
        second_key = f"{ods}-{rng.randrange(100_000, 1_000_000)}"
        systems.append(
            AccreditedSystem(
                id=record_id("as", ods, second_key),
                asid=str(rng.randrange(10**11, 10**12)),
                ods_code=ods,
                party_key=second_key,
                manufacturer=other.manufacturer,
                interactions=other.gpconnect,
            )
        )
        handlers.append(_gpconnect_handler(rng, ods, second_key, other))
    return systems, handlers


def _gpconnect_handler(
    rng: random.Random, ods: str, party_key: str, supplier: Supplier
) -> MessageHandler:
    mhs_id = str(rng.randrange(10**11, 10**12))
    address = supplier.gpconnect_address.format(ods=ods)
    return MessageHandler(
        id=record_id("mhs", ods, party_key, "gpconnect"),
        ods_code=ods,
        party_key=party_key,
        cpa_id=mhs_id,
        mhs_id=mhs_id,
        fqdn=address.split("/")[2],
        interactions=supplier.gpconnect,
        addresses=(address,),
    )


def generate_practices(
    seed: int, practices: Iterable[str], fixture: DirectoryFixture
) -> tuple[list[AccreditedSystem], list[MessageHandler]]:
    systems: list[AccreditedSystem] = []
    handlers: list[MessageHandler] = []
    for ods in sorted(set(practices)):
        practice_systems, practice_handlers = practice_records(seed, ods, fixture)
        systems.extend(practice_systems)
        handlers.extend(practice_handlers)
    return systems, handlers


def build_directory(
    seed: int, practices: Sequence[str], fixture: DirectoryFixture | None = None
) -> Directory:
    fixture = fixture or load_fixture()
    systems, handlers = generate_practices(seed, practices, fixture)
    return Directory((*fixture.systems, *systems), (*fixture.handlers, *handlers))


def snapshot_document(seed: int, practices: Sequence[str], fixture: DirectoryFixture) -> str:
    systems, handlers = generate_practices(seed, practices, fixture)
    header = {
        "format_version": FORMAT_VERSION,
        "description": (
            f"GP practice records generated for seed {seed} (review copy; the simulator "
            "generates them at startup). Regenerate: python -m harness.simulator.sds"
        ),
        "seed": seed,
    }
    lines = [json.dumps(header)[:-1] + ","]
    for name, records in (
        ("systems", [system_to_ldap(s) for s in systems]),
        ("handlers", [handler_to_ldap(h) for h in handlers]),
    ):
        body = ",\n".join("  " + json.dumps(record) for record in records)
        lines.append(f' "{name}": [\n{body}\n ]' + ("," if name == "systems" else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def population_practices(seed: int) -> list[str]:
    """The GP practices of the population for `seed` (they do not depend on its size)."""
    from harness.simulator.population import build_population

    return build_population(seed, 0).practices()


def write_snapshot(path: Path = SNAPSHOT, seed: int = 0) -> None:
    path.write_text(snapshot_document(seed, population_practices(seed), load_fixture()))

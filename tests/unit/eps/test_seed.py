"""The seeded prescriptions and the identifiers EPS allocates: per seed, per flavour."""

from __future__ import annotations

from collections import Counter

from harness.simulator import eps
from harness.simulator.context import SimulatorConfig, SimulatorContext
from harness.simulator.eps.checkdigit import has_valid_check_character
from harness.simulator.eps.seed import PER_STATE
from harness.simulator.eps.store import PrescriptionStore
from harness.simulator.population import population_of


def _store(seed: int = 0, flavour: str = "legacy") -> tuple[PrescriptionStore, SimulatorContext]:
    context = SimulatorContext(
        SimulatorConfig(seed=seed, population=200, flavour=flavour)  # type: ignore[arg-type]
    )
    eps.build(context)
    store = context.state["eps"]
    assert isinstance(store, PrescriptionStore)
    return store, context


def _snapshot(store: PrescriptionStore) -> list[tuple[str, str, str]]:
    return [(r.prescription.short_id, r.task_id, r.prescription.status.value) for r in store]


def test_every_state_is_seeded_for_known_patients() -> None:
    store, context = _store()
    population = population_of(context)
    counts = Counter(record.prescription.status.value for record in store)
    assert set(counts.values()) == {PER_STATE} and len(counts) == 9
    for record in store:
        assert has_valid_check_character(record.prescription.short_id)
        patient = population.get(record.prescription.nhs_number)
        assert patient is not None and patient.status == "active"
        assert record.prescription.prescriber in population.practices()


def test_same_seed_same_everything_on_legacy() -> None:
    first, _ = _store()
    second, _ = _store()
    assert _snapshot(first) == _snapshot(second)
    assert [first.identifiers.seeded() for _ in range(3)] == [
        second.identifiers.seeded() for _ in range(3)
    ]


def test_identifiers_allocated_while_answering_are_fresh_on_every_call() -> None:
    first, _ = _store()
    second, _ = _store()
    allocated = {first.identifiers.uuid() for _ in range(3)} | {second.identifiers.uuid()}
    assert len(allocated) == 4


def test_spine2_allocates_its_own_identifiers_for_the_same_prescriptions() -> None:
    legacy, _ = _store()
    spine2, _ = _store(flavour="spine2")
    assert [s for s, _, _ in _snapshot(legacy)] == [s for s, _, _ in _snapshot(spine2)]
    assert [t for _, t, _ in _snapshot(legacy)] != [t for _, t, _ in _snapshot(spine2)]
    assert legacy.identifiers.seeded() != spine2.identifiers.seeded()


def test_another_seed_gives_other_prescriptions() -> None:
    zero, _ = _store(seed=0)
    one, _ = _store(seed=1)
    assert {s for s, _, _ in _snapshot(zero)}.isdisjoint({s for s, _, _ in _snapshot(one)})


# The table in docs/guide/simulator-eps.md (seed 0, any population size).
DOCUMENTED_SEED_0 = {
    "0001": {"5215DB-B20975-950BAF", "C09F77-B79286-78B71Z", "CC795B-B28935-63B10P"},
    "0002": {"00387C-N44314-78237I", "87749C-K95622-C1F43Y", "A0C75C-H38212-F0F1C5"},
    "0003": {"CC609D-Y37628-09F86C", "D5CA4B-M99997-43623A", "DC7817-D87964-524E18"},
    "0004": {"8459A6-F90517-576D8I", "E04B60-M46855-BA2C2Z", "F846AA-J21731-B0325B"},
    "0005": {"2AFAFE-Y12345-F47CDJ", "3B4267-B20975-84374U", "D135CA-J92432-D579E2"},
    "0006": {"69A999-M25673-0C5B0T", "AC9255-F29071-A139FW", "EF047B-F47094-68125J"},
    "0007": {"121080-P47785-E10D3+", "27AE1B-B44569-BB6C6N", "BCC54F-B44569-5C7D7G"},
    "0008": {"4C8626-P64960-3C4CCI", "5F459A-D49118-2CBA0C", "D468DE-A48257-31DFC5"},
    "0009": {"3023BE-J81409-71B88A", "6E33D3-A18518-EA0F9Q", "815518-G15559-43DBCD"},
}


def test_the_documented_seed_0_prescriptions() -> None:
    store, _ = _store(seed=0)
    found: dict[str, set[str]] = {}
    for short_id, _, status in _snapshot(store):
        found.setdefault(status, set()).add(short_id)
    assert found == DOCUMENTED_SEED_0

"""The synthetic population: deterministic, valid NHS numbers, every special category present."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter

import pytest

from harness.simulator.context import SimulatorConfig, SimulatorContext
from harness.simulator.population import Population, build_population, is_valid, population_of
from harness.simulator.population import sandbox as special
from harness.simulator.population.nhs_numbers import NhsNumberAllocator, check_digit

pytestmark = pytest.mark.pds


@pytest.fixture(scope="module")
def population() -> Population:
    return build_population(seed=7, size=1_000)


def digest(seed: int, size: int) -> str:
    return hashlib.sha256(build_population(seed, size).serialise()).hexdigest()


def test_same_seed_gives_byte_identical_records() -> None:
    assert digest(3, 400) == digest(3, 400)
    assert digest(3, 400) != digest(4, 400)


def test_same_seed_same_bytes_in_another_process() -> None:
    code = (
        "import hashlib; from harness.simulator.population import build_population; "
        "print(hashlib.sha256(build_population(3, 400).serialise()).hexdigest())"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other == digest(3, 400)


def test_size_counts_generated_records_plus_sandbox_patients(population: Population) -> None:
    assert len(population) == 1_000 + len(special.sandbox_records())


def test_every_number_is_valid_and_synthetic(population: Population) -> None:
    for record in population:
        assert is_valid(record.nhs_number), record.nhs_number
        assert 9_000_000_000 <= int(record.nhs_number) <= 9_999_999_999
        assert record.resource["id"] == record.nhs_number
        assert record.resource["meta"]["versionId"] == str(record.version)


def test_check_digit_rejects_prefixes_that_would_need_ten() -> None:
    assert check_digit("900000000") == 9
    assert not is_valid("9000000000")
    assert is_valid("9000000009")


def test_sandbox_patients_are_present(population: Population) -> None:
    assert population.get(special.JANE_SMITH).resource["name"][0]["family"] == "Smith"
    restricted = population.get(special.RESTRICTED)
    assert restricted.restricted and restricted.resource["meta"]["security"][0]["code"] == "R"
    assert set(population.get(special.MINIMAL).resource) == {
        "resourceType",
        "id",
        "identifier",
        "meta",
    }
    assert population.get(special.SUPERSEDED).superseded_by == special.SUPERSEDING
    assert population.get(special.INVALIDATED).status == "invalidated"
    assert population.get(special.COMPOUND_NAME).resource["name"][0]["given"][0] == "John Paul"
    assert population.get(special.NOT_FOUND) is None


def test_special_categories_are_generated(population: Population) -> None:
    generated = [r for r in population if r.note != "" and int(r.nhs_number) > 9_000_010_000]
    statuses = Counter(r.status for r in generated)
    assert statuses["superseded"] >= 5 and statuses["invalidated"] >= 3
    for record in generated:
        if record.status == "superseded":
            assert population.get(record.superseded_by).status == "active"
    assert sum(r.restricted for r in generated) >= 5
    assert any("deceasedDateTime" in r.resource for r in generated)
    assert any(" " in r.resource["name"][0]["given"][0] for r in generated)
    assert any(len(r.resource.get("address", [])) > 1 for r in generated)
    assert any(len(r.resource.get("name", [])) > 1 for r in generated)
    assert any(len(r.resource.get("telecom", [])) > 1 for r in generated)
    assert any(r.related for r in generated)
    assert any(r.previous_postcodes for r in generated)


def test_cluster_makes_broad_searches_too_broad(population: Population) -> None:
    smiths = [
        r
        for r in population.born_between("1980-01-01", "1980-12-31")
        if r.resource["name"][0]["family"] == "Smith"
    ]
    assert len(smiths) > 50


def test_practices_are_ods_codes_used_by_patients(population: Population) -> None:
    practices = population.practices()
    assert "Y12345" in practices and "A20047" in practices
    assert all(len(code) == 6 and code[0].isalpha() and code[1:].isdigit() for code in practices)
    used = {
        r.resource["generalPractitioner"][0]["identifier"]["value"]
        for r in population
        if "generalPractitioner" in r.resource
    }
    assert used <= set(practices)


def test_birth_dates_come_from_a_fixed_range(population: Population) -> None:
    births = [r.resource["birthDate"] for r in population if "birthDate" in r.resource]
    assert min(births) >= "1925-01-01" and max(births) <= "2024-12-31"


def test_allocation_depends_on_flavour_not_on_chance() -> None:
    legacy = [NhsNumberAllocator(0, "legacy", set()).allocate() for _ in range(1)]
    again = NhsNumberAllocator(0, "legacy", set())
    spine2 = NhsNumberAllocator(0, "spine2", set())
    assert legacy[0] == again.allocate()
    assert spine2.allocate() != legacy[0]
    taken = {legacy[0]}
    assert NhsNumberAllocator(0, "legacy", taken).allocate() != legacy[0]


def test_population_is_memoised_per_context() -> None:
    ctx = SimulatorContext(SimulatorConfig(population=50))
    assert population_of(ctx) is population_of(ctx)

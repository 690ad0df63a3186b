"""The synthetic PDS population: deterministic from a seed, shared by the FHIR and SOAP faces.

population = population_of(ctx)          # built once per simulator, kept in ctx.state
record = population.get("9000000009")     # PatientRecord | None
population.practices()                    # GP practice ODS codes in use
"""

from __future__ import annotations

import random

from harness.simulator.context import SimulatorContext
from harness.simulator.population.generate import generate_records, practice_codes
from harness.simulator.population.nhs_numbers import NhsNumberAllocator, is_valid
from harness.simulator.population.pools import draw_pools
from harness.simulator.population.records import PatientRecord, Population, Status
from harness.simulator.population.sandbox import sandbox_records

__all__ = [
    "PatientRecord",
    "Population",
    "Status",
    "build_population",
    "is_valid",
    "population_of",
]

_STATE_KEY = "population"


def build_population(seed: int = 0, size: int = 10_000, flavour: str = "legacy") -> Population:
    """`size` generated patients plus the spec's sandbox patients; same seed, same bytes."""
    sandbox = sandbox_records()
    taken = {record.nhs_number for record in sandbox}
    practices = practice_codes(random.Random(f"pds-practices:{seed}"))
    generated = generate_records(seed, size, draw_pools(seed), practices, taken)
    records = {record.nhs_number: record for record in sandbox + generated}
    allocator = NhsNumberAllocator(seed, flavour, set(records))
    return Population(seed=seed, records=records, practice_codes=practices, allocator=allocator)


def population_of(ctx: SimulatorContext) -> Population:
    """The context's population, built on first use and memoised in `ctx.state`."""
    population = ctx.state.get(_STATE_KEY)
    if population is None:
        config = ctx.config
        population = build_population(config.seed, config.population, config.flavour)
        ctx.state[_STATE_KEY] = population
    assert isinstance(population, Population)
    return population

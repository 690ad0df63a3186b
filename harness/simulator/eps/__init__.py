"""EPS: the Electronic Prescription Service under /electronic-prescriptions/FHIR/R4.

A stateful service: prescriptions are created, released, returned, dispensed, withdrawn,
claimed and cancelled through a pure state machine (`machine`), seeded with a deterministic
starting set in every state (`seed`), with the HL7 v3 translation offered by `$convert`.
"""

from __future__ import annotations

from harness.simulator.context import SimulatorContext
from harness.simulator.eps.openapi import openapi_components, openapi_paths
from harness.simulator.eps.routes import BASE_PATH, EpsHandlers
from harness.simulator.eps.seed import seed_store
from harness.simulator.eps.store import Identifiers, PrescriptionStore
from harness.simulator.population import population_of
from harness.simulator.service import Service

__all__ = ["BASE_PATH", "build"]


def build(ctx: SimulatorContext) -> Service:
    population = population_of(ctx)
    store = PrescriptionStore(Identifiers(ctx.config.seed, ctx.flavour))
    patients = [
        (record.nhs_number, record.resource)
        for record in population
        if record.status == "active"
        and not record.restricted
        and "deceasedDateTime" not in record.resource
    ]
    seed_store(store, ctx.config.seed, patients, population.practices())
    handlers = EpsHandlers(ctx, population, store)
    ctx.state["eps"] = store
    return Service(
        name="eps",
        base_path=BASE_PATH,
        routes=handlers.routes(),
        openapi_paths=openapi_paths(),
        openapi_components=openapi_components(),
        description="Electronic Prescription Service (FHIR R4), with HL7 v3 translations.",
    )

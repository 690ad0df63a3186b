"""PDS, the Personal Demographics Service: its domain and its FHIR R4 face.

`build(ctx)` gives the FHIR face under /personal-demographics/FHIR/R4; the domain
(`harness.simulator.pds.domain`) is shared with the SOAP face under /smsp.
"""

from __future__ import annotations

from harness.simulator.context import SimulatorContext
from harness.simulator.service import Service

__all__ = ["build"]


def build(ctx: SimulatorContext) -> Service:
    from harness.simulator.pds.openapi import openapi_components, openapi_paths
    from harness.simulator.pds.routes import BASE_PATH, routes
    from harness.simulator.population import population_of

    return Service(
        name="pds",
        base_path=BASE_PATH,
        routes=routes(population_of(ctx)),
        openapi_paths=openapi_paths(),
        openapi_components=openapi_components(),
        description="Personal Demographics Service: FHIR R4 and the legacy SOAP interface.",
    )

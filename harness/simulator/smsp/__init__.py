"""The legacy SOAP/XML face of PDS: Spine Mini Services Provider (SMSP) style, under `/smsp`.

One endpoint, `POST /smsp/pds`, serves four ITK operations selected by the SOAPAction header:
getPatientDetailsByNHSNumber, getPatientDetailsBySearch, getNHSNumber and verifyNHSNumber.
It reads the same population through the same PDS domain as the FHIR face.
"""

from __future__ import annotations

from starlette.routing import Route

from harness.simulator.context import SimulatorContext
from harness.simulator.service import Service
from harness.simulator.smsp.endpoint import make_endpoint
from harness.simulator.smsp.openapi import SMSP_PATH, openapi_paths
from harness.simulator.smsp.requests import request_envelope

__all__ = ["SMSP_PATH", "build", "request_envelope"]


def build(ctx: SimulatorContext) -> Service:
    from harness.simulator.smsp.source import PdsSource  # imports the PDS domain

    source = PdsSource(ctx)
    return Service(
        name="pds",
        base_path="/smsp",
        routes=[Route(SMSP_PATH, make_endpoint(ctx, lambda: source), methods=["POST"])],
        openapi_paths=openapi_paths(),
        description="Personal Demographics Service, legacy SOAP interface (Spine Mini Services)",
    )

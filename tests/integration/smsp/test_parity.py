"""A patient reads the same through the FHIR face and the SOAP face, before and after a PATCH."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from harness.simulator.context import SimulatorConfig
from harness.simulator.population import build_population
from harness.simulator.population.sandbox import JANE_SMITH, MULTI_ADDRESS, RESTRICTED
from tests.integration.smsp.soap import call, fhir_demographics, payload_of, soap_demographics

pytestmark = [pytest.mark.integration, pytest.mark.pds]

FHIR = "/personal-demographics/FHIR/R4/Patient"
WORKER = {"NHSD-Session-URID": "555254242106"}


def fhir_read(client: httpx.Client, nhs_number: str) -> httpx.Response:
    response = client.get(
        f"{FHIR}/{nhs_number}", headers={"X-Request-ID": str(uuid.uuid4()), **WORKER}
    )
    assert response.status_code == 200, response.text
    return response


def both(client: httpx.Client, nhs_number: str) -> tuple[dict[str, Any], dict[str, Any]]:
    fhir = fhir_demographics(fhir_read(client, nhs_number).json())
    soap = soap_demographics(
        payload_of(call(client, "getPatientDetailsByNHSNumber", nhs_number=nhs_number))
    )
    return fhir, soap


@pytest.mark.parametrize("nhs_number", [JANE_SMITH, MULTI_ADDRESS])
def test_same_patient_through_both_faces(client: httpx.Client, nhs_number: str) -> None:
    fhir, soap = both(client, nhs_number)
    assert soap == fhir
    assert soap["addresses"] and soap["gp"] and soap["names"]


def test_restricted_patient_is_redacted_in_both(client: httpx.Client) -> None:
    fhir, soap = both(client, RESTRICTED)
    assert soap == fhir
    assert soap["addresses"] == [] and soap["telecoms"] == [] and soap["gp"] == []
    assert soap["names"] and soap["birth_date"]


def test_a_fhir_patch_shows_through_the_soap_face(client: httpx.Client) -> None:
    number = _generated_numbers()[0]
    fhir, soap = both(client, number)  # read through both faces first: nothing may go stale
    assert soap == fhir
    before = fhir_read(client, number)
    etag = before.headers["etag"]
    patient = before.json()
    patch = [
        {"op": "replace", "path": "/name/0/family", "value": "Parity-Changed"},
        {"op": "replace", "path": "/birthDate", "value": "1970-01-02"},
    ]
    if patient.get("address"):
        patch.append({"op": "replace", "path": "/address/0/postalCode", "value": "LS1 6AE"})
    response = client.patch(
        f"{FHIR}/{number}",
        json={"patches": patch},
        headers={
            "X-Request-ID": str(uuid.uuid4()),
            "If-Match": etag,
            "Content-Type": "application/json-patch+json",
            **WORKER,
        },
    )
    assert response.status_code == 200, response.text
    fhir, soap = both(client, number)
    assert soap == fhir
    assert soap["names"][0][1] == "Parity-Changed"
    assert soap["birth_date"] == "1970-01-02"


def _generated_numbers() -> list[str]:
    """Plain active patients of the population the test server built (same seed and size)."""
    config = SimulatorConfig(population=500)
    population = build_population(config.seed, config.population)
    return [
        record.nhs_number
        for record in population
        if record.status == "active"
        and not record.restricted
        and not record.note
        and record.resource.get("name")
    ]

"""The PDS domain both faces (FHIR under /personal-demographics, SOAP under /smsp) call.

    from harness.simulator.pds.domain import Access, PdsError, SearchCriteria, read_patient
    patient = read_patient(population, "9000000009", Access.HEALTHCARE_WORKER)
    matches = search_patients(population, SearchCriteria(family="Smith", birthdate=(
        "eq2010-10-22",)), Access.HEALTHCARE_WORKER)        # [(patient, score), ...]

Returned dicts may be the population's master data: read them, never mutate them.
"""

from __future__ import annotations

from typing import Any

from harness.simulator.pds.model import (
    Access,
    PdsError,
    resolve,
    retrieval_view,
    search_view,
    validate_nhs_number,
)
from harness.simulator.pds.search import SearchCriteria, search_patients
from harness.simulator.population import PatientRecord, Population

__all__ = [
    "Access",
    "PdsError",
    "SearchCriteria",
    "read_patient",
    "read_record",
    "related_people",
    "search_patients",
    "search_view",
    "validate_nhs_number",
]


def read_record(population: Population, nhs_number: str) -> PatientRecord:
    """The live record behind a number (superseded -> replacing record); raises PdsError:
    INVALID_RESOURCE_ID (400), RESOURCE_NOT_FOUND (404), INVALIDATED_RESOURCE (404)."""
    return resolve(population, nhs_number)


def read_patient(population: Population, nhs_number: str, access: Access) -> dict[str, Any]:
    """The Patient a retrieval returns: supersession resolved (its `id` is then the new
    number), restricted records without address, telecom, contact and generalPractitioner.

    Both access modes may retrieve; `access` is taken for symmetry with the other calls.
    """
    del access
    return retrieval_view(resolve(population, nhs_number))


def related_people(population: Population, nhs_number: str) -> list[dict[str, Any]]:
    """RelatedPerson resources of a patient; none for a restricted patient (spec)."""
    record = resolve(population, nhs_number)
    if record.restricted:
        return []
    return list(record.related)

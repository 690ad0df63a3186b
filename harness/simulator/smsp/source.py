"""The SOAP face's window on the PDS domain the FHIR face uses: same records, same rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.simulator.context import SimulatorContext
from harness.simulator.pds.domain import (
    Access,
    PdsError,
    SearchCriteria,
    read_patient,
    search_patients,
)
from harness.simulator.population import population_of
from harness.simulator.smsp.codes import translate_pds_error
from harness.simulator.smsp.hl7 import nhs_number_of
from harness.simulator.smsp.queries import Query

# SMSP callers were clinical systems acting for a smartcard user: healthcare-worker rights.
ACCESS = Access.HEALTHCARE_WORKER


class PdsSource:
    """Reads through `read_patient` / `search_patients`, translating PdsError to SMSP answers."""

    def __init__(self, ctx: SimulatorContext) -> None:
        self.ctx = ctx

    def read(self, nhs_number: str) -> Mapping[str, Any]:
        try:
            return read_patient(population_of(self.ctx), nhs_number, ACCESS)
        except PdsError as error:
            raise _translated(error) from None

    def trace(self, query: Query) -> Sequence[Mapping[str, Any]]:
        """Exact demographic trace; the matches are re-read in full (retrieval view)."""
        criteria = criteria_of(query)
        try:
            found = search_patients(population_of(self.ctx), criteria, ACCESS)
        except PdsError as error:
            raise _translated(error) from None
        return [self.read(nhs_number_of(patient)) for patient, _score in found]


def criteria_of(query: Query) -> SearchCriteria:
    """A plain (not fuzzy, no wildcard) search; two results are enough to know it is not one."""
    return SearchCriteria(
        family=query.family,
        given=query.given,
        gender=query.gender,
        birthdate=(f"eq{query.birth_date.isoformat()}",) if query.birth_date else (),
        postcode=query.postcode,
        max_results=2,
    )


def _translated(error: PdsError) -> Exception:
    return translate_pds_error(error.code, error.status, error.diagnostics or error.display)

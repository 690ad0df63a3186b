"""PDS business vocabulary shared by both faces: errors, access modes, record views."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from harness.simulator.fhir import display_for
from harness.simulator.population import PatientRecord, Population
from harness.simulator.population.nhs_numbers import is_valid

# Fields removed from a restricted (sensitive, security label R) patient.
LOCATION_SENSITIVE = ("address", "telecom", "contact", "generalPractitioner")
# Names and fields a search returns (a retrieval returns everything).
SEARCH_NAME_USES = ("usual", "nickname", "temp")
SEARCH_FIELDS = (
    "resourceType",
    "id",
    "identifier",
    "meta",
    "name",
    "gender",
    "birthDate",
    "multipleBirthInteger",
    "deceasedDateTime",
    "address",
    "telecom",
    "contact",
    "generalPractitioner",
    "extension",
)
DEATH_NOTIFICATION_URL = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeathNotificationStatus"
)


class PdsError(Exception):
    """A PDS business error: the Spine code, its HTTP status, display and diagnostics.

    TOO_MANY_MATCHES, SINGLE_MATCH and MULTIPLE_MATCHES carry status 200, as on the platform.
    """

    def __init__(
        self,
        code: str,
        status: int,
        display: str | None = None,
        diagnostics: str | None = None,
    ) -> None:
        self.code = code
        self.status = status
        self.display = display or display_for(code)
        self.diagnostics = diagnostics
        super().__init__(f"{status} {code}: {diagnostics or self.display}")


class Access(enum.Enum):
    """Access modes with different rights: searches return at most 1 vs up to 50 patients."""

    APPLICATION_RESTRICTED = "application-restricted"
    HEALTHCARE_WORKER = "healthcare-worker"

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Access:
        """Healthcare worker when a user role (NHSD-Session-URID) is sent, else application."""
        if headers.get("nhsd-session-urid"):
            return cls.HEALTHCARE_WORKER
        return cls.APPLICATION_RESTRICTED

    @property
    def max_results(self) -> int:
        return 50 if self is Access.HEALTHCARE_WORKER else 1

    def require_update(self) -> None:
        """Raise INVALID_METHOD (403) unless this access mode may create or update patients."""
        if self is not Access.HEALTHCARE_WORKER:
            raise PdsError(
                "INVALID_METHOD",
                403,
                diagnostics="Your app has insufficient permissions to use this method. "
                "Please contact support.",
            )


def validate_nhs_number(nhs_number: str) -> None:
    if not is_valid(nhs_number):
        raise PdsError("INVALID_RESOURCE_ID", 400)


def resolve(population: Population, nhs_number: str) -> PatientRecord:
    """The live record for a number: validated, supersession followed, invalidation refused."""
    record = population.get(nhs_number)
    if record is None:  # every stored number is valid: only unknown ones need the check
        validate_nhs_number(nhs_number)
    hops = 0
    while record is not None and record.status == "superseded" and hops < 8:
        record = population.get(record.superseded_by or "")
        hops += 1
    if record is None or record.status == "superseded":
        raise PdsError("RESOURCE_NOT_FOUND", 404)
    if record.status == "invalidated":
        raise PdsError("INVALIDATED_RESOURCE", 404)
    return record


def retrieval_view(record: PatientRecord) -> dict[str, Any]:
    """The Patient a retrieval returns. Unrestricted: the master itself (do not mutate it)."""
    if not record.restricted:
        return record.resource
    return {k: v for k, v in record.resource.items() if k not in LOCATION_SENSITIVE}


def search_view(record: PatientRecord) -> dict[str, Any]:
    """The reduced Patient a search returns: current names, home address, no pharmacies."""
    source = record.resource
    view: dict[str, Any] = {}
    for key in SEARCH_FIELDS:
        if key not in source:
            continue
        if record.restricted and key in LOCATION_SENSITIVE:
            continue
        value = source[key]
        if key == "name":
            value = [n for n in value if n.get("use") in SEARCH_NAME_USES]
            if not value:
                continue
        elif key == "address":
            value = [a for a in value if a.get("use") == "home"]
            if not value:
                continue
        elif key == "extension":
            value = [e for e in value if e.get("url") == DEATH_NOTIFICATION_URL]
            if not value:
                continue
        view[key] = value
    return view

"""The four SMSP operations: a typed query in, an HL7 v3 response payload out.

Operations read patients through a `PatientSource` (the PDS domain in the simulator, see
`source.py`), which has already resolved supersession and redacted restricted records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from lxml import etree

from harness.simulator.smsp import hl7
from harness.simulator.smsp.codes import (
    MULTIPLE_MATCHES,
    NO_MATCH,
    SUCCESS,
    SmspOutcome,
)
from harness.simulator.smsp.queries import Query

Patient = Mapping[str, Any]
ITK_SERVICES = "urn:nhs-itk:services:201005"


class PatientSource(Protocol):
    def read(self, nhs_number: str) -> Patient:
        """The current record for an NHS number; SmspOutcome (no match...) or SmspFault."""

    def trace(self, query: Query) -> Sequence[Patient]:
        """Patients matching the demographics, best first; SmspOutcome or SmspFault."""


Handler = Callable[[PatientSource, Query, str], etree._Element]


@dataclass(frozen=True, slots=True)
class SoapOperation:
    operation_id: str
    request_element: str
    handler: Handler

    @property
    def action(self) -> str:
        return f"{ITK_SERVICES}:{self.operation_id}-v1-0"

    @property
    def response_action(self) -> str:
        return f"{self.action}Response"


def get_patient_details_by_nhs_number(
    source: PatientSource, query: Query, response_id: str
) -> etree._Element:
    query.require("nhs_number")
    assert query.nhs_number is not None
    name = "getPatientDetailsResponse-v1-0"
    try:
        patient = source.read(query.nhs_number)
        if (
            query.birth_date is not None
            and patient.get("birthDate") != query.birth_date.isoformat()
        ):
            raise SmspOutcome(NO_MATCH, "the date of birth does not match the NHS number")
    except SmspOutcome as outcome:
        return hl7.response(name, response_id, outcome.code)
    root = hl7.response(name, response_id, SUCCESS)
    hl7.patient_details(root, patient)
    return root


def get_patient_details_by_search(
    source: PatientSource, query: Query, response_id: str
) -> etree._Element:
    query.require("birth_date", "family")
    name = "getPatientDetailsResponse-v1-0"
    try:
        patient = _single_match(source, query)
    except SmspOutcome as outcome:
        return hl7.response(name, response_id, outcome.code)
    root = hl7.response(name, response_id, SUCCESS)
    hl7.patient_details(root, patient)
    return root


def get_nhs_number(source: PatientSource, query: Query, response_id: str) -> etree._Element:
    query.require("birth_date", "family", "gender")
    name = "getNHSNumberResponse-v1-0"
    try:
        patient = _single_match(source, query)
    except SmspOutcome as outcome:
        return hl7.response(name, response_id, outcome.code)
    root = hl7.response(name, response_id, SUCCESS)
    hl7.patient_identifier(root, hl7.nhs_number_of(patient))
    return root


def verify_nhs_number(source: PatientSource, query: Query, response_id: str) -> etree._Element:
    query.require("nhs_number", "birth_date", "family")
    assert query.nhs_number is not None
    name = "verifyNHSNumberResponse-v1-0"
    try:
        patient = source.read(query.nhs_number)
    except SmspOutcome as outcome:
        root = hl7.response(name, response_id, outcome.code)
        hl7.verification(root, False, None)
        return root
    verified = matches(patient, query)
    root = hl7.response(name, response_id, SUCCESS)
    hl7.verification(root, verified, hl7.nhs_number_of(patient) if verified else None)
    return root


def matches(patient: Patient, query: Query) -> bool:
    """Do the demographics of `query` (date of birth, names, gender) fit the patient?"""
    if query.birth_date is not None and patient.get("birthDate") != query.birth_date.isoformat():
        return False
    if query.gender is not None and patient.get("gender") != query.gender:
        return False
    return any(_name_matches(name, query) for name in patient.get("name", []))


def _name_matches(name: Mapping[str, Any], query: Query) -> bool:
    if query.family is not None and _fold(name.get("family", "")) != _fold(query.family):
        return False
    recorded = {_fold(given) for given in name.get("given", [])}
    return all(_fold(given) in recorded for given in query.given)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _single_match(source: PatientSource, query: Query) -> Patient:
    found = source.trace(query)
    if not found:
        raise SmspOutcome(NO_MATCH)
    if len(found) > 1:
        raise SmspOutcome(MULTIPLE_MATCHES, f"{len(found)} records match")
    return found[0]


OPERATIONS: tuple[SoapOperation, ...] = (
    SoapOperation(
        "getPatientDetailsByNHSNumber",
        "getPatientDetailsByNHSNumberRequest-v1-0",
        get_patient_details_by_nhs_number,
    ),
    SoapOperation(
        "getPatientDetailsBySearch",
        "getPatientDetailsBySearchRequest-v1-0",
        get_patient_details_by_search,
    ),
    SoapOperation("getNHSNumber", "getNHSNumberRequest-v1-0", get_nhs_number),
    SoapOperation(
        "verifyNHSNumber",
        "verifyNHSNumberRequest-v1-0",
        verify_nhs_number,
    ),
)
OPERATIONS_BY_ACTION: dict[str, SoapOperation] = {op.action: op for op in OPERATIONS}

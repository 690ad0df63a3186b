"""Reading the HL7 v3 query parameters of SMSP requests."""

from __future__ import annotations

from datetime import date

import pytest

from harness.simulator.smsp.codes import INVALID_NHS_NUMBER, INVALID_QUERY, SmspFault
from harness.simulator.smsp.envelope import find_payload, parse_envelope
from harness.simulator.smsp.queries import Query, read_query
from harness.simulator.smsp.requests import request_envelope


def query_of(operation_id: str, **parameters: object) -> Query:
    body = parse_envelope(request_envelope(operation_id, **parameters)).body
    payload = find_payload(body, f"{operation_id}Request-v1-0")
    assert payload is not None
    return read_query(payload)


def test_reads_every_parameter() -> None:
    query = query_of(
        "verifyNHSNumber",
        nhs_number="9000000009",
        birth_date="2010-10-22",
        gender="female",
        family="Smith",
        given=("Jane", "Anne"),
        postcode="ls1  6ae",
    )
    assert query == Query(
        nhs_number="9000000009",
        birth_date=date(2010, 10, 22),
        gender="female",
        family="Smith",
        given=("Jane", "Anne"),
        postcode="LS1 6AE",
    )


def test_absent_parameters_are_none() -> None:
    assert query_of("getNHSNumber") == Query()


@pytest.mark.parametrize(
    ("parameters", "fault", "message"),
    [
        ({"nhs_number": "9000000008"}, INVALID_NHS_NUMBER, "Modulus 11"),
        ({"nhs_number": "12345"}, INVALID_NHS_NUMBER, "10-digit"),
        ({"nhs_number": "９０００００００09"}, INVALID_NHS_NUMBER, "10-digit"),
        ({"nhs_number": ""}, INVALID_NHS_NUMBER, "empty"),
        ({"birth_date": "2010-13-40"}, INVALID_QUERY, "not a valid date"),
        ({"birth_date": "yesterday"}, INVALID_QUERY, "not an HL7 date"),
        ({"gender": "3"}, INVALID_QUERY, "Person.Gender"),
        ({"family": ""}, INVALID_QUERY, "Person.Name/family"),
        ({"family": "x" * 36}, INVALID_QUERY, "Person.Name/family"),
        ({"postcode": "NOT A POSTCODE"}, INVALID_QUERY, "Person.Postcode"),
    ],
)
def test_invalid_parameters_fault(parameters: dict[str, str], fault: object, message: str) -> None:
    with pytest.raises(SmspFault, match=message) as raised:
        query_of("getPatientDetailsBySearch", **parameters)
    assert raised.value.fault is fault


def test_missing_query_event_faults() -> None:
    from lxml import etree

    payload = etree.fromstring('<r xmlns="urn:hl7-org:v3"/>')
    with pytest.raises(SmspFault, match="no queryEvent"):
        read_query(payload)


def test_require_names_the_wire_parameter() -> None:
    with pytest.raises(SmspFault, match=r"Person.DateOfBirth is mandatory"):
        Query(family="Smith").require("family", "birth_date")
    assert Query(family="Smith").require("family").family == "Smith"

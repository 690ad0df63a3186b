"""The four SMSP operations and the HL7 v3 rendering, over an in-memory patient source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pytest
from lxml import etree

from harness.simulator.smsp import hl7
from harness.simulator.smsp.codes import (
    INVALID_QUERY,
    INVALIDATED,
    NO_MATCH,
    SmspFault,
    SmspOutcome,
)
from harness.simulator.smsp.envelope import HL7
from harness.simulator.smsp.operations import (
    OPERATIONS_BY_ACTION,
    get_nhs_number,
    get_patient_details_by_nhs_number,
    get_patient_details_by_search,
    matches,
    verify_nhs_number,
)
from harness.simulator.smsp.queries import Query

NS = {"h": HL7}


def patient(number: str, family: str, given: str, birth: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": number,
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": number}],
        "meta": {"versionId": "1", "security": [{"code": "U"}]},
        "name": [{"use": "usual", "prefix": ["Mrs"], "given": [given], "family": family}],
        "gender": "female",
        "birthDate": birth,
        **extra,
    }


JANE = patient(
    "9000000009",
    "Smith",
    "Jane",
    "2010-10-22",
    address=[
        {"use": "home", "line": ["1 Trevelyan Square", "Leeds"], "postalCode": "LS1 6AE"},
        {"use": "temp", "line": ["Halls"], "postalCode": "LS2 9JT"},
    ],
    telecom=[
        {"system": "phone", "value": "01632960587", "use": "home"},
        {"system": "email", "value": "jane@example.com", "use": "work"},
    ],
    generalPractitioner=[{"type": "Organization", "identifier": {"value": "Y12345"}}],
    deceasedDateTime="2020-01-02T03:04:05+00:00",
)
TWIN_A = patient("9000000017", "Twin", "Alex", "2000-01-01")
TWIN_B = patient("9000000025", "Twin", "Alex", "2000-01-01")


class MemorySource:
    def __init__(self, *patients: Mapping[str, Any], invalidated: str = "") -> None:
        self.patients = {p["id"]: p for p in patients}
        self.invalidated = invalidated

    def read(self, nhs_number: str) -> Mapping[str, Any]:
        if nhs_number == self.invalidated:
            raise SmspOutcome(INVALIDATED)
        if nhs_number not in self.patients:
            raise SmspOutcome(NO_MATCH)
        return self.patients[nhs_number]

    def trace(self, query: Query) -> Sequence[Mapping[str, Any]]:
        return [p for p in self.patients.values() if matches(p, query)]


SOURCE = MemorySource(JANE, TWIN_A, TWIN_B, invalidated="9000000033")


def code_of(element: etree._Element) -> str:
    return str(element.find("h:value", NS).get("code"))


def test_details_by_nhs_number_render_the_fhir_patient() -> None:
    root = get_patient_details_by_nhs_number(SOURCE, Query(nhs_number="9000000009"), "r-1")
    assert etree.QName(root).localname == "getPatientDetailsResponse-v1-0"
    assert root.find("h:id", NS).get("root") == "R-1"
    assert code_of(root) == "SMSP-0000"
    person = root.find("h:subject/h:patient", NS)
    assert person is not None
    assert person.find("h:id", NS).get("extension") == "9000000009"
    assert person.find("h:confidentialityCode", NS).get("code") == "U"
    addresses = person.findall("h:addr", NS)
    assert [a.get("use") for a in addresses] == ["H", "TMP"]
    assert addresses[0].findtext("h:postalCode", namespaces=NS) == "LS1 6AE"
    assert [e.text for e in addresses[0].findall("h:streetAddressLine", NS)] == [
        "1 Trevelyan Square",
        "Leeds",
    ]
    telecoms = [(t.get("use"), t.get("value")) for t in person.findall("h:telecom", NS)]
    assert telecoms == [("HP", "tel:01632960587"), ("WP", "mailto:jane@example.com")]
    name = person.find("h:patientPerson/h:name", NS)
    assert name is not None and name.get("use") == "L"
    assert [(etree.QName(e).localname, e.text) for e in name] == [
        ("prefix", "Mrs"),
        ("given", "Jane"),
        ("family", "Smith"),
    ]
    people = person.find("h:patientPerson", NS)
    assert people.find("h:administrativeGenderCode", NS).get("code") == "2"
    assert people.find("h:birthTime", NS).get("value") == "20101022"
    assert people.find("h:deceasedTime", NS).get("value") == "20200102030405"
    gp = people.find("h:gPPractice/h:locationOrganization/h:id", NS)
    assert gp is not None and gp.get("extension") == "Y12345"


def test_details_by_nhs_number_outcomes() -> None:
    unknown = get_patient_details_by_nhs_number(SOURCE, Query(nhs_number="9000000041"), "r")
    assert code_of(unknown) == "DEMOG-0001"
    assert unknown.find("h:subject", NS) is None
    invalidated = get_patient_details_by_nhs_number(SOURCE, Query(nhs_number="9000000033"), "r")
    assert code_of(invalidated) == "DEMOG-0017"
    wrong_birth = Query(nhs_number="9000000009", birth_date=date(2010, 10, 23))
    assert code_of(get_patient_details_by_nhs_number(SOURCE, wrong_birth, "r")) == "DEMOG-0001"
    with pytest.raises(SmspFault, match=r"Person.NHSNumber is mandatory") as raised:
        get_patient_details_by_nhs_number(SOURCE, Query(), "r")
    assert raised.value.fault is INVALID_QUERY


def test_search_and_trace_need_a_single_match() -> None:
    jane = Query(family="smith", birth_date=date(2010, 10, 22), gender="female")
    found = get_patient_details_by_search(SOURCE, jane, "r")
    assert code_of(found) == "SMSP-0000"
    assert found.find("h:subject/h:patient/h:id", NS).get("extension") == "9000000009"
    traced = get_nhs_number(SOURCE, jane, "r")
    assert etree.QName(traced).localname == "getNHSNumberResponse-v1-0"
    assert traced.find("h:subject/h:patient/h:id", NS).get("extension") == "9000000009"
    twins = Query(family="Twin", birth_date=date(2000, 1, 1), gender="female")
    assert code_of(get_nhs_number(SOURCE, twins, "r")) == "DEMOG-0007"
    assert code_of(get_patient_details_by_search(SOURCE, twins, "r")) == "DEMOG-0007"
    nobody = Query(family="Nobody", birth_date=date(2000, 1, 1), gender="male")
    assert code_of(get_nhs_number(SOURCE, nobody, "r")) == "DEMOG-0001"
    with pytest.raises(SmspFault, match=r"Person.Gender is mandatory"):
        get_nhs_number(SOURCE, Query(family="Smith", birth_date=date(2010, 10, 22)), "r")
    with pytest.raises(SmspFault, match=r"Person.DateOfBirth is mandatory"):
        get_patient_details_by_search(SOURCE, Query(family="Smith"), "r")


def verified(root: etree._Element) -> tuple[str, str | None, str | None]:
    valid = root.find("h:component/h:validIdentifier", NS)
    assert valid is not None
    number = valid.find("h:subject/h:patient/h:id", NS)
    return (
        code_of(root),
        valid.find("h:value", NS).get("value"),
        number.get("extension") if number is not None else None,
    )


def test_verify_nhs_number() -> None:
    base = {"nhs_number": "9000000009", "birth_date": date(2010, 10, 22)}
    ok = verify_nhs_number(SOURCE, Query(family="SMITH", given=("jane",), **base), "r")
    assert verified(ok) == ("SMSP-0000", "true", "9000000009")
    wrong_name = verify_nhs_number(SOURCE, Query(family="Jones", **base), "r")
    assert verified(wrong_name) == ("SMSP-0000", "false", None)
    wrong_given = verify_nhs_number(SOURCE, Query(family="Smith", given=("Ann",), **base), "r")
    assert verified(wrong_given)[1] == "false"
    wrong_gender = Query(family="Smith", gender="male", **base)
    assert verified(verify_nhs_number(SOURCE, wrong_gender, "r"))[1] == "false"
    unknown = Query(nhs_number="9000000041", family="Smith", birth_date=date(2010, 10, 22))
    assert verified(verify_nhs_number(SOURCE, unknown, "r")) == ("DEMOG-0001", "false", None)
    with pytest.raises(SmspFault, match=r"Person.Name/family is mandatory"):
        verify_nhs_number(SOURCE, Query(**base), "r")


def test_actions_are_the_itk_service_uris() -> None:
    assert sorted(op.operation_id for op in OPERATIONS_BY_ACTION.values()) == [
        "getNHSNumber",
        "getPatientDetailsByNHSNumber",
        "getPatientDetailsBySearch",
        "verifyNHSNumber",
    ]
    for action, operation in OPERATIONS_BY_ACTION.items():
        assert action == f"urn:nhs-itk:services:201005:{operation.operation_id}-v1-0"
        assert operation.response_action == action + "Response"


def test_hl7_dates() -> None:
    assert hl7.hl7_date("2010-10-22") == "20101022"
    assert hl7.hl7_date("2010-10-22T00:00:00+00:00") == "20101022000000"


def test_rendered_patients_are_reused_as_copies_and_follow_updates() -> None:
    first = get_patient_details_by_nhs_number(SOURCE, Query(nhs_number="9000000009"), "a")
    first.find("h:subject/h:patient/h:id", NS).set("extension", "tampered")
    second = get_patient_details_by_nhs_number(SOURCE, Query(nhs_number="9000000009"), "b")
    assert second.find("h:subject/h:patient/h:id", NS).get("extension") == "9000000009"
    updated = {**JANE, "name": [{"use": "usual", "given": ["Janet"], "family": "Jones"}]}
    root = get_patient_details_by_nhs_number(
        MemorySource(updated), Query(nhs_number=JANE["id"]), "c"
    )
    assert root.findtext("h:subject/h:patient/h:patientPerson/h:name/h:family", namespaces=NS) == (
        "Jones"
    )

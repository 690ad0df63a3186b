"""Helpers to call the SMSP face and read its answers in tests."""

from __future__ import annotations

from typing import Any

import httpx
from lxml import etree

from harness.simulator.smsp import request_envelope
from harness.simulator.smsp.envelope import HL7, ITK, SOAP_ENV, WSA

NS = {"h": HL7, "s": SOAP_ENV, "wsa": WSA, "itk": ITK}
PATH = "/smsp/pds"


def action_of(operation_id: str) -> str:
    return f"urn:nhs-itk:services:201005:{operation_id}-v1-0"


def call(client: httpx.Client, operation_id: str, **parameters: Any) -> httpx.Response:
    return client.post(
        PATH,
        content=request_envelope(operation_id, **parameters),
        headers={"SOAPAction": f'"{action_of(operation_id)}"', "Content-Type": "text/xml"},
    )


def envelope_of(response: httpx.Response) -> etree._Element:
    assert response.headers["content-type"].startswith("text/xml")
    return etree.fromstring(response.content)


def payload_of(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, response.text
    body = envelope_of(response).find("s:Body", NS)
    assert body is not None and len(body) == 1
    return body[0]


def code_of(response: httpx.Response) -> str:
    return str(payload_of(response).find("h:value", NS).get("code"))


def fault_of(response: httpx.Response) -> tuple[str, str]:
    """(faultcode, ITK error code) of a fault answer, which must be HTTP 400."""
    assert response.status_code == 400, response.text
    fault = envelope_of(response).find("s:Body/s:Fault", NS)
    assert fault is not None, response.text
    code = fault.findtext("detail/itk:ToolkitErrorInfo/itk:ErrorCode", namespaces=NS)
    return str(fault.findtext("faultcode")), str(code)


def soap_demographics(payload: etree._Element) -> dict[str, Any]:
    """The demographics a getPatientDetailsResponse carries, in FHIR terms."""
    patient = payload.find("h:subject/h:patient", NS)
    assert patient is not None
    person = patient.find("h:patientPerson", NS)
    assert person is not None
    genders = {"0": "unknown", "1": "male", "2": "female", "9": "other"}
    birth = person.find("h:birthTime", NS)
    gender = person.find("h:administrativeGenderCode", NS)
    return {
        "nhs_number": patient.find("h:id", NS).get("extension"),
        "names": [
            (
                [g.text for g in name.findall("h:given", NS)],
                name.findtext("h:family", namespaces=NS),
            )
            for name in person.findall("h:name", NS)
        ],
        "gender": genders[gender.get("code", "")] if gender is not None else None,
        "birth_date": _iso(birth.get("value", "")) if birth is not None else None,
        "addresses": [
            (
                [line.text for line in address.findall("h:streetAddressLine", NS)],
                address.findtext("h:postalCode", namespaces=NS),
            )
            for address in patient.findall("h:addr", NS)
        ],
        "telecoms": [t.get("value", "").split(":", 1)[1] for t in patient.findall("h:telecom", NS)],
        "gp": [
            e.get("extension")
            for e in person.findall("h:gPPractice/h:locationOrganization/h:id", NS)
        ],
    }


def fhir_demographics(patient: dict[str, Any]) -> dict[str, Any]:
    """The same fields from a FHIR Patient."""
    return {
        "nhs_number": patient["id"],
        "names": [(n.get("given", []), n.get("family")) for n in patient.get("name", [])],
        "gender": patient.get("gender"),
        "birth_date": patient.get("birthDate"),
        "addresses": [(a.get("line", []), a.get("postalCode")) for a in patient.get("address", [])],
        "telecoms": [t["value"] for t in patient.get("telecom", [])],
        "gp": [g["identifier"]["value"] for g in patient.get("generalPractitioner", [])],
    }


def _iso(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}"

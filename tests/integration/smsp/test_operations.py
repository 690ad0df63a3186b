"""Every SMSP operation and error path, over a real socket."""

from __future__ import annotations

import httpx
import pytest

from harness.simulator.population.sandbox import (
    CREATE_MULTIPLE_MATCHES,
    CREATE_SINGLE_MATCH,
    INVALID,
    INVALIDATED,
    JANE_SMITH,
    NOT_FOUND,
    RESTRICTED,
    SUPERSEDED,
    SUPERSEDING,
)
from harness.simulator.smsp import request_envelope
from tests.integration.smsp.soap import (
    NS,
    PATH,
    action_of,
    call,
    code_of,
    envelope_of,
    fault_of,
    payload_of,
)

pytestmark = [pytest.mark.integration, pytest.mark.pds]

SINGLE = {"family": "McMatch-Single", "gender": "female", "birth_date": "1982-07-10"}
MULTIPLE = {"family": "McMatch-Multiple", "gender": "female", "birth_date": "1982-07-10"}
NOBODY = {"family": "Nobody-Anywhere", "gender": "male", "birth_date": "1901-02-03"}


def patient_id(response: httpx.Response) -> str | None:
    return payload_of(response).find("h:subject/h:patient/h:id", NS).get("extension")


def test_get_patient_details_by_nhs_number(client: httpx.Client) -> None:
    response = call(client, "getPatientDetailsByNHSNumber", nhs_number=JANE_SMITH, message_id="R-1")
    assert code_of(response) == "SMSP-0000"
    assert patient_id(response) == JANE_SMITH
    envelope = envelope_of(response)
    assert envelope.findtext("s:Header/wsa:RelatesTo", namespaces=NS) == "uuid:R-1"
    assert envelope.findtext("s:Header/wsa:Action", namespaces=NS) == (
        action_of("getPatientDetailsByNHSNumber") + "Response"
    )
    again = call(client, "getPatientDetailsByNHSNumber", nhs_number=JANE_SMITH, message_id="R-1")
    assert envelope_of(again).findtext("s:Header/wsa:MessageID", namespaces=NS) != (
        envelope.findtext("s:Header/wsa:MessageID", namespaces=NS)
    )


def test_get_patient_details_checks_the_date_of_birth(client: httpx.Client) -> None:
    right = call(
        client, "getPatientDetailsByNHSNumber", nhs_number=JANE_SMITH, birth_date="2010-10-22"
    )
    assert code_of(right) == "SMSP-0000"
    wrong = call(
        client, "getPatientDetailsByNHSNumber", nhs_number=JANE_SMITH, birth_date="2010-10-23"
    )
    assert code_of(wrong) == "DEMOG-0001"


def test_superseded_number_reads_the_replacing_record(client: httpx.Client) -> None:
    response = call(client, "getPatientDetailsByNHSNumber", nhs_number=SUPERSEDED)
    assert code_of(response) == "SMSP-0000"
    assert patient_id(response) == SUPERSEDING


@pytest.mark.parametrize(
    ("number", "code"), [(NOT_FOUND, "DEMOG-0001"), (INVALIDATED, "DEMOG-0017")]
)
def test_unknown_and_invalidated_numbers(client: httpx.Client, number: str, code: str) -> None:
    response = call(client, "getPatientDetailsByNHSNumber", nhs_number=number)
    assert code_of(response) == code
    assert payload_of(response).find("h:subject", NS) is None


def test_get_patient_details_by_search(client: httpx.Client) -> None:
    response = call(client, "getPatientDetailsBySearch", **SINGLE)
    assert code_of(response) == "SMSP-0000"
    assert patient_id(response) == CREATE_SINGLE_MATCH
    assert code_of(call(client, "getPatientDetailsBySearch", **MULTIPLE)) == "DEMOG-0007"
    assert code_of(call(client, "getPatientDetailsBySearch", **NOBODY)) == "DEMOG-0001"


def test_get_nhs_number(client: httpx.Client) -> None:
    response = call(client, "getNHSNumber", **SINGLE)
    assert code_of(response) == "SMSP-0000"
    assert payload_of(response).tag.endswith("getNHSNumberResponse-v1-0")
    assert patient_id(response) == CREATE_SINGLE_MATCH
    multiple = call(client, "getNHSNumber", **MULTIPLE)
    assert code_of(multiple) == "DEMOG-0007"
    assert payload_of(multiple).find("h:subject", NS) is None
    assert code_of(call(client, "getNHSNumber", **NOBODY)) == "DEMOG-0001"
    assert set(CREATE_MULTIPLE_MATCHES).isdisjoint({patient_id(response)})


def verification(response: httpx.Response) -> tuple[str, str | None]:
    valid = payload_of(response).find("h:component/h:validIdentifier/h:value", NS)
    assert valid is not None
    return code_of(response), valid.get("value")


def test_verify_nhs_number(client: httpx.Client) -> None:
    jane = {"nhs_number": JANE_SMITH, "birth_date": "2010-10-22"}
    assert verification(call(client, "verifyNHSNumber", family="Smith", **jane)) == (
        "SMSP-0000",
        "true",
    )
    assert verification(call(client, "verifyNHSNumber", family="Smyth", **jane)) == (
        "SMSP-0000",
        "false",
    )
    other_birth = {"nhs_number": JANE_SMITH, "birth_date": "2010-10-21", "family": "Smith"}
    assert verification(call(client, "verifyNHSNumber", **other_birth))[1] == "false"
    unknown = {"nhs_number": NOT_FOUND, "birth_date": "2010-10-22", "family": "Smith"}
    assert verification(call(client, "verifyNHSNumber", **unknown)) == ("DEMOG-0001", "false")


def post(client: httpx.Client, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return client.post(PATH, content=body, headers={"Content-Type": "text/xml", **headers})


GOOD = request_envelope("getPatientDetailsByNHSNumber", nhs_number=JANE_SMITH)
ACTION = {"SOAPAction": action_of("getPatientDetailsByNHSNumber")}
BOMB = b"""<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">
<SOAP-ENV:Body>&c;</SOAP-ENV:Body></SOAP-ENV:Envelope>"""


@pytest.mark.parametrize(
    ("body", "headers", "code"),
    [
        (GOOD, {}, "1001"),
        (GOOD, {"SOAPAction": "urn:nhs-itk:services:201005:nope-v1-0"}, "1001"),
        (GOOD, {"SOAPAction": action_of("verifyNHSNumber")}, "1002"),
        (b"\x00\x01garbage", ACTION, "1000"),
        (b"<Envelope>", ACTION, "1000"),
        (BOMB, ACTION, "1000"),
        (b"x" * 300_000, ACTION, "1000"),
        (request_envelope("getPatientDetailsByNHSNumber"), ACTION, "DEMOG-0043"),
        (
            request_envelope("getPatientDetailsByNHSNumber", nhs_number=INVALID),
            ACTION,
            "DEMOG-0042",
        ),
        (
            request_envelope("getPatientDetailsByNHSNumber", nhs_number="12ab"),
            ACTION,
            "DEMOG-0042",
        ),
        (
            request_envelope("getNHSNumber", family="Smith", birth_date="1990-01-01"),
            {"SOAPAction": action_of("getNHSNumber")},
            "DEMOG-0043",
        ),
        (
            request_envelope("verifyNHSNumber", nhs_number=JANE_SMITH, birth_date="2010-02-30"),
            {"SOAPAction": action_of("verifyNHSNumber")},
            "DEMOG-0043",
        ),
    ],
)
def test_request_errors_are_soap_faults_with_400(
    client: httpx.Client, body: bytes, headers: dict[str, str], code: str
) -> None:
    assert fault_of(post(client, body, headers)) == ("SOAP-ENV:Client", code)


def test_soap12_content_type_action_is_accepted(client: httpx.Client) -> None:
    response = client.post(
        PATH,
        content=GOOD,
        headers={"Content-Type": f'text/xml; action="{ACTION["SOAPAction"]}"'},
    )
    assert code_of(response) == "SMSP-0000"


def test_openapi_examples_answer_success_and_index_by_soap_action(client: httpx.Client) -> None:
    from harness.core.exchange import Request
    from harness.core.operations import OperationIndex

    document = client.get("/openapi.json").json()
    operation = document["paths"][PATH]["post"]
    assert operation["tags"] == ["pds"]
    actions = operation["x-soap-actions"]
    assert operation["parameters"][0]["schema"]["enum"] == list(actions)
    index = OperationIndex.from_openapi(document)
    for action, operation_id in actions.items():
        example = operation["requestBody"]["content"]["text/xml"]["examples"][operation_id]
        response = post(client, example["value"].encode(), {"SOAPAction": action})
        assert code_of(response) == "SMSP-0000", operation_id
        request = Request(method="POST", path=PATH, headers=(("SOAPAction", action),))
        matched = index.match(request)
        assert matched is not None and matched.id == operation_id and matched.service == "pds"
    assert client.get("/openapi.json").content == client.get("/openapi.json").content


def test_restricted_patient_is_traced_but_redacted_and_never_found_by_postcode(
    client: httpx.Client,
) -> None:
    janet = {"family": "Smythe", "gender": "female", "birth_date": "2005-06-16"}
    traced = call(client, "getNHSNumber", **janet)
    assert code_of(traced) == "SMSP-0000"
    assert patient_id(traced) == RESTRICTED
    details = payload_of(call(client, "getPatientDetailsBySearch", **janet))
    patient = details.find("h:subject/h:patient", NS)
    assert patient is not None
    assert patient.find("h:confidentialityCode", NS).get("code") == "R"
    assert patient.findall("h:addr", NS) == [] and patient.findall("h:telecom", NS) == []
    assert patient.findall("h:patientPerson/h:gPPractice", NS) == []
    by_postcode = call(client, "getNHSNumber", postcode="LS1 6AE", **janet)
    assert code_of(by_postcode) == "DEMOG-0001"


def test_verify_follows_supersession_and_refuses_invalidated(client: httpx.Client) -> None:
    pauline = {"family": "Attison", "given": ("Pauline",), "birth_date": "1963-03-14"}
    response = call(client, "verifyNHSNumber", nhs_number=SUPERSEDED, **pauline)
    assert verification(response) == ("SMSP-0000", "true")
    current = payload_of(response).find(
        "h:component/h:validIdentifier/h:subject/h:patient/h:id", NS
    )
    assert current is not None and current.get("extension") == SUPERSEDING
    martha = {"family": "Massam", "birth_date": "1948-11-02"}
    invalidated = call(client, "verifyNHSNumber", nhs_number=INVALIDATED, **martha)
    assert verification(invalidated) == ("DEMOG-0017", "false")

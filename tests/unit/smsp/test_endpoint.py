"""One request in, status and envelope out: SOAPAction routing and the fault mapping."""

from __future__ import annotations

import pytest
from lxml import etree

from harness.simulator.context import SimulatorConfig, SimulatorContext
from harness.simulator.smsp.endpoint import answer, soap_action
from harness.simulator.smsp.envelope import ITK, SOAP_ENV, WSA
from harness.simulator.smsp.requests import request_envelope
from tests.unit.smsp.test_operations import SOURCE

ACTION = "urn:nhs-itk:services:201005:getPatientDetailsByNHSNumber-v1-0"
CONTEXT = SimulatorContext(SimulatorConfig(population=0))


def fault_code(envelope: etree._Element) -> tuple[str | None, str | None]:
    fault = envelope.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None
    return fault.findtext("faultcode"), fault.findtext(
        f"detail/{{{ITK}}}ToolkitErrorInfo/{{{ITK}}}ErrorCode"
    )


def test_success_relates_to_the_request() -> None:
    data = request_envelope(
        "getPatientDetailsByNHSNumber", nhs_number="9000000009", message_id="M1"
    )
    status, envelope = answer(CONTEXT, SOURCE, ACTION, data)
    assert status == 200
    assert envelope.findtext(f".//{{{WSA}}}RelatesTo") == "uuid:M1"
    assert envelope.findtext(f".//{{{WSA}}}Action") == ACTION + "Response"
    assert envelope.findtext(f".//{{{WSA}}}To") == "https://client.example.nhs.uk/itk"
    message_id = envelope.findtext(f".//{{{WSA}}}MessageID")
    assert message_id and message_id.startswith("uuid:") and message_id != "uuid:M1"
    _, second = answer(CONTEXT, SOURCE, ACTION, data)
    assert second.findtext(f".//{{{WSA}}}MessageID") != message_id


GOOD = request_envelope("getPatientDetailsByNHSNumber", nhs_number="9000000009", message_id="M2")


@pytest.mark.parametrize(
    ("action", "data", "code"),
    [
        (None, GOOD, "1001"),
        ("urn:nhs-itk:services:201005:deletePatient-v1-0", GOOD, "1001"),
        (ACTION, b"<<garbage", "1000"),
        (ACTION, b"", "1000"),
        ("urn:nhs-itk:services:201005:verifyNHSNumber-v1-0", GOOD, "1002"),
        (ACTION, request_envelope("getNHSNumber", family="Smith"), "1002"),
        (ACTION, f'<e:Envelope xmlns:e="{SOAP_ENV}"><e:Body/></e:Envelope>'.encode(), "1002"),
        (ACTION, request_envelope("getPatientDetailsByNHSNumber"), "DEMOG-0043"),
        (
            ACTION,
            request_envelope("getPatientDetailsByNHSNumber", nhs_number="1234567890"),
            "DEMOG-0042",
        ),
    ],
)
def test_request_errors_are_client_faults_with_400(
    action: str | None, data: bytes, code: str
) -> None:
    status, envelope = answer(CONTEXT, SOURCE, action, data)
    assert status == 400
    assert fault_code(envelope) == ("SOAP-ENV:Client", code)


def test_fault_relates_to_the_request_when_its_id_is_known() -> None:
    data = request_envelope(
        "getPatientDetailsByNHSNumber", nhs_number="1234567890", message_id="M3"
    )
    _, envelope = answer(CONTEXT, SOURCE, ACTION, data)
    assert envelope.findtext(f".//{{{WSA}}}RelatesTo") == "uuid:M3"
    assert envelope.findtext(f".//{{{WSA}}}Action") == (
        "http://www.w3.org/2005/08/addressing/soap/fault"
    )


def test_a_failing_source_is_a_server_fault() -> None:
    class Broken:
        def read(self, nhs_number: str) -> dict[str, str]:
            raise KeyError(nhs_number)

        def trace(self, query: object) -> list[dict[str, str]]:
            raise KeyError("trace")

    status, envelope = answer(CONTEXT, Broken(), ACTION, GOOD)
    assert status == 500
    assert fault_code(envelope) == ("SOAP-ENV:Server", "2200")


def test_soap_action_header_forms() -> None:
    assert soap_action({"soapaction": f'"{ACTION}"'}) == ACTION
    assert soap_action({"soapaction": ACTION}) == ACTION
    assert soap_action({"soapaction": '""'}) is None
    assert soap_action({"content-type": f'application/soap+xml; action="{ACTION}"'}) == ACTION
    assert soap_action({}) is None

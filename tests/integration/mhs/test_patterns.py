"""Sync, async express and the negative acknowledgements of the MHS endpoints."""

from __future__ import annotations

import uuid

import pytest
from lxml import etree

from harness.simulator.mhs import requests as build
from harness.simulator.mhs.ebxml import read_signal
from harness.simulator.mhs.faults import fault_codes
from harness.simulator.mhs.interactions import GP_SUMMARY_UPLOAD, PSIS_DOCUMENT_LIST
from harness.simulator.population.sandbox import JANE_SMITH, NOT_FOUND
from tests.integration.mhs.conftest import Spine

pytestmark = pytest.mark.integration
HL7 = {"hl7": "urn:hl7-org:v3", "wsa": "http://schemas.xmlsoap.org/ws/2004/08/addressing"}


def test_the_sync_pds_query_answers_on_the_same_call(spine: Spine) -> None:
    _, asid = spine.practice()
    message_id = str(uuid.uuid4()).upper()
    headers, body = build.pds_retrieval_request(JANE_SMITH, asid, spine.spine_asid(), message_id)
    answer = spine.post("/sync-service", headers, body)
    assert answer.status_code == 200
    root = etree.fromstring(answer.content)
    assert root.findtext(".//wsa:RelatesTo", namespaces=HL7) == f"uuid:{message_id}"
    assert root.findtext(".//wsa:Action", namespaces=HL7).endswith("/QUPA_IN050000UK32")
    assert root.xpath("string(.//hl7:acknowledgement/@typeCode)", namespaces=HL7) == "AA"
    assert root.xpath("string(.//hl7:patient/hl7:id/@extension)", namespaces=HL7) == JANE_SMITH
    assert root.xpath("string(.//hl7:queryResponseCode/@code)", namespaces=HL7) == "OK"
    missing_headers, missing = build.pds_retrieval_request(
        NOT_FOUND, asid, spine.spine_asid(), "M2"
    )
    refused = etree.fromstring(spine.post("/sync-service", missing_headers, missing).content)
    assert refused.xpath("string(.//hl7:acknowledgement/@typeCode)", namespaces=HL7) == "AE"
    assert refused.xpath("string(.//hl7:queryResponseCode/@code)", namespaces=HL7) == "NF"
    assert spine.consumer.received == []  # sync: nothing goes to the endpoint


def test_async_express_answers_later_without_an_acknowledgement(spine: Spine) -> None:
    def query(asid: str, spine_asid: str, message_id: str) -> bytes:
        return build.document_list_query(JANE_SMITH, asid, spine_asid, message_id)

    def summary(asid: str, spine_asid: str, message_id: str) -> bytes:
        return build.gp_summary(JANE_SMITH, "DOC-1", asid, spine_asid, message_id)

    first_id, headers, body = spine.message(PSIS_DOCUMENT_LIST, query)
    answer = spine.post("/reliablemessaging/queryrequest", headers, body)
    assert answer.status_code == 202 and answer.content == b""
    [empty] = spine.consumer.wait_for(1)
    header = empty.header()
    assert header.ref_to_message_id == first_id and not header.ack_requested
    assert empty.headers["soapaction"] == PSIS_DOCUMENT_LIST.response_soap_action
    root = etree.fromstring(empty.payload())
    assert root.xpath("string(.//hl7:queryResponseCode/@code)", namespaces=HL7) == "NF"
    # a GP summary uploaded (reliably), the same query lists it
    _, summary_headers, summary_body = spine.message(GP_SUMMARY_UPLOAD, summary)
    assert (
        spine.post("/reliablemessaging/reliablerequest", summary_headers, summary_body).status_code
        == 202
    )
    spine.consumer.wait_for(2)
    _, headers, body = spine.message(PSIS_DOCUMENT_LIST, query)
    spine.post("/reliablemessaging/queryrequest", headers, body)
    listed = etree.fromstring(spine.consumer.wait_for(3)[2].payload())
    assert listed.xpath("string(.//hl7:document/hl7:id/@root)", namespaces=HL7) == "DOC-1"
    assert listed.xpath("string(.//hl7:queryResponseCode/@code)", namespaces=HL7) == "OK"


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"cpa_id": "S99999A999999"}, "Unknown eb:CPAId"),
        ({"from_party": "NOBODY-000000"}, "Unknown eb:From PartyId"),
    ],
)
def test_a_message_the_directory_does_not_fit_is_negatively_acknowledged(
    spine: Spine, options: dict[str, str], words: str
) -> None:
    message_id, headers, body = spine.prescription(**options)
    answer = spine.post("/reliablemessaging/reliablerequest", headers, body)
    assert answer.status_code == 500
    signal = read_signal(etree.fromstring(answer.content))
    assert signal.ref_to_message_id == message_id and words in signal.errors[0][1]
    assert signal.errors[0][0] == "ValueNotRecognized"


def test_an_interaction_not_served_at_the_address_is_refused(spine: Spine) -> None:
    _, headers, body = spine.prescription()
    answer = spine.post("/reliablemessaging/queryrequest", headers, body)
    assert answer.status_code == 500
    assert "at this address" in read_signal(etree.fromstring(answer.content)).errors[0][1]


def test_a_payload_that_is_not_the_interaction_is_inconsistent(spine: Spine) -> None:
    def wrong(asid: str, spine_asid: str, message_id: str) -> bytes:
        return build.gp_summary(JANE_SMITH, "DOC-2", asid, spine_asid, message_id)

    from harness.simulator.mhs.interactions import EPS_PRESCRIPTION

    _, headers, body = spine.message(EPS_PRESCRIPTION, wrong)
    answer = spine.post("/reliablemessaging/reliablerequest", headers, body)
    signal = read_signal(etree.fromstring(answer.content))
    assert answer.status_code == 500 and signal.errors[0][0] == "Inconsistent"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b"hello"),
        ('multipart/related; boundary="b"', b"--b\r\n\r\n<not-xml\r\n--b--"),
    ],
)
def test_an_unreadable_message_is_a_soap_fault(
    spine: Spine, content_type: str, body: bytes
) -> None:
    answer = spine.post("/reliablemessaging/reliablerequest", {"Content-Type": content_type}, body)
    assert answer.status_code == 500
    assert fault_codes(etree.fromstring(answer.content)) == [201]
    sync = spine.post("/sync-service", {"Content-Type": "text/xml"}, b"<nope")
    assert sync.status_code == 500 and fault_codes(etree.fromstring(sync.content)) == [201]

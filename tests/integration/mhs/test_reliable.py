"""Async reliable messaging: acknowledgements, duplicate elimination, the answer delivered once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from harness.simulator.mhs.ebxml import read_header, read_signal
from harness.simulator.mhs.interactions import EPS_PRESCRIPTION
from tests.integration.mhs.conftest import Spine

pytestmark = pytest.mark.integration
RELIABLE = "/reliablemessaging/reliablerequest"
HL7 = {"hl7": "urn:hl7-org:v3"}


def application_ack(payload: bytes) -> tuple[str, str, str]:
    """(acknowledgement typeCode, message answered, error code or "") of an MCCI answer."""
    root = etree.fromstring(payload)
    assert root.tag == "{urn:hl7-org:v3}MCCI_IN010000UK13"
    code = root.xpath(
        "string(hl7:acknowledgement/hl7:acknowledgementDetail/hl7:code/@code)", namespaces=HL7
    )
    return (
        str(root.xpath("string(hl7:acknowledgement/@typeCode)", namespaces=HL7)),
        str(root.xpath("string(hl7:acknowledgement/hl7:messageRef/hl7:id/@root)", namespaces=HL7)),
        str(code),
    )


def test_the_synchronous_acknowledgement_names_the_message(spine: Spine) -> None:
    message_id, headers, body = spine.prescription()
    answer = spine.post(RELIABLE, headers, body)
    assert answer.status_code == 202
    envelope = etree.fromstring(answer.content)
    assert read_signal(envelope).acknowledges == message_id
    header = read_header(envelope)
    assert header.ref_to_message_id == message_id and header.conversation_id == message_id
    [delivered] = spine.consumer.wait_for(1)
    assert delivered.headers["soapaction"] == EPS_PRESCRIPTION.response_soap_action
    answer_header = delivered.header()
    assert answer_header.ref_to_message_id == message_id
    assert answer_header.conversation_id == message_id
    assert answer_header.ack_requested and answer_header.duplicate_elimination
    assert application_ack(delivered.payload()) == ("AA", message_id, "")


def test_a_reliable_message_sent_twice_is_delivered_once(spine: Spine) -> None:
    message_id, headers, body = spine.prescription()
    first = spine.post(RELIABLE, headers, body)
    second = spine.post(RELIABLE, headers, body)  # the same MessageId: a resend
    assert first.status_code == second.status_code == 202
    assert read_signal(etree.fromstring(second.content)).acknowledges == message_id  # re-acked
    spine.consumer.wait_for(1)
    # a third message (another id) is answered: so the duplicate's answer would have come first
    other_id, other_headers, other_body = spine.prescription("B1234C-A99968-00000X")
    spine.post(RELIABLE, other_headers, other_body)
    delivered = spine.consumer.wait_for(2)
    assert [d.header().ref_to_message_id for d in delivered] == [message_id, other_id]
    assert len(spine.dispatcher.deliveries) == 2


def test_after_the_persist_duration_the_same_id_is_a_new_message(spine: Spine) -> None:
    """PT5M from SDS: the resend is processed, and EPS refuses the prescription it repeats."""
    message_id, headers, body = spine.prescription("C5555D-A99968-00000Y")
    spine.post(RELIABLE, headers, body)
    spine.clock.advance(timedelta(minutes=4, seconds=59))
    spine.post(RELIABLE, headers, body)
    spine.consumer.wait_for(1)
    spine.clock.advance(timedelta(seconds=1))
    spine.post(RELIABLE, headers, body)
    delivered = spine.consumer.wait_for(2)
    assert application_ack(delivered[1].payload()) == (
        "AE",
        message_id,
        "DUPLICATE_PRESCRIPTION_ID",
    )
    assert len(delivered) == 2


def test_without_sync_reply_the_acknowledgement_comes_to_the_endpoint(spine: Spine) -> None:
    message_id, headers, body = spine.prescription(sync_reply=False)
    answer = spine.post(RELIABLE, headers, body)
    assert answer.status_code == 202 and answer.content == b""
    delivered = spine.consumer.wait_for(2)
    signals = [d for d in delivered if d.kind == "signal"]
    [ack] = signals
    assert ack.headers["soapaction"] == "urn:oasis:names:tc:ebxml-msg:service/Acknowledgment"
    assert read_signal(etree.fromstring(ack.body)).acknowledges == message_id


def test_an_unknown_patient_is_refused_by_the_application(spine: Spine) -> None:
    from harness.simulator.mhs import requests as build
    from harness.simulator.population.sandbox import NOT_FOUND

    def payload(asid: str, spine_asid: str, message_id: str) -> bytes:
        return build.eps_prescription(
            NOT_FOUND, "D1111E-A99968-00000Z", asid, spine_asid, message_id
        )

    message_id, headers, body = spine.message(EPS_PRESCRIPTION, payload)
    assert spine.post(RELIABLE, headers, body).status_code == 202  # accepted by the MHS
    [delivered] = spine.consumer.wait_for(1)
    assert application_ack(delivered.payload()) == ("AE", message_id, "RESOURCE_NOT_FOUND")

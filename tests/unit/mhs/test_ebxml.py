"""ebXML headers read and written: every field, the flags, acknowledgements and MessageErrors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from harness.simulator.mhs.ebxml import (
    EBXML_SERVICE,
    EbxmlError,
    MessageHeader,
    acknowledgement,
    message_error,
    read_header,
    read_signal,
)
from harness.simulator.mhs.wire import compose, decompose

NOW = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
HEADER = MessageHeader(
    from_party="A20047-123456",
    to_party="YES-0000806",
    cpa_id="S20002A000202",
    conversation_id="C0NV-1",
    service="urn:nhs:names:services:mm",
    action="PORX_IN020101UK31",
    message_id="M-1",
    timestamp="2026-12-01T10:30:00Z",
    duplicate_elimination=True,
    ack_requested=True,
    sync_reply=True,
)


def test_a_composed_message_reads_back_whole() -> None:
    content_type, body = compose(HEADER, b"<PORX_IN020101UK31/>")
    message = decompose(content_type, body)
    assert message.header == HEADER and message.payload == b"<PORX_IN020101UK31/>"
    assert content_type.startswith('multipart/related; boundary="--=_MIME-Boundary"')
    assert message.header.soap_action == "urn:nhs:names:services:mm/PORX_IN020101UK31"


@pytest.mark.parametrize(
    "flags",
    [
        {"duplicate_elimination": False, "ack_requested": False, "sync_reply": False},
        {"duplicate_elimination": True, "ack_requested": False, "sync_reply": True},
        {"ref_to_message_id": "EARLIER"},
    ],
)
def test_flags_and_references_survive(flags: dict[str, object]) -> None:
    from dataclasses import replace

    header = replace(HEADER, **flags)  # type: ignore[arg-type]
    assert decompose(*compose(header, b"<x/>")).header == header


def test_a_missing_field_is_named() -> None:
    _, body = compose(HEADER, b"<x/>")
    broken = body.replace(b"<eb:CPAId>S20002A000202</eb:CPAId>", b"")
    with pytest.raises(EbxmlError, match="cpa id"):
        decompose(compose(HEADER, b"<x/>")[0], broken)


def test_an_envelope_without_a_message_header() -> None:
    root = etree.fromstring(b'<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"/>')
    with pytest.raises(EbxmlError, match="MessageHeader"):
        read_header(root)


def test_the_acknowledgement_names_the_message_and_swaps_the_parties() -> None:
    envelope = etree.fromstring(acknowledgement(HEADER, "ACK-1", NOW))
    ack_header = read_header(envelope)
    assert ack_header.ref_to_message_id == "M-1" and ack_header.message_id == "ACK-1"
    assert (ack_header.from_party, ack_header.to_party) == ("YES-0000806", "A20047-123456")
    assert (ack_header.service, ack_header.action) == (EBXML_SERVICE, "Acknowledgment")
    assert ack_header.conversation_id == "C0NV-1" and ack_header.cpa_id == "S20002A000202"
    assert read_signal(envelope).acknowledges == "M-1"


def test_a_message_error_is_a_negative_acknowledgement() -> None:
    envelope = etree.fromstring(
        message_error(HEADER, "ERR-1", "ValueNotRecognized", "501319:Unknown eb:CPAId")
    )
    signal = read_signal(envelope)
    assert signal.acknowledges is None and signal.ref_to_message_id == "M-1"
    assert signal.errors == (("ValueNotRecognized", "501319:Unknown eb:CPAId"),)
    assert read_header(envelope).action == "MessageError"

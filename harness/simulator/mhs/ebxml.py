"""ebXML 2.0 message headers as the Spine uses them: read from, and written into, SOAP envelopes.

A message's SOAP Header holds `eb:MessageHeader` (From and To party keys, CPAId,
ConversationId, Service, Action, MessageData: MessageId, Timestamp, RefToMessageId; an empty
`eb:DuplicateElimination`), then optionally `eb:AckRequested` and `eb:SyncReply`. Signals are
envelopes of the ebXML service: `Acknowledgment` (an `eb:Acknowledgment` element) and
`MessageError` (an `eb:ErrorList`), both with RefToMessageId naming the message they answer.
The element order and attributes follow NHS England's integration-adaptor templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
EB = "http://www.oasis-open.org/committees/ebxml-msg/schema/msg-header-2_0.xsd"
HL7EBXML = "urn:hl7-org:transport/ebXML/DSTUv1.0"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3c.org/2001/XML-Schema-Instance"  # sic, as the Spine's templates write it
PARTY_TYPE = "urn:nhs:names:partyType:ocs+serviceInstance"
EBXML_SERVICE = "urn:oasis:names:tc:ebxml-msg:service"
TO_PARTY_MSH = "urn:oasis:names:tc:ebxml-msg:actor:toPartyMSH"
NEXT_ACTOR = "http://schemas.xmlsoap.org/soap/actor/next"
ERROR_CONTEXT = "urn:oasis:names:tc:ebxml-msg:service:errors"
NSMAP = {"SOAP": SOAP, "eb": EB, "hl7ebxml": HL7EBXML, "xlink": XLINK, "xsi": XSI}


class EbxmlError(ValueError):
    """The envelope is not a usable ebXML message (the message says what is missing)."""


@dataclass(frozen=True, slots=True)
class MessageHeader:
    from_party: str
    to_party: str
    cpa_id: str
    conversation_id: str
    service: str
    action: str
    message_id: str
    timestamp: str
    ref_to_message_id: str | None = None
    duplicate_elimination: bool = False
    ack_requested: bool = False
    sync_reply: bool = False

    @property
    def soap_action(self) -> str:
        return f"{self.service}/{self.action}"


@dataclass(frozen=True, slots=True)
class Signal:
    """What an ebXML reply says: an acknowledgement of, or errors about, a message."""

    acknowledges: str | None  # RefToMessageId of an eb:Acknowledgment
    errors: tuple[tuple[str, str], ...] = field(default=())  # (errorCode, description)
    ref_to_message_id: str | None = None


def ebxml_timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(parent: etree._Element | None, path: str) -> str:
    found = parent.find(path, NSMAP) if parent is not None else None
    return (found.text or "").strip() if found is not None else ""


def read_header(envelope: etree._Element) -> MessageHeader:
    """The ebXML header of a SOAP envelope; EbxmlError naming the first thing missing."""
    if envelope.tag != f"{{{SOAP}}}Envelope":
        raise EbxmlError("the ebXML part is not a SOAP 1.1 Envelope")
    header = envelope.find("SOAP:Header", NSMAP)
    message = header.find("eb:MessageHeader", NSMAP) if header is not None else None
    if header is None or message is None:
        raise EbxmlError("the SOAP Header has no eb:MessageHeader")
    values = {
        "from_party": _text(message, "eb:From/eb:PartyId"),
        "to_party": _text(message, "eb:To/eb:PartyId"),
        "cpa_id": _text(message, "eb:CPAId"),
        "conversation_id": _text(message, "eb:ConversationId"),
        "service": _text(message, "eb:Service"),
        "action": _text(message, "eb:Action"),
        "message_id": _text(message, "eb:MessageData/eb:MessageId"),
        "timestamp": _text(message, "eb:MessageData/eb:Timestamp"),
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise EbxmlError(f"the eb:MessageHeader has no {missing[0].replace('_', ' ')}")
    return MessageHeader(
        **values,
        ref_to_message_id=_text(message, "eb:MessageData/eb:RefToMessageId") or None,
        duplicate_elimination=message.find("eb:DuplicateElimination", NSMAP) is not None,
        ack_requested=header.find("eb:AckRequested", NSMAP) is not None,
        sync_reply=header.find("eb:SyncReply", NSMAP) is not None,
    )


def read_signal(envelope: etree._Element) -> Signal:
    """The acknowledgement or errors an ebXML reply carries (neither: an empty Signal)."""
    header = envelope.find("SOAP:Header", NSMAP)
    acknowledgement = header.find("eb:Acknowledgment", NSMAP) if header is not None else None
    errors = tuple(
        (str(error.get(f"{{{EB}}}errorCode") or ""), _text(error, "eb:Description"))
        for error in (header.iterfind("eb:ErrorList/eb:Error", NSMAP) if header is not None else ())
    )
    reference = _text(header, "eb:MessageHeader/eb:MessageData/eb:RefToMessageId") or None
    acknowledged = (
        _text(acknowledgement, "eb:RefToMessageId") if acknowledgement is not None else ""
    )
    return Signal(acknowledged or None, errors, reference)


# --- writing --------------------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, _, name = tag.partition(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}")
    for key, value in attrs.items():  # `eb_version` is eb:version; `style` has no namespace
        attr_prefix, _, attr_name = key.partition("_")
        element.set(f"{{{NSMAP[attr_prefix]}}}{attr_name}" if attr_name else key, value)
    if text is not None:
        element.text = text
    return element


def _party(parent: etree._Element, tag: str, party: str) -> None:
    _sub(_sub(parent, tag), "eb:PartyId", party, eb_type=PARTY_TYPE)


def _message_header(header_element: etree._Element, header: MessageHeader) -> etree._Element:
    message = _sub(header_element, "eb:MessageHeader", SOAP_mustUnderstand="1", eb_version="2.0")
    _party(message, "eb:From", header.from_party)
    _party(message, "eb:To", header.to_party)
    _sub(message, "eb:CPAId", header.cpa_id)
    _sub(message, "eb:ConversationId", header.conversation_id)
    _sub(message, "eb:Service", header.service)
    _sub(message, "eb:Action", header.action)
    data = _sub(message, "eb:MessageData")
    _sub(data, "eb:MessageId", header.message_id)
    _sub(data, "eb:Timestamp", header.timestamp)
    if header.ref_to_message_id:
        _sub(data, "eb:RefToMessageId", header.ref_to_message_id)
    if header.duplicate_elimination:
        _sub(message, "eb:DuplicateElimination")
    return message


def _envelope() -> tuple[etree._Element, etree._Element, etree._Element]:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap=NSMAP)
    return envelope, _sub(envelope, "SOAP:Header"), _sub(envelope, "SOAP:Body")


def _bytes(envelope: etree._Element) -> bytes:
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def message_envelope(header: MessageHeader, payload_ids: Iterable[str]) -> bytes:
    """The ebXML part of a message whose HL7 payload (and attachments) are the named parts."""
    envelope, soap_header, body = _envelope()
    _message_header(soap_header, header)
    if header.ack_requested:
        _sub(
            soap_header,
            "eb:AckRequested",
            SOAP_mustUnderstand="1",
            eb_version="2.0",
            eb_signed="false",
            SOAP_actor=TO_PARTY_MSH,
        )
    if header.sync_reply:
        _sub(
            soap_header,
            "eb:SyncReply",
            SOAP_mustUnderstand="1",
            eb_version="2.0",
            SOAP_actor=NEXT_ACTOR,
        )
    manifest = _sub(body, "eb:Manifest", SOAP_mustUnderstand="1", eb_version="2.0")
    for content_id in payload_ids:
        reference = _sub(manifest, "eb:Reference", xlink_href=f"cid:{content_id}")
        _sub(
            reference,
            "eb:Schema",
            eb_location="http://www.nhsia.nhs.uk/schemas/HL7-Message.xsd",
            eb_version="1.0",
        )
        _sub(reference, "eb:Description", "HL7 payload")
        _sub(reference, "hl7ebxml:Payload", style="HL7", encoding="XML", version="3.0")
    return _bytes(envelope)


def _signal_header(received: MessageHeader, action: str, message_id: str) -> MessageHeader:
    """The header of a signal about `received`: From and To swapped, RefToMessageId set."""
    return MessageHeader(
        from_party=received.to_party,
        to_party=received.from_party,
        cpa_id=received.cpa_id,
        conversation_id=received.conversation_id,
        service=EBXML_SERVICE,
        action=action,
        message_id=message_id,
        timestamp=received.timestamp,
        ref_to_message_id=received.message_id,
    )


def acknowledgement(received: MessageHeader, message_id: str, now: datetime) -> bytes:
    """An ebXML Acknowledgment of `received`."""
    envelope, soap_header, _ = _envelope()
    _message_header(soap_header, _signal_header(received, "Acknowledgment", message_id))
    element = _sub(
        soap_header,
        "eb:Acknowledgment",
        SOAP_mustUnderstand="1",
        eb_version="2.0",
        SOAP_actor=TO_PARTY_MSH,
    )
    _sub(element, "eb:Timestamp", ebxml_timestamp(now))
    _sub(element, "eb:RefToMessageId", received.message_id)
    _party(element, "eb:From", received.to_party)
    return _bytes(envelope)


def message_error(received: MessageHeader, message_id: str, code: str, description: str) -> bytes:
    """A negative acknowledgement: an ebXML MessageError about `received`."""
    envelope, soap_header, _ = _envelope()
    _message_header(soap_header, _signal_header(received, "MessageError", message_id))
    errors = _sub(
        soap_header,
        "eb:ErrorList",
        SOAP_mustUnderstand="1",
        eb_version="2.0",
        eb_highestSeverity="Error",
    )
    error = _sub(
        errors, "eb:Error", eb_codeContext=ERROR_CONTEXT, eb_errorCode=code, eb_severity="Error"
    )
    _sub(error, "eb:Description", description)
    return _bytes(envelope)

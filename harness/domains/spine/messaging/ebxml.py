"""Reading ebXML 2.0 messages as the Spine's MHS writes them: just what correlation needs.

A message is `multipart/related` (the SOAP envelope with its `eb:MessageHeader` as the start
part, then the HL7 payload); a signal (an acknowledgement, a MessageError) is the SOAP envelope
alone. The header's `MessageId`, `RefToMessageId`, `ConversationId` and `Action`, the
`eb:Acknowledgment`'s `RefToMessageId`, the `eb:ErrorList`'s error codes and the HL7 payload's
`acknowledgement/@typeCode` are all a profile reads. The parser resolves no entity and reaches
no network: the bytes come from the systems under test.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from harness.core.mime import MimeError, parse_multipart

EB = "http://www.oasis-open.org/committees/ebxml-msg/schema/msg-header-2_0.xsd"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
HL7 = "urn:hl7-org:v3"
NS = {"eb": EB, "SOAP": SOAP, "hl7": HL7}
MAX_BYTES = 8 * 1024 * 1024
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True
)


@dataclass(frozen=True, slots=True)
class EbxmlHeader:
    message_id: str
    conversation_id: str | None
    ref_to_message_id: str | None
    service: str | None
    action: str | None
    acknowledges: str | None  # an eb:Acknowledgment's RefToMessageId
    errors: tuple[str, ...]  # an eb:ErrorList's error codes
    hl7_acknowledgement: str | None  # the payload's acknowledgement typeCode (AA, AE...)
    ack_requested: bool = False  # a reliable message: the sender wants it acknowledged


def _xml(body: bytes) -> etree._Element | None:
    if not body.strip() or len(body) > MAX_BYTES:
        return None
    try:
        return etree.fromstring(body, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, NS)
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def read_ebxml(content_type: str | None, body: bytes) -> EbxmlHeader | None:
    """The header of an ebXML message or signal, or None when the body is not one."""
    payload: bytes | None = None
    envelope_bytes = body
    if (content_type or "").strip().lower().startswith("multipart/"):
        try:
            message = parse_multipart(content_type, body)
        except MimeError:
            return None
        envelope_bytes = message.root.body
        others = [part for part in message.parts if part is not message.root]
        payload = others[0].body if others else None
    envelope = _xml(envelope_bytes)
    if envelope is None or envelope.tag != f"{{{SOAP}}}Envelope":
        return None
    header = envelope.find("SOAP:Header/eb:MessageHeader", NS)
    if header is None:
        return None
    message_id = _text(header, "eb:MessageData/eb:MessageId")
    if message_id is None:
        return None
    errors = tuple(
        str(error.get(f"{{{EB}}}errorCode") or "")
        for error in envelope.iterfind("SOAP:Header/eb:ErrorList/eb:Error", NS)
    )
    acknowledgement = None
    if payload is not None:
        hl7 = _xml(payload)
        found = hl7.find("hl7:acknowledgement", NS) if hl7 is not None else None
        acknowledgement = found.get("typeCode") if found is not None else None
    return EbxmlHeader(
        message_id=message_id,
        conversation_id=_text(header, "eb:ConversationId"),
        ref_to_message_id=_text(header, "eb:MessageData/eb:RefToMessageId"),
        service=_text(header, "eb:Service"),
        action=_text(header, "eb:Action"),
        acknowledges=_text(envelope, "SOAP:Header/eb:Acknowledgment/eb:RefToMessageId"),
        errors=errors,
        hl7_acknowledgement=acknowledgement,
        ack_requested=envelope.find("SOAP:Header/eb:AckRequested", NS) is not None,
    )

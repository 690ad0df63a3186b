"""ebXML messages on the wire: multipart/related with the ebXML envelope first, then the HL7.

`compose` writes a message the way the Spine's MHS does (boundary `--=_MIME-Boundary`, the
envelope as `<ebXMLHeader@spine.nhs.uk>`, the payload as `<message id@spine.nhs.uk>`);
`decompose` reads any faithful variant (another boundary, part headers in another case or
order, CRLF or LF), so a re-implementation's messages are read the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from harness.core.mime import Part, build_multipart, parse_multipart
from harness.simulator.mhs.ebxml import MessageHeader, message_envelope, read_header
from harness.simulator.xmlsafe import parse_xml

BOUNDARY = "--=_MIME-Boundary"
EBXML_PART = "ebXMLHeader@spine.nhs.uk"
MAX_EBXML_BYTES = 256 * 1024


class WireError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class EbxmlMessage:
    header: MessageHeader
    envelope: etree._Element
    payload: bytes | None  # the first part after the envelope (the HL7), None when absent


def _part(content_id: str, content_type: str, body: bytes) -> Part:
    headers = (
        ("Content-Id", f"<{content_id}>"),
        ("Content-Type", content_type),
        ("Content-Transfer-Encoding", "8bit"),
    )
    return Part(headers, body)


def compose(header: MessageHeader, payload: bytes) -> tuple[str, bytes]:
    """The Content-Type and body of an ebXML message carrying one HL7 payload."""
    payload_id = f"{header.message_id}@spine.nhs.uk"
    parts = [
        _part(EBXML_PART, "text/xml; charset=UTF-8", message_envelope(header, [payload_id])),
        _part(payload_id, "application/xml; charset=UTF-8", payload),
    ]
    return build_multipart(parts, BOUNDARY, {"type": "text/xml", "start": f"<{EBXML_PART}>"})


def decompose(content_type: str | None, body: bytes) -> EbxmlMessage:
    """The header, envelope and payload of a multipart ebXML message (MimeError, UnsafeXml
    or EbxmlError saying what is wrong)."""
    message = parse_multipart(content_type, body)
    root = message.root
    envelope = parse_xml(root.body, MAX_EBXML_BYTES, "the ebXML part")
    header = read_header(envelope)
    others = [part for part in message.parts if part is not root]
    return EbxmlMessage(header, envelope, others[0].body if others else None)

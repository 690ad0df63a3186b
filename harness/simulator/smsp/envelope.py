"""SOAP 1.1 envelopes of the SMSP face: parsed safely on the way in, rendered on the way out.

Requests are SOAP 1.1 with WS-Addressing headers (MessageID, Action, To, From / ReplyTo) and an
ITK body: either the HL7 v3 request element itself or an `itk:DistributionEnvelope` carrying it.
Parsing never touches the network, never expands entities and refuses any DTD (SOAP forbids
them), so XML bombs and garbage become a `MalformedEnvelope`, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from lxml import etree

from harness.simulator.xmlsafe import UnsafeXml, parse_xml

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
ITK = "urn:nhs-itk:ns:201005"
HL7 = "urn:hl7-org:v3"
ANONYMOUS = "http://www.w3.org/2005/08/addressing/anonymous"
SERVICE_ADDRESS = "https://spine.nhs.uk/smsp/pds"
MAX_ENVELOPE_BYTES = 256 * 1024
RESPONSE_VALIDITY = timedelta(minutes=10)
TIMESTAMP_ID = "D6CD5232-14CF-11DF-9423-1F9A910D4703"  # fixed, as in the ITK examples

# lxml takes None as the default-namespace prefix; its stubs only know str keys.
DEFAULT_HL7: Mapping[str, str] = cast("Mapping[str, str]", {None: HL7})
NSMAP = {"SOAP-ENV": SOAP_ENV, "wsa": WSA, "wsse": WSSE, "wsu": WSU, "itk": ITK}


class MalformedEnvelope(ValueError):
    """The request is not a usable SOAP 1.1 envelope (the message says why)."""


@dataclass(frozen=True, slots=True)
class Addressing:
    """The WS-Addressing headers of a request (all optional on the wire)."""

    message_id: str | None = None
    action: str | None = None
    to: str | None = None
    reply_to: str | None = None
    sender: str | None = None


@dataclass(frozen=True, slots=True)
class SoapRequest:
    addressing: Addressing
    body: etree._Element  # the SOAP Body element


def parse_envelope(data: bytes) -> SoapRequest:
    """Parse and check a SOAP 1.1 request envelope; raise MalformedEnvelope when unusable."""
    if not data.strip():
        raise MalformedEnvelope("the request body is empty")
    try:
        root = parse_xml(data, MAX_ENVELOPE_BYTES)
    except UnsafeXml as error:
        raise MalformedEnvelope(str(error)) from None
    if etree.QName(root).localname != "Envelope":
        raise MalformedEnvelope(f"the root element is {etree.QName(root).localname}, not Envelope")
    if etree.QName(root).namespace != SOAP_ENV:
        if etree.QName(root).namespace == SOAP12_ENV:
            raise MalformedEnvelope("SOAP 1.2 envelopes are not supported; use SOAP 1.1")
        raise MalformedEnvelope(f"the Envelope is not in the SOAP 1.1 namespace {SOAP_ENV}")
    header = first_child(root, f"{{{SOAP_ENV}}}Header")
    body = first_child(root, f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise MalformedEnvelope("the Envelope has no Body")
    return SoapRequest(_addressing(header), body)


_ADDRESSING_FIELDS = {
    f"{{{WSA}}}MessageID": "message_id",
    f"{{{WSA}}}Action": "action",
    f"{{{WSA}}}To": "to",
    f"{{{WSA}}}ReplyTo": "reply_to",
    f"{{{WSA}}}From": "sender",
}


_ADDRESS = f"{{{WSA}}}Address"


def first_child(parent: etree._Element, tag: str) -> etree._Element | None:
    """The first child named `tag` (Clark notation); cheaper than `find` on the hot path."""
    return next(parent.iterchildren(tag), None)


def _addressing(header: etree._Element | None) -> Addressing:
    """The WS-Addressing headers (one pass over the Header's children; first one wins)."""
    if header is None:
        return Addressing()
    found: dict[str, str] = {}
    for child in header:
        name = _ADDRESSING_FIELDS.get(child.tag) if isinstance(child.tag, str) else None
        if name is None or name in found:
            continue
        holder = first_child(child, _ADDRESS) if name in ("reply_to", "sender") else child
        value = (holder.text or "").strip() if holder is not None else ""
        if value:
            found[name] = value
    return Addressing(**found)


def find_payload(body: etree._Element, local_name: str) -> etree._Element | None:
    """The HL7 v3 element `local_name` in the Body, bare or inside an ITK DistributionEnvelope."""
    tag = f"{{{HL7}}}{local_name}"
    for element in body.iter(tag):
        return element
    return None


def payload_name(body: etree._Element) -> str | None:
    """Local name of the first HL7 v3 element in the Body (to name a wrong payload)."""
    for element in body.iter(f"{{{HL7}}}*"):
        return etree.QName(element).localname
    return None


def render_envelope(
    body_content: etree._Element,
    *,
    action: str,
    message_id: str,
    relates_to: str | None,
    reply_address: str | None,
    created: datetime,
) -> etree._Element:
    """A response envelope: fresh MessageID, RelatesTo the request, a WS-Security timestamp."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=NSMAP)
    header = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
    _text(header, f"{{{WSA}}}MessageID", f"uuid:{message_id}")
    _text(header, f"{{{WSA}}}Action", action)
    _text(header, f"{{{WSA}}}To", reply_address or ANONYMOUS)
    sender = etree.SubElement(header, f"{{{WSA}}}From")
    _text(sender, f"{{{WSA}}}Address", SERVICE_ADDRESS)
    if relates_to:
        _text(header, f"{{{WSA}}}RelatesTo", relates_to)
    security = etree.SubElement(header, f"{{{WSSE}}}Security")
    timestamp = etree.SubElement(security, f"{{{WSU}}}Timestamp")
    timestamp.set(f"{{{WSU}}}Id", TIMESTAMP_ID)
    _text(timestamp, f"{{{WSU}}}Created", _iso(created))
    _text(timestamp, f"{{{WSU}}}Expires", _iso(created + RESPONSE_VALIDITY))
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    body.append(body_content)
    return envelope


def _text(parent: etree._Element, tag: str, value: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = value
    return element


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

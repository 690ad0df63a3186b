"""The HL7 v3 the MHS interactions carry: reading what consumers send, writing the answers.

Answers are wrapped as the Spine wraps them: the transmission wrapper (with an
`acknowledgement` naming the message answered: AA accepted, AE refused with its
`acknowledgementDetail`), then a `ControlActEvent` authored by the Spine's accredited system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from harness.simulator.eps.errors import SPINE_ERROR_SYSTEM
from harness.simulator.eps.hl7v3_parts import HL7, add, transmission_header
from harness.simulator.xmlsafe import UnsafeXml, parse_xml

NHS_NUMBER_ROOT = "2.16.840.1.113883.2.1.4.1"
ASID_ROOT = "1.2.826.0.1285.0.2.0.107"
MAX_PAYLOAD_BYTES = 5 * 1024 * 1024  # the MHS adaptor's own limit on a payload
NS = {"hl7": HL7}


class PayloadError(ValueError):
    """The HL7 payload cannot be read as the interaction's message."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an application refuses a message: the Spine code and its display."""

    code: str
    display: str


def read_payload(data: bytes, interaction: str) -> etree._Element:
    """The payload's root, which must be the interaction's element in the HL7 v3 namespace."""
    try:
        root = parse_xml(data, MAX_PAYLOAD_BYTES, "the HL7 payload")
    except UnsafeXml as error:
        raise PayloadError(str(error)) from None
    if root.tag != f"{{{HL7}}}{interaction}":
        raise PayloadError(f"the HL7 payload is {etree.QName(root).localname}, not {interaction}")
    return root


def attribute(root: etree._Element, xpath: str) -> str:
    """The first value an attribute XPath finds, stripped ("" when none)."""
    found = root.xpath(xpath, namespaces=NS)
    values = found if isinstance(found, list) else []
    return str(values[0]).strip() if values else ""


def sender_asid(root: etree._Element) -> str:
    return attribute(root, "hl7:communicationFunctionSnd/hl7:device/hl7:id/@extension")


def nhs_number_in(root: etree._Element, xpath: str) -> str:
    number = attribute(root, xpath)
    if not number:
        raise PayloadError("the HL7 payload names no patient (an NHS number)")
    return number


def answer_root(
    interaction: str,
    message_id: str,
    created: str,
    answered: str,
    refusal: Refusal | None,
    receiver: str,
    sender: str,
) -> tuple[etree._Element, etree._Element]:
    """An answer's root and its ControlActEvent: AA, or AE with the refusal's detail."""
    root = add(None, interaction)
    transmission_header(
        root,
        message_id,
        interaction,
        created,
        receiver=receiver,
        sender=sender,
        acknowledges=("AE" if refusal else "AA", answered),
    )
    if refusal is not None:
        acknowledgement = root.find("hl7:acknowledgement", NS)
        assert acknowledgement is not None
        detail = etree.Element(f"{{{HL7}}}acknowledgementDetail", typeCode="ER")
        acknowledgement.insert(0, detail)  # the detail comes before messageRef
        add(detail, "code", code=refusal.code, codeSystem=SPINE_ERROR_SYSTEM)
        detail[0].set("displayName", refusal.display)
    act = add(root, "ControlActEvent", classCode="CACT", moodCode="EVN")
    system = add(add(act, "author1", typeCode="AUT"), "AgentSystemSDS", classCode="AGNT")
    device = add(system, "agentSystemSDS", classCode="DEV", determinerCode="INSTANCE")
    add(device, "id", root=ASID_ROOT, extension=sender)
    return root, act


def query_ack(act: etree._Element, code: str) -> None:
    add(add(act, "queryAck", type="QueryAck"), "queryResponseCode", code=code)


def document_list(act: etree._Element, documents: Sequence[tuple[str, str, str]]) -> None:
    """The documents of a PSIS document list: (document id, effective time, title)."""
    if documents:
        listing = add(add(act, "subject", typeCode="SUBJ"), "PsisDocumentList", classCode="LIST")
        for document_id, effective, title in documents:
            entry = add(add(listing, "component", typeCode="COMP"), "document", classCode="DOC")
            add(entry, "id", root=document_id)
            add(entry, "title", title)
            add(entry, "effectiveTime", value=effective)
    query_ack(act, "OK" if documents else "NF")


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

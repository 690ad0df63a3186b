"""Messages as a consumer's MHS sends them to the Spine: for tests, benches and traffic.

The HL7 payloads are minimal but well-formed instances of each interaction (the shapes of NHS
England's integration-adaptor templates), carrying what the simulated applications read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from harness.simulator.eps.hl7v3_parts import add, transmission_header
from harness.simulator.mhs.ebxml import MessageHeader, ebxml_timestamp
from harness.simulator.mhs.hl7 import ASID_ROOT, NHS_NUMBER_ROOT, to_bytes
from harness.simulator.mhs.interactions import (
    EPS_PRESCRIPTION,
    GP_SUMMARY_UPLOAD,
    PDS_RETRIEVAL,
    PSIS_DOCUMENT_LIST,
    Interaction,
)
from harness.simulator.mhs.sync import NSMAP, WSA
from harness.simulator.mhs.wire import compose

SPINE_PARTY = "YES-0000806"


def _stamp(when: datetime | None) -> str:
    return (when or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")


def _payload(
    interaction: Interaction, message_id: str, asid: str, spine_asid: str
) -> etree._Element:
    root = add(None, interaction.action)
    transmission_header(
        root, message_id, interaction.action, _stamp(None), receiver=spine_asid, sender=asid
    )
    return root


def _act(root: etree._Element, asid: str) -> etree._Element:
    act = add(root, "ControlActEvent", classCode="CACT", moodCode="EVN")
    system = add(add(act, "author1", typeCode="AUT"), "AgentSystemSDS", classCode="AGNT")
    device = add(system, "agentSystemSDS", classCode="DEV", determinerCode="INSTANCE")
    add(device, "id", root=ASID_ROOT, extension=asid)
    return act


def _patient(parent: etree._Element, nhs_number: str) -> None:
    target = add(parent, "recordTarget", typeCode="RCT")
    add(add(target, "patient", classCode="PAT"), "id", root=NHS_NUMBER_ROOT, extension=nhs_number)


def eps_prescription(
    nhs_number: str, short_form_id: str, asid: str, spine_asid: str, message_id: str
) -> bytes:
    """PORX_IN020101UK31: a parent prescription for `nhs_number`."""
    root = _payload(EPS_PRESCRIPTION, message_id, asid, spine_asid)
    subject = add(_act(root, asid), "subject", typeCode="SUBJ")
    parent = add(subject, "ParentPrescription", classCode="INFO", moodCode="EVN")
    add(parent, "id", root=message_id)
    _patient(parent, nhs_number)
    information = add(parent, "pertinentInformation1", typeCode="PERT")
    prescription = add(information, "pertinentPrescription", classCode="SBADM", moodCode="RQO")
    add(prescription, "id", root=message_id)
    add(prescription, "id", root="2.16.840.1.113883.2.1.3.2.4.18.8", extension=short_form_id)
    return to_bytes(root)


def gp_summary(
    nhs_number: str, document_id: str, asid: str, spine_asid: str, message_id: str
) -> bytes:
    """REPC_IN150016UK05: a GP summary of `nhs_number`."""
    root = _payload(GP_SUMMARY_UPLOAD, message_id, asid, spine_asid)
    subject = add(_act(root, asid), "subject", typeCode="SUBJ")
    summary = add(subject, "GPSummary", classCode="COMPOSITION", moodCode="EVN")
    add(summary, "id", root=document_id)
    add(
        summary,
        "code",
        code="196981000000101",
        codeSystem="2.16.840.1.113883.2.1.3.2.4.15",
        displayName="General Practice Summary",
    )
    add(summary, "effectiveTime", value=_stamp(None))
    _patient(summary, nhs_number)
    return to_bytes(root)


def _query(
    interaction: Interaction,
    field: str,
    nhs_number: str,
    asid: str,
    spine_asid: str,
    message_id: str,
) -> etree._Element:
    root = _payload(interaction, message_id, asid, spine_asid)
    query = add(_act(root, asid), "query")
    holder = add(query, field)
    add(holder, "value", root=NHS_NUMBER_ROOT, extension=nhs_number)
    add(holder, "semanticsText", field)
    return root


def document_list_query(nhs_number: str, asid: str, spine_asid: str, message_id: str) -> bytes:
    """QUPC_IN160101UK05: the PSIS documents of `nhs_number`."""
    return to_bytes(
        _query(PSIS_DOCUMENT_LIST, "nHSNumber", nhs_number, asid, spine_asid, message_id)
    )


def ebxml_request(
    interaction: Interaction,
    payload: bytes,
    *,
    from_party: str,
    cpa_id: str,
    message_id: str,
    conversation_id: str,
    reliable: bool | None = None,
    sync_reply: bool | None = None,
    when: datetime | None = None,
) -> tuple[dict[str, str], bytes]:
    """The headers and body a consumer POSTs (reliable: AckRequested + DuplicateElimination)."""
    reliable = interaction.pattern.value == "async-reliable" if reliable is None else reliable
    header = MessageHeader(
        from_party=from_party,
        to_party=SPINE_PARTY,
        cpa_id=cpa_id,
        conversation_id=conversation_id,
        service=interaction.service,
        action=interaction.action,
        message_id=message_id,
        timestamp=ebxml_timestamp(when or datetime.now(UTC)),
        duplicate_elimination=reliable,
        ack_requested=reliable,
        sync_reply=reliable if sync_reply is None else sync_reply,
    )
    content_type, body = compose(header, payload)
    return {"Content-Type": content_type, "SOAPAction": interaction.soap_action}, body


def pds_retrieval_request(
    nhs_number: str, asid: str, spine_asid: str, message_id: str
) -> tuple[dict[str, str], bytes]:
    """The SOAP request of a sync PDS retrieval (QUPA_IN040000UK32)."""
    payload = _query(PDS_RETRIEVAL, "person.id", nhs_number, asid, spine_asid, message_id)
    envelope = etree.Element(f"{{{NSMAP['SOAP-ENV']}}}Envelope", nsmap=NSMAP)
    header = etree.SubElement(envelope, f"{{{NSMAP['SOAP-ENV']}}}Header")
    for name, value in (
        ("MessageID", f"uuid:{message_id}"),
        ("Action", PDS_RETRIEVAL.soap_action),
        ("To", "https://msg.int.spine2.ncrs.nhs.uk/sync-service"),
    ):
        etree.SubElement(header, f"{{{WSA}}}{name}").text = value
    etree.SubElement(envelope, f"{{{NSMAP['SOAP-ENV']}}}Body").append(payload)
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": PDS_RETRIEVAL.soap_action}
    return headers, to_bytes(envelope)

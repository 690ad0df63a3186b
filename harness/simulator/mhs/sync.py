"""The Spine's sync-service: SOAP 1.1 with WS-Addressing (2004/08), answered on the same call.

    <SOAP-ENV:Header>
      <wsa:MessageID>uuid:...</wsa:MessageID>
      <wsa:Action>urn:nhs:names:services:pdsquery/QUPA_IN040000UK32</wsa:Action>
      ... communicationFunctionRcv / communicationFunctionSnd ...
    </SOAP-ENV:Header>
    <SOAP-ENV:Body><QUPA_IN040000UK32 xmlns="urn:hl7-org:v3">...</QUPA_IN040000UK32></SOAP-ENV:Body>

The answer is 200 with `wsa:RelatesTo` naming the request's MessageID and the HL7 answer in the
Body; an unreadable request or an action not served here is a SOAP fault (500).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from harness.simulator.clock import SimulatorClock
from harness.simulator.eps.hl7v3_parts import HL7
from harness.simulator.mhs import faults
from harness.simulator.mhs.applications import Applications, Received
from harness.simulator.mhs.ebxml import SOAP
from harness.simulator.mhs.faults import soap_response
from harness.simulator.mhs.hl7 import ASID_ROOT, PayloadError, sender_asid, to_bytes
from harness.simulator.mhs.interactions import Interaction
from harness.simulator.xmlsafe import UnsafeXml, parse_xml

WSA = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
NSMAP = {"SOAP-ENV": SOAP, "wsa": WSA, "hl7": HL7}
MAX_REQUEST_BYTES = 256 * 1024
RESPONSE_WRAPPER = {"QUPA_IN050000UK32": "retrievalQueryResponse"}


class SyncEndpoint:
    def __init__(
        self,
        interactions: Mapping[str, Interaction],  # by SOAPAction
        applications: Applications,
        clock: SimulatorClock,
        new_id: Callable[[], str],
    ) -> None:
        self.interactions = interactions
        self.applications = applications
        self.clock = clock
        self.new_id = new_id

    async def handle(self, request: Request) -> Response:
        try:
            envelope = parse_xml(await request.body(), MAX_REQUEST_BYTES, "the request")
        except UnsafeXml as bad:
            return _fault(faults.NOT_WELL_FORMED, f"The message is not well formed: {bad}")
        header = envelope.find("SOAP-ENV:Header", NSMAP)
        body = envelope.find("SOAP-ENV:Body", NSMAP)
        if envelope.tag != f"{{{SOAP}}}Envelope" or body is None or len(body) == 0:
            return _fault(faults.NOT_WELL_FORMED, "The message is not a SOAP 1.1 request")
        action = _text(header, "wsa:Action")
        interaction = self.interactions.get(action)
        if interaction is None:
            return _fault(300, f"The action {action or '(none)'} is not supported here")
        message_id = _text(header, "wsa:MessageID").removeprefix("uuid:")
        payload = body[0]
        answer_id = self.new_id().upper()
        now = self.clock.now()
        received = Received(message_id, answer_id, now.strftime("%Y%m%d%H%M%S"))
        try:
            answer = self.applications.answer(interaction, etree.tostring(payload), received)
        except PayloadError as bad:
            return _fault(faults.NOT_WELL_FORMED, str(bad))
        answered = self._envelope(interaction, answer_id, message_id, payload, answer.root)
        return soap_response(answered, 200)

    def _envelope(
        self,
        interaction: Interaction,
        answer_id: str,
        relates_to: str,
        request: etree._Element,
        answer: etree._Element,
    ) -> bytes:
        envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap=NSMAP)
        header = etree.SubElement(envelope, f"{{{SOAP}}}Header")
        _add(header, "wsa:MessageID", f"uuid:{answer_id}")
        _add(header, "wsa:Action", interaction.response_soap_action)
        _add(header, "wsa:To", "")
        _add(_add(header, "wsa:From"), "wsa:Address", interaction.service)
        for tag, asid in (
            ("hl7:communicationFunctionRcv", sender_asid(request)),
            ("hl7:communicationFunctionSnd", self.applications.spine_asid),
        ):
            device = _add(_add(header, tag, typeCode=tag[-3:].upper()), "hl7:device")
            device.set("classCode", "DEV")
            device.set("determinerCode", "INSTANCE")
            _add(device, "hl7:id", root=ASID_ROOT, extension=asid)
        _add(header, "wsa:RelatesTo", f"uuid:{relates_to}")
        body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
        wrapper = RESPONSE_WRAPPER.get(interaction.response_action)
        holder = _add(body, f"hl7:{wrapper}") if wrapper else body
        holder.append(answer)
        return to_bytes(envelope)


def _text(parent: etree._Element | None, path: str) -> str:
    found = parent.find(path, NSMAP) if parent is not None else None
    return (found.text or "").strip() if found is not None else ""


def _add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, _, name = tag.partition(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _fault(code: int, description: str) -> Response:
    return soap_response(faults.fault(code, description))

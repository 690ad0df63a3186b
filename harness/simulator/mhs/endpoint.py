"""The Spine MHS's ebXML endpoints: receive, check, acknowledge, process, answer later.

For each message: the MIME and the ebXML header are read (a SOAP fault, code 201, when they
cannot be); the interaction (eb:Service + eb:Action), the CPA id and the parties are checked
against the directory (an ebXML MessageError, the negative acknowledgement, when they do not
fit); a reliable message seen within the persist duration is acknowledged again and nothing
more; otherwise the application answers and its answer is delivered to the consumer's
endpoint: reliably (with the directory's retries) for reliable interactions, once for express.

The acknowledgement of a message that asks for one comes back in the HTTP answer when the
message carries SyncReply, else separately to the consumer's endpoint. How it comes (on time,
late, or not at all) and how many copies of the answer are delivered follow the request's
`MessagingBehaviour` (faithful unless drift says otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from harness.core.mime import MimeError
from harness.simulator.behaviour import MessagingBehaviour, behaviour_of
from harness.simulator.clock import SimulatorClock
from harness.simulator.mhs import ebxml, faults
from harness.simulator.mhs.applications import Applications, Received
from harness.simulator.mhs.dedup import DuplicateEliminator
from harness.simulator.mhs.delivery import Dispatcher, Outbound
from harness.simulator.mhs.ebxml import EbxmlError, MessageHeader
from harness.simulator.mhs.faults import SOAP_XML, soap_response
from harness.simulator.mhs.hl7 import PayloadError, to_bytes
from harness.simulator.mhs.interactions import Interaction, Pattern
from harness.simulator.mhs.reliability import Reliability, retry_schedule
from harness.simulator.mhs.wire import compose, decompose
from harness.simulator.render import LEGACY_SERVER
from harness.simulator.sds.directory import MessageHandler
from harness.simulator.xmlsafe import UnsafeXml

MAX_MESSAGE_BYTES = 6 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Route:
    """An interaction as the Spine serves it: its MHS record and reliability."""

    interaction: Interaction
    handler: MessageHandler
    reliability: Reliability


class EbxmlEndpoint:
    """One address of the Spine's MHS (e.g. /reliablemessaging/reliablerequest)."""

    def __init__(
        self,
        routes: Mapping[str, Route],  # by SOAPAction (service/action)
        parties: frozenset[str],  # party keys the directory knows (case-folded)
        applications: Applications,
        dispatcher: Dispatcher,
        clock: SimulatorClock,
        new_id: Callable[[], str],
    ) -> None:
        self.routes = routes
        self.parties = parties
        self.applications = applications
        self.dispatcher = dispatcher
        self.clock = clock
        self.new_id = new_id
        self.dedup = DuplicateEliminator()

    def _id(self) -> str:
        return self.new_id().upper()

    async def handle(self, request: Request) -> Response:
        data = await request.body()
        now = self.clock.now()
        if len(data) > MAX_MESSAGE_BYTES:
            return soap_response(faults.fault(faults.NOT_WELL_FORMED, "The message is too large"))
        try:
            message = decompose(request.headers.get("content-type"), data)
        except (MimeError, UnsafeXml, EbxmlError) as bad:
            return soap_response(
                faults.fault(faults.NOT_WELL_FORMED, f"The message is not well formed: {bad}")
            )
        header = message.header
        route = self.routes.get(header.soap_action)
        problem = self._problem(header, route)
        if problem is not None or route is None:
            return self._nack(header, "ValueNotRecognized", problem or "unknown interaction")
        behaviour = behaviour_of(request.scope)
        reliable = route.interaction.pattern == Pattern.ASYNC_RELIABLE
        eliminate = reliable and header.duplicate_elimination
        if not (eliminate and self.dedup.is_duplicate(header.message_id, now)):
            if message.payload is None:
                return self._nack(header, "MimeProblem", "the message has no HL7 payload part")
            try:
                self._process(route, header, message.payload, behaviour, now)
            except PayloadError as bad:
                return self._nack(header, "Inconsistent", str(bad))
            if eliminate:
                self.dedup.remember(header.message_id, now, route.reliability.persist_duration)
        if not (reliable and header.ack_requested):
            return _empty(202)
        return self._acknowledge(header, route.reliability, behaviour, now)

    def _problem(self, header: MessageHeader, route: Route | None) -> str | None:
        if route is None:
            return f"Unknown eb:Service/eb:Action {header.soap_action} at this address"
        if header.cpa_id != route.handler.cpa_id:
            return "501319:Unknown eb:CPAId"
        if header.to_party.casefold() != route.handler.party_key.casefold():
            return f"Unknown eb:To PartyId {header.to_party}"
        if header.from_party.casefold() not in self.parties:
            return f"Unknown eb:From PartyId {header.from_party}"
        return None

    def _process(
        self,
        route: Route,
        header: MessageHeader,
        payload: bytes,
        behaviour: MessagingBehaviour,
        now: datetime,
    ) -> None:
        interaction = route.interaction
        answer_id = self._id()
        received = Received(header.message_id, answer_id, now.strftime("%Y%m%d%H%M%S"))
        answer = self.applications.answer(interaction, payload, received)
        reliable = interaction.pattern == Pattern.ASYNC_RELIABLE
        answer_header = MessageHeader(
            from_party=route.handler.party_key,
            to_party=header.from_party,
            cpa_id=header.cpa_id,
            conversation_id=header.conversation_id,
            service=interaction.service,
            action=interaction.response_action,
            message_id=answer_id,
            timestamp=ebxml.ebxml_timestamp(now),
            ref_to_message_id=header.message_id,
            duplicate_elimination=reliable,
            ack_requested=reliable,
            sync_reply=reliable,
        )
        content_type, body = compose(answer_header, to_bytes(answer.root))
        outbound = Outbound(
            answer_id,
            header.message_id,
            header.conversation_id,
            interaction.response_soap_action,
            content_type,
            body,
            "message",
        )
        schedule = retry_schedule(route.reliability, now) if reliable else [now]
        for _ in range(behaviour.deliveries):
            self.dispatcher.submit(outbound, schedule)

    def _acknowledge(
        self,
        header: MessageHeader,
        reliability: Reliability,
        behaviour: MessagingBehaviour,
        now: datetime,
    ) -> Response:
        if not behaviour.acknowledge:
            return _empty(202)  # the acknowledgement is lost
        ack_id = self._id()
        ack = ebxml.acknowledgement(header, ack_id, now)
        due = now
        if behaviour.acknowledgement_delay is not None:
            due = (
                now
                + reliability.retry_interval
                + timedelta(seconds=behaviour.acknowledgement_delay)
            )
        elif header.sync_reply:
            return soap_response(ack, 202)
        outbound = Outbound(
            ack_id,
            header.message_id,
            header.conversation_id,
            f"{ebxml.EBXML_SERVICE}/Acknowledgment",
            SOAP_XML,
            ack,
            "acknowledgement",
        )
        self.dispatcher.submit(outbound, [due])
        return _empty(202)

    def _nack(self, header: MessageHeader, code: str, description: str) -> Response:
        return soap_response(ebxml.message_error(header, self._id(), code, description))


def _empty(status: int) -> Response:
    return Response(b"", status_code=status, headers={"Server": LEGACY_SERVER})

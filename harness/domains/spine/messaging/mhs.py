"""The MHS's asynchronous messaging, for the harness: what a consumer's endpoint receives.

The Spine delivers to a consumer's endpoint (`harness rehearse` runs one per side) the answers
to asynchronous requests and, for reliable messages sent without SyncReply, their ebXML
acknowledgements. Each names the request in `eb:RefToMessageId`:

- a multipart ebXML message is kind `message`, its code the HL7 acknowledgement's typeCode
  (`AA` accepted, `AE` refused with a detail);
- a signal with `eb:Acknowledgment` is kind `acknowledgement`;
- a signal with an `eb:ErrorList` (a negative acknowledgement) is kind `negative`, its code the
  error codes.

An exchange's key is its request's `eb:MessageId` (a sync request, SOAP with WS-Addressing,
has none: it causes nothing later). The endpoint accepts every delivery with 202 and no body
(what the Spine takes as delivered); told to refuse a first delivery, it answers the SOAP
fault a consumer's MHS gives when it cannot take a message for now (`nasp:errorCode` 200, which
the Spine retries after the directory's retry interval).
"""

from __future__ import annotations

from harness.core.exchange import Correlation, Request, Response
from harness.domains.messaging import Answer, BaseProfile, Delivery, Observed
from harness.domains.spine.messaging.ebxml import read_ebxml

CHANNEL = "mhs"
KEPT_HEADERS = frozenset({"content-type", "soapaction"})
REFUSAL = b"""<?xml version='1.0' encoding='UTF-8'?>
<SOAP:Envelope xmlns:SOAP="http://schemas.xmlsoap.org/soap/envelope/"><SOAP:Body><SOAP:Fault>\
<faultcode>SOAP:Server</faultcode><faultstring>Application Exception</faultstring><detail>\
<nasp:errorList xmlns:nasp="http://national.carerecords.nhs.uk/schema/"><nasp:error>\
<nasp:codeContext>urn:nhs:names:error:tms</nasp:codeContext><nasp:errorCode>200</nasp:errorCode>\
<nasp:severity>Error</nasp:severity><nasp:location>Not Supported</nasp:location>\
<nasp:description>System failure to process message - default</nasp:description></nasp:error>\
</nasp:errorList></detail></SOAP:Fault></SOAP:Body></SOAP:Envelope>"""


class MhsProfile(BaseProfile):
    channel = CHANNEL

    def keys(self, request: Request, response: Response | None) -> frozenset[str]:
        header = read_ebxml(request.header("content-type"), request.body)
        return frozenset() if header is None else frozenset({header.message_id.upper()})

    def read(self, delivery: Delivery) -> Observed | None:
        content_type = delivery.header("content-type")
        header = read_ebxml(content_type, delivery.body)
        if header is None:
            return None
        if header.errors:
            kind, code = "negative", ",".join(header.errors)
        elif header.acknowledges is not None:
            kind, code = "acknowledgement", None
        else:
            kind, code = "message", header.hl7_acknowledgement
        refers = header.acknowledges or header.ref_to_message_id
        references = (Correlation("RefToMessageId", refers.upper()),) if refers is not None else ()
        return Observed(
            kind=kind,
            references=references,
            code=code,
            message_id=header.message_id.upper(),
            conversation=header.conversation_id,
            headers=tuple((k, v) for k, v in delivery.headers if k.lower() in KEPT_HEADERS),
            body=delivery.body,
        )

    def refusal(self, delivery: Delivery, observed: Observed | None) -> Answer | None:
        header = read_ebxml(delivery.header("content-type"), delivery.body)
        if header is None or not header.ack_requested:
            return None  # acknowledgements and express answers are sent once: nothing to retry
        return 500, (("Content-Type", "text/xml; charset=utf-8"),), REFUSAL

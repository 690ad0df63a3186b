"""The one HTTP endpoint of the SMSP face: SOAPAction -> operation -> SOAP response or fault."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from harness.simulator.context import SimulatorContext
from harness.simulator.render import xml_response
from harness.simulator.smsp.codes import (
    INVALID_MESSAGE,
    PAYLOAD_MISMATCH,
    SERVER_ERROR,
    UNSUPPORTED_ACTION,
    SmspFault,
)
from harness.simulator.smsp.envelope import (
    MAX_ENVELOPE_BYTES,
    Addressing,
    MalformedEnvelope,
    SoapRequest,
    find_payload,
    parse_envelope,
    payload_name,
    render_envelope,
)
from harness.simulator.smsp.faults import fault_envelope
from harness.simulator.smsp.operations import OPERATIONS_BY_ACTION, PatientSource, SoapOperation
from harness.simulator.smsp.queries import read_query

log = logging.getLogger(__name__)
_CONTENT_TYPE_ACTION = re.compile(r'action\s*=\s*"?([^";]+)"?')


def soap_action(headers: Mapping[str, str]) -> str | None:
    """SOAPAction header (SOAP 1.1), else the `action` parameter of Content-Type (SOAP 1.2)."""
    value = headers.get("soapaction")
    if value is None:
        found = _CONTENT_TYPE_ACTION.search(headers.get("content-type", ""))
        value = found.group(1) if found else None
    value = value.strip().strip('"').strip() if value is not None else None
    return value or None


def answer(
    ctx: SimulatorContext, source: PatientSource, action: str | None, data: bytes
) -> tuple[int, etree._Element]:
    """Status and response envelope for one request (pure apart from the clock and ids)."""
    parsed = _parse(data)
    addressing = parsed.addressing if isinstance(parsed, SoapRequest) else Addressing()
    try:
        operation = _operation(action)
        if isinstance(parsed, MalformedEnvelope):
            raise SmspFault(INVALID_MESSAGE, str(parsed))
        payload = _payload(parsed, operation)
        content = operation.handler(source, read_query(payload), ctx.new_id())
        return 200, render_envelope(
            content,
            action=operation.response_action,
            message_id=ctx.new_id().upper(),
            relates_to=addressing.message_id,
            reply_address=addressing.reply_to or addressing.sender,
            created=ctx.now(),
        )
    except SmspFault as fault:
        return fault.fault.http_status, _fault(ctx, fault, addressing)
    except Exception as error:  # a genuine server fault: still answered in SOAP
        log.exception("SMSP request failed")
        return 500, _fault(ctx, SmspFault(SERVER_ERROR, type(error).__name__), addressing)


def _parse(data: bytes) -> SoapRequest | MalformedEnvelope:
    try:
        return parse_envelope(data)
    except MalformedEnvelope as error:
        return error


def _operation(action: str | None) -> SoapOperation:
    """The operation a SOAPAction names (checked before the envelope: it routes the call)."""
    if action is None:
        raise SmspFault(UNSUPPORTED_ACTION, "the SOAPAction header is missing")
    operation = OPERATIONS_BY_ACTION.get(action)
    if operation is None:
        raise SmspFault(UNSUPPORTED_ACTION, f"SOAPAction {action[:200]!r} is not supported")
    return operation


def _payload(request: SoapRequest, operation: SoapOperation) -> etree._Element:
    """The operation's request element; wsa:Action, when sent, must agree with SOAPAction."""
    sent = request.addressing.action
    if sent is not None and sent != operation.action:
        raise SmspFault(
            PAYLOAD_MISMATCH, f"wsa:Action {sent[:200]!r} differs from the SOAPAction header"
        )
    payload = find_payload(request.body, operation.request_element)
    if payload is None:
        found = payload_name(request.body) or "no HL7 v3 payload"
        raise SmspFault(
            PAYLOAD_MISMATCH,
            f"{operation.operation_id} expects {operation.request_element}, found {found}",
        )
    return payload


def _fault(ctx: SimulatorContext, fault: SmspFault, addressing: Addressing) -> etree._Element:
    return fault_envelope(
        fault.fault,
        fault.diagnostics,
        error_id=ctx.new_id(),
        message_id=ctx.new_id().upper(),
        relates_to=addressing.message_id,
        reply_address=addressing.reply_to or addressing.sender,
        created=ctx.now(),
    )


def make_endpoint(
    ctx: SimulatorContext, source_of: Callable[[], PatientSource]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        data = await _read_capped(request)
        status, envelope = answer(ctx, source_of(), soap_action(request.headers), data)
        return xml_response(envelope, status=status)

    return endpoint


async def _read_capped(request: Request) -> bytes:
    """The body, but no more than one byte past the envelope limit (parsing then refuses it)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_ENVELOPE_BYTES:
            break
    return b"".join(chunks)

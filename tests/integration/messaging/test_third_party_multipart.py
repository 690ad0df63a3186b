"""Multipart written by a library we did not write (aiohttp's MultipartWriter), served and posted
over real sockets: the harness's comparison reads it like its own, and its endpoint correlates a
delivery a third-party client posts."""

from __future__ import annotations

import asyncio
from time import perf_counter

import aiohttp
import pytest
from aiohttp import web

from harness.core.compare import compare
from harness.core.exchange import Request
from harness.core.mime import Part, build_multipart
from harness.messaging import Channels
from harness.transport.live import LiveTransport
from tests.integration.messaging.aiohttp_site import serve

pytestmark = pytest.mark.integration

ENVELOPE = (
    '<SOAP:Envelope xmlns:SOAP="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:eb="http://www.oasis-open.org/committees/ebxml-msg/schema/msg-header-2_0.xsd">'
    "<SOAP:Header><eb:MessageHeader><eb:ConversationId>C1</eb:ConversationId>"
    "<eb:Service>urn:example:service</eb:Service><eb:Action>Answer</eb:Action>"
    "<eb:MessageData><eb:MessageId>{mid}</eb:MessageId><eb:Timestamp>2026-12-01T09:00:00Z"
    "</eb:Timestamp><eb:RefToMessageId>{ref}</eb:RefToMessageId></eb:MessageData>"
    "</eb:MessageHeader></SOAP:Header><SOAP:Body/></SOAP:Envelope>"
)
PAYLOAD = '<answer xmlns="urn:hl7-org:v3"><acknowledgement typeCode="{code}"/></answer>'


def theirs(code: str = "AA", ref: str = "REQ-1") -> aiohttp.MultipartWriter:
    writer = aiohttp.MultipartWriter("related")
    writer.headers["Content-Type"] += '; type="text/xml"; start="<envelope@example.org>"'
    envelope = writer.append(ENVELOPE.format(mid="ANS-1", ref=ref), {"Content-Type": "text/xml"})
    envelope.headers["Content-Id"] = "<envelope@example.org>"
    payload = writer.append(PAYLOAD.format(code=code), {"Content-Type": "application/xml"})
    payload.headers["Content-Id"] = "<payload@example.org>"
    return writer


def ours(code: str = "AA") -> tuple[str, bytes]:
    parts = [
        Part(
            (("Content-Id", "<envelope@example.org>"), ("Content-Type", "text/xml")),
            ENVELOPE.format(mid="ANS-1", ref="REQ-1").encode(),
        ),
        Part(
            (("Content-Id", "<payload@example.org>"), ("Content-Type", "application/xml")),
            PAYLOAD.format(code=code).encode(),
        ),
    ]
    return build_multipart(parts, "ours", {"type": "text/xml", "start": "<envelope@example.org>"})


def test_an_aiohttp_multipart_answer_compares_equal_to_ours_part_by_part() -> None:
    async def main() -> None:
        async def answer(request: web.Request) -> web.Response:
            writer = theirs(request.query.get("code", "AA"))
            return web.Response(body=writer, status=200)

        async def mine(request: web.Request) -> web.Response:
            content_type, body = ours()
            return web.Response(body=body, headers={"Content-Type": content_type})

        app = web.Application()
        app.router.add_get("/theirs", answer)
        app.router.add_get("/ours", mine)
        runner, url = await serve(app)
        transport = LiveTransport(url, name="third-party")
        try:
            reference = await transport.send(Request("GET", "/ours"))
            same = await transport.send(Request("GET", "/theirs"))
            changed = await transport.send(Request("GET", "/theirs", (("code", "AE"),)))
        finally:
            await transport.aclose()
            await runner.cleanup()
        assert reference.body != same.body  # another boundary, another header style
        assert compare(reference, same) == []
        differences = compare(reference, changed)
        assert [d.path for d in differences] == ["/part[2]/answer/acknowledgement/@typeCode"]

    asyncio.run(main())


def test_the_endpoint_correlates_a_delivery_posted_by_a_third_party_client() -> None:
    async def main() -> None:
        channels = Channels(["candidate"])
        await channels.start()
        try:
            content_type, body = build_multipart(
                [
                    Part(
                        (("Content-Type", "text/xml"),),
                        ENVELOPE.format(mid="REQ-1", ref="").encode(),
                    )
                ],
                "request",
            )
            request = Request("POST", "/send", (), (("Content-Type", content_type),), body)
            sent_at = perf_counter()
            watch = channels.observer.watch("candidate", request, None, sent_at)
            assert watch is not None
            url = channels.urls("candidate")["mhs"]
            async with aiohttp.ClientSession() as client, client.post(url, data=theirs()) as posted:
                assert posted.status == 202
            await channels.observer.wait([watch], None)
            [later] = channels.observer.collect(watch, [sent_at])
        finally:
            await channels.aclose()
        assert (later.kind, later.code, later.message_id) == ("message", "AA", "ANS-1")
        assert later.correlation is not None and later.correlation.value == "REQ-1"

    asyncio.run(main())

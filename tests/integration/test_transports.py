"""The transport seam: live (aiohttp) over real sockets, in-process ASGI, recording wrapper."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from harness.core.exchange import Exchange, Request
from harness.serving import serve_in_thread
from harness.transport import Transport, TransportError
from harness.transport.asgi import AsgiTransport
from harness.transport.live import LiveTransport
from harness.transport.recording import RecordingTransport
from tests.integration.rehearsal_support import things_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(things_app()) as server:
        yield server.url


@pytest.fixture(scope="module")
def garbage_url() -> Iterator[str]:
    """A TCP server that answers every connection with something that is not HTTP."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.recv(65536)
            connection.sendall(b"this is not http\r\n\r\n")
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def run(transport: Transport, request: Request) -> object:
    async def go() -> object:
        try:
            return await transport.send(request)
        except TransportError as error:
            return error
        finally:
            await transport.aclose()

    return asyncio.run(go())


def test_live_transport_sends_exactly_the_request(url: str) -> None:
    transport = LiveTransport(url, name="legacy", headers={"X-Default": "d"})
    assert isinstance(transport, Transport)
    request = Request(
        "GET", "/things/3", query=(("a", "1 2"), ("a", "é")), headers=(("X-Request-ID", "r-1"),)
    )
    response = run(transport, request)
    assert not isinstance(response, TransportError), response
    assert response.status == 200 and response.header("x-request-id") == "r-1"
    assert b'"name":"thing-3"' in response.body and response.elapsed_ms > 0
    assert transport.url_for(request) == f"{url}/things/3?a=1%202&a=%C3%A9"


@pytest.mark.parametrize(
    ("base", "path", "timeout", "kind", "message"),
    [
        ("http://127.0.0.1:9", "/things/1", 5.0, "connection", "cannot connect"),
        ("{url}", "/slow", 0.2, "timeout", "no answer within 0.2s"),
        ("{garbage}", "/things/1", 5.0, "protocol", "candidate:"),
    ],
)
def test_live_transport_failures_are_transport_errors(
    url: str, garbage_url: str, base: str, path: str, timeout: float, kind: str, message: str
) -> None:
    transport = LiveTransport(
        base.format(url=url, garbage=garbage_url), name="candidate", timeout_s=timeout
    )
    error = run(transport, Request("GET", path))
    assert isinstance(error, TransportError) and error.kind == kind
    assert message in str(error)


def test_asgi_and_recording_transports() -> None:
    recorded: list[Exchange] = []
    transport = RecordingTransport(
        AsgiTransport(things_app(), name="legacy"),
        recorded.append,
        classify=lambda request: ("things", "getThing"),
        id_prefix="t",
    )
    response = run(transport, Request("GET", "/things/5"))
    assert not isinstance(response, TransportError)
    assert response.status == 200 and b"thing-5" in response.body
    assert [(e.id, e.service, e.operation, e.response.status) for e in recorded] == [
        ("t-000001", "things", "getThing", 200)
    ]

"""The deliveries' HTTP/1.1 client against a scripted server on a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from harness.simulator.mhs.poster import Poster, PostError

pytestmark = pytest.mark.integration
Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head + await reader.readexactly(length)


async def run(script: Script, client: Callable[[Poster], Awaitable[None]]) -> int:
    """Serve `script` per connection; run `client`; the number of connections made."""
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            await script(reader, writer, connections)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    poster = Poster(f"http://127.0.0.1:{port}/inbound", timeout=10)
    try:
        await client(poster)
    finally:
        poster.close()
        server.close()
        await server.wait_closed()
    return connections


def test_connections_are_kept_and_bodies_read_whole() -> None:
    async def keep_alive(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int
    ) -> None:
        while True:
            request = await read_request(reader)
            assert request.startswith(b"POST /inbound HTTP/1.1\r\nHost: 127.0.0.1:")
            writer.write(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nack\r\n0\r\n\r\n"
            )
            await writer.drain()

    async def client(poster: Poster) -> None:
        for _ in range(3):
            assert await poster.post(b"<x/>", {"Content-Type": "text/xml"}) == (200, b"ack")

    assert asyncio.run(run(keep_alive, client)) == 1


def test_a_connection_the_consumer_closed_while_idle_is_replaced() -> None:
    async def one_each(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()  # then close, without saying so

    async def client(poster: Poster) -> None:
        assert await poster.post(b"1", {}) == (202, b"")
        await asyncio.sleep(0.05)
        assert await poster.post(b"2", {}) == (202, b"")

    assert asyncio.run(run(one_each, client)) == 2


def test_an_answer_cut_short_and_no_server_are_errors() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
        await writer.drain()

    async def client(poster: Poster) -> None:
        with pytest.raises(PostError, match="middle of its answer"):
            await poster.post(b"x", {})

    asyncio.run(run(cut, client))

    async def nowhere() -> None:
        with pytest.raises(PostError, match="cannot connect"):
            await Poster("http://127.0.0.1:9/inbound", timeout=10).post(b"x", {})

    asyncio.run(nowhere())
    with pytest.raises(ValueError, match="http"):
        Poster("ftp://example/", timeout=1)

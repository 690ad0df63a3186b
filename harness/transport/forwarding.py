"""Reverse proxying on the live transport's HTTP/1.1 client: one request in, bytes passed through.

What the recording proxy (`harness.record.proxy`) and the shadow proxy (`harness.shadow.proxy`)
share, written once:

- `read_incoming(scope, receive)`: a consumer's request as an ASGI server handed it over, its
  target (path and query) kept as the bytes came in (UTF-8, else latin-1, the way
  `http1.header_text` reads headers), its headers without the connection headers of
  `harness.core.http`;
- `Forwarder.forward(...)`: the request sent upstream on a bounded keep-alive pool, the answer
  read under `AnswerLimits` and returned exactly as received (a compressed body stays
  compressed: the proxy never decodes for the client);
- `passed_back(...)` and `answer(...)`: the upstream's headers less its connection headers, with
  the `Content-Length` of the bytes passed on, written to the consumer in one ASGI response;
- `stored_answer(...)`: the same answer as the harness keeps it to record or compare (decoded).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from time import perf_counter
from typing import Any
from urllib.parse import parse_qsl

from harness.core.exchange import Request, Response, header
from harness.core.http import CONNECTION_HEADERS
from harness.transport.decoding import decode_body
from harness.transport.errors import Http1Error
from harness.transport.http1 import (
    ClientTls,
    Pool,
    header_text,
    origin_of,
    request_head,
    tls_for,
)
from harness.transport.limits import AnswerLimits

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Incoming:
    """A consumer's request: `target` is the path and query as sent, `forwarded` its headers
    less the connection headers (what goes upstream)."""

    method: str
    path: str
    raw_query: bytes
    target: str
    forwarded: Headers
    body: bytes

    def request(self) -> Request:
        """The request as the harness's values hold it (query parsed, order and repeats kept)."""
        return Request(
            method=self.method,
            path=self.path,
            query=tuple(parse_qsl(header_text(self.raw_query), keep_blank_values=True)),
            headers=tuple(self.forwarded),
            body=self.body,
        )


@dataclass(frozen=True, slots=True)
class Forwarded:
    """The upstream's answer exactly as received, and how long it took (ms, wall clock)."""

    status: int
    headers: Headers
    payload: bytes
    elapsed_ms: float


async def read_incoming(scope: Scope, receive: Receive) -> Incoming:
    body = bytearray()
    while True:
        message = await receive()
        body.extend(message.get("body", b""))
        if not message.get("more_body"):
            break
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    raw_query: bytes = scope.get("query_string", b"")
    target = header_text(raw_path) + (f"?{header_text(raw_query)}" if raw_query else "")
    forwarded = [
        (name, value)
        for name, value in ((header_text(k), header_text(v)) for k, v in scope["headers"])
        if name.lower() not in CONNECTION_HEADERS
    ]
    return Incoming(scope["method"], scope["path"], raw_query, target, forwarded, bytes(body))


class Forwarder:
    """Sends requests to one upstream on a pool opened in the event loop that first forwards."""

    def __init__(
        self,
        upstream: str,
        limits: AnswerLimits,
        connections: int = 64,
        tls: ClientTls | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.limits = limits
        self.connections = connections
        self._origin, self._base_path = origin_of(self.upstream)
        self._tls = tls_for(self._origin, tls)  # a client certificate, when configured
        self._pool: Pool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop the pool lives in (None before the first request)."""
        return self._loop

    async def forward(self, method: str, target: str, headers: Headers, body: bytes) -> Forwarded:
        """Raises `Http1Error` (connection, timeout, protocol, too_large, too_slow)."""
        pool = self._pool
        if pool is None:
            self._loop = asyncio.get_running_loop()
            pool = self._pool = Pool(self._origin, self.connections, self._tls)
        started = perf_counter()
        wire = request_head(method, self._base_path + target, self._origin, headers, body) + body
        status, raw, payload = await pool.send(
            method, wire, method == "HEAD", decode=False, limits=self.limits
        )
        return Forwarded(status, list(raw), payload, (perf_counter() - started) * 1000.0)

    async def aclose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.aclose()


def passed_back(method: str, headers: Headers, payload: bytes) -> Headers:
    """The upstream's headers as the consumer gets them, in their order: no connection headers,
    and the length of the bytes passed on where the upstream put its own (at the end when it
    sent none: a chunked answer); for HEAD, the length a GET would have had."""
    length = str(len(payload))
    if method == "HEAD":
        length = header(headers, "content-length") or "0"
    back: Headers = []
    placed = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "content-length":
            if not placed:
                back.append((name, length))
                placed = True
        elif lowered not in CONNECTION_HEADERS:
            back.append((name, value))
    if not placed:
        back.append(("content-length", length))
    return back


async def answer(send: Send, status: int, headers: Headers, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def stored_answer(got: Forwarded, limits: AnswerLimits) -> Response:
    """An upstream's answer as the harness keeps it (a contract, a comparison): decoded (a
    corrupt encoding is kept as it came), without connection headers; raises Http1Error
    (too_large) when it decodes past `max_decoded_bytes`."""
    headers, payload = got.headers, got.payload
    try:
        decoded = decode_body(headers, payload, limits.max_decoded_bytes)
    except Http1Error as error:
        if error.kind != "protocol":
            raise
        decoded = payload
    if decoded is not payload:  # stored as content: the encoding was the wire's business
        payload = decoded
        headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
    kept = tuple((k, v) for k, v in headers if k.lower() not in CONNECTION_HEADERS)
    return Response(got.status, kept, payload, got.elapsed_ms)


async def lifespan(
    receive: Receive,
    send: Send,
    on_start: Callable[[], Awaitable[None]] | None,
    on_stop: Callable[[], Awaitable[None]] | None,
) -> None:
    """An ASGI lifespan: `on_start` before the server takes requests, `on_stop` as it stops.
    `on_stop` runs here, not after the server returns: on SIGTERM uvicorn re-raises the signal
    once it has shut down, and the process ends before any `finally` runs."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if on_start is not None:
                await on_start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if on_stop is not None:
                await on_stop()
            await send({"type": "lifespan.shutdown.complete"})
            return

"""A lean HTTP/1.1 client: keep-alive connections on asyncio protocols, parsed by httptools.

Why not aiohttp here: on this machine aiohttp's client spends 130-170 us of CPU per request
(request and response objects, stream readers, tracing hooks, timers), more than a whole
replayed exchange may cost; this client does one `write` per request and parses the answer
with the same llhttp parser (httptools) uvicorn serves with, for 30-38 us (`bench/transport.py`
measures both side by side). It does only what the harness needs, and no more:

- one request at a time per connection (no pipelining), a bounded pool per origin;
- the request goes out as given: no cookies, redirects, Accept-Encoding or User-Agent added;
  `Host` and `Content-Length` are set from the URL and the body;
- `Content-Encoding: gzip`/`deflate` bodies are decoded (so comparisons see content; the header
  is kept), unless the caller passes bytes through (the recording proxy);
- a connection is kept only when the answer allows keep-alive and was read whole, and for at
  most `IDLE_LIMIT_S` idle; before reuse, one idle while no event loop ran (between pytest
  items) has its socket looked at for a close nobody saw. A request that meets a connection
  the server closed before any byte of an answer is sent again (at most twice) when it was
  never written or its method is idempotent; a POST or PATCH is never sent twice, and an answer
  that had begun is never retried;
- an answer delimited by the end of the connection is complete only on a clean close (a reset
  cuts it short); chunked trailers are not taken as headers;
- every answer is held to `AnswerLimits` while it is read (head size and field count, body
  size, decoded size, time to the first byte, total time): past one, the client stops reading,
  closes the connection (never reused) and fails with a message naming the limit and the figure;
- failures are `Http1Error` with a kind: `connection` (could not connect), `protocol`
  (malformed, truncated or closed answer), `timeout` (no answer in time), `too_large`,
  `too_slow` (an answer past a limit).
"""

from __future__ import annotations

import asyncio
import select
import ssl
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

from harness.core.exchange import header
from harness.errors import HarnessError
from harness.transport.decoding import BodyDecoder, decoder_for
from harness.transport.errors import Http1Error
from harness.transport.limits import DEFAULT_LIMITS, AnswerLimits, size

_DEFAULT_PORTS = {"http": 80, "https": 443}
IDLE_LIMIT_S = 30.0  # an idle connection older than this is closed, not reused
_FRESH_S = 0.05  # idle for less than this in a running loop: any close would have been seen
_STALE_RETRIES = 2  # a burst of kept-alive connections closed at once by the server
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
_BODY_EXPECTED = frozenset({"POST", "PUT", "PATCH"})
RawHeaders = tuple[tuple[str, str], ...]


class _StaleConnection(Http1Error):
    """A connection closed by the server before any byte of the answer arrived; `sent` says
    whether the request had been written (if not, it may go elsewhere whatever its method)."""

    def __init__(self, message: str, kind: str, *, sent: bool = True) -> None:
        super().__init__(message, kind, sent=sent)


def _ended(exc: Exception | None) -> str:
    """How the server ended a connection: 'reset' (RST) or 'closed'."""
    return "reset" if isinstance(exc, ConnectionResetError) else "closed"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where connections go: scheme, host, port, and the `Host` header value."""

    scheme: str
    host: str
    port: int
    host_header: str


def origin_of(base_url: str) -> tuple[Origin, str]:
    """Where to connect for `base_url`, and its base path ('' or '/prefix')."""
    try:
        parts = urlsplit(base_url)
        hostname = parts.hostname
    except ValueError as error:  # e.g. 'http://[::1': an unclosed IPv6 address
        raise HarnessError(f"target URL {base_url!r}: {error}", field="url") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not hostname:
        raise HarnessError(
            f"target URL {base_url!r} must be http:// or https:// with a host", field="url"
        )
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as error:
        raise HarnessError(f"target URL {base_url!r}: {error}", field="url") from None
    host = hostname
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == _DEFAULT_PORTS[scheme] else f"{shown}:{port}"
    return Origin(scheme, host, port, host_header), parts.path.rstrip("/")


@dataclass(frozen=True, slots=True)
class ClientTls:
    """Files for mutual TLS with one target: the client certificate and its key (PEM), and
    optionally the CA bundle that signed the target's certificate (else the system's)."""

    cert: str
    key: str | None = None
    ca: str | None = None


def tls_for(origin: Origin, client: ClientTls | None = None) -> ssl.SSLContext | None:
    """Certificate-verifying TLS for https (the system's trust store, SSL_CERT_FILE, or the
    client's CA bundle), presenting the client certificate when one is configured."""
    if origin.scheme != "https":
        return None
    context = ssl.create_default_context(cafile=client.ca if client else None)
    if client is not None:
        try:
            context.load_cert_chain(client.cert, client.key)
        except (OSError, ssl.SSLError) as error:
            raise HarnessError(
                f"cannot load the client certificate and key: {error}", file=client.cert
            ) from None
    return context


def request_head(
    method: str, target: str, origin: Origin, headers: list[tuple[str, str]], body: bytes
) -> bytes:
    """The request line and headers, ready for the wire (header values are UTF-8)."""
    lines = [f"{method} {target} HTTP/1.1\r\nHost: {origin.host_header}\r\n"]
    for name, value in headers:
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise Http1Error(
                f"invalid header {name!r}: names and values are single lines", "protocol"
            )
        lines.append(f"{name}: {value}\r\n")
    if body or method in _BODY_EXPECTED:
        lines.append(f"Content-Length: {len(body)}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection, one request at a time; also the httptools callback target.

    While an answer is read it is held to its `AnswerLimits`: a callback past a limit raises
    (so httptools stops at once), and `_fail` closes the connection."""

    __slots__ = (
        "_body",
        "_body_bytes",
        "_deadline",
        "_decode",
        "_decoder",
        "_field_bytes",
        "_fields",
        "_got_bytes",
        "_headers",
        "_headers_done",
        "_limits",
        "_loose_bytes",
        "_parser",
        "_timer",
        "_waiter",
        "closed",
        "ended",
        "idle_since",
        "keep_alive",
        "transport",
        "used",
    )

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[tuple[int, RawHeaders, bytes]] | None = None
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._headers_done = False
        self._got_bytes = False
        self._decode = True
        self._decoder: BodyDecoder | None = None
        self._limits = DEFAULT_LIMITS
        self._deadline = 0.0  # loop time by which the whole answer is due
        self._timer: asyncio.TimerHandle | None = None
        self._body_bytes = 0  # body bytes read (before decoding)
        self._fields = 0  # header fields read, trailers included
        self._field_bytes = 0  # their names and values
        self._loose_bytes = 0  # bytes read that carried no body: an unfinished head, framing
        self.closed = False
        self.keep_alive = False
        self.used = False
        self.idle_since = 0.0
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._got_bytes = True
        body_before = self._body_bytes
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            cause = error.__context__  # what a callback raised: a limit passed, a bad body
            if isinstance(cause, Http1Error):
                self._fail(cause)
            else:
                self._fail(Http1Error(f"malformed HTTP answer: {error}", "protocol"))
        except httptools.HttpParserUpgrade:
            self._fail(Http1Error("the server switched protocols (upgrade)", "protocol"))
        except httptools.HttpParserError as error:
            self._fail(Http1Error(f"malformed HTTP answer: {error}", "protocol"))
        else:
            if self._body_bytes == body_before and self._waiter is not None:
                self._loose_bytes += len(data)
                if self._loose_bytes > self._limits.max_header_bytes:
                    self._fail(self._head_too_large(self._loose_bytes))

    def eof_received(self) -> bool:
        self._closed_by_peer()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed_by_peer(exc)
        if not self.ended.done():
            self.ended.set_result(None)

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._fields += 1
        self._field_bytes += len(name) + len(value)
        limits = self._limits
        if self._fields > limits.max_header_count:
            message = f"answer too large: more than max_header_count = {limits.max_header_count}"
            raise Http1Error(f"{message} header fields", "too_large")
        if self._field_bytes > limits.max_header_bytes:
            raise self._head_too_large(self._field_bytes)
        if not self._headers_done:  # after the head, fields are chunked trailers: not headers
            self._headers.append((header_text(name), header_text(value)))

    def on_headers_complete(self) -> None:
        self._headers_done = True
        if self._decode:
            encoding = header(self._headers, "content-encoding")
            self._decoder = decoder_for(encoding, self._limits.max_decoded_bytes)

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > self._limits.max_body_bytes:
            raise Http1Error(
                f"answer too large: its body passed max_body_bytes = "
                f"{size(self._limits.max_body_bytes)} ({self._body_bytes:,} bytes read; "
                "reading stopped)",
                "too_large",
            )
        if self._decoder is None:
            self._body.append(body)
        else:
            self._body.extend(self._decoder.feed(body))

    def on_message_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer (100 Continue, 103 Early Hints): wait on
            self._headers, self._body, self._headers_done = [], [], False
            self._decoder = None
            return
        self.keep_alive = self._parser.should_keep_alive()
        self._finish(status)

    # the exchange
    async def exchange(
        self, wire: bytes, head_only: bool, decode: bool, limits: AnswerLimits, deadline: float
    ) -> tuple[int, RawHeaders, bytes]:
        """Send one request and wait for its whole answer (its body decoded when `decode`),
        held to `limits`, due by `deadline` (loop time)."""
        assert self.transport is not None
        reused, self.used = self.used, True
        self._headers, self._body, self._headers_done = [], [], False
        self._got_bytes = False
        self.keep_alive = False
        self._decode = decode
        self._decoder = None
        self._limits, self._deadline = limits, deadline
        self._body_bytes = self._fields = self._field_bytes = self._loose_bytes = 0
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[tuple[int, RawHeaders, bytes]]
        waiter = self._waiter = loop.create_future()
        if head_only:
            # llhttp cannot be told an answer is to HEAD: take the head and close afterwards.
            self._parser = httptools.HttpResponseParser(_HeadOnly(self))
        if self.closed:  # nothing was written: safe to send elsewhere, whatever the method
            raise _StaleConnection("the server closed the connection", "protocol", sent=False)
        first_byte_due = loop.time() + limits.first_byte_timeout_s
        self._timer = loop.call_at(min(first_byte_due, deadline), self._late)
        self.transport.write(wire)
        try:
            return await waiter
        except _StaleConnection as stale:
            if not reused:
                raise Http1Error(f"{stale} without answering", "protocol", sent=True) from None
            raise
        finally:
            if self._timer is not None:  # the first-byte timer, or the total one after it
                self._timer.cancel()
                self._timer = None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _late(self) -> None:
        """The first-byte or total time has come (whichever is earlier; then the other)."""
        timer = self._timer
        if self._waiter is None or timer is None:
            return
        limits = self._limits
        if not self._got_bytes:
            if timer.when() < self._deadline:
                seconds, name = limits.first_byte_timeout_s, "first_byte_timeout_s"
            else:
                seconds, name = limits.total_timeout_s, "total_timeout_s"
            self._fail(Http1Error(f"no answer within {seconds:g}s ({name})", "timeout"))
        elif timer.when() < self._deadline:
            self._timer = asyncio.get_running_loop().call_at(self._deadline, self._late)
        else:
            message = (
                f"answer too slow: still arriving after total_timeout_s = "
                f"{limits.total_timeout_s:g}s ({self._body_bytes:,} body bytes read)"
            )
            self._fail(Http1Error(message, "too_slow"))

    def _head_too_large(self, count: int) -> Http1Error:
        return Http1Error(
            f"answer too large: its head passed max_header_bytes = "
            f"{size(self._limits.max_header_bytes)} ({count:,} bytes read)",
            "too_large",
        )

    def _finish(self, status: int) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is None or waiter.done():
            return
        body = b"".join(self._body)
        self._body = []  # not kept alive by an idle connection
        if self._decoder is not None:
            try:
                self._decoder.finish()
            except Http1Error as error:
                waiter.set_exception(error)
                return
        waiter.set_result((status, tuple(self._headers), body))

    def _fail(self, error: Http1Error) -> None:
        self.keep_alive = False
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)
        self.close()

    def _closed_by_peer(self, exc: Exception | None = None) -> None:
        self.closed = True
        self.keep_alive = False
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._headers_done and exc is None and _delimited_by_close(self._headers):
            self._finish(self._parser.get_status_code())  # a clean end of stream ends the body
        elif not self._got_bytes:
            self._fail(_StaleConnection(f"the server {_ended(exc)} the connection", "protocol"))
        elif isinstance(exc, ConnectionResetError):
            self._fail(
                Http1Error("the answer was cut short: the server reset the connection", "protocol")
            )
        else:
            reason = f": {exc}" if exc else ""
            self._fail(Http1Error(f"the answer was cut short{reason}", "protocol"))


class _HeadOnly:
    """Callbacks for an answer to HEAD: complete as soon as the head is in."""

    __slots__ = ("_connection",)

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    def on_header(self, name: bytes, value: bytes) -> None:
        self._connection.on_header(name, value)

    def on_headers_complete(self) -> None:
        connection = self._connection
        status = connection._parser.get_status_code()
        if 100 <= status < 200:
            connection._headers = []
            return
        connection._headers_done = True
        connection._finish(status)
        connection.close()  # the next bytes could not be framed: never reuse it


class Pool:
    """At most `limit` connections to one origin; idle ones are reused most recent first."""

    def __init__(self, origin: Origin, limit: int, tls: ssl.SSLContext | None) -> None:
        self.origin = origin
        self.limit = max(1, limit)
        self._tls = tls
        self._idle: list[_Connection] = []
        self._open = 0  # connections open or opening
        self._waiters: deque[asyncio.Future[_Connection | None]] = deque()
        self._closed = False

    async def send(
        self,
        method: str,
        wire: bytes,
        head_only: bool = False,
        decode: bool = True,
        limits: AnswerLimits = DEFAULT_LIMITS,
    ) -> tuple[int, RawHeaders, bytes]:
        """Send one request (head and body, ready for the wire) and return status, headers and
        body; the body decoded from gzip/deflate unless `decode` is False (a proxy's case).
        The answer is held to `limits`; the total time counts from here (connecting and
        waiting for a free connection included)."""
        deadline = asyncio.get_running_loop().time() + limits.total_timeout_s
        for attempt in range(_STALE_RETRIES + 1):
            connection = await self._acquire(limits, deadline)
            try:
                answer = await connection.exchange(wire, head_only, decode, limits, deadline)
            except _StaleConnection as stale:
                self._release(connection, False)
                if (stale.sent and method not in _IDEMPOTENT) or attempt == _STALE_RETRIES:
                    message = f"{stale} (a kept-alive one) without answering"
                    raise Http1Error(message, "protocol", sent=stale.sent) from None
                continue
            except Http1Error as error:
                self._release(connection, False)
                error.sent = True  # written: the target may have acted on it
                raise
            except BaseException:
                self._release(connection, False)
                raise
            self._release(connection, connection.keep_alive)
            return answer
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def aclose(self, grace_s: float = 1.0) -> None:
        """Close the idle connections and wait (briefly) until they are gone, so a TLS one can
        say goodbye before its event loop ends; connections in use close when released."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
        self._open -= len(idle)
        if idle:
            await asyncio.wait([connection.ended for connection in idle], timeout=grace_s)

    async def _acquire(self, limits: AnswerLimits, deadline: float) -> _Connection:
        idle = self._idle_connection()
        if idle is not None:
            return idle
        try:
            async with asyncio.timeout_at(deadline):  # connecting, or waiting for a connection
                return await self._new_or_released()
        except TimeoutError:
            message = f"no answer within {limits.total_timeout_s:g}s (total_timeout_s)"
            raise Http1Error(f"{message}: no connection in that time", "timeout") from None

    def _idle_connection(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if _still_open(connection):
                return connection
            connection.close()
            self._open -= 1
        return None

    async def _new_or_released(self) -> _Connection:
        while True:
            idle = self._idle_connection()
            if idle is not None:
                return idle
            if self._open < self.limit:
                self._open += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._open -= 1
                    self._wake(None)
                    raise
            waiter: asyncio.Future[_Connection | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                handed = await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():  # handed over as we were cancelled
                    handed = waiter.result()
                    if handed is None:
                        self._wake(None)
                    else:
                        self._release(handed, True)
                raise
            if handed is not None:
                return handed

    async def _connect(self) -> _Connection:
        origin = self.origin
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                _Connection,
                origin.host,
                origin.port,
                ssl=self._tls,
                server_hostname=origin.host if self._tls is not None else None,
            )
        except (OSError, ssl.SSLError) as error:
            raise Http1Error(str(error) or type(error).__name__, "connection") from error
        return connection

    def _release(self, connection: _Connection, reusable: bool) -> None:
        if reusable and not connection.closed and not self._closed:
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_result(connection)
                    return
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
            return
        connection.close()
        self._open -= 1
        self._wake(None)

    def _wake(self, handed: _Connection | None) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(handed)
                return


def _still_open(connection: _Connection) -> bool:
    """Whether an idle connection can carry a request. One that sat idle while no event loop
    ran (between pytest items) may hold an unseen close: look at its socket, without waiting;
    one idle too long is let go, as the server is about to."""
    if connection.closed:
        return False
    idle_s = time.monotonic() - connection.idle_since
    if idle_s > IDLE_LIMIT_S:
        return False
    if idle_s < _FRESH_S or connection.transport is None:
        return True
    sock = connection.transport.get_extra_info("socket")
    if sock is None or not hasattr(select, "poll"):
        return True
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN | getattr(select, "POLLRDHUP", 0))
    return not poller.poll(0)  # readable while idle: a close, a reset or stray bytes


def header_text(raw: bytes) -> str:
    """A header name or value as text: UTF-8, else latin-1 (never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _delimited_by_close(headers: Sequence[tuple[str, str]]) -> bool:
    """An answer with neither a length nor chunked framing ends when the connection does."""
    return (
        header(headers, "content-length") is None
        and "chunked" not in (header(headers, "transfer-encoding") or "").lower()
    )

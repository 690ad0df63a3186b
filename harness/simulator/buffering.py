"""Buffering a whole ASGI response so middleware (flavour, drift) can rewrite it before sending."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RawHeaders = list[tuple[bytes, bytes]]


class BufferedResponse:
    """Collects an ASGI response (start message and body) so it can be rewritten whole."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.complete = False

    def feed(self, message: Message) -> bool:
        """Take a message; True once the whole body has arrived."""
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)
        return self.complete

    @property
    def status(self) -> int:
        return int(self.start["status"]) if self.start else 500

    @property
    def headers(self) -> RawHeaders:
        return list(self.start.get("headers", [])) if self.start else []

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


async def send_whole(
    send: Send, status: int, headers: RawHeaders, body: bytes, head: bool = False
) -> None:
    """Send a response in one body message with a Content-Length that matches `body`
    (for HEAD, whose body is empty, the Content-Length the app declared is kept)."""
    declared = header_value(headers, b"content-length")
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    length = declared if head and not body and declared else str(len(body))
    headers.append((b"content-length", length.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def header_value(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def call_buffered(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    finish: Callable[[BufferedResponse], Awaitable[None]],
) -> None:
    """Run `app`, holding back its response; `finish` sends it (rewritten) once complete.

    Messages other than the response's start and body pass straight through to `send`.
    """
    response = BufferedResponse()

    async def capture(message: Message) -> None:
        if message["type"] not in ("http.response.start", "http.response.body"):
            await send(message)
        elif response.feed(message):
            await finish(response)

    await app(scope, receive, capture)


# A service sets this in the request's scope when its answer's body is content it carries, not
# content it wrote (a MESH download): presentation rewrites must then leave the bytes alone.
OPAQUE_BODY = "harness.opaque_body"


def keep_body(scope: MutableMapping[str, Any]) -> None:
    scope[OPAQUE_BODY] = True


def media_kind(content_type: str | None) -> str:
    """'json', 'xml' or '' from a Content-Type value."""
    bare = (content_type or "").split(";", 1)[0].strip().lower()
    if bare.endswith("json"):
        return "json"
    if bare.endswith("xml"):
        return "xml"
    return ""

"""Posting a breach to a webhook, on the harness's own HTTP client (`harness.transport.live`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import orjson

from harness.core.exchange import Request
from harness.transport.base import TransportError
from harness.transport.live import LiveTransport


def webhook_poster(url: str, timeout_s: float = 10.0) -> Callable[[dict[str, object]], str | None]:
    """A function that POSTs one JSON document to `url` and says what went wrong, if anything
    (a failing webhook is reported, never fatal: the breach is in the log and the exit code)."""
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    path = parts.path or "/"
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))

    def post(document: dict[str, object]) -> str | None:
        async def send() -> int:
            transport = LiveTransport(base, name="webhook", timeout_s=timeout_s)
            try:
                body = orjson.dumps(document)
                headers = (("content-type", "application/json"),)
                return (await transport.send(Request("POST", path, query, headers, body))).status
            finally:
                await transport.aclose()

        try:
            status = asyncio.run(send())
        except TransportError as error:
            return f"webhook {url}: {error}"
        return None if 200 <= status < 300 else f"webhook {url} answered {status}"

    return post

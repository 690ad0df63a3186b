"""Posting a JSON document to a webhook, on the harness's own HTTP client
(`harness.transport.live`): a monitor's breach, a cutover's notification."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import orjson

from harness.core.exchange import Request
from harness.transport.base import TransportError
from harness.transport.live import LiveTransport


async def post_document(
    url: str, document: dict[str, object], timeout_s: float = 10.0
) -> str | None:
    """POST one JSON document to `url`; what went wrong, if anything (a failing webhook is
    reported, never fatal: what it was told is in the log, the feed and the exit code)."""
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    path = parts.path or "/"
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    transport = LiveTransport(base, name="webhook", timeout_s=timeout_s)
    try:
        body = orjson.dumps(document)
        headers = (("content-type", "application/json"),)
        status = (await transport.send(Request("POST", path, query, headers, body))).status
    except TransportError as error:
        return f"webhook {url}: {error}"
    finally:
        await transport.aclose()
    return None if 200 <= status < 300 else f"webhook {url} answered {status}"


def webhook_poster(url: str, timeout_s: float = 10.0) -> Callable[[dict[str, object]], str | None]:
    """A function that POSTs one JSON document to `url` from synchronous code."""

    def post(document: dict[str, object]) -> str | None:
        return asyncio.run(post_document(url, document, timeout_s))

    return post

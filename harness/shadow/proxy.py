"""The shadow proxy: consumers talk to it; the primary answers them; the shadow is mirrored.

Every request is forwarded to the primary as it came (`harness.transport.forwarding`: the
recording proxy's code) and the primary's answer is passed back byte for byte. Only then is the
exchange offered to the mirror (`ShadowSource.offer`), which never waits: a consumer's request
costs the proxy's own forwarding and nothing of the shadow's, which may be slow, down or wrong.

When the primary fails (cannot connect, an answer past a limit) the consumer gets a 502 whose
text names the failure, as from the recording proxy, and nothing is mirrored (there is no
primary answer to compare with); such failures are counted.

Time: each exchange is stamped with its arrival time, or with the value of `clock_header`
when the consumer sends one (ISO 8601): a compressed-time consumer lives in simulated days, and
the store's day partition follows them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from harness.shadow.source import Mirrored, ShadowSource
from harness.transport.errors import Http1Error
from harness.transport.forwarding import (
    Forwarder,
    Receive,
    Scope,
    Send,
    answer,
    lifespan,
    passed_back,
    read_incoming,
)

Hook = Callable[[], Awaitable[None]]


class ShadowProxy:
    """The ASGI app; `on_start` and `on_stop` run in the server's lifespan (the mirror's
    engine starts and drains there, in the server's event loop)."""

    def __init__(
        self,
        primary: Forwarder,
        source: ShadowSource,
        *,
        clock_header: str | None = None,
        on_start: Hook | None = None,
        on_stop: Hook | None = None,
    ) -> None:
        self.primary = primary
        self.source = source
        self.clock_header = clock_header.lower().encode() if clock_header else None
        self.on_start = on_start
        self.on_stop = on_stop
        self.primary_failed = 0
        self.answered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send, self.on_start, self.on_stop)
            return
        if scope["type"] != "http":
            return
        incoming = await read_incoming(scope, receive)
        method = incoming.method
        try:
            got = await self.primary.forward(
                method, incoming.target, incoming.forwarded, incoming.body
            )
        except Http1Error as error:
            self.primary_failed += 1
            text = f"harness shadow: primary failed: {error}\n"
            await answer(send, 502, [("content-type", "text/plain")], text.encode())
            return
        await answer(send, got.status, passed_back(method, got.headers, got.payload), got.payload)
        self.answered += 1
        client = scope.get("client")
        self.source.offer(
            Mirrored(self._time_of(scope), incoming.request(), got, client[0] if client else "")
        )

    def _time_of(self, scope: Scope) -> datetime:
        if self.clock_header is not None:
            for name, value in scope["headers"]:
                if name.lower() == self.clock_header:
                    try:
                        stamped = datetime.fromisoformat(value.decode("latin-1"))
                    except ValueError:
                        break
                    return stamped if stamped.tzinfo else stamped.replace(tzinfo=UTC)
        return datetime.now(UTC)

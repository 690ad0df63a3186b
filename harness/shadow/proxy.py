"""The shadow proxy: consumers talk to it; the primary answers them; the shadow is mirrored.

Every request is forwarded to the primary as it came (`harness.transport.forwarding`: the
recording proxy's code) and the primary's answer is passed back byte for byte. Only then is the
exchange offered to the mirror (`ShadowSource.offer`), which never waits: a consumer's request
costs the proxy's own forwarding and nothing of the shadow's, which may be slow, down or wrong.

When the primary fails (cannot connect, an answer past a limit) the consumer gets a 502 whose
text names the failure, as from the recording proxy, and nothing is mirrored (there is no
primary answer to compare with); such failures are counted.

Routing: `route` says, per request, which upstream answers it and which mirror gets the
copy. The shadow proxy has one route; a cutover's facade (`harness.cutover.facade`) subclasses
it with a routing table that its plan switches, and counts what consumers got (`served`).

Time: each exchange is stamped with its arrival time, or with the value of `clock_header`
when the consumer sends one (ISO 8601): a compressed-time consumer lives in simulated days, and
the store's day partition follows them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from time import perf_counter
from typing import Protocol

from harness.core.exchange import Request
from harness.shadow.source import Mirrored
from harness.transport.errors import Http1Error
from harness.transport.forwarding import (
    Forwarded,
    Forwarder,
    Incoming,
    Receive,
    Scope,
    Send,
    answer,
    lifespan,
    passed_back,
    read_incoming,
)

Hook = Callable[[], Awaitable[None]]


class Sink(Protocol):
    """Where an answered exchange is offered for mirroring (never waits)."""

    def offer(self, item: Mirrored) -> bool: ...


@dataclass(frozen=True, slots=True)
class Route:
    """Who answers one request, and where its copy goes (None: not mirrored)."""

    primary: Forwarder
    mirror: Sink | None
    side: str = "primary"
    write: bool = False  # mirror it even when it changes state (a dual write)
    hold: asyncio.Event | None = None  # wait for it, then ask for the route again (a switch)


class ShadowProxy:
    """The ASGI app; `on_start` and `on_stop` run in the server's lifespan (the mirror's
    engine starts and drains there, in the server's event loop)."""

    def __init__(
        self,
        primary: Forwarder,
        source: Sink | None,
        *,
        clock_header: str | None = None,
        on_start: Hook | None = None,
        on_stop: Hook | None = None,
    ) -> None:
        self.primary = primary
        self.source = source
        self.default_route = Route(primary, source)
        self.clock_header = clock_header.lower().encode() if clock_header else None
        self.on_start = on_start
        self.on_stop = on_stop
        self.primary_failed = 0
        self.answered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send, self.on_start, self.on_stop)
            return
        if scope["type"] != "http" or await self.control(scope, receive, send):
            return
        began = perf_counter()
        incoming = await read_incoming(scope, receive)
        request = incoming.request()
        route = self.route(incoming, request, scope)
        while route.hold is not None:  # the facade is switching this request's side
            await route.hold.wait()
            route = self.route(incoming, request, scope)
        method = incoming.method
        got: Forwarded | None = None
        try:  # served once, whatever happens (a consumer gone mid-answer still ends its request)
            got = await route.primary.forward(
                method, incoming.target, incoming.forwarded, incoming.body
            )
            headers = passed_back(method, got.headers, got.payload)
            await answer(send, got.status, headers, got.payload)
        except Http1Error as error:
            self.primary_failed += 1
            text = f"harness shadow: {route.side} failed: {error}\n"
            await answer(send, 502, [("content-type", "text/plain")], text.encode())
            return
        finally:
            self.served(route, request, got, began)
        self.answered += 1
        if route.mirror is not None:
            route.mirror.offer(
                Mirrored(
                    self._time_of(scope),
                    request,
                    got,
                    self.partition_of(scope),
                    write=route.write,
                )
            )

    # -- what a facade overrides --------------------------------------------------------------
    async def control(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer a request meant for the proxy itself; False for a consumer's request."""
        return False

    def route(self, incoming: Incoming, request: Request, scope: Scope) -> Route:
        return self.default_route

    def partition_of(self, scope: Scope) -> str:
        """Whose conversation a request is part of: its copies reach the shadow in the order
        the primary answered them (`harness.engine.serial`). A client connection (address and
        port): a consumer's requests one after another on it keep their order."""
        client = scope.get("client")
        return f"{client[0]}:{client[1]}" if client else ""

    def served(self, route: Route, request: Request, got: Forwarded | None, began: float) -> None:
        """A consumer's request was answered (`got`) or failed upstream (None)."""
        return None

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

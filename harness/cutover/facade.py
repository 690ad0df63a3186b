"""The routing facade consumers talk to during a cutover: the shadow proxy with a routing table.

Per request (`route`): the operation is named by the interface document, the consumer by the
plan's consumer header (else its address), and the current `RoutingTable` says which side
answers; the other side is sent a copy (the candidate shadows legacy before a slice moves,
legacy shadows the candidate after it), state-changing requests only when the table says the
slice is dual-written. Forwarding, answering byte for byte and the never-waiting offer to the
mirror are the shadow proxy's (`harness.shadow.proxy`); what the facade adds:

- `switch(table)`: one reference swapped, so a switch is atomic; requests in flight keep the
  side they were routed to and finish there; `crossing(slice, side)` counts those of the slice
  as crossing the switch; a table may **hold** a slice: its new requests wait (not refused)
  while the switch makes the side it moves to current, and go on by the next table;
- `served`: every consumer request counted by second, operation and side (`ServedLog`);
- the writes a state check will read back (`writes`), bounded;
- `/_cutover/status` (the status feed) and `/_cutover/routes`, answered by the facade itself
  and never forwarded.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from harness.core.exchange import Request
from harness.core.http import SAFE_METHODS
from harness.core.operations import Classifier
from harness.cutover.feed import StatusFeed
from harness.cutover.plan import Move
from harness.cutover.routing import RoutingTable, Side, bucket_of, other
from harness.cutover.served import ServedLog
from harness.shadow.proxy import Route, ShadowProxy, Sink
from harness.transport.forwarding import (
    Forwarded,
    Forwarder,
    Incoming,
    Receive,
    Scope,
    Send,
    answer,
    read_incoming,
)

CONTROL_PREFIX = "/_cutover/"
WRITES_KEPT = 5_000


@dataclass(frozen=True, slots=True)
class Written:
    """A state-changing request a side answered, kept for the state check after a switch."""

    at: float
    side: Side
    service: str
    operation: str
    request: Request
    answer: Forwarded


@dataclass(slots=True)
class _Ticket:
    """A request in flight: what it is, who sent it, which side took it."""

    service: str
    operation: str
    consumer: str
    bucket: int
    side: Side
    crossing: int | None = None  # the switch it is in flight across


class CutoverFacade(ShadowProxy):
    def __init__(
        self,
        legacy: Forwarder,
        candidate: Forwarder,
        mirrors: Mapping[Side, Sink],
        classifier: Classifier,
        feed: StatusFeed,
        *,
        consumer_header: str = "X-Harness-Consumer",
        remember: Callable[[str, str], bool] | None = None,
        clock_header: str | None = None,
    ) -> None:
        super().__init__(legacy, None, clock_header=clock_header)
        self.forwarders: dict[Side, Forwarder] = {"legacy": legacy, "candidate": candidate}
        self.mirrors = dict(mirrors)
        self.classifier = classifier
        self.feed = feed
        self.consumer_header = consumer_header.lower().encode("latin-1")
        self.remember = remember or (lambda service, operation: False)
        self.table = RoutingTable()
        self.log = ServedLog(time.time())
        self.writes: deque[Written] = deque(maxlen=WRITES_KEPT)
        self.held = 0  # requests that waited while their slice was switched
        self._hold = asyncio.Event()
        self._tickets: dict[int, _Ticket] = {}

    # -- switching --------------------------------------------------------------------------------
    def switch(self, table: RoutingTable) -> None:
        """Route by `table` from now on. Requests held by the table before are let go (they
        route again, by `table`)."""
        self.table = table
        if not table.held:
            self._hold.set()
            self._hold = asyncio.Event()

    def crossing(self, move: Move, leaving: Side) -> int:
        """Mark the slice's requests in flight on `leaving` as crossing a switch; its number
        (`log.crossing_in_flight(number)` says how many have not finished yet)."""
        number = len(self.log.crossings) + 1
        crossing = [
            ticket
            for ticket in self._tickets.values()
            if ticket.side == leaving
            and ticket.crossing is None
            and move.covers(ticket.service, ticket.operation, ticket.consumer, ticket.bucket)
        ]
        for ticket in crossing:
            ticket.crossing = number
        self.log.switched(number, len(crossing))
        return number

    # -- the proxy's hooks ---------------------------------------------------------------------
    def route(self, incoming: Incoming, request: Request, scope: Scope) -> Route:
        table = self.table
        service, operation = self.classifier.classify(request)
        consumer = self._consumer(scope)
        bucket = bucket_of(consumer)
        if table.held and table.holds(service, operation, consumer, bucket):
            self.held += 1
            return Route(self.forwarders["legacy"], None, hold=self._hold)
        side = table.side(service, operation, consumer, bucket)
        write = request.method not in SAFE_METHODS and table.dual_write(
            service, operation, consumer, bucket
        )
        mirror = self.mirrors.get(other(side)) if table.shadowing else None
        self._tickets[id(request)] = _Ticket(service, operation, consumer, bucket, side)
        self.log.began()
        return Route(self.forwarders[side], mirror, side, write)

    def served(self, route: Route, request: Request, got: Forwarded | None, began: float) -> None:
        ticket = self._tickets.pop(id(request))
        now = time.perf_counter()
        status = None if got is None else got.status
        key = (ticket.service, ticket.operation, route.side)
        started_at = time.time() - (now - began)
        self.log.ended(started_at, key, status, (now - began) * 1000.0, ticket.crossing)
        if (
            got is not None
            and 200 <= got.status < 300
            and request.method not in SAFE_METHODS
            and self.remember(ticket.service, ticket.operation)
        ):
            side: Side = "candidate" if route.side == "candidate" else "legacy"
            self.writes.append(
                Written(started_at, side, ticket.service, ticket.operation, request, got)
            )

    async def control(self, scope: Scope, receive: Receive, send: Send) -> bool:
        path: str = scope["path"]
        if not path.startswith(CONTROL_PREFIX):
            return False
        await read_incoming(scope, receive)
        name = path[len(CONTROL_PREFIX) :]
        if name == "status":
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            since = int(query["since"]) if query.get("since", "").isdigit() else 0
            await _json(send, self.feed.document(since))
        elif name == "routes":
            await _json(send, self.table.to_dict())
        elif name == "served":
            await _json(send, self.counts())
        else:
            await _json(send, {"error": f"no such control path {path}"}, 404)
        return True

    def counts(self) -> dict[str, Any]:
        return {
            "requests": self.log.total,
            "failed": self.log.total_failed,
            "by_side": dict(self.log.by_side),
            "in_flight": self.log.in_flight,
            "held": self.held,
        }

    def partition_of(self, scope: Scope) -> str:
        """A named consumer's requests keep their order on the shadowing side, whichever
        connection they came on (a pharmacy's return before its cancellation)."""
        named = self._named_consumer(scope)
        return f"consumer:{named}" if named else super().partition_of(scope)

    def _consumer(self, scope: Scope) -> str:
        named = self._named_consumer(scope)
        if named:
            return named
        client = scope.get("client")
        return str(client[0]) if client else ""

    def _named_consumer(self, scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name.lower() == self.consumer_header:
                return str(value.decode("latin-1"))
        return ""


async def _json(send: Send, document: object, status: int = 200) -> None:
    body = orjson.dumps(document)
    await answer(send, status, [("content-type", "application/json")], body)

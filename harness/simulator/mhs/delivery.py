"""Delivering what the Spine sends to the consumer's endpoint, on the messaging clock.

Asynchronous answers and acknowledgements are POSTed to one URL (the simulator's
`mhs_consumer_url`). Each delivery has a schedule of due times on the messaging clock: one for
express messages and acknowledgements; for reliable messages the first attempt and one per
retry, a retry interval apart, from the directory (`reliability.retry_schedule`). An attempt
answered by a retriable SOAP fault (every code 200, 206 or 208), or not answered at all, is
tried again when the next time falls due; any other error is final, and so is the last
attempt. A 2xx answer delivers it (an ebXML Acknowledgment naming it is recorded as such).

The dispatcher runs in the server's event loop. Moving the clock wakes it from any thread, so
a test proves a one-minute retry interval by moving the clock a minute. With no consumer URL,
deliveries are held (kept, never sent). Every delivery and attempt is kept for inspection.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from harness.simulator.clock import SimulatorClock
from harness.simulator.mhs.ebxml import read_signal
from harness.simulator.mhs.faults import fault_codes, is_retriable
from harness.simulator.mhs.poster import Poster, PostError
from harness.simulator.xmlsafe import UnsafeXml, parse_xml

log = logging.getLogger(__name__)
ATTEMPT_TIMEOUT_S = 30.0
CONCURRENT_ATTEMPTS = 16
MAX_REPLY_BYTES = 1024 * 1024
Presenter = Callable[[str, bytes], tuple[str, bytes]]


class State(StrEnum):
    HELD = "held"  # no consumer endpoint is configured
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outbound:
    message_id: str
    ref_to_message_id: str | None
    conversation_id: str
    soap_action: str
    content_type: str
    body: bytes
    kind: str  # "message" (an answer) or "acknowledgement"


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime  # on the messaging clock
    status: int | None  # None: no HTTP answer
    outcome: str  # acknowledged, accepted, negative, retriable, refused, unreachable


@dataclass(slots=True)
class Delivery:
    outbound: Outbound
    due: list[datetime]
    submitted_at: datetime
    state: State = State.PENDING
    attempts: list[Attempt] = field(default_factory=list)


def classify(status: int, body: bytes, message_id: str) -> str:
    """What a consumer's answer to a delivery means."""
    try:
        envelope = parse_xml(body, MAX_REPLY_BYTES, "the reply") if body.strip() else None
    except UnsafeXml:
        envelope = None
    if 200 <= status < 300:
        if envelope is None:
            return "accepted"
        signal = read_signal(envelope)
        if signal.errors:
            return "negative"
        return "acknowledged" if signal.acknowledges == message_id else "accepted"
    codes = fault_codes(envelope) if envelope is not None else None
    return "retriable" if is_retriable(codes) else "refused"


class Dispatcher:
    def __init__(self, clock: SimulatorClock, consumer_url: str | None, present: Presenter) -> None:
        self.clock = clock
        self.consumer_url = consumer_url
        self.present = present
        self.deliveries: list[Delivery] = []
        self._due: list[tuple[datetime, int, Delivery]] = []  # a heap by next due time
        self._order = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(CONCURRENT_ATTEMPTS)
        self._lock = threading.Lock()  # `idle` is asked from other threads
        clock.subscribe(self._poke)

    def idle(self) -> bool:
        """Nothing being sent, and nothing due now (a test waits for this after moving time)."""
        with self._lock:
            return not self._sending and not (self._due and self._due[0][0] <= self.clock.now())

    def submit(self, outbound: Outbound, schedule: list[datetime]) -> Delivery:
        """Schedule a delivery; call from the server's event loop (a request handler)."""
        content_type, body = self.present(outbound.content_type, outbound.body)
        presented = replace(outbound, content_type=content_type, body=body)
        delivery = Delivery(presented, sorted(schedule), submitted_at=self.clock.now())
        self.deliveries.append(delivery)
        if self.consumer_url is None:
            delivery.state = State.HELD
            return delivery
        self._queue(delivery)
        self._start()
        self._poke()
        return delivery

    def _queue(self, delivery: Delivery) -> None:
        with self._lock:
            heapq.heappush(self._due, (delivery.due[0], next(self._order), delivery))

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            self._task = self._loop.create_task(self._run())

    def _poke(self) -> None:
        """Wake the dispatcher (thread-safe: the clock may move from another thread)."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def _run(self) -> None:
        assert self._wake is not None and self._loop is not None
        assert self.consumer_url is not None
        client = Poster(self.consumer_url, ATTEMPT_TIMEOUT_S)
        try:
            while True:
                now = self.clock.now()
                with self._lock:
                    while self._due and self._due[0][0] <= now:
                        _, _, delivery = heapq.heappop(self._due)
                        task = self._loop.create_task(self._attempt(client, delivery))
                        self._sending.add(task)
                        task.add_done_callback(self._done)
                self._wake.clear()
                timeout = (self._due[0][0] - now).total_seconds() if self._due else None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            client.close()

    async def _attempt(self, client: Poster, delivery: Delivery) -> None:
        async with self._slots:
            await self._send(client, delivery)
        if delivery.state == State.PENDING:
            self._queue(delivery)  # before this task counts as done: never idle in between
            self._poke()

    def _done(self, task: asyncio.Task[None]) -> None:
        with self._lock:
            self._sending.discard(task)

    async def _send(self, client: Poster, delivery: Delivery) -> None:
        delivery.due.pop(0)
        outbound = delivery.outbound
        headers = {"Content-Type": outbound.content_type, "SOAPAction": outbound.soap_action}
        at = self.clock.now()
        try:
            status_code, reply = await client.post(outbound.body, headers)
            outcome = classify(status_code, reply, outbound.message_id)
            status: int | None = status_code
        except (PostError, TimeoutError) as error:
            log.info("delivery of %s failed: %s", outbound.message_id, error)
            outcome, status = "unreachable", None
        delivery.attempts.append(Attempt(at, status, outcome))
        if outcome in ("acknowledged", "accepted"):
            delivery.state = State.DELIVERED
        elif outcome not in ("retriable", "unreachable") or not delivery.due:
            delivery.state = State.FAILED

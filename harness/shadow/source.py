"""Mirrored live traffic as a `TrafficSource`: units arrive as consumers send them.

The shadow proxy `offer`s each answered request; the offer never waits. A request is taken
(sampled at `rules.sample`; a state-changing one only when `rules.unsafe` names its operation)
into a bounded queue, or **shed** and counted when the queue is full: the shadow is slow or
down and the workers are all waiting on it. The engine's runner pulls units from `arrivals`
(one async iterator its workers share) and sends each to the shadow, with the values the shadow
allocated for itself substituted (`Correlation`); the judge compares the shadow's answer with
the primary's, which stands where a recording stands in a replay (the contract's noise model,
then the policy's waivers).

Order: a mirrored state-changing request may allocate values a later request carries, so no
unit is handed out while one is in flight (`_hold`); reads between two such requests run side
by side. `close` ends the intake: the iterator ends once the queue is drained, so a clean stop
judges and stores everything already received.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from fnmatch import fnmatchcase

from harness.core.exchange import Exchange, Request, Response
from harness.core.http import SAFE_METHODS
from harness.core.operations import Classifier
from harness.core.result import ResultRecord, verdict_of
from harness.core.rules import NoiseModel
from harness.engine.plan import Unit
from harness.engine.runner import Refine
from harness.shadow.correlation import Correlation
from harness.transport.base import Transport
from harness.transport.errors import Http1Error
from harness.transport.forwarding import Forwarded, stored_answer
from harness.transport.limits import AnswerLimits

QUEUE_CAPACITY = 1_000


@dataclass(frozen=True, slots=True)
class MirrorRules:
    """Which answered requests are mirrored: a fraction of them (`sample`, 0..1), and the
    state-changing ones only for operations that `unsafe` names (globs over
    `service.operation` or `METHOD /path`): a shadow with its own state."""

    sample: float = 1.0
    unsafe: tuple[str, ...] = ()
    seed: int = 0

    def allows_unsafe(self, service: str, operation: str, request: Request) -> bool:
        names = (f"{service}.{operation}", f"{request.method} {request.path}")
        return any(fnmatchcase(name, glob) for glob in self.unsafe for name in names)


@dataclass(frozen=True, slots=True)
class Mirrored:
    """One request a consumer sent and the primary's answer as it was passed on."""

    at: datetime  # when it arrived (simulated time when the consumer stamps it)
    request: Request
    primary: Forwarded
    partition: str = ""  # the consumer's conversation (its address, a correlation header)
    write: bool = False  # a state-changing request to mirror whatever the rules say (dual write)


@dataclass
class MirrorStats:
    offered: int = 0
    queued: int = 0
    shed: int = 0  # the queue was full: the shadow is slow or down
    shed_writes: int = 0  # of them, dual writes (the shadowing side's state is incomplete)
    sampled_out: int = 0
    unsafe_skipped: int = 0  # state-changing, and not configured for mirroring
    unreadable: int = 0  # the primary's answer could not be decoded for comparison
    correlated: int = 0  # differences read as the same meaning under the id map
    by_operation: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "offered": self.offered,
            "queued": self.queued,
            "shed": self.shed,
            "shed_writes": self.shed_writes,
            "sampled_out": self.sampled_out,
            "unsafe_skipped": self.unsafe_skipped,
            "unreadable": self.unreadable,
            "correlated": self.correlated,
        }


class ShadowSource:
    """The source of one shadow run (see the module's docstring)."""

    name = "shadow"

    def __init__(
        self,
        classifier: Classifier,
        noise: Mapping[str, NoiseModel],
        limits: AnswerLimits,
        rules: MirrorRules | None = None,
        *,
        capacity: int = QUEUE_CAPACITY,
        correlation: Correlation | None = None,
        run: str = "shadow",
    ) -> None:
        self.classifier = classifier
        self.limits = limits
        self.rules = rules or MirrorRules()
        self.capacity = capacity
        self.correlation = correlation or Correlation()
        self.stats = MirrorStats()
        self._models = [NoiseModel(), *noise.values()]
        self._noise_index = {service: i + 1 for i, service in enumerate(noise)}
        self._queue: asyncio.Queue[tuple[int, Mirrored] | None] = asyncio.Queue()
        self._sequence = 0  # items queued so far: the next one's number
        self._taken = 0  # items taken from the queue so far (it is first in, first out)
        self._unfinished: set[int] = set()  # taken, and not yet judged (or skipped)
        self._writes: set[int] = set()  # dual writes queued, and not yet sent (or skipped)
        self._random = random.Random(self.rules.seed)
        self._numbers = itertools.count(1)
        self._run = run
        self._stamps: dict[str, datetime] = {}
        self._hold = 0
        self._released = asyncio.Event()
        self._released.set()
        self._closed = False
        # id(request sent) -> (unit step, state-changing, item number)
        self._in_flight: dict[int, tuple[Exchange, bool, int]] = {}
        self.arrivals = _Arrivals(self)

    # -- the proxy's side ---------------------------------------------------------------------
    def offer(self, item: Mirrored) -> bool:
        """Take one answered request for mirroring, never waiting; False when not taken."""
        stats = self.stats
        stats.offered += 1
        if self._closed:
            stats.shed += 1
            return False
        if (
            not item.write
            and self.rules.sample < 1.0
            and self._random.random() >= self.rules.sample
        ):
            stats.sampled_out += 1
            return False
        if self._queue.qsize() >= self.capacity:
            stats.shed += 1
            stats.shed_writes += int(item.write)
            return False
        stats.queued += 1
        if item.write:
            self._writes.add(self._sequence)
        self._queue.put_nowait((self._sequence, item))
        self._sequence += 1
        return True

    @property
    def sequence(self) -> int:
        """How many items were queued so far (a mark to wait for with `finished_through`)."""
        return self._sequence

    def finished_through(self, mark: int, writes_only: bool = False) -> bool:
        """Whether every item queued before `mark` was sent and judged (or skipped): not just as
        many items as that, since later reads may finish before an earlier, slower write. With
        `writes_only`, the dual writes among them (what a switch waits for)."""
        if writes_only:
            return not any(number < mark for number in self._writes)
        return self._taken >= mark and not any(number < mark for number in self._unfinished)

    def close(self, report_dir: object = None) -> None:
        """No more arrivals: the units already queued still run, then the phase ends."""
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)

    def stamp(self, exchange_id: str) -> datetime | None:
        """When the exchange behind a result arrived (taken once, by the store)."""
        return self._stamps.pop(exchange_id, None)

    # -- TrafficSource --------------------------------------------------------------------------
    def noise(self) -> Sequence[NoiseModel]:
        return self._models

    def phases(self, done: Collection[str]) -> Sequence[_Arrivals]:
        return [self.arrivals]

    def refinement(self) -> Refine:
        async def refine(unit: Unit, records: list[ResultRecord]) -> list[ResultRecord]:
            found = self._in_flight.pop(id(unit.steps[0].request), None)
            refined = [self._explained(record) for record in records]
            if found is not None:
                self._unfinished.discard(found[2])
                self._writes.discard(found[2])
                if found[1]:
                    self._hold -= 1
                    if self._hold == 0:
                        self._released.set()
            return refined

        return refine

    # -- the engine's side -----------------------------------------------------------------------
    async def next_unit(self) -> Unit | None:
        """The next unit to send (None once closed and drained)."""
        while True:
            queued = await self._queue.get()
            if queued is None:
                self._queue.put_nowait(None)  # every other worker ends too
                return None
            number, item = queued
            self._taken = number + 1
            self._unfinished.add(number)
            while self._hold:  # a state-changing request is in flight: wait for its answer
                await self._released.wait()
            unit = self._unit_of(item, number)
            if unit is not None:
                return unit
            self._unfinished.discard(number)
            self._writes.discard(number)

    def _unit_of(self, item: Mirrored, number: int) -> Unit | None:
        request = item.request
        service, operation = self.classifier.classify(request)
        unsafe = request.method not in SAFE_METHODS
        if unsafe and not (item.write or self.rules.allows_unsafe(service, operation, request)):
            self.stats.unsafe_skipped += 1
            return None
        try:
            primary = stored_answer(item.primary, self.limits)
        except Http1Error:
            self.stats.unreadable += 1
            return None
        exchange = Exchange(
            id=f"{self._run}-{next(self._numbers):09d}",
            service=service,
            operation=operation,
            request=request,
            response=primary,
            source="shadow",
        )
        self._stamps[exchange.id] = item.at
        self._in_flight[id(request)] = (exchange, unsafe, number)
        if unsafe:
            self._hold += 1
            self._released.clear()
        counts = self.stats.by_operation
        counts[operation] = counts.get(operation, 0) + 1
        return Unit(
            self._noise_index.get(service, 0),
            (exchange,),
            partition=item.partition or exchange.id,
        )

    def sent(self, request: Request) -> Exchange | None:
        """The unit step behind a request the runner is sending (the shadow's transport asks)."""
        found = self._in_flight.get(id(request))
        return None if found is None else found[0]

    def answered(self, request: Request, answer: Response | None) -> None:
        """The shadow answered (or failed) a mirrored request: learn what it allocated."""
        found = self._in_flight.get(id(request))
        if found is None:
            return
        exchange, unsafe, _ = found
        if unsafe and answer is not None:
            self.correlation.learn(exchange.response, answer)

    def _explained(self, record: ResultRecord) -> ResultRecord:
        """The record without the differences the id map reads as the same meaning."""
        if not record.differences:
            return record
        kept, explained = self.correlation.explained(record.differences)
        if not explained:
            return record
        self.stats.correlated += explained
        return replace(record, differences=kept, verdict=verdict_of(kept))


class _Arrivals(AsyncIterator[Unit]):
    """The async iterator the runner's workers share (several may await it at once)."""

    def __init__(self, source: ShadowSource) -> None:
        self._source = source

    def __aiter__(self) -> _Arrivals:
        return self

    async def __anext__(self) -> Unit:
        unit = await self._source.next_unit()
        if unit is None:
            raise StopAsyncIteration
        return unit


class CorrelatingTransport:
    """The shadow's transport: each mirrored request with the shadow's own values substituted,
    and what its answer allocated learned (`ShadowSource.answered`)."""

    def __init__(self, shadow: Transport, source: ShadowSource) -> None:
        self.name = shadow.name
        self.shadow = shadow
        self.source = source

    async def send(self, request: Request) -> Response:
        source = self.source
        answer: Response | None = None
        try:
            answer = await self.shadow.send(source.correlation.rewrite(request))
            return answer
        finally:
            source.answered(request, answer)

    async def aclose(self) -> None:
        await self.shadow.aclose()

"""Gathering what each exchange causes: the engine's `LaterObserver`, over the channels' arrivals.

`watch` asks every profile for the exchange's keys (the values its later messages will name);
no key, no watch. `wait` returns once each watch has what the recording says the exchange
caused (counted per kind, first deliveries only), and then a little longer (`settle`) for what
should not come (a duplicate delivered right after the original); with no recording (recording
itself, generated traffic), once the channel has been quiet for `quiet_s`; in any case by the
timeout. The extra time is proportional to how long the expected messages took to come, with a
floor, so a slower machine waits longer instead of judging differently: nothing here depends on
the machine's speed. `collect` claims what came since, and places each message in its
conversation (how many of the conversation's later steps had been sent when it came).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter

from harness.core.exchange import LaterMessage, Request, Response
from harness.domains.messaging import MessagingProfile
from harness.engine.later import Watch
from harness.messaging.arrivals import Arrival, Arrivals
from harness.messaging.poller import Poller


@dataclass(frozen=True, slots=True)
class WaitPolicy:
    """How long to wait for later messages (seconds). Generous by default: a timeout only ends
    the wait for what never comes; what comes ends it early."""

    timeout_s: float = 10.0  # for what the recording says will come
    settle_s: float = 0.25  # after it came, at least this long for what should not
    settle_factor: float = 2.0  # ... and at least this many times as long as it took
    quiet_s: float = 1.0  # with nothing recorded: this long without an arrival ends the wait

    def to_dict(self) -> dict[str, float]:
        return {
            "timeout_s": self.timeout_s,
            "settle_s": self.settle_s,
            "settle_factor": self.settle_factor,
            "quiet_s": self.quiet_s,
        }


@dataclass(eq=False, slots=True)
class _Watch:
    side: str
    keys: frozenset[str]
    sent_at: float
    book: Arrivals
    arrivals: list[Arrival] = field(default_factory=list)
    met_at: float | None = None
    polling: list[asyncio.Task[None]] = field(default_factory=list)

    def take(self) -> None:
        self.arrivals.extend(self.book.claim(self.keys))

    def distinct(self) -> Counter[str]:
        return Counter(a.observed.kind for a in self.arrivals if a.attempt == 1 and not a.duplicate)


class MessagingObserver:
    """One side's arrivals per side name (`legacy`, `candidate`; `legacy` and `twin` when
    recording), the profiles that read keys, and the wait policy."""

    def __init__(
        self,
        profiles: Sequence[MessagingProfile],
        books: Mapping[str, Arrivals],
        policy: WaitPolicy | None = None,
        poller: Poller | None = None,
    ) -> None:
        self.profiles = tuple(profiles)
        self.books = dict(books)
        self.policy = policy or WaitPolicy()
        self.poller = poller
        self.watched = 0

    def watch(
        self, side: str, request: Request, answer: Response | None, sent_at: float
    ) -> Watch | None:
        book = self.books.get(side)
        if book is None:
            return None
        keys: set[str] = set()
        polled: list[tuple[MessagingProfile, frozenset[str]]] = []
        for profile in self.profiles:
            found = profile.keys(request, answer)
            keys.update(found)
            if found:
                polled.append((profile, frozenset(found)))
        if not keys:
            return None
        self.watched += 1
        watch = _Watch(side, frozenset(keys), sent_at, book)
        if self.poller is not None and answer is not None:
            until = sent_at + self.policy.timeout_s
            for profile, found in polled:
                polls = getattr(profile, "polls", None)  # a profile older than polling has none
                listings = polls(request, answer) if polls is not None else ()
                task = self.poller.start(side, profile, listings, found, until)
                if task is not None:
                    watch.polling.append(task)
        return watch

    async def wait(self, watches: Sequence[Watch], expected: Sequence[LaterMessage] | None) -> None:
        mine = [w for w in watches if isinstance(w, _Watch)]
        if not mine:
            return
        wanted = (
            None
            if expected is None
            else Counter(m.kind for m in expected if m.attempt == 1 and not m.duplicate)
        )
        policy = self.policy
        deadline = min(w.sent_at for w in mine) + policy.timeout_s
        while True:
            counts = [(w, w.book.count(w.keys)) for w in mine]
            now = perf_counter()
            until = max((self._until(w, wanted, now, deadline) for w in mine), default=now)
            if now >= until:
                return
            await _any_arrival(counts, until - now)

    def _until(
        self, watch: _Watch, wanted: Counter[str] | None, now: float, deadline: float
    ) -> float:
        """When this watch's wait may end (now or earlier: it has ended)."""
        watch.take()
        policy = self.policy
        if wanted is None:
            last = max((a.arrived for a in watch.arrivals), default=watch.sent_at)
            quiet = max(policy.quiet_s, policy.settle_factor * (last - watch.sent_at))
            return min(last + quiet, deadline)
        got = watch.distinct()
        if any(got[kind] < count for kind, count in wanted.items()):
            return deadline
        if watch.met_at is None:
            watch.met_at = now
        took = watch.met_at - watch.sent_at
        return min(watch.met_at + max(policy.settle_s, policy.settle_factor * took), deadline)

    def collect(self, watch: Watch, steps_sent_at: Sequence[float]) -> tuple[LaterMessage, ...]:
        if not isinstance(watch, _Watch):
            return ()
        for task in watch.polling:  # the watch ends: so do its polls
            task.cancel()
        watch.take()
        return tuple(
            _later_message(arrival, watch, steps_sent_at)
            for arrival in sorted(watch.arrivals, key=lambda a: a.arrived)
        )


def _later_message(arrival: Arrival, watch: _Watch, steps_sent_at: Sequence[float]) -> LaterMessage:
    observed = arrival.observed
    correlation = next((c for c in observed.references if c.value in watch.keys), None) or next(
        iter(observed.references), None
    )
    after_step = sum(1 for sent in steps_sent_at if watch.sent_at < sent < arrival.arrived)
    return LaterMessage(
        channel=arrival.channel,
        kind=observed.kind,
        correlation=correlation,
        code=observed.code,
        message_id=observed.message_id,
        conversation=observed.conversation,
        after_ms=max(0.0, (arrival.arrived - watch.sent_at) * 1000),
        after_step=after_step,
        attempt=arrival.attempt,
        duplicate=arrival.duplicate,
        headers=observed.headers,
        body=observed.body,
    )


async def _any_arrival(counts: Sequence[tuple[_Watch, int]], timeout: float) -> None:
    """Until something arrives for any of the watches (after its count was read), or `timeout`."""
    if len(counts) == 1:
        watch, count = counts[0]
        await watch.book.arrived(watch.keys, count, timeout)
        return
    waits = [
        asyncio.ensure_future(watch.book.arrived(watch.keys, count, timeout))
        for watch, count in counts
    ]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
        await asyncio.gather(*waits, return_exceptions=True)

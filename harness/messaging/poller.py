"""The polling channel: later messages a target keeps for the consumer to fetch (an inbox).

Some later messages are not delivered to the harness but wait on the target's side until the
consumer asks (a message in its recipient's inbox, a report in its sender's). For a watched
exchange whose profile names listings to poll (`MessagingProfile.polls`), the poller asks for
them through that side's own transport (its credentials provider signs each request as the
target's access says), from the exchange's answer until an entry referring to the exchange has
come, or until the watch ends (collected, or the wait policy's timeout). Each entry a listing
names that this side has not read yet is fetched once (`MessagingProfile.entries`: requests that
change nothing, such as a HEAD) and read like a delivery (`MessagingProfile.read`); what it
reads becomes an `Arrival` in the side's book, so watches claim it by reference exactly as they
claim what was delivered to the endpoint.

Polls start at once, then back off (`PollPolicy`) up to an interval that keeps the latency's
resolution well below what a real inbox takes (seconds). A poll that fails (the target did not
answer, or answered an error) is counted and tried again at the next interval: polling never
ends a run, and never changes what a target holds.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from time import perf_counter

from harness.core.exchange import Request, Response
from harness.domains.messaging import Delivery, MessagingProfile
from harness.messaging.arrivals import Arrival, Arrivals, read_delivery

Send = Callable[[Request], Awaitable[Response]]
REMEMBERED_ENTRIES = 100_000  # entries read per side (oldest forgotten)


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often to list (seconds): at once, then `first_s`, growing by `growth` to `max_s`."""

    first_s: float = 0.05
    growth: float = 1.5
    max_s: float = 0.5

    def to_dict(self) -> dict[str, float]:
        return {"first_s": self.first_s, "growth": self.growth, "max_s": self.max_s}


class Poller:
    """Polls, per side, the listings of the watches it is asked to (see the module's docstring)."""

    def __init__(self, books: dict[str, Arrivals], policy: PollPolicy | None = None) -> None:
        self.books = books
        self.policy = policy or PollPolicy()
        self.polls = 0  # listings asked for
        self.fetches = 0  # entries fetched
        self.failures = 0  # polls or fetches without a usable answer
        self._sends: dict[str, Send] = {}
        self._read: dict[str, OrderedDict[tuple[str, str], None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def connect(self, side: str, send: Send) -> None:
        """Poll `side` through `send` (its target's transport, with its credentials)."""
        self._sends[side] = send

    def start(
        self,
        side: str,
        profile: MessagingProfile,
        listings: Sequence[Request],
        keys: frozenset[str],
        until: float,
    ) -> asyncio.Task[None] | None:
        """Poll `listings` on `side` until an entry referring to `keys` came or `until`
        (`time.perf_counter()`); None when there is nothing to poll or no way to."""
        send, book = self._sends.get(side), self.books.get(side)
        if send is None or book is None or not listings:
            return None
        before = book.count(keys)  # now, at the answer: what comes from here on ends the poll
        task = asyncio.get_running_loop().create_task(
            self._poll(side, send, book, profile, tuple(listings), keys, before, until)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _poll(
        self,
        side: str,
        send: Send,
        book: Arrivals,
        profile: MessagingProfile,
        listings: tuple[Request, ...],
        keys: frozenset[str],
        before: int,
        until: float,
    ) -> None:
        delay = self.policy.first_s
        while True:
            for listing in listings:
                await self._list(side, send, book, profile, listing)
            now = perf_counter()
            if book.count(keys) > before or now >= until:
                return
            await asyncio.sleep(min(delay, until - now))
            delay = min(self.policy.max_s, delay * self.policy.growth)

    async def _list(
        self, side: str, send: Send, book: Arrivals, profile: MessagingProfile, listing: Request
    ) -> None:
        self.polls += 1
        answer = await self._ask(send, listing)
        if answer is None:
            return
        read = self._read.setdefault(side, OrderedDict())
        for entry, fetch in profile.entries(listing, answer):
            seen = (profile.channel, entry)
            if seen in read:
                continue
            read[seen] = None  # before the fetch: a concurrent poll does not fetch it again
            if len(read) > REMEMBERED_ENTRIES:
                read.popitem(last=False)
            self.fetches += 1
            got = await self._ask(send, fetch)
            if got is None:
                read.pop(seen, None)  # tried again if it is still listed
                continue
            delivery = Delivery(profile.channel, fetch.method, fetch.path, got.headers, got.body)
            observed = read_delivery(profile, delivery)
            if observed is None:
                book.unreadable += 1
            else:
                book.add(Arrival(profile.channel, observed, perf_counter()))

    async def _ask(self, send: Send, request: Request) -> Response | None:
        """The answer, or None (counted) when there is no usable one."""
        try:
            answer = await send(request)
        except asyncio.CancelledError:
            raise
        except Exception:  # the target did not answer: the next poll tries again
            self.failures += 1
            return None
        if not 200 <= answer.status < 300:
            self.failures += 1
            return None
        return answer

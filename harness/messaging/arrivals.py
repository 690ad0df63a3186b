"""What one side's channels received, kept until a watch claims it.

A delivery may come before the answer of the exchange that caused it (the target delivers while
the harness still reads its 202), or for an exchange nobody watches. So every arrival is kept
in the side's `Arrivals`, indexed by the values it refers to (its correlation), and a watch
claims the arrivals that refer to its keys; each arrival is claimed once (the first watch to
claim it: an exchange sent again with the same message id finds its messages taken by the
first). Arrivals nobody claims are forgotten after `retention_s`, so memory stays bounded
however long a rehearsal runs.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from time import perf_counter

from harness.domains.messaging import Delivery, MessagingProfile, Observed

RETENTION_S = 600.0


def read_delivery(profile: MessagingProfile, delivery: Delivery) -> Observed | None:
    """What `profile` reads in `delivery`; None when it cannot (counted by the caller as
    unreadable: what a target sent never crashes the run)."""
    try:
        return profile.read(delivery)
    except Exception:
        return None


@dataclass(slots=True)
class Arrival:
    channel: str
    observed: Observed
    arrived: float  # time.perf_counter()
    attempt: int = 1  # the n-th delivery of its message id on this side
    duplicate: bool = False  # the receiver had accepted that message id already
    claimed: bool = False


@dataclass(slots=True)
class Arrivals:
    """One side's arrivals by reference value, and an event set whenever one comes."""

    retention_s: float = RETENTION_S
    by_reference: dict[str, list[Arrival]] = field(default_factory=dict)
    order: deque[Arrival] = field(default_factory=deque)
    received: int = 0
    unclaimed_dropped: int = 0
    unreadable: int = 0  # deliveries no profile could read
    version: int = 0  # moves on with every arrival
    # Watches waiting for an arrival referring to a key: woken only by those (not by every one).
    _waiters: dict[str, list[asyncio.Future[None]]] = field(default_factory=dict)

    def add(self, arrival: Arrival) -> None:
        self.received += 1
        self._forget(arrival.arrived)
        self.order.append(arrival)
        for reference in {c.value for c in arrival.observed.references}:
            self.by_reference.setdefault(reference, []).append(arrival)
            for waiter in self._waiters.pop(reference, ()):
                if not waiter.done():
                    waiter.set_result(None)
        self.version += 1

    def claim(self, keys: Iterable[str]) -> list[Arrival]:
        """The unclaimed arrivals referring to any of `keys`, in the order they came."""
        found: dict[int, Arrival] = {}
        for key in keys:
            for arrival in self.by_reference.get(key, ()):
                if not arrival.claimed:
                    found[id(arrival)] = arrival
        taken = sorted(found.values(), key=lambda a: a.arrived)
        for arrival in taken:
            arrival.claimed = True
        return taken

    def count(self, keys: Iterable[str]) -> int:
        """How many arrivals referring to `keys` are held (claimed or not): read it before
        looking, then `arrived(keys, count, ...)` misses nothing that came in between."""
        return sum(len(self.by_reference.get(key, ())) for key in keys)

    async def arrived(self, keys: frozenset[str], count: int, timeout: float) -> None:
        """Return once an arrival referring to `keys` came after `count` was read (at once if
        one has), or after `timeout` seconds."""
        if self.count(keys) != count or timeout <= 0:
            return
        waiter = asyncio.get_running_loop().create_future()
        for key in keys:
            self._waiters.setdefault(key, []).append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return
        finally:
            for key in keys:
                kept = [w for w in self._waiters.get(key, ()) if w is not waiter]
                if kept:
                    self._waiters[key] = kept
                else:
                    self._waiters.pop(key, None)

    def _forget(self, now: float | None = None) -> None:
        horizon = (now if now is not None else perf_counter()) - self.retention_s
        while self.order and self.order[0].arrived < horizon:
            old = self.order.popleft()
            self.unclaimed_dropped += not old.claimed
            for reference in {c.value for c in old.observed.references}:
                kept = [a for a in self.by_reference.get(reference, ()) if a is not old]
                if kept:
                    self.by_reference[reference] = kept
                else:
                    self.by_reference.pop(reference, None)

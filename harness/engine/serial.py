"""Units of one partition one after another, in the order the workers took them.

A partition names a conversation (`Unit.partition`): its units depend on each other. Mirrored
traffic is the case that needs it: each consumer request becomes a unit as it arrives, and a
pharmacy's return and then its cancellation of the same prescription must reach the shadowing
side in that order, though workers run side by side. `Serial.of(partition)` holds a unit until
the partition's earlier units are done; waiting is FIFO (asyncio's lock), and nothing awaits
between a worker taking a unit and queueing for its partition, so order is the order taken.
Units of different partitions never wait for each other. Idle partitions are forgotten.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class Serial:
    def __init__(self) -> None:
        self._held: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def of(self, partition: str) -> AsyncIterator[None]:
        lock, users = self._held.get(partition) or (asyncio.Lock(), 0)
        self._held[partition] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._held[partition]
            if users == 1:
                del self._held[partition]
            else:
                self._held[partition] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._held)

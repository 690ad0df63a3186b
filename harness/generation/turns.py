"""Plan order for shrinking: which of two equivalent divergences is shrunk must not depend on
timing.

Units run side by side and finish in any order. When two units show the same divergence (the
same operation, the same paths), the first to reach the shrinker is shrunk and the other gets
its reproducer; so which one became the regression contract used to depend on which finished
first. `PlanTurns` numbers the units as the plan hands them out, and lets a unit with a
divergence go to the shrinker only once every unit planned before it has been refined: the
earliest in plan order is shrunk, every time. A unit with nothing to shrink never waits, and a
waiting one only waits for the units already in flight before it (at most `concurrency - 1`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator

from harness.engine import Unit


class PlanTurns:
    def __init__(self) -> None:
        self._numbers: dict[int, int] = {}  # id of a unit in flight -> its place in the plan
        self._planned = 0
        self._finished: set[int] = set()
        self._next = 0  # every unit planned before this one has been refined
        self._moved: asyncio.Condition | None = None

    def numbered(self, units: Iterable[Unit]) -> Iterator[Unit]:
        """`units` unchanged, each numbered as it is handed out."""
        for unit in units:
            self._numbers[id(unit)] = self._planned
            self._planned += 1
            yield unit

    async def wait_for_earlier(self, unit: Unit) -> None:
        """Return once every unit planned before `unit` has been refined."""
        number = self._numbers.get(id(unit))
        if number is None or self._next >= number:
            return
        moved = self._condition()
        async with moved:
            await moved.wait_for(lambda: self._next >= number)

    async def finished(self, unit: Unit) -> None:
        """`unit` has been refined."""
        number = self._numbers.pop(id(unit), None)
        if number is None:
            return
        self._finished.add(number)
        while self._next in self._finished:
            self._finished.discard(self._next)
            self._next += 1
        moved = self._condition()
        async with moved:
            moved.notify_all()

    def _condition(self) -> asyncio.Condition:
        if self._moved is None:  # made in the loop that runs the units
            self._moved = asyncio.Condition()
        return self._moved

"""Divergences are shrunk in plan order, whatever order the units finish in."""

from __future__ import annotations

import asyncio

from harness.core.exchange import Exchange, Request, Response
from harness.engine import Unit
from harness.generation.turns import PlanTurns


def unit(name: str) -> Unit:
    step = Exchange(name, "s", "op", Request("GET", "/"), Response(200, (), b""))
    return Unit(0, (step,), name)


def test_a_later_unit_waits_for_the_earlier_ones_and_an_earlier_never_waits() -> None:
    async def scenario() -> list[str]:
        turns = PlanTurns()
        first, second, third = list(turns.numbered([unit("a"), unit("b"), unit("c")]))
        order: list[str] = []

        async def shrink(which: Unit, delay: float) -> None:
            await asyncio.sleep(delay)
            await turns.wait_for_earlier(which)
            order.append(which.partition)
            await turns.finished(which)

        # the third finishes its run first, the first last: they still go in plan order
        await asyncio.wait_for(
            asyncio.gather(shrink(third, 0), shrink(second, 0.01), shrink(first, 0.02)), 60
        )
        return order

    assert asyncio.run(scenario()) == ["a", "b", "c"]

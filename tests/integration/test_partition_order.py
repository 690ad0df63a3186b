"""Units of one partition reach a real server one after another, each once the one before was
answered, in the order they were taken, while other partitions run side by side: a consumer's
return and then its cancellation, mirrored by several workers, must not arrive the other way
round, nor together."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.core.exchange import Exchange, Request, Response
from harness.core.policy import WaiverBook
from harness.core.rules import NoiseModel
from harness.engine import CollectResults, Judge, Phase, RehearsalStarted, Runner, Unit
from harness.serving import serve_in_thread
from harness.transport.live import LiveTransport

pytestmark = pytest.mark.integration


class Orders:
    def __init__(self) -> None:
        self.arrived: list[str] = []
        self.in_flight: set[str] = set()
        self.most_at_once = 0
        self.overlapping: list[tuple[str, str]] = []  # two of the pharmacy's at once

    def app(self) -> Starlette:
        async def order(request: StarletteRequest) -> JSONResponse:
            ident = request.path_params["ident"]
            self.arrived.append(ident)
            if ident.startswith("p"):
                self.overlapping += [(other, ident) for other in self.in_flight if other[0] == "p"]
            self.in_flight.add(ident)
            self.most_at_once = max(self.most_at_once, len(self.in_flight))
            await asyncio.sleep(random.uniform(0.0, 0.02))  # a slow one must not be overtaken
            self.in_flight.discard(ident)
            return JSONResponse({"ok": True})

        return Starlette(routes=[Route("/orders/{ident}", order, methods=["POST"])])


@pytest.fixture
def orders() -> Iterator[tuple[Orders, str]]:
    served = Orders()
    with serve_in_thread(served.app()) as server:
        yield served, server.url


def unit(ident: str, partition: str) -> Unit:
    sent = Request("POST", f"/orders/{ident}")
    step = Exchange(ident, "shop", "order", sent, Response(200), recorded=False)
    return Unit(0, (step,), partition=partition)


def test_one_partitions_units_arrive_in_order_and_others_side_by_side(
    orders: tuple[Orders, str],
) -> None:
    served, url = orders
    pharmacy = [unit(f"p{n:02d}", "consumer:pharmacy") for n in range(20)]
    others = [unit(f"o{n:02d}", f"consumer:gp-{n}") for n in range(20)]
    mixed = [u for pair in zip(pharmacy, others, strict=True) for u in pair]

    async def main() -> int:
        candidate = LiveTransport(url, name="candidate")
        judge = Judge([NoiseModel({})], WaiverBook((), dt.date(2026, 1, 1)), lambda e, s: "")
        collect = CollectResults()
        runner = Runner(judge, candidate, None, [collect], concurrency=8)
        await runner.run([Phase(mixed)], RehearsalStarted("t", None, {}))
        await candidate.aclose()
        return len(collect.records)

    assert asyncio.run(main()) == 40
    assert served.overlapping == []
    assert [i for i in served.arrived if i.startswith("p")] == [u.steps[0].id for u in pharmacy]
    assert served.most_at_once > 1  # the other consumers did not wait for the pharmacy


def test_idle_partitions_are_forgotten() -> None:
    from harness.engine.serial import Serial

    serial = Serial()

    async def main() -> None:
        async def one(partition: str) -> None:
            async with serial.of(partition):
                await asyncio.sleep(0)

        await asyncio.gather(*(one(f"c{n % 3}") for n in range(12)))

    asyncio.run(main())
    assert len(serial) == 0

"""The live transport's client alone vs a bare aiohttp client: requests/s and CPU per request.

Both send the same GETs (32 in flight) to the same local target (a child process) and read each
body; nothing is compared. Rounds alternate; the lean client's answers are checked (status and
body) in a warm-up round first.

    .venv/bin/python bench/transport.py [--requests 20000] [--concurrency 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import orjson
import uvloop
from _corpus import spawn_target

from harness.core.exchange import Request
from harness.transport.live import LiveTransport

Sender = Callable[[int], Awaitable[None]]


async def timed(send: Sender, requests: int, concurrency: int) -> tuple[float, float]:
    """(requests/s, us of this process's CPU per request) for `requests` calls of `send`."""
    numbers = iter(range(requests))

    async def worker() -> None:
        for number in numbers:
            await send(number)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return requests / elapsed, 1e6 * cpu / requests


def nhs(number: int) -> str:
    return str(9000000000 + number % 5000)


async def lean(url: str, requests: int, concurrency: int, check: bool) -> tuple[float, float]:
    transport = LiveTransport(url, name="bench", max_connections=concurrency)
    accept = (("Accept", "application/fhir+json"),)

    async def send(number: int) -> None:
        answer = await transport.send(Request("GET", f"/Patient/{nhs(number)}", headers=accept))
        if check:
            assert answer.status == 200 and orjson.loads(answer.body)["id"] == nhs(number)

    try:
        return await timed(send, requests, concurrency)
    finally:
        await transport.aclose()


async def bare(url: str, requests: int, concurrency: int) -> tuple[float, float]:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(number: int) -> None:
            path = f"{url}/Patient/{nhs(number)}"
            async with session.get(path, headers={"Accept": "application/fhir+json"}) as answer:
                await answer.read()

        return await timed(send, requests, concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with spawn_target() as url:
        uvloop.run(lean(url, args.requests, args.concurrency, check=True))
        for round_ in range(args.rounds):
            lean_rate, lean_cpu = uvloop.run(lean(url, args.requests, args.concurrency, False))
            bare_rate, bare_cpu = uvloop.run(bare(url, args.requests, args.concurrency))
            print(
                f"round {round_ + 1}: live transport {lean_rate:,.0f} req/s ({lean_cpu:.0f} us "
                f"CPU each), bare aiohttp {bare_rate:,.0f} req/s ({bare_cpu:.0f} us CPU each)"
            )


if __name__ == "__main__":
    main()

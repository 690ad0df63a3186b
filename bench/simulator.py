"""Throughput of the simulator's `GET /Patient/{id}` (PDS FHIR) on one worker.

Starts `harness simulate` in a child process (uvloop + httptools, one worker), warms up, then
keeps 48 requests in flight with aiohttp for ~10 s over a spread of patients, each with a
fresh X-Request-ID, and prints requests/s. Target: >= 1,500 req/s on a 2-core machine.

    .venv/bin/python bench/simulator.py [--seconds 10] [--concurrency 48] [--population 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from pathlib import Path

import aiohttp

from harness.serving import spawn_harness_server
from harness.simulator.population import build_population

BASE = "/personal-demographics/FHIR/R4"
TARGET = 1_500


async def hammer(url: str, numbers: list[str], seconds: float, concurrency: int) -> tuple[int, int]:
    done = errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(offset: int) -> None:
            nonlocal done, errors
            index = offset
            while time.perf_counter() < deadline:
                number = numbers[index % len(numbers)]
                index += concurrency
                headers = {"X-Request-ID": str(uuid.uuid4())}
                async with session.get(f"{url}{BASE}/Patient/{number}", headers=headers) as reply:
                    await reply.read()
                    if reply.status != 200:
                        errors += 1
                done += 1

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return done, errors


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=48)
    parser.add_argument("--population", type=int, default=10_000)
    options = parser.parse_args()
    population = build_population(0, options.population)
    numbers = [r.nhs_number for r in population if r.status == "active"][:2_000]
    args = ["simulate", "--population", str(options.population)]
    with spawn_harness_server(args) as server:
        asyncio.run(hammer(server.url, numbers, 1.5, options.concurrency))  # warm-up
        pid = server.process.pid
        cpu_before, started = cpu_seconds(pid), time.perf_counter()
        done, errors = asyncio.run(
            hammer(server.url, numbers, options.seconds, options.concurrency)
        )
        elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
    rate = done / elapsed
    per_request_us = cpu / done * 1e6 if done else float("nan")
    verdict = "OK" if rate >= TARGET and not errors else "BELOW TARGET"
    print(
        f"simulator GET /Patient/{{id}}: {rate:,.0f} req/s "
        f"({done:,} requests in {elapsed:.1f} s, {options.concurrency} in flight, "
        f"{errors} non-200) target >= {TARGET:,} req/s: {verdict}"
    )
    print(
        f"server CPU {per_request_us:,.0f} us/request (one core could serve "
        f"~{1e6 / per_request_us:,.0f} req/s); load average now {os.getloadavg()[0]:.1f}: "
        "the client shares the cores, so a busy machine lowers the first figure"
    )


if __name__ == "__main__":
    main()

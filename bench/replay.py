"""Replay throughput: the harness replaying recorded contracts vs a bare aiohttp client.

Both send the same requests, with the same concurrency, to the same local target (a child
process). The bare client has the request paths in a list (second baseline: it reads them from
the contract file with orjson as it goes), reads each body and does nothing else. The harness
parses each contract exchange, compares every answer with its recording (orjson + path diff),
applies the noise model and waivers, writes results.jsonl. Target: harness >= 80% of bare.
Rounds alternate; medians of the per-round ratios are printed.

    .venv/bin/python bench/replay.py [--exchanges 20000] [--concurrency 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson
import uvloop
from _corpus import spawn_target, write_corpus
from rich.console import Console

from harness.contracts import discover, iter_exchanges
from harness.rehearsal.session import RehearsalRequest, rehearse


async def bare(url: str, paths: list[str], concurrency: int) -> tuple[float, float]:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        for path in paths:
            queue.put_nowait(path)
        for _ in range(concurrency):
            queue.put_nowait(None)

        async def worker() -> None:
            while (path := await queue.get()) is not None:
                async with session.get(
                    url + path, headers={"Accept": "application/fhir+json"}
                ) as r:
                    await r.read()

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        return len(paths) / elapsed, 1e6 * cpu / len(paths)


async def bare_streaming(url: str, corpus: Path, concurrency: int) -> tuple[float, float]:
    """The bare client reading its requests from the contract file as it goes (orjson only)."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    sent = 0
    async with aiohttp.ClientSession(connector=connector) as session:
        with corpus.open("rb") as handle:

            async def worker() -> None:
                nonlocal sent
                for line in handle:
                    request = orjson.loads(line)["request"]
                    async with session.request(
                        request["method"], url + request["path"], headers=request["headers"]
                    ) as r:
                        await r.read()
                    sent += 1

            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return sent / elapsed, 1e6 * cpu / sent


def harness_rate(
    url: str, contracts: Path, out: Path, name: str, concurrency: int
) -> tuple[float, float]:
    outcome = rehearse(
        RehearsalRequest(
            candidate=url,
            contracts=contracts,
            name=name,
            out=out,
            concurrency=concurrency,
            progress=False,
            write_reports=False,
        ),
        Console(quiet=True),
    )
    assert outcome.tally.total == outcome.compared, "every exchange must be judged"
    return outcome.compared / outcome.elapsed_s, 1e6 * outcome.cpu_s / outcome.compared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exchanges", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp, spawn_target() as url:
        root = write_corpus(Path(temp) / "contracts", args.exchanges)
        paths = [e.request.path for c in discover(root) for e in iter_exchanges(c)]
        asyncio.run(bare(url, paths[:2000], args.concurrency))  # warm-up
        ratios, streaming_ratios, bare_cpu, harness_cpu = [], [], [], []
        corpus = root / "bench" / "exchanges.jsonl"
        for round_ in range(args.rounds):
            b_rate, b_cpu = uvloop.run(bare(url, paths, args.concurrency))
            s_rate, _ = uvloop.run(bare_streaming(url, corpus, args.concurrency))
            h_rate, h_cpu = harness_rate(
                url, root, Path(temp) / "reports", f"r{round_}", args.concurrency
            )
            ratios.append(h_rate / b_rate)
            streaming_ratios.append(h_rate / s_rate)
            bare_cpu.append(b_cpu)
            harness_cpu.append(h_cpu)
            print(
                f"round {round_ + 1}: bare aiohttp {b_rate:,.0f} req/s ({b_cpu:.0f} us CPU each), "
                f"bare reading the contract file {s_rate:,.0f} req/s, "
                f"harness replay {h_rate:,.0f} exchanges/s ({h_cpu:.0f} us CPU each): "
                f"{100 * h_rate / b_rate:.0f}% / {100 * h_rate / s_rate:.0f}%"
            )
    ratio = statistics.median(ratios)
    cpu_ratio = statistics.median(bare_cpu) / statistics.median(harness_cpu)
    print(
        f"exchanges per round: {args.exchanges:,}, concurrency {args.concurrency}, load "
        f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"median harness/bare throughput: {100 * ratio:.0f}%  "
        f"(CPU per request, bare/harness: {100 * cpu_ratio:.0f}%)"
    )
    print(
        "median harness/bare-reading-the-contract-file throughput: "
        f"{100 * statistics.median(streaming_ratios):.0f}%"
    )
    print(f"target >= 80% of bare (requests preloaded): {'MET' if ratio >= 0.8 else 'NOT MET'}")


if __name__ == "__main__":
    main()

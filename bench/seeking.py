"""Generation that reaches success paths: what the second, seeded round costs and what it buys.

    .venv/bin/python bench/seeking.py [N]

Against a fresh simulator (population 300) per run, with the published PDS document when
`../shared/reference/pds/specification/` is present (else the simulator's own document):

1. The share of generated requests answered 2xx per operation, recording N generated requests
   in one round (the interface alone: examples, schemathesis positive and negative, the packs'
   realistic cases) versus the two rounds `harness record --generate N` sends (the second
   seeded by the first one's answers), same N, same seed, same run.
2. Generation rates, in the same run, alternating three times: the first round's cases per
   second (`generate_templates`), the second round's (`success_seeking`, pool fed and links
   found included), and feeding answers into the seed pool (exchanges per second).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.core.exchange import Exchange
from harness.core.operations import OperationIndex, slug
from harness.generation.cases import generate_templates
from harness.generation.seeds import SeedPool
from harness.generation.seeking import success_seeking
from harness.openapi import Interface
from harness.record.interface import load_openapi
from harness.record.recorder import RecordResult, record
from harness.record.rounds import seeking_round, split_generation
from harness.record.runner import Classifier, Plan, run_pass
from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from harness.transport.live import LiveTransport

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = (
    ROOT.parent / "shared" / "reference" / "pds" / "specification" / "personal-demographics.yaml"
)


def document(url: str) -> dict[str, Any]:
    source = str(PUBLISHED) if PUBLISHED.is_file() else f"{url}/openapi.json"
    return load_openapi(source, [])


def recorded(count: int, seeded: bool) -> RecordResult:
    with serve_in_thread(build_app(SimulatorConfig(population=300))) as simulator:
        spec = document(simulator.url)
        interface = Interface(spec)
        first, later = split_generation(count) if seeded else (count, 0)
        plan = Plan(generated=generate_templates(spec, first, 0, interface=interface))
        then = seeking_round(interface, later, 0, None) if seeded else None

        async def go() -> RecordResult:
            target = LiveTransport(simulator.url, name="legacy", max_connections=16)
            try:
                with tempfile.TemporaryDirectory() as out:
                    return await record(target, plan, spec, Path(out), learn=False, then=then)
            finally:
                await target.aclose()

        return asyncio.run(go())


def answered(spec: dict[str, Any], count: int) -> list[Exchange]:
    """A first round's answers, to seed the second round in the timing below."""
    with serve_in_thread(build_app(SimulatorConfig(population=300))) as simulator:
        cases = generate_templates(spec, count, 0)
        index = OperationIndex.from_openapi(spec)
        classify = Classifier(index, slug(str(spec.get("info", {}).get("title", ""))), spec)

        async def go() -> list[Exchange]:
            target = LiveTransport(simulator.url, name="legacy", max_connections=16)
            try:
                return list(
                    (await run_pass(target, Plan(generated=cases), classify)).exchanges.values()
                )
            finally:
                await target.aclose()

        return asyncio.run(go())


def shares(result: RecordResult) -> dict[str, str]:
    return {
        op: f"{good}/{sent} ({100 * good / sent:.0f}%)"
        for op, (good, sent) in result.success.items()
    }


def main(argv: Sequence[str]) -> None:
    count = int(argv[1]) if len(argv) > 1 else 200
    one, two = recorded(count, seeded=False), recorded(count, seeded=True)
    print(f"2xx share per operation, {count} generated requests, seed 0 (one round | two rounds):")
    seeded = shares(two)
    for operation, figure in shares(one).items():
        print(f"  {operation:28} {figure:>14} | {seeded.get(operation, '-'):>14}")
    with serve_in_thread(build_app(SimulatorConfig(population=300))) as simulator:
        spec = document(simulator.url)
    base = answered(spec, count // 2)
    interface = Interface(spec)
    first_rates, second_rates, feed_rates = [], [], []
    for _ in range(3):
        started = time.perf_counter()
        made = generate_templates(spec, count // 2, 1, interface=interface)
        first_rates.append(len(made) / (time.perf_counter() - started))
        started = time.perf_counter()
        pool = SeedPool(interface).feed(base)
        feed_rates.append(len(base) / (time.perf_counter() - started))
        started = time.perf_counter()
        cases, chains = success_seeking(interface, pool, count - count // 2, 1)
        planned = len(cases) + sum(len(chain.steps) for chain in chains)
        second_rates.append(planned / (time.perf_counter() - started))
    first, second = statistics.median(first_rates), statistics.median(second_rates)
    print(f"first round: {first:.0f} cases/s (generation alone)")
    print(f"second round: {second:.0f} requests/s planned (seeded, varied, chains)")
    print(f"seed pool: {statistics.median(feed_rates):.0f} answered exchanges/s fed")
    print(f"ratio second/first round: {second / first:.2f}")


if __name__ == "__main__":
    main(sys.argv)

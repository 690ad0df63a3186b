"""Recording throughput: exchanges/s recorded from the local simulator (child processes).

Records the shipped scenarios plus generated traffic from two fresh simulators (population 2000;
the second is the twin the noise pass goes to), and once more without noise learning (one
simulator, one pass). Generation time (schemathesis + hypothesis) is reported separately.

    .venv/bin/python bench/record.py
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from harness.generation.cases import generate_templates
from harness.record.interface import load_openapi
from harness.record.recorder import record
from harness.record.runner import Plan
from harness.scenario import load_scenarios
from harness.serving import spawn_harness_server
from harness.transport.live import LiveTransport

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["simulate", "--seed", "0", "--population", "2000"]
GENERATE = 600


async def run(primary_url: str, twin_url: str | None, plan: Plan, document: dict, out: Path):
    primary = LiveTransport(primary_url, name="legacy", max_connections=32)
    twin = LiveTransport(twin_url, name="twin", max_connections=32) if twin_url else None
    try:
        return await record(
            primary, plan, document, out, twin=twin, learn=twin is not None, concurrency=32
        )
    finally:
        await primary.aclose()
        if twin is not None:
            await twin.aclose()


def main() -> None:
    scenarios = load_scenarios(ROOT / "fixtures" / "scenarios")
    with spawn_harness_server(ARGS) as first, spawn_harness_server(ARGS) as second:
        document = load_openapi(f"{first.url}/openapi.json")
        started = time.perf_counter()
        generated = generate_templates(document, GENERATE, seed=1)
        generation_s = time.perf_counter() - started
        plan = Plan(scenarios=scenarios, generated=generated)
        with tempfile.TemporaryDirectory() as directory:
            twin = asyncio.run(run(first.url, second.url, plan, document, Path(directory) / "a"))
    with spawn_harness_server(ARGS) as only, tempfile.TemporaryDirectory() as directory:
        single = asyncio.run(run(only.url, None, plan, document, Path(directory) / "b"))
    print(
        f"plan: {len(scenarios)} scenarios + {len(generated)} generated requests "
        f"({generation_s:.1f}s to generate, {len(generated) / generation_s:.0f} cases/s)"
    )
    for label, result, gap in (
        ("with noise learning (2 passes, twin)", twin, 1.1),
        ("without noise learning (1 pass)", single, 0.0),
    ):
        busy = result.seconds - gap
        print(
            f"{label}: {result.recorded} exchanges recorded, {result.sent} requests sent in "
            f"{result.seconds:.2f}s ({gap:.1f}s of it the timestamp gap): "
            f"{result.recorded / busy:.0f} exchanges/s, {result.sent / busy:.0f} requests/s"
        )


if __name__ == "__main__":
    main()

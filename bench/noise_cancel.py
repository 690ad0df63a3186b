"""The cost of live noise cancellation: differential exchanges per second with and without it,
in the same run, alternating rounds (the machine's speed drifts).

Three cases, each against two minimal targets in child processes (bench/_corpus.py), through
the engine's Runner and Judge with generated-like exchanges (no recording to consult):

- agree: both sides answer the same; the hot path (one comparison, nothing asked again);
- noise: both sides add a fresh UUID to every answer, a field the noise model does not cover;
  cancellation asks legacy again until the field is learned (two asks), then it is a rule;
- diverge: the candidate adds a field legacy never sends, on every exchange: legacy is asked
  again every time (the field is a divergence, never learned): the worst case.

    .venv/bin/python bench/noise_cancel.py [--exchanges 5000] [--concurrency 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _corpus import spawn_target

from harness.core.exchange import Exchange, Request, Response
from harness.core.policy import WaiverBook
from harness.core.rules import NoiseModel
from harness.engine import BaseConsumer, Judge, Phase, RehearsalStarted, Runner, Unit
from harness.engine.live_noise import LiveNoise
from harness.engine.opinion import AskAgain
from harness.transport.live import LiveTransport

CASES = {"agree": ("", ""), "noise": ("stamp", "stamp"), "diverge": ("", "drift")}


class Count(BaseConsumer):
    def __init__(self) -> None:
        self.verdicts: dict[str, int] = {}

    def handle(self, event: object) -> None:
        result = getattr(event, "result", None)
        if result is not None:
            key = result.verdict.value
            self.verdicts[key] = self.verdicts.get(key, 0) + 1


def units(count: int) -> list[Unit]:
    def read(n: int) -> Exchange:
        request = Request("GET", f"/Patient/{9000000000 + n % 5000}")
        return Exchange(f"e{n}", "bench", "getPatient", request, Response(0), recorded=False)

    return [Unit(0, (read(n),)) for n in range(count)]


async def one_round(
    legacy_url: str, candidate_url: str, count: int, concurrency: int, reask: bool
) -> tuple[float, dict[str, int], int]:
    legacy = LiveTransport(legacy_url, name="legacy")
    candidate = LiveTransport(candidate_url, name="candidate")
    live = LiveNoise()
    judge = Judge([NoiseModel({})], WaiverBook((), dt.date(2026, 1, 1)), lambda e, s: "",
                  live=live)  # fmt: skip
    counted = Count()
    runner = Runner(judge, candidate, legacy, [counted], concurrency=concurrency,
                    opinion=AskAgain(legacy) if reask else None)  # fmt: skip
    began = time.perf_counter()
    await runner.run([Phase(units(count))], RehearsalStarted("bench", None, {}))
    elapsed = time.perf_counter() - began
    await legacy.aclose()
    await candidate.aclose()
    return count / elapsed, counted.verdicts, live.asked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exchanges", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.exchanges} differential exchanges per round, {args.concurrency} in flight")
    for case, (legacy_vary, candidate_vary) in CASES.items():
        with contextlib.ExitStack() as stack:
            legacy = stack.enter_context(spawn_target(vary=legacy_vary))
            candidate = stack.enter_context(spawn_target(vary=candidate_vary))
            rates: dict[bool, list[float]] = {False: [], True: []}
            seen: dict[bool, tuple[dict[str, int], int]] = {}
            for number in range(args.rounds):
                # alternating, same run, and which goes first alternates too
                for reask in (False, True) if number % 2 == 0 else (True, False):
                    rate, verdicts, asked = asyncio.run(
                        one_round(legacy, candidate, args.exchanges, args.concurrency, reask)
                    )
                    rates[reask].append(rate)
                    seen[reask] = (verdicts, asked)
            without, with_ = statistics.median(rates[False]), statistics.median(rates[True])
            print(
                f"{case:8} without {without:8,.0f}/s  with {with_:8,.0f}/s  "
                f"ratio {with_ / without:5.0%}  verdicts without {seen[False][0]}, "
                f"with {seen[True][0]}, legacy asked again {seen[True][1]} times"
            )


if __name__ == "__main__":
    main()

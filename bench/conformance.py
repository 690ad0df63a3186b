"""Schema conformance: what holding each candidate answer to its document costs, per answer.

    .venv/bin/python bench/conformance.py [--seconds 1.5]

Over the shipped PDS, SDS and EPS contracts (their recorded answers, each checked against the
contract's own `openapi.json`), in the same run, alternating three times:

1. `DocumentConformance` on answers never seen (a fresh checker per pass: every body validated
   with schemathesis's compiled validator), answers per second;
2. the same on a warm checker (replays repeat answers: a body judged already is not validated
   again), answers per second;
and the ratio of 2 to 1 (same run): what remembering judged bodies saves. A cold pass compiles
each operation's validators again, so 1 is the worst case: a rehearsal compiles them once.

Also counts what the recorded answers hold: answers checked, and those found not conforming
(a faithful simulator and its document: expected 0).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.conformance import DocumentConformance
from harness.contracts import discover, iter_exchanges
from harness.core.exchange import Exchange

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("pds", "sds", "eps")


def rate(run: Callable[[], int], seconds: float) -> float:
    """Items per second: `run` repeated for about `seconds`."""
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        done += run()
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.5)
    seconds = parser.parse_args().seconds
    contracts = [c for c in discover(ROOT / "contracts") if c.service in SERVICES]
    documents = {c.service: c.openapi for c in contracts}
    exchanges: list[Exchange] = [e for c in contracts for e in iter_exchanges(c)]

    def check(checker: DocumentConformance) -> int:
        for exchange in exchanges:
            checker(exchange.service, exchange.operation, exchange.response)
        return len(exchanges)

    warm = DocumentConformance(documents)
    found = [warm(e.service, e.operation, e.response) for e in exchanges]
    checked = [f for f in found if f is not None]
    print(f"{len(exchanges)} recorded answers, {len(checked)} with a documented operation, "
          f"{sum(1 for f in checked if f)} not conforming")  # fmt: skip
    cold_rates, warm_rates = [], []
    for _ in range(3):
        cold_rates.append(rate(lambda: check(DocumentConformance(documents)), seconds))
        warm_rates.append(rate(lambda: check(warm), seconds))
    cold, hot = statistics.median(cold_rates), statistics.median(warm_rates)
    print(f"answers never seen:  {cold:,.0f} answers/s (validators compiled again per pass)")
    print(f"answers seen before: {hot:,.0f} answers/s ({hot / cold:.1f}x)")


if __name__ == "__main__":
    main()

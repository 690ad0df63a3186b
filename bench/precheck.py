"""The pre-pass that checks every contract line before a rehearsal sends anything: its cost.

On the 200k-exchange corpus of `bench/memory.py` (`_corpus.write_corpus`), in one process and
one run: the pre-pass (`harness.contracts.check.check_contracts`: parse, structure, required
fields, unknown keys, unique ids), a bare `orjson.loads` of every line for reference, and the
whole rehearsal of the same corpus against a local target, so the pre-pass's share of a
rehearsal is a same-run ratio. Medians of three for the first two.

    .venv/bin/python bench/precheck.py [--count 200000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import orjson
from _corpus import spawn_target, write_corpus
from rich.console import Console

from harness.contracts import discover
from harness.contracts.check import check_contracts
from harness.rehearsal.session import RehearsalRequest, rehearse


def timed(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp, spawn_target(extensions=0) as url:
        root = write_corpus(Path(temp) / "c", args.count, extensions=0)
        contracts = discover(root)
        lines = contracts[0].path("exchanges")

        def parse_only() -> None:
            with lines.open("rb") as handle:
                for line in handle:
                    orjson.loads(line)

        check = statistics.median(timed(lambda: check_contracts(contracts)) for _ in range(3))
        parse = statistics.median(timed(parse_only) for _ in range(3))
        request = RehearsalRequest(
            candidate=url, contracts=root, name="p", out=Path(temp) / "r", concurrency=64,
            progress=False, write_reports=False,
        )  # fmt: skip
        whole = timed(lambda: rehearse(request, Console(quiet=True)))
    per_line = 1e6 * check / args.count
    print(f"pre-pass over {args.count:,} exchanges: {check:.2f}s ({per_line:.1f} us per line)")
    print(f"bare orjson.loads of the same lines: {parse:.2f}s ({check / parse:.1f}x)")
    print(f"whole rehearsal (pre-pass included): {whole:.1f}s; pre-pass {100 * check / whole:.0f}%")


if __name__ == "__main__":
    main()

"""Peak memory of a rehearsal vs corpus size: 20k and 200k exchanges must cost the same.

Each corpus (contract format, synthesised in a temp dir) is replayed in a fresh child process
against a local target; the child reports its peak RSS (ru_maxrss) after the rehearsal including
the end-of-run gate pass. The runner streams: the corpus is read lazily, at most `concurrency`
exchanges exist at once, and results go straight to disk.

    .venv/bin/python bench/memory.py [--small 20000] [--large 200000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _corpus import ROOT, spawn_target, write_corpus

CHILD = """
import resource, sys
from pathlib import Path
from rich.console import Console
from harness.rehearsal.session import RehearsalRequest, rehearse
request = RehearsalRequest(candidate=sys.argv[1], contracts=Path(sys.argv[2]), name="m",
    out=Path(sys.argv[3]), concurrency=64, progress=False, write_reports=False)
o = rehearse(request, Console(quiet=True))
assert o.tally.total == int(sys.argv[4]), o.tally.total
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, o.compared / o.elapsed_s)
"""


def measure(url: str, count: int, temp: Path) -> tuple[float, float, float]:
    contracts = write_corpus(temp / f"c{count}", count, extensions=0)
    started = time.perf_counter()
    output = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(contracts), str(temp / f"r{count}"), str(count)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    return int(output[0]) / 1024, float(output[1]), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp, spawn_target(extensions=0) as url:
        peaks = {}
        for count in (args.small, args.large):
            peak, rate, wall = measure(url, count, Path(temp))
            peaks[count] = peak
            print(
                f"{count:>8,} exchanges: peak RSS {peak:6.1f} MiB ({rate:,.0f} exchanges/s, "
                f"{wall:.0f}s wall)"
            )
    growth = peaks[args.large] - peaks[args.small]
    print(
        f"growth for {args.large // args.small}x the corpus: {growth:+.1f} MiB "
        f"({100 * growth / peaks[args.small]:+.1f}%)"
    )
    met = growth < 0.1 * peaks[args.small]
    print(f"independent of corpus size (< 10% growth): {'MET' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()

"""Live differential rehearsal throughput: legacy and candidate both local child processes.

Every exchange goes to both live targets; the two answers are compared (the recording is consulted
only when they differ). Target: >= 1,500 exchanges/s (the platform's 2014 peak).

By default both targets are the built-in simulator (legacy and spine2 flavours, population 500)
replaying PDS reads taken from the committed contracts when present, else a synthetic corpus
against a minimal ASGI app (`--synthetic`).

    .venv/bin/python bench/differential.py [--exchanges 20000] [--concurrency 32] [--synthetic]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
from collections.abc import Iterator
from pathlib import Path

from _corpus import ROOT, TARGET_PIDS, cpu_seconds, spawn_target, write_corpus
from rich.console import Console

from harness.core.difference import Verdict
from harness.rehearsal.session import RehearsalRequest, rehearse


@contextlib.contextmanager
def synthetic_targets() -> Iterator[tuple[str, str]]:
    with spawn_target() as legacy, spawn_target() as candidate:
        yield legacy, candidate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exchanges", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--synthetic", action="store_true", help="Minimal app, synthetic corpus.")
    parser.add_argument("--contracts", type=Path, default=ROOT / "contracts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        contracts = Path(temp) / "contracts"
        simulator = not args.synthetic and _simulator_corpus(
            args.contracts, contracts, args.exchanges
        )
        targets = _simulator_targets() if simulator else synthetic_targets()
        if not simulator:
            write_corpus(contracts, args.exchanges)
        with targets as (legacy, candidate):
            rates, harness_cpu, server_cpu = [], [], []
            pids = [TARGET_PIDS[legacy], TARGET_PIDS[candidate]]
            for round_ in range(args.rounds):
                servers_before = sum(cpu_seconds(pid) for pid in pids)
                outcome = rehearse(
                    RehearsalRequest(
                        candidate=candidate,
                        legacy=legacy,
                        contracts=contracts,
                        name=f"d{round_}",
                        out=Path(temp) / "reports",
                        concurrency=args.concurrency,
                        progress=False,
                        write_reports=False,
                    ),
                    Console(quiet=True),
                )
                servers = sum(cpu_seconds(pid) for pid in pids) - servers_before
                rates.append(outcome.compared / outcome.elapsed_s)
                harness_cpu.append(1e6 * outcome.cpu_s / outcome.compared)
                server_cpu.append(1e6 * servers / outcome.compared)
                verdicts = {v.value: outcome.tally.count(v) for v in Verdict}
                print(
                    f"round {round_ + 1}: {rates[-1]:,.0f} exchanges/s {verdicts}; CPU per "
                    f"exchange: harness {harness_cpu[-1]:.0f} us, both servers "
                    f"{server_cpu[-1]:.0f} us"
                )
    kind = "simulator legacy vs spine2" if simulator else "synthetic app x2"
    median = statistics.median(rates)
    print(
        f"targets: {kind}; {args.exchanges:,} exchanges per round, concurrency {args.concurrency}"
    )
    print(f"median live differential rate: {median:,.0f} exchanges/s")
    h_cpu, s_cpu = statistics.median(harness_cpu), statistics.median(server_cpu)
    print(
        f"median CPU per exchange: harness process {h_cpu:.0f} us, the two servers {s_cpu:.0f} us "
        f"(sum {h_cpu + s_cpu:.0f} us on {os.cpu_count()} CPUs: at most "
        f"{(os.cpu_count() or 1) * 1e6 / (h_cpu + s_cpu):,.0f}/s if nothing else ran; load average "
        f"{os.getloadavg()[0]:.1f})"
    )
    print(f"target >= 1,500/s: {'MET' if median >= 1500 else 'NOT MET'}")


@contextlib.contextmanager
def _simulator_targets() -> Iterator[tuple[str, str]]:
    from harness.serving import spawn_harness_server

    base = ["simulate", "--population", "500", "--seed", "0"]
    with (
        spawn_harness_server(base) as legacy,
        spawn_harness_server([*base, "--flavour", "spine2"]) as candidate,
    ):
        TARGET_PIDS[legacy.url] = legacy.process.pid
        TARGET_PIDS[candidate.url] = candidate.process.pid
        yield legacy.url, candidate.url


def _simulator_corpus(recorded: Path, out: Path, count: int) -> bool:
    """Repeat the recorded PDS read exchanges up to `count` (reads are idempotent)."""
    import orjson

    source = recorded / "pds"
    if not (source / "exchanges.jsonl").is_file():
        return False
    reads = []
    with (source / "exchanges.jsonl").open("rb") as handle:
        for line in handle:
            data = orjson.loads(line)
            if data["request"]["method"] == "GET" and data["operation"] == "getPatient":
                reads.append({**data, "scenario": None, "step": None, "meta": {}})
    if not reads:
        return False
    target = out / "pds"
    target.mkdir(parents=True)
    for name in ("contract.yaml", "openapi.json", "noise.yaml"):
        if (source / name).exists():
            (target / name).write_bytes((source / name).read_bytes())
    with (target / "exchanges.jsonl").open("wb") as handle:
        for index in range(count):
            data = dict(reads[index % len(reads)], id=f"d-{index:07d}")
            handle.write(orjson.dumps(data) + b"\n")
    return True


if __name__ == "__main__":
    main()

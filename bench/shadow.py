"""The shadow proxy and its store: what consumers pay, what a shadow that is down costs, what
weeks of traffic weigh on disk, and how fast the monitor reads them.

1. Overhead: legacy and spine2 simulators and `harness shadow` between them, each a child
   process; an open-loop consumer sends PDS reads at `--rate` requests/s, in alternating slices
   to the primary directly and through the proxy (same run, same requests), and prints each
   side's p50 and p99 and the proxy's overhead (want p50 <= 1 ms and p99 <= 5 ms at 500/s).
2. Shadow down: the same load through a proxy whose shadow port is closed: consumer errors
   (want 0), and the overhead again.
3. Store size: the bytes per million exchanges of what run 1 stored, as written (batches) and
   compacted (one file per day, as past days are kept).
4. Queries: `--rows` (10 million) synthetic results written into the same Parquet layout (45
   days, realistic ids, a few clusters), and the time of each of the monitor's queries.

    .venv/bin/python bench/shadow.py [--rate 500] [--seconds 6] [--rounds 3] [--rows 10000000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from _corpus import cpu_seconds  # (also puts the repository on sys.path)

from harness.core.exchange import Request
from harness.serving import spawn_harness_server
from harness.transport.base import TransportError
from harness.transport.live import LiveTransport

READ = Request(
    "GET",
    "/personal-demographics/FHIR/R4/Patient/9000000009",
    headers=(("X-Request-ID", "60f5a1c4-2f05-4c43-9d4f-1d2a6e1b7c3a"),),
)


async def open_loop(urls: list[str], rate: float, seconds: float, slice_s: float = 0.5):
    """Requests at `rate`/s for `seconds`, in slices that alternate between the URLs; each
    request's latency (ms) by URL, and the failures by URL."""
    transports = {url: LiveTransport(url, name=url, timeout_s=30) for url in urls}
    latencies: dict[str, list[float]] = {url: [] for url in urls}
    failures: dict[str, int] = dict.fromkeys(urls, 0)
    pending: set[asyncio.Task[None]] = set()

    async def one(url: str) -> None:
        started = time.perf_counter()
        try:
            answer = await transports[url].send(READ)
            if answer.status != 200:
                failures[url] += 1
        except TransportError:
            failures[url] += 1
            return
        latencies[url].append((time.perf_counter() - started) * 1000)

    for url in urls:  # warm both paths (connections, first-touch)
        for _ in range(50):
            await one(url)
        latencies[url].clear()
    began = time.perf_counter()
    count = int(rate * seconds)
    for index in range(count):
        due = began + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        url = urls[int((index / rate) / slice_s) % len(urls)]
        task = asyncio.ensure_future(one(url))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    for transport in transports.values():
        await transport.aclose()
    return latencies, failures


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


@contextlib.contextmanager
def simulators() -> Iterator[tuple[str, str]]:
    base = ["simulate", "--population", "500"]
    with (
        spawn_harness_server(base) as legacy,
        spawn_harness_server([*base, "--flavour", "spine2"]) as candidate,
    ):
        yield legacy.url, candidate.url


def overhead(
    label: str, primary: str, proxy: str, pid: int, rate: float, seconds: float, rounds: int
) -> None:
    """`rounds` runs of the load; each round's figures, then the medians (the machine is shared:
    a round that met a busy moment shows as one, and the median is what it usually costs)."""
    print(f"{label}: {rate:g} requests/s, {rounds} rounds of {seconds:g} s, alternating slices")
    rows = []
    for number in range(1, rounds + 1):
        cpu_before = cpu_seconds(pid)
        latencies, failures = asyncio.run(open_loop([primary, proxy], rate, seconds))
        cpu = cpu_seconds(pid) - cpu_before
        direct, through = latencies[primary], latencies[proxy]
        row = (
            quantile(direct, 0.5),
            quantile(direct, 0.99),
            quantile(through, 0.5),
            quantile(through, 0.99),
            failures[proxy],
            cpu / max(1, len(through) + 100) * 1e6,
        )
        rows.append(row)
        d50, d99, p50, p99, errors, us = row
        print(
            f"  round {number}: direct p50 {d50:.2f} p99 {d99:.2f} ms | through the proxy p50 "
            f"{p50:.2f} p99 {p99:.2f} ms | overhead p50 {p50 - d50:+.2f} p99 {p99 - d99:+.2f} ms"
            f" | consumer errors {errors} (direct {failures[primary]}) | proxy CPU {us:.0f} us/req"
        )
    median = [statistics.median(column) for column in zip(*rows, strict=True)]
    print(
        f"  median: proxy overhead p50 {median[2] - median[0]:+.2f} ms, p99 "
        f"{median[3] - median[1]:+.2f} ms (want <= 1 and <= 5); consumer errors "
        f"{sum(r[4] for r in rows)} in all (want 0); the proxy's CPU (forward, mirror, judge, "
        f"store) {median[5]:.0f} us per consumer request"
    )


def store_size(store: Path) -> None:
    import duckdb

    from harness.shadow.store import compact

    pattern = str(store / "day=*" / "*.parquet")
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{pattern}')").fetchall()[0][0]
    written = sum(p.stat().st_size for p in store.glob("day=*/*.parquet"))
    compacted_copy = store.parent / "compacted"
    shutil.copytree(store, compacted_copy)
    for folder in compacted_copy.glob("day=*"):
        compact(folder)
    compacted = sum(p.stat().st_size for p in compacted_copy.glob("day=*/*.parquet"))
    per = 1_000_000 / max(1, count)
    print(
        f"store: {count:,} exchanges stored; per million exchanges {written * per / 2**20:.1f} MiB "
        f"as written in batches, {compacted * per / 2**20:.1f} MiB compacted (one file per day)"
    )


def synthetic_store(root: Path, rows: int, days: int = 45) -> None:
    """`rows` results in the store's layout: 12 operations, ~0.5% mismatches in 6 clusters,
    0.1% errors, log-normal latencies, ids as the shadow writes them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from harness.shadow.store import schema

    rng = np.random.default_rng(7)
    operations = np.array([f"op{i:02d}" for i in range(12)])
    start = datetime(2026, 10, 1)
    table_schema = schema()
    per_day = rows // days
    for day in range(days):
        n = per_day + (rows - per_day * days if day == days - 1 else 0)
        micros = np.sort(rng.integers(0, 86_400_000_000, n))
        moment = np.datetime64(start + timedelta(days=day)) + micros.astype("timedelta64[us]")
        op = rng.integers(0, len(operations), n)
        draw = rng.random(n)
        verdict = np.where(draw < 0.001, "error", np.where(draw < 0.006, "mismatch", "match"))
        odd = verdict != "match"
        mismatch = verdict == "mismatch"
        signature = np.char.add(np.char.add("pds.", operations[op % 6]), ": changed /birthDate")
        ids = np.char.zfill((day * per_day + np.arange(n)).astype(str), 9)
        difference = (
            '[{"path":"/birthDate","kind":"changed","legacy":"2001-02-03",'
            '"candidate":"20010203","waiver":null}]'
        )
        request = '{"method":"GET","path":"/Patient/9000000009"}'
        reproducer = "curl -sS -i http://127.0.0.1:9001/Patient/9000000009"
        columns = {
            "ts": pa.array(moment, type=pa.timestamp("us", tz="UTC")),
            "hour": pa.array((micros // 3_600_000_000).astype(np.int8)),
            "id": pa.array(np.char.add("shadow-", ids)),
            "service": pa.array(np.full(n, "pds")),
            "operation": pa.array(operations[op]),
            "method": pa.array(np.full(n, "GET")),
            "target": pa.array(np.char.add("/Patient/90000000", (op % 10).astype(str))),
            "verdict": pa.array(verdict),
            "status_primary": pa.array(np.full(n, 200, dtype=np.int16)),
            "status_shadow": pa.array(np.where(verdict == "error", 0, 200).astype(np.int16)),
            "latency_primary_ms": pa.array(rng.lognormal(1.0, 0.4, n).astype(np.float32)),
            "latency_shadow_ms": pa.array(rng.lognormal(1.05, 0.4, n).astype(np.float32)),
            "error_kind": pa.array(np.where(verdict == "error", "connection", None)),
            "cluster": pa.array(np.where(mismatch, signature, None)),
            "differences": pa.array(np.where(mismatch, difference, None)),
            "request": pa.array(np.where(odd, request, None)),
            "reproducer": pa.array(np.where(odd, reproducer, None)),
        }
        table = pa.Table.from_arrays(
            [columns[f.name].cast(f.type) for f in table_schema], schema=table_schema
        )
        folder = root / f"day={(start + timedelta(days=day)).date().isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "compact-bench.parquet", compression="zstd",
                       row_group_size=1_000_000)  # fmt: skip


def queries(root: Path, rows: int) -> None:
    from harness.core.policy import Policy, Threshold
    from harness.monitor import queries as q
    from harness.monitor.check import check_days
    from harness.monitor.dashboard import gather
    from harness.monitor.reading import open_store

    began = time.perf_counter()
    synthetic_store(root, rows)
    size = sum(p.stat().st_size for p in root.glob("day=*/*.parquet"))
    print(
        f"queries over {rows:,} synthetic results (45 days, 12 operations; made in "
        f"{time.perf_counter() - began:.0f} s, {size / 2**20:.0f} MiB, "
        f"{size / rows * 1e6 / 2**20:.1f} MiB per million):"
    )
    connection = open_store(root)
    last = q.days(connection)[-1]
    timed = [
        ("parity/errors/latency per operation per day", lambda: q.windows(connection, "day")),
        ("parity/errors/latency per operation per hour", lambda: q.windows(connection, "hour")),
        ("all operations per day", lambda: q.windows(connection, "day", by_operation=False)),
        ("divergence clusters, first and last sighting", lambda: q.clusters(connection)),
        ("latency verdicts per operation per day", lambda: q.latency_verdicts(connection, "day")),
        ("check the last day against a policy",
         lambda: check_days(connection, [last], Policy((Threshold("*", 99.0),), max_errors=1000))),
        ("the whole dashboard (every query above)", lambda: gather(connection, root)),
    ]  # fmt: skip
    for label, run in timed:
        times = []
        for _ in range(3):
            began = time.perf_counter()
            run()
            times.append(time.perf_counter() - began)
        print(f"  {label:<48} {statistics.median(times):6.2f} s (median of 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (2 cores)")
    with tempfile.TemporaryDirectory() as temp, simulators() as (legacy, candidate):
        store = Path(temp) / "store"
        contracts = str(Path(__file__).resolve().parent.parent / "contracts")
        proxy_args = ["shadow", "--primary", legacy, "--shadow", candidate, "--store", str(store),
                      "--contracts", contracts]  # fmt: skip
        with spawn_harness_server(proxy_args) as proxy:
            pid = proxy.process.pid
            overhead("1. shadow up", legacy, proxy.url, pid, args.rate, args.seconds, args.rounds)
        closed = spawn_harness_server(["simulate", "--population", "10"])
        with closed as gone:
            down = gone.url
        with spawn_harness_server(["shadow", "--primary", legacy, "--shadow", down]) as proxy:
            pid = proxy.process.pid
            overhead("2. shadow down", legacy, proxy.url, pid, args.rate, args.seconds, args.rounds)
        store_size(store)
        queries(Path(temp) / "synthetic", args.rows)


if __name__ == "__main__":
    main()

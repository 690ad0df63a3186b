"""The load process: Locust driving a workload's consumers at the facade until the rehearsal ends.

    python -m harness.load --host URL --workload FILE --out consumers.json
                           [--rate N] [--feed URL] [--workers N] [--consumer-header NAME]

Locust runs in this process: a local runner, or a master with `--workers` worker processes
(`--worker` is how this same module runs as one of them) when one core cannot send the rate.
While it runs, it reads the facade's status feed (`--feed`, every 0.2 s) and takes a snapshot
of Locust's statistics at each event of the rehearsal, and of its totals every 0.25 s; when
the feed says the rehearsal finished (or after `--seconds`), it stops the users and writes what
consumers saw (`harness.load.figures`) to `--out`. A master's figures lag its workers' by up to
Locust's report interval (about 3 s).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import Runner
from locust.stats import stats_history

from harness.load.figures import Snapshot, consumer_figures, snapshot_of
from harness.load.users import Clock, CurveShape, user_classes
from harness.monitor.workload import load_workload

FEED_POLL_S = 0.2
SAMPLE_S = 0.25
STOP_TIMEOUT_S = 60.0


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    workload = load_workload(Path(options.workload))
    if not workload.consumers:
        print(f"{options.workload}: no consumer types (consumers:)", file=sys.stderr)
        return 2
    rate: float = options.rate or workload.rate or 1.0
    started = options.started or time.time()
    clock = Clock(workload, rate, started)
    classes = user_classes(workload, clock, options.host, options.consumer_header)
    if options.worker:
        environment = Environment(
            user_classes=classes, host=options.host, stop_timeout=STOP_TIMEOUT_S
        )
        worker = environment.create_worker_runner(options.master_host, options.master_port)
        worker.greenlet.join()
        return 0
    shape = CurveShape(clock)
    # at the end each user finishes the scenario it is in: no request is cut off mid-flight
    environment = Environment(
        user_classes=classes, shape_class=shape, host=options.host, stop_timeout=STOP_TIMEOUT_S
    )
    runner: Runner
    workers: list[Any] = []
    if options.workers:
        master = environment.create_master_runner("127.0.0.1", options.master_port)
        workers = _spawn_workers(options, started)
        deadline = time.time() + 60
        while master.worker_count < options.workers and time.time() < deadline:
            gevent.sleep(0.1)
        runner = master
    else:
        runner = environment.create_local_runner()
    gevent.spawn(stats_history, runner)
    runner.start_shape()
    events: list[dict[str, Any]] = []
    samples: list[Snapshot] = []
    seen = 0
    finished = False
    ends = time.time() + options.seconds if options.seconds else None
    last_sample = 0.0
    print(f"harness load: {len(classes)} consumer types at {rate:g} requests/s", flush=True)
    while not finished:
        gevent.sleep(FEED_POLL_S)
        now = time.time()
        if now - last_sample >= SAMPLE_S:
            samples.append(snapshot_of(environment.stats, now, totals_only=True))
            last_sample = now
        for entry in _feed(options.feed, seen) if options.feed else []:
            seen = max(seen, int(entry["seq"]))
            events.append({"entry": entry, "snapshot": snapshot_of(environment.stats, now)})
            finished = finished or entry["event"] == "rehearsal_finished"
        if ends is not None and now >= ends:
            finished = True
    shape.stop()
    runner.quit()
    for worker in workers:
        worker.wait(timeout=30)
    final = snapshot_of(environment.stats, time.time())
    document = consumer_figures(environment.stats, events, samples, final, rate, workload)
    Path(options.out).write_text(json.dumps(document, indent=2), encoding="utf-8")
    return 0


def _feed(url: str, since: int) -> list[dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{url}?since={since}", timeout=5) as answer:
            return list(json.loads(answer.read())["entries"])
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return []


def _spawn_workers(options: argparse.Namespace, started: float) -> list[Any]:
    import subprocess

    command = [
        sys.executable, "-m", "harness.load", "--worker", "--host", options.host,
        "--workload", options.workload, "--master-port", str(options.master_port),
        "--started", repr(started), "--consumer-header", options.consumer_header,
        "--out", options.out,
    ]  # fmt: skip
    if options.rate:
        command += ["--rate", repr(options.rate)]
    return [subprocess.Popen(command) for _ in range(options.workers)]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m harness.load")
    parser.add_argument("--host", required=True, help="the facade's base URL")
    parser.add_argument("--workload", required=True, help="a workload with consumer types")
    parser.add_argument("--out", required=True, help="where consumers.json is written")
    parser.add_argument("--rate", type=float, help="requests/s at the busiest hour")
    parser.add_argument("--feed", help="the facade's status feed URL (/_cutover/status)")
    parser.add_argument("--seconds", type=float, help="stop after this long (without a feed)")
    parser.add_argument("--workers", type=int, default=0, help="Locust worker processes")
    parser.add_argument("--worker", action="store_true", help="run as one Locust worker")
    parser.add_argument("--master-host", default="127.0.0.1")
    parser.add_argument("--master-port", type=int, default=5557)
    parser.add_argument("--started", type=float, help="when the load started (epoch seconds)")
    parser.add_argument("--consumer-header", default="X-Harness-Consumer")
    return parser

"""`harness demo --shadow`: weeks of shadow traffic in minutes, against a candidate that goes
wrong on a day of the window.

Starts the legacy simulator and a `spine2` candidate whose drift (`fixtures/drift/shadow.yaml`)
starts at midnight of day `drift_day` of the window (simulated time: the candidate's clock), then
`harness shadow` between them, and plays the workload (`fixtures/workloads/spine-day.yaml`) day
after simulated day through the proxy, each day in `seconds_per_day` real seconds. Before each
simulated hour both simulators' clocks are moved to it. Then it writes the dashboard, holds the
days to the policy (`harness monitor check`), and says on which day each divergence was first
seen.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import click
import orjson
import yaml

WORKLOAD = Path("fixtures/workloads/spine-day.yaml")
DRIFT = Path("fixtures/drift/shadow.yaml")
POLICY = Path("fixtures/policies/shadow.yaml")


def window_start(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight UTC after `now`: the simulators' clocks only move forward, so the window starts
    ahead of them."""
    moment = now or dt.datetime.now(dt.UTC)
    return dt.datetime(moment.year, moment.month, moment.day, tzinfo=dt.UTC) + dt.timedelta(days=1)


def drift_from(source: Path, since: dt.datetime, target: Path) -> Path:
    """A copy of a drift profile whose every entry starts at `since`."""
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    for entry in document.get("drift") or []:
        entry["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    target.write_text(
        f"# {source}, every entry from {since:%Y-%m-%d %H:%M} UTC on (harness demo --shadow)\n"
        + yaml.safe_dump(document, sort_keys=False),
        encoding="utf-8",
    )
    return target


async def move_clocks(urls: list[str], to: dt.datetime) -> None:
    """Each simulator's clock moved forward to `to` (one that is already past it stays)."""
    from harness.core.exchange import Request
    from harness.transport.live import LiveTransport

    for url in urls:
        transport = LiveTransport(url, name="clock", timeout_s=10)
        try:
            state = orjson.loads((await transport.send(Request("GET", "/_simulator/clock"))).body)
            now = dt.datetime.fromisoformat(state["now"])
            ahead = (to - now).total_seconds()
            if ahead > 0:
                body = orjson.dumps({"advance_seconds": ahead})
                headers = (("content-type", "application/json"),)
                await transport.send(Request("POST", "/_simulator/clock", (), headers, body))
        finally:
            await transport.aclose()


def run_shadow_demo(
    out: Path, *, days: int, seconds_per_day: float, drift_day: int, population: int, seed: int
) -> int:
    from harness.monitor.dashboard import gather, render
    from harness.monitor.queries import clusters
    from harness.monitor.reading import open_store
    from harness.monitor.traffic import CLOCK_HEADER, SimulatedWindow, send_window
    from harness.monitor.workload import load_workload
    from harness.serving import spawn_harness_server
    from harness.transport.live import LiveTransport

    start = window_start()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = out / f"demo-shadow-{stamp}"
    run_dir.mkdir(parents=True, exist_ok=True)
    store = run_dir / "store"
    drift_since = start + dt.timedelta(days=drift_day - 1)
    profile = drift_from(DRIFT, drift_since, run_dir / "drift.yaml")
    workload = load_workload(WORKLOAD)
    window = SimulatedWindow(start, days, seconds_per_day)
    base = ["simulate", "--seed", str(seed), "--population", str(population)]
    click.echo(
        f"Shadowing {days} simulated days ({start:%Y-%m-%d} to "
        f"{start + dt.timedelta(days=days - 1):%Y-%m-%d}), {seconds_per_day:g} s each; the "
        f"candidate's drift starts on day {drift_day} ({drift_since:%Y-%m-%d})."
    )
    with (
        spawn_harness_server(base) as legacy,
        spawn_harness_server([*base, "--flavour", "spine2", "--drift", str(profile)]) as candidate,
    ):
        shadow_args = [
            "shadow", "--primary", legacy.url, "--shadow", candidate.url, "--store", str(store),
            "--clock-header", CLOCK_HEADER, "--contracts", "contracts",
            "--mirror-unsafe", "pds.getPatientDetailsByNHSNumber",
            "--mirror-unsafe", "pds.createPatient",
        ]  # fmt: skip
        with spawn_harness_server(shadow_args) as proxy:
            click.echo(f"legacy {legacy.url}  candidate {candidate.url}  shadow proxy {proxy.url}")

            async def play() -> Any:
                consumer = LiveTransport(proxy.url, name="consumer", timeout_s=30)
                try:
                    return await send_window(
                        consumer,
                        workload,
                        window,
                        seed=seed,
                        on_hour=lambda hour: move_clocks([legacy.url, candidate.url], hour),
                    )
                finally:
                    await consumer.aclose()

            report = asyncio.run(play())
            # A clean stop drains the mirror queue and flushes the store: give it the time.
            proxy.process.terminate()
            proxy.process.wait(timeout=300)
    click.echo(
        f"Consumers sent {report.requests:,} requests in {report.elapsed_s:.0f} s "
        f"({report.scenarios:,} scenarios); {report.failures} got no answer; "
        f"statuses {dict(sorted(report.statuses.items()))}; at most {report.max_lag_s:.1f} s late."
    )
    for stats in sorted(store.glob("shadow-run-*.json")):
        counts = orjson.loads(stats.read_bytes())
        click.echo("Shadow proxy: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    connection = open_store(store)
    dashboard = run_dir / "dashboard.html"
    dashboard.write_text(render(gather(connection, store)), encoding="utf-8")
    for cluster in sorted(clusters(connection), key=lambda c: c.first_seen):
        day = (cluster.first_seen - start).days + 1
        click.echo(
            f"  day {day:>2} ({cluster.first_seen:%Y-%m-%d %H:%M}) first seen, "
            f"{cluster.count:,} times: {cluster.signature}"
        )
    click.echo(f"Dashboard: {dashboard}")
    click.echo(
        f"Check the days: harness monitor check --store {store} --policy {POLICY} --days {days}"
    )
    return 0

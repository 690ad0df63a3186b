"""`harness demo --cutover`: the 2014 transition rehearsed in a few minutes.

Starts the legacy simulator and a `spine2` candidate whose drift (`fixtures/drift/cutover.yaml`)
breaks PDS birth dates, then runs the three-phase plan (`fixtures/cutover/spine-weekend.yaml`:
SDS, then PDS, then EPS) through the routing facade while Locust sends the consumers' workload
(`fixtures/workloads/spine-consumers.yaml`). Phase 2's gate fails and it rolls back by itself;
phases 1 and 3 complete; consumers keep being answered throughout. The demo exits 0 once it
has run (the rollback is part of what it shows), 2 on a setup error.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

PLAN = Path("fixtures/cutover/spine-weekend.yaml")
DRIFT = Path("fixtures/drift/cutover.yaml")
CONSUMERS = Path("fixtures/workloads/spine-consumers.yaml")
AVAILABILITY_WANTED = 99.9


def run_cutover_demo(
    out: Path,
    *,
    population: int,
    rate: float | None,
    workers: int,
    seed: int = 0,
    plan: Path = PLAN,
) -> int:
    from harness.cli.cutover import run_cutover
    from harness.cli.options import interface_of
    from harness.load.process import require_locust
    from harness.serving import spawn_harness_server

    require_locust()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = out / f"demo-cutover-{stamp}"
    base = ["simulate", "--seed", str(seed), "--population", str(population)]
    click.echo(
        f"Rehearsing the cutover of {plan} against the legacy simulator and a spine2 candidate "
        f"({DRIFT}), consumers from {CONSUMERS}..."
    )
    with (
        spawn_harness_server(base) as legacy,
        spawn_harness_server([*base, "--flavour", "spine2", "--drift", str(DRIFT)]) as candidate,
    ):
        click.echo(f"legacy {legacy.url}  candidate {candidate.url}")
        code = run_cutover(
            plan,
            legacy.url,
            candidate.url,
            run_dir,
            consumers=CONSUMERS,
            rate=rate,
            workers=workers,
            contracts=Path("contracts") if Path("contracts").is_dir() else None,
            document=interface_of(None, legacy.url, "demo"),
        )
    document = json.loads((run_dir / "cutover.json").read_text(encoding="utf-8"))
    seen = (document.get("consumers") or {}).get("totals") or {}
    availability = seen.get("availability")
    verdict = (
        "met"
        if isinstance(availability, int | float) and availability >= AVAILABILITY_WANTED
        else "NOT met"
    )
    click.echo(
        f"Consumers saw {availability}% availability over the whole rehearsal "
        f"(wanted at least {AVAILABILITY_WANTED}%: {verdict}); harness cutover would exit {code}."
    )
    return 0

"""`harness cutover`: a routing facade that moves services from legacy to the candidate in
phases, as a plan says, under continuous consumer traffic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from harness.cli.options import host_option, interface_of, port_option


@click.command()
@click.option(
    "--plan",
    "plan_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The cutover plan (YAML; see fixtures/cutover/).",
)
@click.option("--legacy", required=True, help="Legacy's base URL.")
@click.option("--candidate", required=True, help="The candidate's base URL.")
@click.option(
    "--consumers",
    "consumers_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A workload with consumer types: Locust sends it through the facade (the load extra).",
)
@click.option("--rate", type=click.FloatRange(min=0.1), help="Requests/s at the busiest hour.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Locust worker processes (0: one local runner).",
)
@host_option
@port_option(8500)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports"),
    show_default=True,
    help="Where the run directory (cutover-<time>/) goes.",
)
@click.option(
    "--contracts",
    type=click.Path(path_type=Path, file_okay=False),
    help="Contracts whose noise models judge the mirrored pairs [default: ./contracts].",
)
@click.option("--openapi", "openapi_source", help="OpenAPI file or URL naming operations.")
@click.option("--webhook", "webhooks", multiple=True, help="Also POST notifications here.")
@click.option(
    "--mirror-process",
    is_flag=True,
    help="Send, judge and store the mirrored copies in a child process per side (lower "
    "priority), not in the facade's own event loop.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan as it would run, and stop.")
def cutover(
    plan_file: Path,
    legacy: str,
    candidate: str,
    consumers_file: Path | None,
    rate: float | None,
    workers: int,
    host: str,
    port: int,
    out: Path,
    contracts: Path | None,
    openapi_source: str | None,
    webhooks: tuple[str, ...],
    mirror_process: bool,
    dry_run: bool,
) -> int:
    """Serve a facade consumers talk to and execute PLAN: each phase moves a slice of traffic
    to the candidate (legacy then shadows it), holds its gate, and rolls back when it fails.
    Exit 0 when every phase completed, 1 when one rolled back, 2 on a bad plan."""
    from harness.cutover.dryrun import describe
    from harness.cutover.planfile import load_plan
    from harness.monitor.workload import load_workload

    plan = load_plan(plan_file)
    legacy, candidate = legacy.rstrip("/"), candidate.rstrip("/")
    if consumers_file is not None and not load_workload(consumers_file).consumers:
        from harness.errors import HarnessError

        raise HarnessError(
            "the workload has no consumer types (consumers:)", file=str(consumers_file)
        )
    if dry_run:
        click.echo(describe(plan, legacy, candidate))
        return 0
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = out / f"cutover-{stamp}"
    code = run_cutover(
        plan_file,
        legacy,
        candidate,
        run_dir,
        host=host,
        port=port,
        consumers=consumers_file,
        rate=rate,
        workers=workers,
        contracts=contracts,
        document=interface_of(openapi_source, legacy, "cutover"),
        webhooks=webhooks,
        mirror_process=mirror_process,
    )
    return code


def run_cutover(
    plan_file: Path,
    legacy: str,
    candidate: str,
    run_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    consumers: Path | None = None,
    rate: float | None = None,
    workers: int = 0,
    contracts: Path | None = None,
    document: dict[str, object] | None = None,
    webhooks: tuple[str, ...] = (),
    mirror_process: bool = False,
) -> int:
    """Serve the facade until the plan has run; print the outcome; the exit code."""
    import uvicorn

    from harness.config.settings import load_settings
    from harness.contracts import discover, load_noise
    from harness.cutover.planfile import load_plan
    from harness.cutover.session import CutoverConfig, CutoverSession
    from harness.load.process import LoadConfig
    from harness.record.redact import Redactor
    from harness.record.settings import redaction_for
    from harness.serving import READY_PREFIX, bind_loopback, url_of, uvicorn_config

    plan = load_plan(plan_file)
    root = contracts or (Path("contracts") if Path("contracts").is_dir() else None)
    noise = {c.service: load_noise(c) for c in discover(root)} if root else {}
    load = None
    if consumers is not None:
        load = LoadConfig(
            consumers,
            run_dir / "consumers.json",
            run_dir / "load.log",
            rate=rate,
            workers=workers,
            consumer_header=plan.consumer_header,
        )
    session = CutoverSession(
        CutoverConfig(
            plan,
            legacy,
            candidate,
            run_dir,
            document,
            noise,
            load=load,
            webhooks=webhooks,
            mirror_process=mirror_process,
            redactor=Redactor(redaction_for(load_settings())),  # as record and shadow redact
        )
    )
    sock = bind_loopback(host, port)
    session.url = url_of(sock)
    click.echo(f"{READY_PREFIX}{session.url}")
    click.echo(
        f"harness cutover: {plan.name}: {len(plan.phases)} phases; status feed "
        f"{session.url}/_cutover/status; run directory {run_dir}",
        err=True,
    )
    server = uvicorn.Server(uvicorn_config(session.app, lifespan="on"))

    def stop() -> None:
        server.should_exit = True

    session.on_finished = stop
    server.run(sockets=[sock])
    sock.close()
    for run in session.executor.runs:
        line = f"  {run.index}. {run.phase.name}: {run.outcome.replace('_', ' ')}"
        if run.reason:
            line += f" ({run.reason})"
        click.echo(line)
    outcome: dict[str, Any] = session.document or {}
    served = outcome.get("served") or {}
    seen = (outcome.get("consumers") or {}).get("totals") or {}
    click.echo(
        f"Facade: {served.get('requests', 0):,} consumer requests, availability "
        f"{served.get('availability')}%; consumers (Locust): {seen.get('requests', 'n/a')} "
        f"requests, availability {seen.get('availability', 'n/a')}%"
    )
    click.echo(f"Report: {run_dir / 'report.html'}  (and {run_dir / 'cutover.json'})")
    if session.failure is not None:
        from harness.errors import HarnessError

        raise HarnessError(f"the rehearsal stopped: {session.failure}")
    return session.exit_code

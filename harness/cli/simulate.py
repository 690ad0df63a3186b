"""`harness simulate`: serve the legacy Spine simulator (or the spine2 candidate)."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.options import host_option, port_option
from harness.simulator.context import FLAVOURS, SimulatorConfig


@click.command()
@host_option
@port_option(8000)
@click.option("--seed", default=0, show_default=True, type=int, help="Population seed.")
@click.option(
    "--population",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Number of synthetic patients (the spec's sandbox patients are always added).",
)
@click.option(
    "--flavour",
    type=click.Choice(FLAVOURS),
    default="legacy",
    show_default=True,
    help="legacy: the old platform; spine2: a faithful re-implementation (a candidate).",
)
@click.option(
    "--drift",
    "drift_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Drift profile (YAML) injecting declared divergences into the spine2 flavour.",
)
@click.option(
    "--mhs-consumer-url",
    help="Where the MHS delivers asynchronous answers and acknowledgements "
    "[default: $HARNESS_MHS_CONSUMER_URL, else they are kept undelivered].",
)
def simulate(
    host: str,
    port: int,
    seed: int,
    population: int,
    flavour: str,
    drift_file: Path | None,
    mhs_consumer_url: str | None,
) -> None:
    """Serve PDS (FHIR and SOAP), SDS, EPS, MESH and the MHS on one port, with /openapi.json."""
    from harness.serving import serve_forever
    from harness.simulator.app import build_app

    config = SimulatorConfig(
        seed=seed,
        population=population,
        flavour=flavour,  # type: ignore[arg-type]
        drift_file=drift_file,
        mhs_consumer_url=mhs_consumer_url,
    )
    serve_forever(lambda: build_app(config), host, port)

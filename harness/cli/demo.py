"""`harness demo`: the whole product in one command, on this machine.

Starts the legacy simulator and the `spine2` candidate (with the demo drift profile, unless
`--no-drift`) as child processes on free loopback ports, rehearses the committed contracts against
both (differential), writes `reports/demo-<time>/` and prints the one-screen summary. With drift
the report shows every injected divergence and nothing else; without it, 100% parity.
The demo exits 0 once it has run (the gate verdict is part of what it shows); 2 on a setup error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from harness.messaging import Channels

DEFAULT_DRIFT = Path("fixtures/drift/demo.yaml")
SIDES = ("legacy", "candidate")
DEFAULT_POLICY = Path("fixtures/policies/demo.yaml")


@click.command()
@click.option(
    "--contracts",
    type=click.Path(path_type=Path),
    default=Path("contracts"),
    show_default=True,
    help="Recorded contracts to replay.",
)
@click.option(
    "--drift",
    "drift_file",
    type=click.Path(path_type=Path),
    default=DEFAULT_DRIFT,
    show_default=True,
    help="Drift profile injected into the candidate.",
)
@click.option("--no-drift", is_flag=True, help="A faithful candidate: expect 100% parity.")
@click.option(
    "--policy",
    type=click.Path(path_type=Path),
    default=DEFAULT_POLICY,
    show_default=True,
    help="Gate policy.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Reports directory.",
)
@click.option(
    "--replay-only", is_flag=True, help="Compare with the recordings only (no live legacy target)."
)
@click.option(
    "--population",
    type=click.IntRange(min=0),
    help="Simulator population [from the contracts' provenance, else 10000].",
)
@click.option("--concurrency", type=click.IntRange(min=1), default=32, show_default=True)
@click.option(
    "--shadow",
    is_flag=True,
    help="Weeks of shadow traffic in minutes instead: legacy answers, spine2 is mirrored.",
)
@click.option(
    "--cutover",
    is_flag=True,
    help="A three-phase cutover (SDS, PDS, EPS) under consumer load, with a rollback, instead.",
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="With --cutover: the cutover plan [fixtures/cutover/spine-weekend.yaml].",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0.1),
    help="With --cutover: consumer requests/s at the busiest hour [the workload's].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="With --cutover: Locust worker processes (0: one local runner).",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=45,
    show_default=True,
    help="With --shadow: simulated days.",
)
@click.option(
    "--seconds-per-day",
    type=click.FloatRange(min=0.1),
    default=4.0,
    show_default=True,
    help="With --shadow: real seconds per simulated day.",
)
@click.option(
    "--drift-day",
    type=click.IntRange(min=1),
    default=12,
    show_default=True,
    help="With --shadow: the day of the window the candidate's drift starts.",
)
def demo(
    contracts: Path,
    drift_file: Path,
    no_drift: bool,
    policy: Path,
    out: Path,
    replay_only: bool,
    population: int | None,
    concurrency: int,
    shadow: bool,
    cutover: bool,
    plan_file: Path | None,
    rate: float | None,
    workers: int,
    days: int,
    seconds_per_day: float,
    drift_day: int,
) -> int | None:
    """Rehearse the committed contracts against a local legacy simulator and spine2 candidate
    (with --shadow: mirror weeks of consumer traffic between them, in minutes; with --cutover:
    move SDS, PDS and EPS to the candidate in phases under consumer load, with a rollback)."""
    if cutover:
        from harness.cli.cutover_demo import PLAN, run_cutover_demo

        return run_cutover_demo(
            out,
            population=population if population is not None else 2_000,
            rate=rate,
            workers=workers,
            plan=plan_file or PLAN,
        )
    if shadow:
        from harness.cli.shadow_demo import run_shadow_demo

        return run_shadow_demo(
            out,
            days=days,
            seconds_per_day=seconds_per_day,
            drift_day=drift_day,
            population=population if population is not None else 2_000,
            seed=0,
        )
    from rich.console import Console

    from harness.auth import access_for
    from harness.cli.simulators import delivering_to, signing_the_simulator
    from harness.config.settings import Settings
    from harness.contracts import discover
    from harness.errors import HarnessError
    from harness.rehearsal.session import RehearsalRequest, rehearse
    from harness.serving import spawn_harness_server

    console = Console()
    found = discover(contracts) if contracts.is_dir() else []
    if not found:
        raise HarnessError(
            "no recorded contracts to replay: record them first with `harness record` "
            "(see docs/guide/contracts.md)",
            file=str(contracts),
        )
    if not no_drift and not drift_file.is_file():
        raise HarnessError("drift profile not found (or use --no-drift)", file=str(drift_file))
    seed, size = _simulator_settings(found[0].provenance)
    size = population if population is not None else size
    base = ["simulate", "--seed", str(seed), "--population", str(size)]
    candidate_args = [*base, "--flavour", "spine2"]
    if not no_drift:
        candidate_args += ["--drift", str(drift_file)]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    name = f"demo-{'nodrift-' if no_drift else ''}{stamp}"
    console.print(
        f"Starting the legacy simulator and the spine2 candidate "
        f"({'no drift' if no_drift else drift_file}; population {size}, seed {seed})..."
    )
    channels = _channels()
    if channels is not None:
        base_command = delivering_to(base, channels.urls("legacy"))
        candidate_args = delivering_to(candidate_args, channels.urls("candidate"))
    else:
        base_command = base
    with contextlib.ExitStack() as stack:
        legacy = None if replay_only else stack.enter_context(spawn_harness_server(base_command))
        candidate = stack.enter_context(spawn_harness_server(candidate_args))
        console.print(
            f"legacy: {legacy.url if legacy else '(recordings)'}   candidate: {candidate.url}"
        )
        outcome = rehearse(
            RehearsalRequest(
                candidate=candidate.url,
                legacy=legacy.url if legacy else None,
                contracts=contracts,
                name=name,
                policy=policy if policy.is_file() else None,
                out=out,
                concurrency=concurrency,
                progress=console.is_terminal,
                seed=seed,
                command="harness demo" + (" --no-drift" if no_drift else ""),
                channels=channels,
                access=access_for(signing_the_simulator(Settings(), SIDES, seed), SIDES),
            ),
            console,
        )
    report = outcome.report_dir / "report.html"
    console.print(f"Open {report if report.exists() else outcome.report_dir}", highlight=False)
    return None


def _channels() -> Channels | None:
    """The endpoint both simulators deliver later messages to, on a free loopback port."""
    from harness.domains import messaging_profiles
    from harness.messaging import Channels

    if not messaging_profiles():
        return None
    return Channels(["legacy", "candidate"])


def _simulator_settings(provenance: dict[str, Any]) -> tuple[int, int]:
    """Simulator seed and population the contracts were recorded from (provenance), else defaults.

    `provenance.target` reads like `harness simulate --seed 0 --population 500` when recorded
    with `harness record --simulator`.
    """
    target = str(provenance.get("target", ""))
    command = str(provenance.get("command", ""))
    seed = _flag(target, "--seed") or _flag(command, "--simulator-seed") or 0
    population = _flag(target, "--population") or _flag(command, "--population") or 10_000
    return seed, population


def _flag(text: str, name: str) -> int | None:
    found = re.search(rf"{re.escape(name)}[ =](\d+)", text)
    return int(found.group(1)) if found else None

"""`harness record`: record contracts from a legacy target (or two fresh simulators)."""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from harness.cli.options import profile_option, selection_options

if TYPE_CHECKING:
    from harness.messaging import Channels


@click.command()
@click.option("--target", help="Base URL of the legacy target to record from.")
@click.option(
    "--har",
    "har_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Record from a HAR capture instead of a target (as `harness har import`: redacted, "
    "correlated; its answers are the recording, no noise is learned).",
)
@click.option(
    "--twin",
    help="A second legacy instance in the same fresh state: the second (noise) pass goes there.",
)
@click.option(
    "--simulator",
    is_flag=True,
    help="Record from the built-in legacy simulator: two fresh instances (the second is the twin).",
)
@click.option(
    "--population",
    default=10_000,
    show_default=True,
    type=click.IntRange(min=0),
    help="With --simulator: synthetic patients.",
)
@click.option(
    "--simulator-seed",
    default=0,
    show_default=True,
    type=int,
    help="With --simulator: the population seed.",
)
@click.option(
    "--out",
    default=Path("contracts"),
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Contracts directory.",
)
@click.option(
    "--openapi", "openapi_source", help="OpenAPI file or URL [default: <target>/openapi.json]."
)
@click.option(
    "--scenarios",
    "scenarios_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory of scenario files (*.yaml).",
)
@click.option(
    "--generate",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Number of generated requests (schemathesis + realistic strategies).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Generation seed.")
@click.option("--redact", multiple=True, help="Also redact this header / field (repeatable).")
@click.option(
    "--pseudonymise",
    multiple=True,
    help="Pseudonymise this JSON field / XML element (key in HARNESS_PSEUDONYM_KEY).",
)
@click.option("--no-noise", is_flag=True, help="Send once; learn no noise model.")
@click.option(
    "--auth",
    metavar="PROVIDER[:K=V,...]",
    help="The target's credentials provider, as [targets.legacy.auth] (values: ${VAR}).",
)
@click.option("--concurrency", default=16, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.001),
    help="Seconds per request [timeout of harness.toml: 10].",
)
@click.option(
    "--inbound",
    metavar="HOST:PORT",
    help="Gather later messages: run the endpoint targets deliver to here (the target at "
    "/legacy/<channel>, the twin at /twin/<channel>). With --simulator, a free loopback port.",
)
@selection_options
@profile_option
def record(
    target: str | None,
    har_file: Path | None,
    twin: str | None,
    simulator: bool,
    population: int,
    simulator_seed: int,
    out: Path,
    openapi_source: str | None,
    scenarios_dir: Path | None,
    generate: int,
    seed: int,
    redact: tuple[str, ...],
    pseudonymise: tuple[str, ...],
    no_noise: bool,
    concurrency: int,
    timeout: float | None,
    inbound: str | None,
    profile: str | None,
    auth: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    destructive: tuple[str, ...],
    allow_side_effects: bool,
) -> None:
    """Record contracts: scenarios and generated traffic, each sent twice to learn the noise."""
    from harness.auth import access_for
    from harness.cli.options import selection_flags
    from harness.config.settings import AuthSettings, load_settings
    from harness.errors import HarnessError
    from harness.record.session import RecordRequest, run_record

    if har_file is not None:
        conflicting = {
            "--target": target,
            "--twin": twin,
            "--simulator": simulator,
            "--scenarios": scenarios_dir,
            "--generate": generate,
            "--inbound": inbound,
            "--auth": auth,
            "--include": include,
            "--exclude": exclude,
        }
        for flag, value in conflicting.items():  # a capture holds its own traffic and answers
            if value:
                raise HarnessError(
                    f"a HAR capture is recorded as captured: drop {flag} (or record from a target)",
                    field=flag,
                )
        from harness.cli.har import import_har

        command = ["harness", "record", "--har", str(har_file), "--out", str(out)]
        import_har(har_file, out, openapi_source, redact, pseudonymise, command)
        return
    if simulator == bool(target):
        raise HarnessError(
            "give exactly one of --target URL, --simulator or --har FILE", field="--target"
        )
    if simulator and twin:
        raise HarnessError("--simulator already records from two instances", field="--twin")
    command = ["harness", "record"]
    if simulator:
        command += ["--simulator", "--population", str(population)]
        command += ["--simulator-seed", str(simulator_seed)]
    else:
        command += ["--target", str(target)] + (["--twin", twin] if twin else [])
    if openapi_source:
        command += ["--openapi", openapi_source]
    command += ["--out", str(out)]
    if scenarios_dir:
        command += ["--scenarios", str(scenarios_dir)]
    if generate:
        command += ["--generate", str(generate)]
    command += ["--seed", str(seed)]
    for name in redact:
        command += ["--redact", name]
    for name in pseudonymise:
        command += ["--pseudonymise", name]
    if no_noise:
        command.append("--no-noise")
    command += selection_flags(include, exclude, destructive, allow_side_effects)
    settings = load_settings(profile=profile)
    settings = replace(
        settings,
        operations=settings.operations.with_flags(
            include, exclude, destructive, allow_side_effects
        ),
    )
    if auth:
        settings = settings.with_auth("legacy", AuthSettings.from_flag(auth, "--auth"))
    request = RecordRequest(
        target=target or "",
        twin=twin,
        out=out,
        openapi=openapi_source,
        scenarios=scenarios_dir,
        generate=generate,
        seed=seed,
        redact=redact,
        pseudonymise=pseudonymise,
        learn=not no_noise,
        concurrency=concurrency,
        timeout=timeout,
        command=shlex.join(command),
        settings=settings,
        access=access_for(settings, ("legacy", "twin")),
    )

    def echo(line: str) -> None:
        click.echo(line, err=True)

    channels = _channels(inbound or ("127.0.0.1:0" if simulator else None))
    if simulator:
        from harness.cli.simulators import simulator_targets

        args = ["simulate", "--seed", str(simulator_seed), "--population", str(population)]
        with simulator_targets(args, twin=not no_noise, seed=seed, channels=channels) as targets:
            ok = run_record(targets.recording(request), echo=echo)
    else:
        ok = run_record(replace(request, channels=channels), echo=echo)
    if not ok:
        raise SystemExit(1)


def _channels(inbound: str | None) -> Channels | None:
    """The later-message endpoint on HOST:PORT (None: not gathered, or no pack has messaging)."""
    if inbound is None:
        return None
    from harness.config.settings import host_port
    from harness.domains import messaging_profiles
    from harness.messaging import Channels

    if not messaging_profiles():
        return None
    host, port = host_port(inbound, "--inbound")
    return Channels(["legacy", "twin"], host=host, port=port)

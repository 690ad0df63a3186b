"""`harness rehearse`: replay contracts against a candidate (and a live legacy), compare, gate.

Exit codes: 0 gate passed, 1 gate failed, 2 usage or configuration error (or an error that
stopped the run: its results so far are kept and gated as incomplete), 130 interrupted.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from harness.cli.options import policy_option, profile_option, selection_options


@click.command()
@click.option("--candidate", metavar="URL", help="Base URL of the new implementation.")
@click.option("--legacy", metavar="URL", help="Base URL of a live legacy target (differential).")
@click.option(
    "--legacy-twin",
    metavar="URL",
    help="A second legacy instance: asked (any method) where legacy and candidate differ.",
)
@click.option(
    "--reask/--no-reask",
    default=True,
    help="Ask legacy again (GET, HEAD, OPTIONS) where the two sides differ [on].",
)
@click.option(
    "--contracts", type=click.Path(path_type=Path), help="Contracts directory [contracts]."
)
@click.option("--name", help="Rehearsal name (the report directory) [rehearsal-<utc time>].")
@click.option(
    "--baseline",
    metavar="NAME",
    help="Compare with this rehearsal [the last one of the same contracts and targets].",
)
@policy_option
@click.option("--out", type=click.Path(path_type=Path), help="Reports directory [reports].")
@click.option("--resume", metavar="NAME", help="Continue an interrupted rehearsal.")
@click.option("--concurrency", type=click.IntRange(min=1), help="Requests in flight [32].")
@click.option("--timeout", type=click.FloatRange(min=0.001), help="Seconds per request [10].")
@click.option("--only", multiple=True, metavar="ID", help="Only this exchange or scenario.")
@profile_option
@click.option("--progress/--no-progress", default=None, help="Live progress bar.")
@click.option(
    "--generate",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Add N generated requests (schemathesis + domain strategies); needs --legacy.",
)
@click.option("--seed", type=int, help="Generation seed (same seed, same cases) [0].")
@click.option("--stateful", is_flag=True, help="Also run generated stateful workflows.")
@click.option(
    "--time-budget",
    type=click.FloatRange(min=0.001),
    metavar="SECONDS",
    help="Stop generating (and shrinking) after this long.",
)
@click.option(
    "--candidate-auth",
    metavar="PROVIDER[:K=V,...]",
    help="The candidate's credentials provider, as [targets.candidate.auth] (values: ${VAR}).",
)
@click.option(
    "--legacy-auth",
    metavar="PROVIDER[:K=V,...]",
    help="The live legacy's credentials provider (as [targets.legacy.auth]).",
)
@click.option(
    "--inbound",
    metavar="HOST:PORT",
    help="Compare later messages: run the endpoint the targets deliver to here (legacy at "
    "/legacy/<channel>, the candidate at /candidate/<channel>).",
)
@click.option(
    "--later-timeout",
    type=click.FloatRange(min=0.001),
    metavar="SECONDS",
    help="How long to wait for a later message the recording says comes [10].",
)
@click.option(
    "--refuse-first",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Refuse the first N deliveries of each reliable message (rehearse retries).",
)
@click.option(
    "--openapi",
    "openapi_source",
    metavar="FILE|URL",
    help="Hold the candidate's answers to this OpenAPI document [each contract's openapi.json].",
)
@click.option(
    "--save-regressions/--no-save-regressions",
    default=True,
    help="Write shrunk divergences to contracts/<service>/regressions/ [on].",
)
@selection_options
def rehearse(
    candidate: str | None,
    legacy: str | None,
    legacy_twin: str | None,
    reask: bool,
    contracts: Path | None,
    name: str | None,
    baseline: str | None,
    policy: Path | None,
    out: Path | None,
    resume: str | None,
    concurrency: int | None,
    timeout: float | None,
    only: tuple[str, ...],
    profile: str | None,
    progress: bool | None,
    generate: int,
    seed: int | None,
    stateful: bool,
    time_budget: float | None,
    inbound: str | None,
    later_timeout: float | None,
    refuse_first: int,
    save_regressions: bool,
    openapi_source: str | None,
    candidate_auth: str | None,
    legacy_auth: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    destructive: tuple[str, ...],
    allow_side_effects: bool,
) -> None:
    """Replay every contract exchange against the candidate, compare, report and gate."""
    from rich.console import Console

    from harness.auth import access_for
    from harness.config.operations import OperationSettings
    from harness.config.settings import AuthSettings, load_settings
    from harness.generation.options import GenerationOptions
    from harness.rehearsal.session import RehearsalRequest
    from harness.rehearsal.session import rehearse as run

    settings = load_settings(
        {
            "candidate": candidate,
            "legacy": legacy,
            "legacy_twin": legacy_twin,
            "contracts": contracts,
            "policy": policy,
            "out": out,
            "concurrency": concurrency,
            "timeout": timeout,
            "progress": progress,
            "seed": seed,
            "inbound": inbound,
            "later_timeout": later_timeout,
        },
        profile=profile,
    )
    for side, flag, given in (
        ("candidate", "--candidate-auth", candidate_auth),
        ("legacy", "--legacy-auth", legacy_auth),
    ):
        if given:
            settings = settings.with_auth(side, AuthSettings.from_flag(given, flag))
    access = access_for(settings, ("candidate", "legacy"))
    chosen = settings.operations.with_flags(include, exclude, destructive, allow_side_effects)
    # On --resume without flags or settings of its own, the stored selection applies.
    operations = None if resume and chosen == OperationSettings() else chosen
    if resume and not openapi_source:  # a resumed run keeps the document it was judged by
        from harness.rundir import RehearsalDir

        openapi_source = RehearsalDir(settings.out / resume).header().openapi
    document = None
    if openapi_source:
        from harness.record.interface import load_openapi

        document = load_openapi(openapi_source)
    console = Console()
    # A resume runs against what the rehearsal started with: only a flag moves it elsewhere (a
    # candidate restarted on another port), never a harness.toml that changed in between.
    resuming = resume is not None
    try:
        outcome = run(
            RehearsalRequest(
                candidate=candidate if resuming else settings.candidate,
                legacy=legacy if resuming else settings.legacy,
                legacy_twin=legacy_twin if resuming else settings.legacy_twin,
                reask=reask,
                contracts=None if resume and contracts is None else settings.contracts,
                name=name,
                baseline=baseline,
                policy=policy if resuming else settings.policy,
                out=settings.out,
                resume=resume,
                concurrency=settings.concurrency,
                timeout=settings.timeout,
                only=only,
                progress=settings.progress and console.is_terminal,
                seed=seed if resume else settings.seed,  # a resume keeps the stored seed
                secrets=settings.secrets,
                limits=settings.all_answer_limits(),
                access=access,
                operations=operations,
                openapi=document,
                openapi_source=openapi_source,
                command=shlex.join(["harness", *sys.argv[1:]]),
                inbound=settings.inbound,
                later_timeout=settings.later_timeout,
                refuse_first=refuse_first,
                generation=(
                    GenerationOptions(
                        generate,
                        seed=settings.seed,
                        stateful=stateful,
                        time_budget_s=time_budget,
                        save_regressions=save_regressions,
                    )
                    if generate or stateful
                    else None
                ),
            ),
            console,
        )
    except KeyboardInterrupt:  # a second Ctrl-C, or one outside the run itself
        console.print("harness: interrupted; results so far are in the report directory")
        raise SystemExit(130) from None
    if outcome.exit_code:
        raise SystemExit(outcome.exit_code)

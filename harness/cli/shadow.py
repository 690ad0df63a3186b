"""`harness shadow`: answer consumers from the primary, mirror their traffic to the shadow."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.options import host_option, interface_of, policy_option, port_option


@click.command()
@click.option("--primary", required=True, help="Base URL that answers consumers (e.g. legacy).")
@click.option("--shadow", "shadow_url", required=True, help="Base URL mirrored to (candidate).")
@host_option
@port_option(8300)
@click.option(
    "--store",
    type=click.Path(path_type=Path, file_okay=False),
    help="Store judged exchanges here (Parquet, one folder per day).",
)
@click.option(
    "--sample",
    type=click.FloatRange(0.0, 1.0),
    default=1.0,
    show_default=True,
    help="Fraction of requests mirrored.",
)
@click.option(
    "--contracts",
    type=click.Path(path_type=Path, file_okay=False),
    help="Contracts whose noise models judge the pairs [default: ./contracts when present].",
)
@policy_option
@click.option(
    "--openapi",
    "openapi_source",
    help="OpenAPI file or URL naming operations [default: <primary>/openapi.json].",
)
@click.option(
    "--mirror-unsafe",
    multiple=True,
    metavar="GLOB",
    help="Mirror state-changing requests of these operations (service.operation or "
    "'METHOD /path' globs; repeatable): the shadow keeps its own state.",
)
@click.option(
    "--queue",
    "capacity",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Mirrored requests waiting for the shadow; past it they are shed.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Mirrored requests in flight to the shadow.",
)
@click.option(
    "--clock-header",
    metavar="NAME",
    help="Stamp each exchange with this request header's ISO 8601 time (compressed time).",
)
@click.option(
    "--retain-days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Days the store keeps.",
)
@click.option(
    "--primary-target",
    type=click.Choice(["legacy", "candidate"]),
    default="legacy",
    show_default=True,
    help="Whose [targets.<name>] settings the primary takes (answer limits, client "
    "certificate); the shadow takes the other's. `candidate` after the cutover: the reverse "
    "shadow.",
)
@click.option(
    "--shadow-auth",
    metavar="PROVIDER[:K=V,...]",
    help="The shadow's credentials provider, signing each mirrored copy (as "
    "[targets.<shadow's name>.auth]; values: ${VAR}).",
)
@click.option(
    "--mirror-process",
    is_flag=True,
    help="Send, judge and store the mirrored copies in a child process (lower priority), not in "
    "the proxy's own event loop: the request path only hands each exchange over.",
)
@click.option("--redact", multiple=True, help="Also redact this header / field (repeatable).")
@click.option("--pseudonymise", multiple=True, help="Pseudonymise this JSON field / XML element.")
def shadow(
    primary: str,
    shadow_url: str,
    host: str,
    port: int,
    store: Path | None,
    sample: float,
    contracts: Path | None,
    policy: Path | None,
    openapi_source: str | None,
    mirror_unsafe: tuple[str, ...],
    capacity: int,
    concurrency: int,
    clock_header: str | None,
    retain_days: int,
    primary_target: str,
    shadow_auth: str | None,
    mirror_process: bool,
    redact: tuple[str, ...],
    pseudonymise: tuple[str, ...],
) -> None:
    """Answer every request from PRIMARY, byte for byte, and mirror it to SHADOW: each pair is
    judged as in a rehearsal and stored for `harness monitor`."""

    from harness.auth import access_for
    from harness.config.policy import load_policy
    from harness.config.settings import AuthSettings, load_settings
    from harness.contracts import discover, load_noise
    from harness.core.policy import Policy
    from harness.record.redact import Redactor
    from harness.record.settings import redaction_for
    from harness.serving import serve_forever
    from harness.shadow.service import ShadowConfig, ShadowService
    from harness.shadow.source import MirrorRules

    primary = primary.rstrip("/")
    settings = load_settings()
    shadow_target = "candidate" if primary_target == "legacy" else "legacy"
    if shadow_auth:
        settings = settings.with_auth(
            shadow_target, AuthSettings.from_flag(shadow_auth, "--shadow-auth")
        )
    redaction = redaction_for(settings, redact=redact, pseudonymise=pseudonymise)
    document = interface_of(openapi_source, primary, "shadow", settings.target(primary_target).tls)
    root = contracts or (Path("contracts") if Path("contracts").is_dir() else None)
    noise = {c.service: load_noise(c) for c in discover(root)} if root else {}
    config = ShadowConfig(
        primary,
        shadow_url,
        store,
        MirrorRules(sample, mirror_unsafe),
        settings.answer_limits(primary_target),
        shadow_limits=settings.answer_limits(shadow_target),
        primary_tls=settings.target(primary_target).tls,
        shadow_access=access_for(settings, (shadow_target,)).get(shadow_target),
        capacity=capacity,
        concurrency=concurrency,
        clock_header=clock_header,
        retain_days=retain_days,
        mirror_process=mirror_process,
    )
    service = ShadowService(
        config,
        document=document,
        noise=noise,
        policy=load_policy(policy) if policy else Policy(),
        redactor=Redactor(redaction),
    )

    async def stop_and_say() -> None:
        # In the lifespan: on SIGTERM uvicorn re-raises the signal once it has shut down.
        await service.stop()
        counts = ", ".join(f"{name} {count}" for name, count in service.stats().items())
        click.echo(f"harness shadow: stopped: {counts}", err=True)

    service.app.on_stop = stop_and_say
    serve_forever(lambda: service.app, host, port, lifespan="on")

"""`harness proxy`: a recording reverse proxy in front of the legacy target."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from harness.cli.options import host_option, interface_of, port_option


@click.command()
@click.option("--upstream", required=True, help="Base URL of the legacy target to forward to.")
@click.option(
    "--record",
    "record_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Contracts directory.",
)
@host_option
@port_option(8200)
@click.option(
    "--openapi",
    "openapi_source",
    help="OpenAPI file or URL [default: <upstream>/openapi.json, when it answers].",
)
@click.option("--redact", multiple=True, help="Also redact this header / field (repeatable).")
@click.option("--pseudonymise", multiple=True, help="Pseudonymise this JSON field / XML element.")
@click.option("--no-noise", is_flag=True, help="Do not send safe requests twice to learn noise.")
def proxy(
    upstream: str,
    record_dir: Path,
    host: str,
    port: int,
    openapi_source: str | None,
    redact: tuple[str, ...],
    pseudonymise: tuple[str, ...],
    no_noise: bool,
) -> None:
    """Forward every request to UPSTREAM unchanged and record each exchange as contracts."""
    from harness.config.settings import load_settings
    from harness.errors import HarnessError
    from harness.record.proxy import ProxyRecorder, RecordingProxy
    from harness.record.redact import Redactor
    from harness.record.settings import redaction_for
    from harness.serving import serve_forever
    from harness.transport.http1 import origin_of
    from harness.version import __version__

    upstream = upstream.rstrip("/")
    try:
        origin_of(upstream)  # a malformed URL is said now, before anything starts
    except HarnessError as error:
        raise HarnessError(error.message, field="--upstream") from None
    settings = load_settings()
    redaction = redaction_for(settings, redact=redact, pseudonymise=pseudonymise)
    tls = settings.target("legacy").tls  # [targets.legacy.tls]: mutual TLS upstream
    document = interface_of(openapi_source, upstream, "proxy", tls)
    command = ["harness", "proxy", "--upstream", upstream, "--record", str(record_dir)]
    provenance = {
        "target": upstream,
        "command": shlex.join(command),
        "harness_version": __version__,
        "seed": None,
        "noise": "not learned" if no_noise else "repeated safe requests",
    }
    recorder = ProxyRecorder(
        record_dir,
        upstream,
        document,
        Redactor(redaction),
        provenance,
        admin=settings.operations.rules().admin,  # [operations] admin_paths: never recorded
    )
    try:
        limits = settings.answer_limits("legacy")  # [targets.legacy]: the upstream's answers
        app = RecordingProxy(upstream, recorder, learn=not no_noise, limits=limits, tls=tls)
        # The lifespan on: the proxy closes its upstream connections (after the pending noise
        # requests) when it stops.
        serve_forever(lambda: app, host, port, lifespan="on")
    finally:
        recorder.finish()
        for warning in recorder.warnings:
            click.echo(f"harness proxy: warning: {warning}", err=True)

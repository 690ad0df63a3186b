"""One `harness record` run: targets (or two simulator children), plan, redaction, then record."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.config.settings import Settings
from harness.errors import HarnessError
from harness.generation.cases import generate_templates
from harness.openapi import Interface
from harness.record.interface import load_openapi
from harness.record.recorder import FollowUp, RecordResult, record, summarise
from harness.record.redact import Redactor
from harness.record.rounds import seeking_round, split_generation
from harness.record.runner import Plan
from harness.record.settings import redaction_for
from harness.scenario import load_scenarios
from harness.transport.signed import TargetAccess

if TYPE_CHECKING:
    from harness.messaging import Channels


@dataclass(frozen=True)
class RecordRequest:
    out: Path
    command: str
    target: str
    twin: str | None = None
    target_name: str | None = None  # how provenance names the target (default: its URL)
    # Set when the targets are fresh and seeded (e.g. two new simulators): values bound in
    # scenarios derive from it, so re-recording changes no byte; a real target keeps what it
    # is sent, so it gets fresh values.
    bound_seed: str | None = None
    openapi: str | None = None
    scenarios: Path | None = None
    generate: int = 0
    seed: int = 0
    redact: Sequence[str] = field(default_factory=tuple)
    pseudonymise: Sequence[str] = field(default_factory=tuple)
    learn: bool = True
    concurrency: int = 16
    timeout: float | None = None  # seconds for a whole answer (None: the settings' limits)
    settings: Settings = field(default_factory=Settings)  # harness.toml, profile (and [redact])
    # How each target (legacy, twin) is reached: credentials provider, client certificate.
    access: Mapping[str, TargetAccess] = field(default_factory=dict)
    # The endpoint the targets deliver later messages to (sides `legacy` and `twin`); None:
    # later messages are not gathered.
    channels: Channels | None = None


def run_record(request: RecordRequest, echo: Callable[[str], None] = print) -> bool:
    """Record and report; False when a scenario step or request failed on the first pass."""
    from harness.version import __version__

    provided = [name for a in request.access.values() if a.signer for name in a.signer.provides]
    redaction = redaction_for(
        request.settings,
        redact=request.redact,
        pseudonymise=request.pseudonymise,
        headers=provided,  # what a provider produces is redacted, whatever its name
    )
    scenarios = load_scenarios(request.scenarios) if request.scenarios else []
    primary_url, twin_url = request.target.rstrip("/"), request.twin
    target_name = request.target_name or primary_url
    notes: list[str] = []
    source = request.openapi or f"{primary_url}/openapi.json"
    legacy = request.access.get("legacy")
    tls = legacy.tls if legacy is not None and source.startswith(primary_url) else None
    document = load_openapi(source, notes, tls=tls)  # the target's own, with its certificate
    for note in notes:
        echo(f"note: {note}")
    rules = request.settings.operations.rules()
    interface = Interface(document) if request.generate else None
    first, later = split_generation(request.generate)
    generated = generate_templates(document, first, request.seed, rules=rules, interface=interface)
    plan = Plan(scenarios=scenarios, generated=generated)
    if not plan.ids() and not later:
        raise HarnessError("nothing to record: give --scenarios DIR and/or --generate N")
    then = None
    if later and interface is not None:
        then = seeking_round(interface, later, request.seed, rules)
    provenance = {
        "target": target_name,
        "seed": request.seed,
        "command": request.command,
        "harness_version": __version__,
        "noise": ("twin" if twin_url else "same target") if request.learn else "not learned",
    }
    echo(
        f"harness record: {len(plan.ids())} requests ({len(scenarios)} scenarios, "
        f"{len(generated)} generated"
        + (f", then {later} seeded by their answers" if then is not None else "")
        + f") from {target_name}"
    )
    if request.channels is not None:
        for side in ("legacy", "twin") if twin_url else ("legacy",):
            for channel, url in request.channels.urls(side).items():
                echo(
                    f"later messages ({channel}): {'the twin' if side == 'twin' else 'the target'}"
                    f" delivers to {url}"
                )
    result = asyncio.run(
        _record(
            request, primary_url, twin_url, plan, document, Redactor(redaction), provenance, then
        )
    )
    for line in summarise(result):
        echo(line)
    for warning in result.warnings:
        echo(f"warning: {warning}")
    polled = None if request.channels is None else request.channels.polling_note()
    if polled is not None:
        echo(f"note: {polled}")
    for problem in result.problems:
        echo(f"problem: {problem}")
    return not result.problems


async def _record(
    request: RecordRequest,
    primary_url: str,
    twin_url: str | None,
    plan: Plan,
    document: dict[str, object],
    redactor: Redactor,
    provenance: dict[str, object],
    then: FollowUp | None,
) -> RecordResult:
    from harness.transport.live import LiveTransport
    from harness.transport.signed import SignedTransport, connect

    def transport(url: str, name: str) -> LiveTransport | SignedTransport:
        limits = request.settings.answer_limits(name)  # [targets.legacy] / [targets.twin]
        if request.timeout is not None:
            limits = limits.within(request.timeout)
        access = request.access.get(name)  # its credentials provider, its client certificate
        return connect(url, name, access=access, limits=limits, max_connections=request.concurrency)

    primary = transport(primary_url, "legacy")
    twin = transport(twin_url, "twin") if twin_url else None
    channels = request.channels
    if channels is not None:
        channels.connect("legacy", primary.send)  # inboxes polled as the recording asks
        if twin is not None:
            channels.connect("twin", twin.send)
        await channels.start()
    try:
        return await record(
            primary,
            plan,
            document,
            request.out,
            twin=twin,
            redactor=redactor,
            provenance=provenance,
            concurrency=request.concurrency,
            learn=request.learn,
            bound_seed=request.bound_seed,
            observer=None if channels is None else channels.observer,
            then=then,
            admin=request.settings.operations.rules().admin,
            urls=(primary_url, twin_url or primary_url),
        )
    finally:
        await primary.aclose()
        if twin is not None:
            await twin.aclose()
        if channels is not None:
            await channels.aclose()

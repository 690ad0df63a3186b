"""Opening the targets of a run: the candidate, the live legacy (if any), and the reproducer.

One factory for every caller that sends to both sides: a rehearsal, the pytest plugin's unit
replayer, and generation's shrinking probe. The reproducer turns an exchange into the command
that shows it again: `curl` against the candidate for a lone exchange, `harness rehearse --only`
for a scenario step (its earlier steps must run first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.core.exchange import Exchange, Request
from harness.engine.judge import Reproducer
from harness.engine.opinion import AskAgain, LegacyTwin, SecondOpinion
from harness.engine.reproducer import curl_command, rehearse_command
from harness.transport.limits import AnswerLimits
from harness.transport.live import LiveTransport
from harness.transport.signed import SignedTransport, TargetAccess, connect


@dataclass
class Targets:
    candidate: LiveTransport | SignedTransport
    legacy: LiveTransport | SignedTransport | None
    reproducer: Reproducer
    # Where a second legacy answer comes from (live noise cancellation), if anywhere.
    opinion: SecondOpinion | None = None
    twin: LiveTransport | SignedTransport | None = None
    # Each target's base URL by name (candidate, legacy): what a provider state's reset gets.
    urls: Mapping[str, str] = field(default_factory=dict)

    async def aclose(self) -> None:
        await self.candidate.aclose()
        if self.legacy is not None:
            await self.legacy.aclose()
        if self.twin is not None:
            await self.twin.aclose()


def open_targets(
    candidate_url: str,
    legacy_url: str | None = None,
    *,
    contracts_dir: str = "contracts",
    timeout_s: float = 10.0,
    max_connections: int = 64,
    limits: Mapping[str, AnswerLimits] | None = None,
    access: Mapping[str, TargetAccess] | None = None,
    legacy_twin: str | None = None,
    reask: bool = True,
) -> Targets:
    """Transports for both sides (connections open lazily, in the loop that first sends), and
    the second opinion on legacy: its twin when given (`legacy_twin`, with the legacy's
    limits and access), else legacy asked again (safe requests), unless `reask` is off.

    `limits` by target name (`candidate`, `legacy`: `Settings.all_answer_limits()`); a side
    without one gets the default limits with its whole answer due within `timeout_s`. `access`
    by target name: its credentials provider and client certificate (`harness.auth`)."""
    chosen = limits or {}

    def transport(url: str, name: str, as_: str | None = None) -> LiveTransport | SignedTransport:
        found = chosen.get(as_ or name)
        return connect(
            url,
            name,
            access=(access or {}).get(as_ or name),
            timeout_s=None if found is not None else timeout_s,
            limits=found,
            max_connections=max_connections,
        )

    candidate = transport(candidate_url, "candidate")
    legacy = transport(legacy_url, "legacy") if legacy_url else None

    def reproducer(exchange: Exchange, sent: Request) -> str:
        if exchange.scenario is not None or "conversation" in exchange.meta:
            return rehearse_command(candidate_url, contracts_dir, exchange.id, legacy_url)
        return curl_command(candidate.url_for(sent), sent)

    twin = transport(legacy_twin, "legacy twin", "legacy") if legacy_twin and legacy else None
    opinion: SecondOpinion | None = None
    if twin is not None:
        opinion = LegacyTwin(twin)
    elif legacy is not None and reask:
        opinion = AskAgain(legacy)
    urls = {"candidate": candidate_url, **({"legacy": legacy_url} if legacy_url else {})}
    return Targets(candidate, legacy, reproducer, opinion, twin, urls)

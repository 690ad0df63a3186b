"""Replay one unit of work (an exchange, or a whole scenario) and judge it, on demand.

`harness rehearse` streams every unit through the Runner; callers that want results one unit at a
time (the pytest plugin: one test item per exchange or scenario) use `UnitReplayer` instead. It
drives the same Runner and Judge, so the per-exchange logic (templates, captures, secrets,
noise, waivers, reproducers) is the rehearsal's own; it only adds what each side answered, so
callers can show both responses next to the verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.contracts import Contract, load_noise
from harness.core.exchange import Exchange, Request, Response
from harness.core.policy import Policy, WaiverBook
from harness.core.result import ResultRecord
from harness.rehearsal.events import CollectResults, RehearsalStarted
from harness.rehearsal.judge import Judge
from harness.rehearsal.plan import Unit
from harness.rehearsal.reproducer import curl_command, rehearse_command
from harness.rehearsal.runner import Runner
from harness.transport.live import LiveTransport
from harness.transport.recording import RememberingTransport


@dataclass(frozen=True, slots=True)
class ReplayedStep:
    """One judged exchange with what each side answered (None: not sent or not answered)."""

    exchange: Exchange
    record: ResultRecord
    legacy: Response | None  # the live legacy answer, or the recording without a live legacy
    candidate: Response | None


class UnitReplayer:
    """Judges units against live targets with the rehearsal's Runner and Judge.

    One instance per event loop: its transports open their connection pools in the loop that
    first uses them. Call `aclose()` in that loop when done.
    """

    def __init__(
        self,
        contracts: Sequence[Contract],
        candidate_url: str,
        legacy_url: str | None = None,
        *,
        contracts_dir: Path | str = "contracts",
        policy: Policy | None = None,
        today: dt.date | None = None,
        timeout_s: float = 10.0,
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        self.contracts = contracts
        self.candidate_url = candidate_url
        self.legacy_url = legacy_url
        self.policy = policy or Policy()
        self.secrets = dict(secrets or {})
        self.candidate = LiveTransport(candidate_url, name="candidate", timeout_s=timeout_s)
        self.legacy = (
            LiveTransport(legacy_url, name="legacy", timeout_s=timeout_s) if legacy_url else None
        )
        book = WaiverBook(self.policy.waivers, today or dt.datetime.now(dt.UTC).date())
        directory = str(contracts_dir)

        def reproducer(exchange: Exchange, sent: Request) -> str:
            if exchange.scenario is not None:
                return rehearse_command(candidate_url, directory, exchange.id, legacy_url)
            return curl_command(self.candidate.url_for(sent), sent)

        self.judge = Judge([load_noise(contract) for contract in contracts], book, reproducer)

    async def replay(self, unit: Unit) -> list[ReplayedStep]:
        """Send the unit's steps in order (each side with its own captured values) and judge."""
        candidate = RememberingTransport(self.candidate)
        legacy = RememberingTransport(self.legacy) if self.legacy is not None else None
        collect = CollectResults()
        runner = Runner(
            self.judge, candidate, legacy, [collect], concurrency=1, secrets=self.secrets
        )
        targets = {"candidate": self.candidate_url, "legacy": self.legacy_url}
        await runner.run([unit], RehearsalStarted("unit", None, targets, len(unit.steps)))
        by_id = {step.id: step for step in unit.steps}
        candidate_answers = iter(candidate.seen)
        legacy_answers = iter(legacy.seen) if legacy is not None else None
        out = []
        for record in collect.records:
            exchange = by_id[record.id]
            sent = record.status_candidate is not None or _was_sent(record)
            candidate_answer = next(candidate_answers, (None, None))[1] if sent else None
            if legacy_answers is None:
                legacy_answer: Response | None = exchange.response
            else:
                legacy_answer = next(legacy_answers, (None, None))[1] if sent else None
            out.append(ReplayedStep(exchange, record, legacy_answer, candidate_answer))
        return out

    async def aclose(self) -> None:
        await self.candidate.aclose()
        if self.legacy is not None:
            await self.legacy.aclose()


def _was_sent(record: ResultRecord) -> bool:
    """Error records for steps that could not even be prepared were never sent."""
    error = record.error or ""
    return not (error.startswith("step not sent") or error.startswith("cannot send"))

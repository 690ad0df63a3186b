"""Differential sends from synchronous code: hypothesis predicates call `probe.run(unit)`.

The probe owns a dedicated event loop and its own two live transports, used from one thread at a
time (the shrinker's worker thread); the rehearsal's loop keeps running meanwhile. Each run goes
through the rehearsal's own Runner and Judge, so templates, captures, noise and meaning-based
comparison of allocated identifiers are exactly the rehearsal's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from harness.core.exchange import Request, Response
from harness.core.result import ResultRecord
from harness.rehearsal.events import CollectResults, RehearsalStarted
from harness.rehearsal.judge import Judge
from harness.rehearsal.plan import Unit
from harness.rehearsal.runner import Runner
from harness.transport.live import LiveTransport
from harness.transport.recording import RememberingTransport


@dataclass(frozen=True, slots=True)
class ProbeStep:
    record: ResultRecord
    legacy_request: Request | None  # what was sent to legacy (placeholders rendered)
    legacy: Response | None  # legacy's answer


class DifferentialProbe:
    def __init__(
        self, judge: Judge, candidate_url: str, legacy_url: str, *, timeout_s: float = 10.0
    ) -> None:
        self.judge = judge
        self.loop = asyncio.new_event_loop()
        self.candidate = LiveTransport(candidate_url, name="candidate", timeout_s=timeout_s)
        self.legacy = LiveTransport(legacy_url, name="legacy", timeout_s=timeout_s)
        self.sends = 0

    def run(self, unit: Unit) -> list[ProbeStep]:
        """Send the unit's steps to both targets (in order) and judge each one."""
        legacy = RememberingTransport(self.legacy)
        collect = CollectResults()
        runner = Runner(self.judge, self.candidate, legacy, [collect], concurrency=1)
        started = RehearsalStarted("probe", None, {}, len(unit.steps))
        self.loop.run_until_complete(runner.run([unit], started))
        self.sends += len(legacy.seen)
        answers = iter(legacy.seen)
        steps = []
        for record in collect.records:
            sent = not (record.error or "").startswith(("step not sent", "cannot send"))
            request, response = next(answers, (None, None)) if sent else (None, None)
            steps.append(ProbeStep(record, request, response))
        return steps

    def close(self) -> None:
        async def close_all() -> None:
            await self.candidate.aclose()
            await self.legacy.aclose()

        self.loop.run_until_complete(close_all())
        self.loop.close()

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
from harness.rehearsal.events import Event, ExchangeCompared, RehearsalStarted
from harness.rehearsal.judge import Judge
from harness.rehearsal.plan import Unit
from harness.rehearsal.runner import Runner
from harness.transport.base import Transport, TransportError
from harness.transport.live import LiveTransport


@dataclass(frozen=True, slots=True)
class ProbeStep:
    record: ResultRecord
    legacy_request: Request | None  # what was sent to legacy (placeholders rendered)
    legacy: Response | None  # legacy's answer


class _Remembering:
    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.name = inner.name
        self.seen: list[tuple[Request, Response | None]] = []

    async def send(self, request: Request) -> Response:
        try:
            response = await self.inner.send(request)
        except TransportError:
            self.seen.append((request, None))
            raise
        self.seen.append((request, response))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class _Collect:
    def __init__(self) -> None:
        self.records: list[ResultRecord] = []

    def handle(self, event: Event) -> None:
        if isinstance(event, ExchangeCompared):
            self.records.append(event.result)


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
        legacy = _Remembering(self.legacy)
        collect = _Collect()
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

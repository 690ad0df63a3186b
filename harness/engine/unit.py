"""Replay one unit of work (an exchange, or a whole scenario) and judge it, on demand.

A rehearsal streams every unit through the Runner; callers that want results one unit at a time
(the pytest plugin: one test item per exchange or scenario; generation's shrinking probe) use
`UnitReplayer` instead. It drives the same Runner and Judge, so the per-exchange logic
(templates, captures, secrets, noise, waivers, reproducers) is the rehearsal's own; it only adds
what each side was sent and answered, so callers can show both responses next to the verdict.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harness.core.exchange import Exchange, Request, Response
from harness.core.policy import WaiverBook
from harness.core.result import ResultRecord
from harness.core.rules import NoiseModel
from harness.engine.events import CollectResults, RehearsalStarted
from harness.engine.judge import Judge
from harness.engine.plan import Unit
from harness.engine.runner import Phase, Runner
from harness.engine.states import StateTargets
from harness.engine.targets import Targets
from harness.transport.recording import RememberingTransport


@dataclass(frozen=True, slots=True)
class ReplayedStep:
    """One judged exchange with what each side was sent and answered (None: not sent, or no
    answer). Without a live legacy, `legacy` is the recording."""

    exchange: Exchange
    record: ResultRecord
    legacy: Response | None
    candidate: Response | None
    legacy_request: Request | None = None  # what legacy was sent (placeholders rendered)


class UnitReplayer:
    """Judges units against live targets with the rehearsal's Runner and Judge.

    One instance per event loop: its transports open their connection pools in the loop that
    first uses them. Call `aclose()` in that loop when done.
    """

    def __init__(
        self,
        noise: Sequence[NoiseModel],
        targets: Targets,
        waivers: WaiverBook,
        *,
        secrets: Mapping[str, str] | None = None,
        judge: Judge | None = None,
        reask: bool = True,
    ) -> None:
        self.targets = targets
        self.reask = reask  # weigh a second legacy answer where the two sides differ
        self.secrets = dict(secrets or {})
        self.judge = judge or Judge(noise, waivers, targets.reproducer)
        self.sends = 0  # requests sent to legacy so far (shrinking counts its cost so)

    async def replay(self, unit: Unit) -> list[ReplayedStep]:
        """Send the unit's steps in order (each side with its own captured values) and judge."""
        candidate = RememberingTransport(self.targets.candidate)
        legacy = (
            RememberingTransport(self.targets.legacy) if self.targets.legacy is not None else None
        )
        collect = CollectResults()
        runner = Runner(
            self.judge,
            candidate,
            legacy,
            [collect],
            concurrency=1,
            secrets=self.secrets,
            opinion=self.targets.opinion if self.reask else None,
            # provider states on the targets themselves: their answers are not the unit's
            states=StateTargets(
                [
                    (name, side, self.targets.urls.get(name, ""))
                    for name, side in (
                        ("candidate", self.targets.candidate),
                        ("legacy", self.targets.legacy),
                    )
                    if side is not None
                ],
                {**os.environ, **self.secrets},
            ),
        )
        await runner.run([Phase([unit])], RehearsalStarted("unit", None, {}, len(unit.steps)))
        if legacy is not None:
            self.sends += len(legacy.seen)
        by_id = {step.id: step for step in unit.steps}
        candidate_answers = iter(candidate.seen)
        legacy_answers = iter(legacy.seen) if legacy is not None else None
        out = []
        for record in collect.records:
            exchange = by_id[record.id]
            sent = _was_sent(record)
            candidate_answer = next(candidate_answers, (None, None))[1] if sent else None
            legacy_request: Request | None = None
            legacy_answer: Response | None
            if legacy_answers is None:
                legacy_answer = exchange.response
            elif sent:
                legacy_request, legacy_answer = next(legacy_answers, (None, None))
                if legacy_request is not None:  # shown to people: its secrets as placeholders
                    secrets = runner.secrets_for(exchange, legacy_request)
                    legacy_request = secrets.request(legacy_request)
            else:
                legacy_answer = None
            out.append(
                ReplayedStep(exchange, record, legacy_answer, candidate_answer, legacy_request)
            )
        return out

    async def aclose(self) -> None:
        await self.targets.aclose()


def _was_sent(record: ResultRecord) -> bool:
    """Error records for steps that could not even be prepared were never sent."""
    error = record.error or ""
    return not (error.startswith("step not sent") or error.startswith("cannot send"))

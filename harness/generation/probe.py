"""Differential sends from synchronous code: hypothesis predicates call `probe.run(unit)`.

The probe owns a dedicated event loop and its own targets, used from one thread at a time (the
shrinker's worker thread); the rehearsal's loop keeps running meanwhile. Each run goes through
the engine's own `UnitReplayer` (Runner and Judge), so templates, captures, noise and
meaning-based comparison of allocated identifiers are exactly the rehearsal's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from harness.core.policy import WaiverBook
from harness.engine.judge import Judge
from harness.engine.plan import Unit
from harness.engine.targets import open_targets
from harness.engine.unit import ReplayedStep, UnitReplayer
from harness.transport.limits import AnswerLimits
from harness.transport.signed import TargetAccess


class DifferentialProbe:
    def __init__(
        self,
        judge: Judge,
        candidate_url: str,
        legacy_url: str,
        *,
        timeout_s: float = 10.0,
        limits: Mapping[str, AnswerLimits] | None = None,
        access: Mapping[str, TargetAccess] | None = None,
    ) -> None:
        self.loop = asyncio.new_event_loop()
        targets = open_targets(
            candidate_url, legacy_url, timeout_s=timeout_s, limits=limits, access=access
        )
        waivers = WaiverBook(judge.waivers.waivers, judge.waivers.today)
        self.replayer = UnitReplayer(judge.noise, targets, waivers, judge=judge)

    @property
    def sends(self) -> int:
        return self.replayer.sends

    def run(self, unit: Unit) -> list[ReplayedStep]:
        """Send the unit's steps to both targets (in order) and judge each one."""
        return self.loop.run_until_complete(self.replayer.replay(unit))

    def close(self) -> None:
        self.loop.run_until_complete(self.replayer.aclose())
        self.loop.close()

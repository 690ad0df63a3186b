"""Generated traffic in a rehearsal: the `TrafficSource` of generated and stateful units.

Its units have no recording and are compared live to live (it needs a live legacy). Its noise
models are derived from the contracts' (one per contract); its refinement shrinks a divergence
into a minimal regression contract (`Shrinker`); closing it writes `generation.json` beside the
report and closes the shrinker's probe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from harness.contracts import Contract, load_noise
from harness.core.difference import Verdict
from harness.core.policy import Waiver
from harness.core.result import ResultRecord
from harness.core.rules import NoiseModel
from harness.core.selection import OperationRules
from harness.engine import Refine, Unit
from harness.engine.live_noise import LiveNoise
from harness.errors import HarnessError
from harness.generation.options import Deadline, GenerationOptions
from harness.generation.refiner import Shrinker
from harness.generation.turns import PlanTurns
from harness.generation.units import CHAIN, generated_noise, generated_phases
from harness.transport.limits import AnswerLimits
from harness.transport.signed import TargetAccess

GENERATION_FILE = "generation.json"


class GeneratedTraffic:
    name = "generated"

    def __init__(
        self,
        options: GenerationOptions,
        contracts: Sequence[Contract],
        contracts_dir: Path,
        candidate_url: str,
        legacy_url: str | None,
        *,
        waivers: Sequence[Waiver] = (),
        today: dt.date | None = None,
        timeout_s: float = 10.0,
        limits: Mapping[str, AnswerLimits] | None = None,
        access: Mapping[str, TargetAccess] | None = None,
        live: LiveNoise | None = None,
        rules: OperationRules | None = None,
    ) -> None:
        if not legacy_url:
            raise HarnessError(
                "generated traffic is compared live to live: give --legacy URL too",
                field="--generate",
            )
        self.options = options
        self.rules = rules
        self.contracts = contracts
        self.deadline = Deadline(options.time_budget_s)
        self.planned = 0
        self.turns = PlanTurns()
        self._noise = generated_noise([load_noise(contract) for contract in contracts])
        self.shrinker = Shrinker(
            contracts,
            self._noise,
            candidate_url,
            legacy_url,
            contracts_dir,
            options,
            self.deadline,
            waivers=waivers,
            today=today or dt.datetime.now(dt.UTC).date(),
            timeout_s=timeout_s,
            limits=limits,
            access=access,
            live=live,
        )

    def noise(self) -> list[NoiseModel]:
        return self._noise

    def phases(self, done: Collection[str] = ()) -> list[Iterable[Unit]]:
        """Reads, then state changes (see `generated_phases`), each counted as it is planned
        and numbered in plan order (`PlanTurns`: divergences are shrunk in that order)."""
        phases = generated_phases(
            self.contracts, self.options, self.deadline, done=done, rules=self.rules
        )
        return [self.turns.numbered(self._counted(phase)) for phase in phases]

    def _counted(self, units: Iterable[Unit]) -> Iterator[Unit]:
        for unit in units:
            self.planned += len(unit.steps)
            yield unit

    def refinement(self) -> Refine:
        return self.refine

    async def refine(self, unit: Unit, records: list[ResultRecord]) -> list[ResultRecord]:
        try:
            if any(CHAIN in step.meta for step in unit.steps):
                records = [record for record in records if not _chain_cut_short(record)]
            if self.shrinker.wants(records):
                await self.turns.wait_for_earlier(unit)
            return await self.shrinker.refine(unit, records)
        finally:
            await self.turns.finished(unit)

    def close(self, report_dir: Path | None) -> None:
        """Write generation.json: the options, cases sent, and each divergence's reproducer."""
        shrunk = self.shrinker.to_dict()
        spent = self.deadline.passed
        self.shrinker.close()
        if report_dir is None:
            return
        data: dict[str, Any] = {
            "format_version": 1,
            "options": self.options.to_dict(),
            "planned": self.planned,
            "time_budget_spent": spent,
            "divergences": shrunk,
        }
        path = report_dir / GENERATION_FILE
        path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")


def _chain_cut_short(record: ResultRecord) -> bool:
    """A chain's request that could not be sent because the answer before it gave nothing to
    carry: that answer's own record says what happened (both sides alike, or a divergence)."""
    return record.verdict is Verdict.ERROR and (record.error or "").startswith("step not sent")

"""Generated traffic in a rehearsal: the one object `harness.rehearsal.session` talks to.

traffic = GeneratedTraffic(options, contracts, contracts_dir, candidate_url, legacy_url)
judge = Judge(traffic.noise(noise), ...)     # the generated units' noise follows the contracts'
traffic.attach(judge)
runner = Runner(..., refine=traffic.refine)  # shrinks divergences into regression contracts
runner.run(contract_units, started, then=traffic.phases(done))
traffic.finish(report_dir)                   # generation.json; closes the shrinker's probe
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from harness.contracts import Contract
from harness.core.result import ResultRecord
from harness.core.rules import NoiseModel
from harness.errors import HarnessError
from harness.generation.options import Deadline, GenerationOptions
from harness.generation.refiner import Shrinker
from harness.generation.units import generated_noise, generated_phases
from harness.rehearsal.judge import Judge
from harness.rehearsal.plan import Unit

GENERATION_FILE = "generation.json"


class GeneratedTraffic:
    def __init__(
        self,
        options: GenerationOptions,
        contracts: Sequence[Contract],
        contracts_dir: Path,
        candidate_url: str,
        legacy_url: str | None,
        *,
        timeout_s: float = 10.0,
    ) -> None:
        if not legacy_url:
            raise HarnessError(
                "generated traffic is compared live to live: give --legacy URL too",
                field="--generate",
            )
        self.options = options
        self.contracts = contracts
        self.contracts_dir = contracts_dir
        self.candidate_url = candidate_url
        self.legacy_url = legacy_url
        self.timeout_s = timeout_s
        self.deadline = Deadline(options.time_budget_s)
        self.shrinker: Shrinker | None = None
        self.planned = 0

    def noise(self, noise: Sequence[NoiseModel]) -> list[NoiseModel]:
        return [*noise, *generated_noise(noise)]

    def attach(self, judge: Judge) -> None:
        self.shrinker = Shrinker(
            self.contracts,
            judge,
            self.candidate_url,
            self.legacy_url,
            self.contracts_dir,
            self.options,
            self.deadline,
            timeout_s=self.timeout_s,
        )

    def phases(self, done: Collection[str] = ()) -> list[Iterable[Unit]]:
        """The runner phases after the contracts' units (reads, then state changes)."""
        phases = generated_phases(self.contracts, self.options, self.deadline, done=done)
        return [self._counted(phase) for phase in phases]

    def _counted(self, units: Iterable[Unit]) -> Iterator[Unit]:
        for unit in units:
            self.planned += len(unit.steps)
            yield unit

    async def refine(self, unit: Unit, records: list[ResultRecord]) -> list[ResultRecord]:
        if self.shrinker is None:
            return records
        return await self.shrinker.refine(unit, records)

    def finish(self, report_dir: Path) -> dict[str, Any]:
        """Write generation.json: the options, cases sent, and each divergence's reproducer."""
        shrunk = self.shrinker.to_dict() if self.shrinker is not None else []
        spent = self.deadline.passed
        if self.shrinker is not None:
            self.shrinker.close()
        data = {
            "format_version": 1,
            "options": self.options.to_dict(),
            "planned": self.planned,
            "time_budget_spent": spent,
            "divergences": shrunk,
        }
        path = report_dir / GENERATION_FILE
        path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
        return data

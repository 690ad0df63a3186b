"""Contract replay: the traffic source that sends recorded contracts again.

Each contract exchange is a unit; a scenario's steps (in `step` order) are one sequential unit.
Independent exchanges stream straight from the files; scenario steps are gathered per contract
(scenarios are short, hand-written sequences) and follow the contract's plain exchanges. Lines
are parsed a small batch at a time (`READ_AHEAD`), so memory stays bounded whatever the corpus.
A unit's `noise` is its contract's index: the contract's noise model judges it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path

from harness.contracts import Contract, iter_exchanges, load_noise
from harness.core.exchange import Exchange
from harness.core.rules import NoiseModel
from harness.engine.plan import Unit, read_ahead

READ_AHEAD = 64  # exchanges parsed per batch


class ContractReplay:
    """The `TrafficSource` of recorded contracts (optionally only some ids or scenarios)."""

    name = "contracts"

    def __init__(self, contracts: Sequence[Contract], *, only: Collection[str] = ()) -> None:
        self.contracts = contracts
        self.only = frozenset(only)
        self._noise: list[NoiseModel] | None = None

    def noise(self) -> list[NoiseModel]:
        if self._noise is None:
            self._noise = [load_noise(contract) for contract in self.contracts]
        return self._noise

    def phases(self, done: Collection[str] = ()) -> list[Iterable[Unit]]:
        return [plan_units(self.contracts, only=self.only, done=done)]

    def refinement(self) -> None:
        return None

    def close(self, report_dir: Path | None) -> None:
        return None

    def planned(self) -> int | None:
        """Exchanges a full replay sends (None with `only`: not counted)."""
        return None if self.only else count_planned(self.contracts)


def plan_units(
    contracts: Sequence[Contract],
    *,
    only: Collection[str] = (),
    done: Collection[str] = (),
) -> Iterator[Unit]:
    """Units still to run: everything, minus `done` ids, restricted to `only` ids (or scenarios)."""
    wanted = set(only)
    for index, contract in enumerate(contracts):
        scenarios: dict[str, list[Exchange]] = {}
        for exchange in read_ahead(iter_exchanges(contract), READ_AHEAD):
            if exchange.scenario is not None:
                scenarios.setdefault(exchange.scenario, []).append(exchange)
                continue
            if exchange.id in done or (wanted and exchange.id not in wanted):
                continue
            yield Unit(index, (exchange,))
        for name in sorted(scenarios):
            steps = sorted(scenarios[name], key=lambda e: e.step or 0)
            last = len(steps)
            if wanted and name not in wanted:
                picked = [i for i, step in enumerate(steps) if step.id in wanted]
                if not picked:
                    continue
                last = picked[-1] + 1
                report = frozenset(steps[i].id for i in picked) - frozenset(done)
            else:
                report = frozenset(step.id for step in steps) - frozenset(done)
            if not report:
                continue
            yield Unit(index, tuple(steps[:last]), name, report)


def count_planned(contracts: Sequence[Contract]) -> int:
    """Exchanges in the contracts, counted from line breaks without parsing (fast)."""
    total = 0
    for contract in contracts:
        for path in contract.exchange_files():
            if path.exists():
                with path.open("rb") as handle:
                    while block := handle.read(1 << 20):
                        total += block.count(b"\n")
    return total

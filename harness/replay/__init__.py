"""Contract replay: the traffic source that sends recorded contracts again.

Each contract exchange is a unit; a scenario's steps (in `step` order) are one sequential unit,
and so is a recorded conversation (`harness.correlation`: a proxy or HAR recording whose
`correlations.yaml` says which answers' values later requests carried).
Independent exchanges stream straight from the files; scenario steps are gathered per contract
(scenarios are short, hand-written sequences) and follow the contract's plain exchanges. Lines
are parsed a small batch at a time (`READ_AHEAD`), so memory stays bounded whatever the corpus.
A unit's `noise` is its contract's index: the contract's noise model judges it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from harness.contracts import Contract, iter_exchanges, load_noise
from harness.core.exchange import Exchange
from harness.core.rules import NoiseModel
from harness.correlation import (
    CORRELATIONS_FILE,
    CorrelationFile,
    correlated_units,
    read_correlations,
)
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
    """Units still to run: everything, minus `done` ids, restricted to `only` ids (or scenarios).

    A contract with a reviewed `correlations.yaml` (a proxy or HAR recording) is read whole:
    its conversations replay in order, each target sent its own values (`harness.correlation`).
    """
    wanted = set(only)
    for index, contract in enumerate(contracts):
        reviewed = _reviewed(contract)
        scenarios: dict[str, list[Exchange]] = {}
        plain: list[Exchange] = []
        for exchange in read_ahead(iter_exchanges(contract), READ_AHEAD):
            if exchange.scenario is not None:
                scenarios.setdefault(exchange.scenario, []).append(exchange)
            elif reviewed is not None:
                plain.append(exchange)
            elif exchange.id not in done and (not wanted or exchange.id in wanted):
                yield Unit(index, (exchange,))
        if reviewed is not None:
            planned, held = correlated_units(plain, reviewed)
            for position, exchange in enumerate(plain):
                if position in held or exchange.id in done:
                    continue
                if not wanted or exchange.id in wanted:
                    yield Unit(index, (exchange,))
            for conversation in planned:
                unit = _sequence(index, conversation.steps, conversation.name, wanted, done)
                if unit is not None:
                    yield replace(unit, scenario=None, shapes=conversation.shapes)
        for name in sorted(scenarios):
            steps = tuple(sorted(scenarios[name], key=lambda e: e.step or 0))
            unit = _sequence(index, steps, name, wanted, done)
            if unit is not None:
                yield unit


def _sequence(
    index: int,
    steps: tuple[Exchange, ...],
    name: str,
    wanted: Collection[str],
    done: Collection[str],
) -> Unit | None:
    """A sequence's unit: its steps up to the last one wanted, reporting those not done yet
    (None when nothing is left to report)."""
    last = len(steps)
    if wanted and name not in wanted:
        picked = [i for i, step in enumerate(steps) if step.id in wanted]
        if not picked:
            return None
        last = picked[-1] + 1
        report = frozenset(steps[i].id for i in picked) - frozenset(done)
    else:
        report = frozenset(step.id for step in steps) - frozenset(done)
    if not report:
        return None
    return Unit(index, steps[:last], name, report, partition=name)


def _reviewed(contract: Contract) -> CorrelationFile | None:
    """The contract's correlations.yaml when it has enabled entries, else None."""
    found = read_correlations(contract.directory / CORRELATIONS_FILE, contract.service)
    return found if found.enabled() else None


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

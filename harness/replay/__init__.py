"""Contract replay: the traffic source that sends recorded contracts again.

Each contract exchange is a unit; a scenario's steps (in `step` order) are one sequential unit,
and so is a recorded conversation (`harness.correlation`: a proxy or HAR recording whose
`correlations.yaml` says which answers' values later requests carried).
Independent exchanges stream straight from the files; scenario steps are gathered per contract
(scenarios are short, hand-written sequences) and follow the contract's plain exchanges. A
rehearsal takes a contract's operations in turn (`interleave`, a bounded look-ahead), so that
each operation's timings spread over the run instead of falling in one stretch of it. Lines
are parsed a small batch at a time (`READ_AHEAD`), so memory stays bounded whatever the corpus.
A unit's `noise` is its contract's index: the contract's noise model judges it. `keep` chooses
units (the messaging source, `harness.messaging`, takes the conversations that cause later
messages and contract replay the others).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.contracts import Contract, iter_exchanges, load_noise
from harness.contracts.store import CONTRACT_FILE
from harness.core.exchange import Exchange
from harness.core.rules import NoiseModel
from harness.core.selection import Selection
from harness.correlation import (
    CORRELATIONS_FILE,
    CorrelationFile,
    correlated_units,
    in_recorded_order,
    read_correlations,
)
from harness.engine.plan import Unit, interleaved, read_ahead
from harness.scenario.states import ProviderState, states_of

READ_AHEAD = 64  # exchanges parsed per batch
Keep = Callable[[Unit], bool]
INTERLEAVE_WINDOW = 512  # units looked at ahead to take operations in turn


class ContractReplay:
    """The `TrafficSource` of recorded contracts (optionally only some ids or scenarios)."""

    name = "contracts"

    def __init__(
        self,
        contracts: Sequence[Contract],
        *,
        only: Collection[str] = (),
        keep: Keep | None = None,
        interleave: bool = False,
        selection: Selection | None = None,
    ) -> None:
        self.contracts = contracts
        self.only = frozenset(only)
        self.keep = keep
        self.interleave = interleave  # operations taken in turn (a rehearsal's timings)
        self.selection = selection if selection is not None and not selection.everything else None
        self._noise: list[NoiseModel] | None = None

    def noise(self) -> list[NoiseModel]:
        if self._noise is None:
            self._noise = [load_noise(contract) for contract in self.contracts]
        return self._noise

    def phases(self, done: Collection[str] = ()) -> list[Iterable[Unit]]:
        units = plan_units(self.contracts, only=self.only, done=done, keep=self.keep)
        if self.interleave:
            units = interleaved(units, _operation_of, INTERLEAVE_WINDOW)
        if self.selection is None:
            return [units]
        return [selected_units(units, self.contracts, self.selection)]

    def refinement(self) -> None:
        return None

    def close(self, report_dir: Path | None) -> None:
        return None

    def planned(self) -> int | None:
        """Exchanges a full replay sends (None with `only` or a selection: not counted)."""
        if self.only or self.selection is not None:
            return None
        return count_planned(self.contracts)


def selected_units(
    units: Iterable[Unit], contracts: Sequence[Contract], selection: Selection
) -> Iterator[Unit]:
    """The units every step of which the selection takes (`--include` / `--exclude`): a
    conversation runs whole or not at all."""
    tags: list[dict[str, tuple[str, ...]]] = [
        {
            operation: tuple(str(tag) for tag in spec.get("tags") or ())
            for operation, spec in _specs(contract.openapi)
        }
        for contract in contracts
    ]

    def takes(step: Exchange, index: int) -> bool:
        own = tags[index].get(step.operation, ())
        return selection.selects(step.service, step.operation, step.request.method, own)

    for unit in units:
        noise = [unit.noise_of(position) for position in range(len(unit.steps))]
        if all(takes(step, index) for step, index in zip(unit.steps, noise, strict=True)):
            yield unit


def _specs(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(operation name, its definition) of every operation of a document (a SOAP action's
    name with its endpoint's definition)."""
    for path, item in (document.get("paths") or {}).items():
        for method, spec in item.items():
            if not isinstance(spec, Mapping):
                continue
            yield str(spec.get("operationId") or f"{method.upper()} {path}"), spec
            for name in (spec.get("x-soap-actions") or {}).values():
                yield str(name), spec


def plan_units(
    contracts: Sequence[Contract],
    *,
    only: Collection[str] = (),
    done: Collection[str] = (),
    keep: Keep | None = None,
) -> Iterator[Unit]:
    """Units still to run: everything, minus `done` ids, restricted to `only` ids (or scenarios),
    and to the units `keep` keeps."""
    units = _plan_units(contracts, only=only, done=done)
    return units if keep is None else (unit for unit in units if keep(unit))


def _plan_units(
    contracts: Sequence[Contract],
    *,
    only: Collection[str] = (),
    done: Collection[str] = (),
) -> Iterator[Unit]:
    """The units of the contracts (see `plan_units`).

    A contract with a reviewed `correlations.yaml` (a proxy or HAR recording) is read whole:
    its conversations replay in order, each target sent its own values (`harness.correlation`).
    """
    wanted = set(only)
    reviewed: list[CorrelationFile] = []
    correlated: list[tuple[int, Exchange]] = []  # (contract index, exchange) of reviewed ones
    declared = [contract_states(contract) for contract in contracts]
    for index, contract in enumerate(contracts):
        found = _reviewed(contract)
        if found is not None:
            reviewed.append(found)
        scenarios: dict[str, list[Exchange]] = {}
        for exchange in read_ahead(iter_exchanges(contract), READ_AHEAD):
            if exchange.scenario is not None:
                scenarios.setdefault(exchange.scenario, []).append(exchange)
            elif found is not None:
                correlated.append((index, exchange))
            elif exchange.id not in done and (not wanted or exchange.id in wanted):
                yield Unit(index, (exchange,))
        for name in sorted(scenarios):
            steps = tuple(sorted(scenarios[name], key=lambda e: e.step or 0))
            unit = _sequence(index, steps, name, wanted, done)
            if unit is not None:
                yield _in_states(unit, declared[index])
    if correlated:
        for unit in _conversations(correlated, reviewed, wanted, done):
            yield _in_states(unit, declared[unit.noise]) if unit.sequential else unit


def contract_states(contract: Contract) -> tuple[ProviderState, ...]:
    """The provider states a contract declares (`states:` in its contract.yaml)."""
    return states_of(contract.directory / CONTRACT_FILE)


def _in_states(unit: Unit, states: Sequence[ProviderState]) -> Unit:
    """The unit with the states declared for its conversation (by name)."""
    mine = tuple(state for state in states if state.is_for(unit.partition))
    return replace(unit, states=mine) if mine else unit


def _conversations(
    correlated: list[tuple[int, Exchange]],
    reviewed: Sequence[CorrelationFile],
    wanted: Collection[str],
    done: Collection[str],
) -> Iterator[Unit]:
    """The recorded traffic of the contracts with a correlations.yaml, analysed as one recording
    (in recorded order, across services): its conversations, then the exchanges on their own."""
    contract_of = {(e.service, e.id): index for index, e in correlated}
    exchanges = in_recorded_order(exchange for _, exchange in correlated)
    planned, held = correlated_units(exchanges, reviewed)
    for conversation in planned:
        steps, first = conversation.steps, conversation.steps[0]
        index = contract_of[first.service, first.id]
        unit = _sequence(index, steps, conversation.name, wanted, done)
        if unit is None:
            continue
        noise = tuple(contract_of[step.service, step.id] for step in unit.steps)
        yield replace(
            unit,
            scenario=None,
            shapes=conversation.shapes,
            step_noise=noise if len(set(noise)) > 1 else None,
        )
    for position, exchange in enumerate(exchanges):
        if position in held or exchange.id in done or (wanted and exchange.id not in wanted):
            continue
        yield Unit(contract_of[exchange.service, exchange.id], (exchange,))


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
    """The contract's correlations.yaml (None without one: its exchanges stream as they are).
    Contracts that have one are one recording, replayed in recorded order across services."""
    path = contract.directory / CORRELATIONS_FILE
    return read_correlations(path, contract.service) if path.is_file() else None


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


def _operation_of(unit: Unit) -> tuple[int, str]:
    """What interleaving takes in turn: a contract's operation (a scenario is its own kind)."""
    return unit.noise, unit.scenario or unit.steps[0].operation

"""What to send: contract exchanges grouped into units of work, streamed.

A unit is one independent exchange, or one scenario (its steps in `step` order, run as a
sequence). Independent exchanges stream straight from the files; scenario steps are gathered per
contract (scenarios are short, hand-written sequences) and follow the contract's plain exchanges.
Lines are parsed a small batch at a time (`READ_AHEAD`): one tight parsing loop per batch costs
far less CPU inside a busy event loop than one line per resumption, and memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from harness.contracts import Contract, iter_exchanges
from harness.core.exchange import Exchange

READ_AHEAD = 64  # exchanges parsed per batch
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Unit:
    contract: int  # index into the rehearsal's contracts
    steps: tuple[Exchange, ...]
    scenario: str | None = None
    # Steps whose results are reported (None: all). Earlier steps still run to carry values.
    report: frozenset[str] | None = None

    def reports(self, exchange_id: str) -> bool:
        return self.report is None or exchange_id in self.report


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


def read_ahead(items: Iterator[T], size: int) -> Iterator[T]:
    """`items` unchanged, pulled `size` at a time; an error comes after the items before it."""
    while True:
        batch: list[T] = []
        failure: Exception | None = None
        try:
            for _ in range(size):
                batch.append(next(items))
        except StopIteration:
            yield from batch
            return
        except Exception as error:  # e.g. a malformed line: raised where it was before
            failure = error
        yield from batch
        if failure is not None:
            raise failure

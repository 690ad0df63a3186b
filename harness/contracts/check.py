"""The pre-pass: every contract line checked before the first request is sent.

A rehearsal must not find a malformed line after it has sent half the corpus (and changed the
targets' state on the way). `check_contracts` streams every exchange file of every contract
once, in constant memory: each line is parsed and read exactly as the replay will read it
(`exchange_from_dict`: structure, required fields, types, unknown keys), each id must be unique
across the whole contracts directory (ids are how results, `--only` and `--resume` name an
exchange), and each scenario's steps must have distinct step numbers. The first problem is a
`HarnessError` naming the file, the line and the field. Ids are kept as 8-byte hashes
(`harness.core.unique`), so a corpus of a million lines costs 8 MB.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.contracts.codec import exchange_from_dict
from harness.contracts.store import Contract, iter_jsonl
from harness.core.unique import IdLedger, first_repeat
from harness.errors import HarnessError


@dataclass(frozen=True, slots=True)
class CheckedContracts:
    """What the pre-pass counted: every exchange line, and the scenarios' steps among them."""

    exchanges: int = 0
    scenario_steps: int = 0
    per_contract: tuple[int, ...] = field(default_factory=tuple)


def check_contracts(contracts: Sequence[Contract]) -> CheckedContracts:
    """Read every line of every contract; HarnessError (file, line, field) at the first problem."""
    ids = IdLedger()
    steps: dict[tuple[int, str], dict[int, str]] = {}  # scenarios are short and few
    total = scenario_steps = 0
    per_contract = []
    for index, contract in enumerate(contracts):
        count = 0
        for where, data in _lines(contract):
            exchange = exchange_from_dict(data, where)
            ids.add(exchange.id)
            count += 1
            if exchange.scenario is not None:
                scenario_steps += 1
                taken = steps.setdefault((index, exchange.scenario), {})
                number = exchange.step or 0
                if number in taken:
                    file, _, line = where.rpartition(":")
                    raise HarnessError(
                        f"scenario {exchange.scenario!r} has two steps numbered {number} "
                        f"(also at {taken[number]})",
                        file=file,
                        line=int(line),
                        field="step",
                    )
                taken[number] = where
        per_contract.append(count)
        total += count
    _refuse_repeats(contracts, ids)
    return CheckedContracts(total, scenario_steps, tuple(per_contract))


def _lines(contract: Contract) -> Iterator[tuple[str, object]]:
    for path in contract.exchange_files():
        if path.exists():
            yield from iter_jsonl(path)


def _refuse_repeats(contracts: Sequence[Contract], ids: IdLedger) -> None:
    repeat = first_repeat(_ids(contracts), ids.suspects())
    if repeat is None:
        return
    ident, first, second = repeat
    file, _, line = second.rpartition(":")
    raise HarnessError(
        f"exchange id {ident!r} is used twice (also at {_short(first)}): ids name exchanges in "
        "results, --only and --resume, so each must be unique across the contracts",
        file=file,
        line=int(line),
        field="id",
    )


def _ids(contracts: Sequence[Contract]) -> Iterator[tuple[str, str]]:
    for contract in contracts:
        for where, data in _lines(contract):
            yield str(data.get("id") if isinstance(data, dict) else None), where


def _short(where: str) -> str:
    """`pds/exchanges.jsonl:12` for a place inside a contracts directory."""
    file, _, line = where.rpartition(":")
    path = Path(file)
    return f"{path.parent.name}/{path.name}:{line}"

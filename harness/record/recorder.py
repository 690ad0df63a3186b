"""`harness record`: send a plan twice, learn the noise, redact, and write one contract per service.

Noise is learned from two passes of the whole plan. With a twin (a second legacy instance in the
same fresh state, e.g. two simulators with the same seed) the second pass goes to the twin, so
state-changing exchanges (PATCH, create, the EPS life cycle) are compared honestly: both instances
saw the same history. Without a twin the second pass goes to the same target; then, if the plan
changes state, only differences that are typed (UUIDs, timestamps) are learned and the others are
reported. The second pass starts at least `GAP_S` after the first ends, so that timestamps with
one-second resolution differ too.

With channels (`harness.messaging.Channels`), each pass gathers the later messages its requests
cause (the first on side `legacy`, the twin's on side `twin`), stores them with their exchange,
and learns their noise from the two passes like an answer's (`later:<kind>:<path>` rules).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from harness.contracts.noisefile import NoiseFile, merge_learned, read_noise_file
from harness.contracts.store import NOISE_FILE
from harness.contracts.writer import Equivalent, WriteResult, write_contract
from harness.core.compare import Comparators
from harness.core.difference import same_meaning_removed
from harness.core.exchange import Exchange
from harness.core.later_parity import LaterComparator
from harness.core.operations import OperationIndex, server_base_path, slug
from harness.core.rules import NoiseModel
from harness.core.selection import AdminPaths
from harness.core.success import success_warning
from harness.record.interface import split_by_service
from harness.record.noise import GAP_S, Pair, learn_noise
from harness.record.redact import Redactor
from harness.record.runner import Classifier, PassOutcome, Plan, run_pass
from harness.scenario import captured_from
from harness.transport.base import Transport

if TYPE_CHECKING:
    from harness.engine.later import LaterObserver

FollowUp = Callable[[Sequence[Exchange]], Plan]  # what to send next, from the answers so far


@dataclass
class RecordResult:
    written: list[WriteResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the first pass: scenario/transport errors
    notes: list[str] = field(default_factory=list)  # e.g. generated chains cut short
    warnings: list[str] = field(default_factory=list)  # noise learning
    sent: int = 0
    recorded: int = 0
    seconds: float = 0.0
    # Generated requests per operation: (answered 2xx, sent), to say which reach success.
    success: dict[str, tuple[int, int]] = field(default_factory=dict)


def _states_of(plan: Plan, exchanges: Sequence[Exchange]) -> list[dict[str, Any]]:
    """The provider states of the scenarios these exchanges came from, as contract.yaml stores
    them (each once, for the scenarios it was declared for)."""
    names = {exchange.scenario for exchange in exchanges if exchange.scenario}
    found: dict[str, dict[str, Any]] = {}
    for scenario in plan.scenarios:
        if scenario.name in names:
            for state in scenario.states:
                found.setdefault(state.name, state.to_dict())
    return list(found.values())


async def record(
    primary: Transport,
    plan: Plan,
    document: Mapping[str, Any],
    out: Path,
    *,
    twin: Transport | None = None,
    redactor: Redactor | None = None,
    provenance: Mapping[str, Any] | None = None,
    concurrency: int = 16,
    learn: bool = True,
    bound_seed: str | None = None,
    observer: LaterObserver | None = None,
    then: FollowUp | None = None,
    admin: AdminPaths | None = None,
    urls: tuple[str, str] = ("", ""),
) -> RecordResult:
    """Record `plan` (and what `then` plans from its answers: a second round of generated
    requests seeded by the first's) from `primary`, then learn the noise from a second pass."""
    started = time.perf_counter()
    index = OperationIndex.from_openapi(document)
    interfaces = split_by_service(document)
    title = str(document.get("info", {}).get("title", "default"))
    default_service = sorted(interfaces)[0] if len(interfaces) == 1 else slug(title)
    classify = Classifier(index, default_service, document)
    result = RecordResult()
    first = await run_pass(
        primary,
        plan,
        classify,
        concurrency=concurrency,
        bound_seed=bound_seed,
        observer=observer,
        side="legacy",
        url=urls[0],
    )
    rounds = [plan]
    if then is not None:
        later = then(list(first.exchanges.values()))
        if later.ids():
            rounds.append(later)
            more = await run_pass(
                primary,
                later,
                classify,
                concurrency=concurrency,
                bound_seed=bound_seed,
                observer=observer,
                side="legacy",
                url=urls[0],
            )
            first = first.joined(more)
    result.problems.extend(first.problems)
    result.notes.extend(first.notes)
    result.sent += first.sent
    second: PassOutcome | None = None
    if learn:
        await asyncio.sleep(GAP_S)
        reuse = first.bound if twin is not None else None  # a twin gets the same requests
        for each in rounds:
            repeat = await run_pass(
                twin or primary,
                each,
                classify,
                concurrency=concurrency,
                reuse=reuse,
                observer=observer,
                side="twin" if twin is not None else "legacy",
                url=urls[1] if twin is not None else urls[0],
            )
            second = repeat if second is None else second.joined(repeat)
        assert second is not None
        result.sent += second.sent
    by_service: dict[str, list[Exchange]] = {}
    base = server_base_path(document)
    for exchange in first.exchanges.values():
        if admin is not None and admin.matches(exchange.request.path, base):
            result.warnings.append(
                f"{exchange.id}: {exchange.request.method} {exchange.request.path} is an admin "
                "endpoint: sent, never recorded (declare a reset as a provider state)"
            )
            continue
        by_service.setdefault(exchange.service, []).append(exchange)
    result.success = success_by_operation(first.exchanges.values())
    result.warnings.extend(success_warnings(result.success, document))
    typed_only = twin is None and plan.changes_state
    redactor = redactor or Redactor()
    for service in sorted(set(interfaces) | set(by_service)):
        exchanges = by_service.get(service, [])
        pairs = []
        if second is not None:
            for exchange in exchanges:
                again = second.exchanges.get(exchange.id)
                if again is not None:
                    pairs.append(
                        Pair(
                            exchange.operation,
                            exchange.response,
                            again.response,
                            typed_only,
                            exchange.id,
                            first.bound.get(exchange.id, {}),
                            second.bound.get(exchange.id, {}),
                            exchange.later,
                            again.later,
                        )
                    )
        learned = learn_noise(pairs)
        result.warnings.extend(learned.warnings)
        directory = out / service
        previous = read_noise_file(directory / NOISE_FILE, service)
        entries = merge_learned(previous, learned.entries)
        model = NoiseFile(service, tuple(entries)).to_model()
        redacted = [redactor.exchange(exchange) for exchange in exchanges]
        written = write_contract(
            directory,
            service=service,
            openapi=interfaces.get(service, {}),
            exchanges=redacted,
            noise=entries,
            provenance=dict(provenance or {}),
            equivalent=equivalence(model),
            states=_states_of(plan, exchanges),
        )
        result.written.append(written)
        result.recorded += len(redacted)
    result.seconds = time.perf_counter() - started
    return result


def success_by_operation(exchanges: Iterable[Exchange]) -> dict[str, tuple[int, int]]:
    """Per operation, generated requests answered 2xx and generated requests sent."""
    counts: dict[str, tuple[int, int]] = {}
    for exchange in exchanges:
        if exchange.source != "generated":
            continue
        good, total = counts.get(exchange.operation, (0, 0))
        counts[exchange.operation] = (good + (200 <= exchange.response.status < 300), total + 1)
    return dict(sorted(counts.items()))


def success_warnings(
    success: Mapping[str, tuple[int, int]], document: Mapping[str, Any]
) -> list[str]:
    """Every generated answer a 404 (the base path is likely wrong), or an operation whose
    generated requests reach 2xx less than a quarter of the time."""
    warnings = []
    total = sum(sent for _, sent in success.values())
    if total and all(good == 0 for good, _ in success.values()):
        base = server_base_path(document) or "/"
        warnings.append(
            f"no generated request reached a 2xx answer ({total} sent): is the target's base "
            f"path right? the document's servers give {base!r}"
        )
    for operation, (good, sent) in success.items():
        warning = success_warning(operation, good, sent)
        if warning is not None:
            warnings.append(warning)
    return warnings


def equivalence(model: NoiseModel) -> Equivalent:
    """Same place, same template, same answer under the noise model: keep the stored line.

    The writer asks about a scenario's steps in order; the values each recording captured from
    its earlier steps' answers (a message id a target allocated) are read as the same meaning,
    as the noise learning reads the two passes' values: an answer that echoes them is not new."""
    comparators = Comparators(model)
    later: dict[str, LaterComparator] = {}
    captured: dict[str, tuple[dict[str, str], dict[str, str]]] = {}  # scenario -> old, new

    def later_comparator(operation: str) -> LaterComparator:
        found = later.get(operation)
        if found is None:
            found = later[operation] = LaterComparator(model.rules_for(operation))
        return found

    def equivalent(old: Exchange, new: Exchange) -> bool:
        if (old.service, old.operation, old.source, old.scenario, old.step) != (
            new.service,
            new.operation,
            new.source,
            new.scenario,
            new.step,
        ):
            return False
        if (old.template, old.captures) != (new.template, new.captures):
            return False
        if _canonical(old.meta) != _canonical(new.meta):
            return False
        if new.template is None and old.request != new.request:
            return False
        values = captured.setdefault(new.scenario, ({}, {})) if new.scenario else None
        differences = comparators.for_operation(new.operation).compare(old.response, new.response)
        differences += later_comparator(new.operation).compare(old.later, new.later)
        if differences and values is not None:
            differences = same_meaning_removed(differences, values[0], values[1])
        if values is not None and new.captures:
            values[0].update(captured_from(None, old.response, new.captures).captured)
            values[1].update(captured_from(None, new.response, new.captures).captured)
        return not differences

    return equivalent


def _canonical(meta: Mapping[str, object]) -> bytes:
    return orjson.dumps(dict(meta), option=orjson.OPT_SORT_KEYS)


def summarise(result: RecordResult) -> list[str]:
    """Lines for the terminal: each contract written, and the throughput."""
    lines = []
    for written in result.written:
        state = ", ".join(written.changed_files) if written.changed_files else "unchanged"
        lines.append(f"{written.directory}: {written.exchanges} exchanges ({state})")
    for operation, (good, sent) in result.success.items():
        lines.append(f"  {operation}: {good}/{sent} generated requests answered 2xx")
    rate = result.sent / result.seconds if result.seconds else 0.0
    lines.append(
        f"recorded {result.recorded} exchanges ({result.sent} requests sent, two passes) "
        f"in {result.seconds:.1f}s: {rate:.0f} requests/s"
    )
    return lines

"""Generated traffic as rehearsal units: exchanges with no recording, compared live to live.

Each generated exchange carries its `template` (placeholders such as `{{$uuid}}`), is not
`recorded` (the judge has no recording to consult) and, for requests that allocate identifiers
(POST), has `captures`, so that the identifiers each target allocated are compared on meaning.
Units come in an order that keeps both targets in step: reads first
(concurrently), then every state-changing single request in one sequential unit, then the
stateful scripts (each on its own patients, so they may run side by side).

Generated exchanges use a noise model derived from their contract's: the same rules plus the
echo headers as `uuid`, because each target gets its own fresh `X-Request-ID`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from harness.contracts import Contract, iter_exchanges
from harness.core.encoding import request_from_dict
from harness.core.exchange import Exchange, Request, Response
from harness.core.http import SAFE_METHODS
from harness.core.operations import OperationIndex
from harness.core.rules import NoiseModel, Rule
from harness.core.selection import OperationRules
from harness.core.template import Template
from harness.domains import merged, packs
from harness.engine.plan import Unit
from harness.generation.cases import GeneratedCase, generate_templates
from harness.generation.drawing import draw_examples
from harness.generation.interface import coverage_stream
from harness.generation.options import Deadline, GenerationOptions
from harness.generation.seeds import SeedPool
from harness.generation.seeking import Chain, success_seeking
from harness.generation.stateful import Script, ScriptMachine, draw_scripts
from harness.generation.variations import recorded_variations
from harness.openapi import Interface
from harness.scenario import render

NOT_SENT = Response(status=0)  # generated exchanges have no recorded answer
ECHO_RULES = (
    Rule("header:x-request-id", "uuid", comment="a fresh request id per target and send"),
    Rule("header:x-correlation-id", "uuid", comment="a fresh correlation id per target"),
)
ALLOCATION_CAPTURES = {"allocated_id": "/id", "allocated_location": "header:location"}
UNSAFE_UNIT = "generated-state-changing"
CHAIN = "chain"  # meta key of a chain's steps: the origin of the link it follows


def generated_noise(noise: Sequence[NoiseModel]) -> list[NoiseModel]:
    """The noise models for generated units: one per contract, after the contracts' own.

    Generated requests reach operations and answers the recording never saw, so every rule
    learned for any operation of the service applies to all of them (a value that varies in
    one answer, such as the generated id of a name or address, varies wherever it appears).
    """
    derived = []
    for model in noise:
        shared: dict[tuple[str, str], Rule] = {}
        for rules in model.operations.values():
            for rule in rules:
                shared.setdefault((rule.path, rule.kind), rule)
        derived.append(model.merged(NoiseModel({"*": (*ECHO_RULES, *shared.values())})))
    return derived


BATCH = 30  # interface cases generated at a time (schemathesis generation is the slow part)


def generated_phases(
    contracts: Sequence[Contract],
    options: GenerationOptions,
    deadline: Deadline,
    *,
    done: Collection[str] = (),
    rules: OperationRules | None = None,
) -> list[Iterable[Unit]]:
    """Two phases, planned lazily in batches: reads (concurrent), then the state-changing
    requests (one sequential unit per service) and the stateful scripts.

    The time budget starts with the first batch; once it is spent no new batch is generated
    (what is already generated is still sent: sending takes milliseconds, generating seconds).
    `Unit.noise` is the contract's index: the generated noise models are one per contract.
    """
    unsafe: dict[int, list[Exchange]] = {}
    chains: list[Unit] = []

    def reads() -> Iterator[Unit]:
        deadline.start()
        for batch in _batches(contracts, options, rules, chains, done):
            for index, exchange in batch:
                if exchange.id in done:
                    continue
                if exchange.request.method in SAFE_METHODS:
                    yield Unit(index, (exchange,))
                else:
                    unsafe.setdefault(index, []).append(exchange)
            if deadline.passed:
                return

    def changes() -> Iterator[Unit]:
        for index, exchanges in unsafe.items():
            # One sequential unit per service: both targets see its state changes in order.
            yield Unit(index, tuple(exchanges), f"{UNSAFE_UNIT}-{exchanges[0].service}", None)
        yield from chains  # along the interface's links, each target with its own values
        if options.stateful:
            for unit in _stateful_units(contracts, options, done, rules):
                if deadline.passed:
                    return
                yield unit

    return [reads(), changes()]


@dataclass(slots=True)
class _Plan:
    """One contract's generation: what is left of its share after each kind of case."""

    index: int
    contract: Contract
    operations: OperationIndex
    interface: Interface
    left: int


def _batches(
    contracts: Sequence[Contract],
    options: GenerationOptions,
    rules: OperationRules | None,
    chains: list[Unit],
    done: Collection[str],
) -> Iterator[list[tuple[int, Exchange]]]:
    """Domain cases of every contract first (cheap, and the likeliest to find drift), then the
    success-seeking cases, then the interface cases a batch at a time, contract after contract
    (the caller stops asking once the time budget is spent). Success-seeking chains are kept in
    `chains` for the state-changing phase."""
    plans = []
    for index, contract in enumerate(contracts):
        count = _share(options.count, contracts, index)
        if count <= 0 or not contract.openapi:
            continue
        interface = Interface(contract.openapi)
        operations = OperationIndex.from_openapi(contract.openapi)
        domain = _domain_cases(contract, count // 3, options.seed, interface, rules)
        yield [(index, _exchange(contract, case, operations)) for case in domain]
        plans.append(_Plan(index, contract, operations, interface, count - len(domain)))
    for plan in plans:
        seeking, linked = _seeking_cases(
            plan.contract, plan.left // 2, options.seed, plan.interface, rules
        )
        kept = list(_chain_units(plan.index, plan.contract, linked, done))
        chains.extend(kept)
        plan.left = max(0, plan.left - len(seeking) - sum(len(unit.steps) for unit in kept))
        yield [
            (plan.index, _exchange(plan.contract, case, plan.operations, part="seek-"))
            for case in seeking
        ]
    for plan in plans:
        index, contract, operations, interface = (
            plan.index,
            plan.contract,
            plan.operations,
            plan.interface,
        )
        coverage = coverage_stream(contract.openapi, rules=rules, interface=interface)
        for number, start in enumerate(range(0, plan.left, BATCH)):
            size = min(BATCH, plan.left - start)
            boundary = size // 3
            seed = options.seed * 1_009 + number
            cases = generate_templates(
                contract.openapi, size - boundary, seed, rules=rules, interface=interface
            )
            cases += list(itertools.islice(coverage, boundary + size - boundary - len(cases)))
            yield [
                (index, _exchange(contract, case, operations, part=f"b{number}-")) for case in cases
            ]


def _seeking_cases(
    contract: Contract,
    count: int,
    seed: int,
    interface: Interface,
    rules: OperationRules | None,
) -> tuple[list[GeneratedCase], list[Chain]]:
    """Success-seeking cases and chains from what the contract's recordings show exists."""
    if count <= 0:
        return [], []
    pool = SeedPool(interface).feed(iter_exchanges(contract))
    if not pool.fed and not pool.successes:
        return [], []
    return success_seeking(interface, pool, count, seed * 7_907 + 1, rules=rules)


def _chain_units(
    index: int, contract: Contract, chains: Sequence[Chain], done: Collection[str]
) -> Iterator[Unit]:
    """Chains of reads, each a unit of its own. Chains that change state are left out: a
    rehearsal's targets may be long-lived and shared (a change would stay), and what a created
    record's answer generates beside its id (the ids of its names and addresses) differs
    between two targets with different histories. The packs' stateful workflows drive changes,
    on records they create under fresh names."""
    for chain in chains:
        if all(step.template.method in SAFE_METHODS for step in chain.steps):
            yield from _unit(index, contract, chain.name, chain.steps, chain.link.origin, done)


def _unit(
    index: int,
    contract: Contract,
    name: str,
    script: Script,
    origin: str,
    done: Collection[str],
) -> Iterator[Unit]:
    steps = tuple(
        replace(step, meta={**step.meta, CHAIN: origin})
        for step in script_exchanges(name, contract.service, script, "generated")
    )
    report = frozenset(step.id for step in steps) - frozenset(done)
    if report:
        yield Unit(index, steps, name, report)


def _share(count: int, contracts: Sequence[Contract], index: int) -> int:
    """Cases for contract `index`, in proportion to its operations."""
    sizes = [max(1, len(c.openapi.get("paths") or {})) if c.openapi else 0 for c in contracts]
    total = sum(sizes)
    if not total or not sizes[index]:
        return 0
    before = sum(sizes[:index])
    return count * (before + sizes[index]) // total - count * before // total


def _domain_cases(
    contract: Contract,
    count: int,
    seed: int,
    interface: Interface,
    rules: OperationRules | None,
) -> list[GeneratedCase]:
    """The domain packs' strategies from the recordings (weight 2) and variations of the
    recordings (weight 1), for the operations the rules allow."""
    domain = merged(
        lambda pack: pack.recorded_strategies(contract.openapi, iter_exchanges(contract))
    )
    identifiers = [kind for pack in packs() for kind in pack.identifiers(iter_exchanges(contract))]
    allowed = {operation.key for operation in interface.selected(rules)}
    strategies = {
        f"{key}#{kind}": strategy
        for kind, found in (
            ("domain", domain),
            ("varied", recorded_variations(iter_exchanges(contract), identifiers)),
        )
        for key, strategy in found.items()
        if key in allowed
    }
    keys = sorted(strategies)
    weights = [2 if key.endswith("#domain") else 1 for key in keys]
    total = sum(weights)
    cases: list[GeneratedCase] = []
    for position, key in enumerate(keys):
        before = sum(weights[:position])
        quota = count * (before + weights[position]) // total - count * before // total
        operation, kind = key.split("#")
        drawn = draw_examples(strategies[key], quota, seed * 7_919 + position)
        cases.extend(
            GeneratedCase(operation, kind, number, Template.from_dict(template), contract.service)
            for number, template in enumerate(drawn)
        )
    return cases


def _exchange(
    contract: Contract, case: GeneratedCase, index: OperationIndex, *, part: str = ""
) -> Exchange:
    """A generated case as an exchange to send; `part` keeps ids of the kinds of case apart
    (domain cases none, success-seeking `seek-`, interface batches `b<N>-`): result ids are
    unique in a rehearsal."""
    request = render(case.template, {}, environ={})
    operation = index.match(request)
    return Exchange(
        id=f"{contract.service}-{part}{case.id}",
        service=contract.service,
        operation=operation.id if operation is not None else case.key,
        request=request,
        response=NOT_SENT,
        source="generated",
        template=case.template,
        captures=dict(ALLOCATION_CAPTURES) if request.method == "POST" else None,
        recorded=False,
        meta={"mode": case.mode},
    )


def _stateful_units(
    contracts: Sequence[Contract],
    options: GenerationOptions,
    done: Collection[str],
    rules: OperationRules | None = None,
) -> Iterator[Unit]:
    count = max(3, options.count // 10)
    for index, contract in enumerate(contracts):
        machines = _workflows(contract)
        allowed = _allowed_steps(contract, rules)
        for which, machine in enumerate(machines):
            prefix = f"stateful-{contract.service}" + (f"-w{which}" if which else "")
            for number, script in enumerate(draw_scripts(machine, count, options.seed)):
                name = f"{prefix}-{number:03d}"
                steps = script_exchanges(name, contract.service, script)
                if allowed is not None and not all(allowed(step) for step in steps):
                    continue  # a script with an operation the rules leave out is not sent
                if all(step.id in done for step in steps):
                    continue
                report = frozenset(step.id for step in steps) - frozenset(done)
                yield Unit(index, steps, name, report)


def _workflows(contract: Contract) -> list[type[ScriptMachine]]:
    """The domain packs' workflows for the contract's interface."""
    return [
        machine
        for pack in packs()
        for machine in pack.workflows(contract.service, contract.openapi)
        if issubclass(machine, ScriptMachine)
    ]


def _allowed_steps(
    contract: Contract, rules: OperationRules | None
) -> Callable[[Exchange], bool] | None:
    """Whether a generated step's operation may be sent under the rules (None: all may). An
    operation the document does not describe to schemathesis (a SOAP action) is not judged."""
    if rules is None:
        return None
    interface = Interface(contract.openapi)
    allowed = {operation.key for operation in interface.selected(rules)}

    def check(step: Exchange) -> bool:
        return step.operation in allowed or step.operation not in interface.operations

    return check


def script_exchanges(
    name: str, service: str, script: Script, source: str = "stateful"
) -> tuple[Exchange, ...]:
    """A script as scenario steps (source `stateful`, or `generated` for chains), ready for
    the runner."""
    return tuple(
        Exchange(
            id=f"{name}/{number}",
            service=service,
            operation=step.operation or "unmatched",
            request=_placeholder_request(step.template),
            response=NOT_SENT,
            source=source,
            scenario=name,
            step=number,
            template=step.template,
            captures=dict(step.captures) if step.captures else None,
            recorded=False,
            meta={"label": step.name},
        )
        for number, step in enumerate(script)
    )


def _placeholder_request(template: Template) -> Request:
    """The template as a request, placeholders left in (what a reader sees before rendering)."""
    return request_from_dict(template.to_dict(), "generated", "template")

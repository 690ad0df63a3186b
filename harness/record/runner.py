"""Sending a recording plan through a transport: generated requests, then scenarios by name.

One pass sends everything once and returns the exchanges by id (in plan order). Generated
requests that do not change state (GET, HEAD, OPTIONS) are sent concurrently, then the others one
by one; then the scenarios run one after the other, each step rendered with the values captured
so far. Every pass thus leaves a fresh target in the same state, and the order is the one a
rehearsal plans (plain exchanges first, scenarios by name).

With an observer (`harness.engine.later.LaterObserver`, from `harness.messaging`), each request
that may cause later messages is watched on the pass's side (`legacy`, or `twin`); the pass
waits until its channel falls quiet before the next step of a scenario, and stores what came
with the exchange (`Exchange.later`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from time import perf_counter
from typing import Any

from harness.core.exchange import Exchange, Request, Response
from harness.core.http import SAFE_METHODS
from harness.core.operations import OperationIndex
from harness.engine.later import LaterObserver, Watch
from harness.errors import HarnessError
from harness.generation.cases import GeneratedCase
from harness.scenario import Scenario, Step, bind_fresh, run_step, seeded_value
from harness.scenario.states import enter, leave
from harness.transport.base import Transport

UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class Plan:
    scenarios: Sequence[Scenario] = ()
    generated: Sequence[GeneratedCase] = ()

    def ordered_scenarios(self) -> list[Scenario]:
        return sorted(self.scenarios, key=lambda scenario: scenario.name)

    def ids(self) -> list[str]:
        """Send order, which is also the stored order: generated requests, then scenarios by
        name (the order a rehearsal plans them in)."""
        found = [f"{s.name}/{i}" for s in self.ordered_scenarios() for i in range(len(s.steps))]
        return [case.id for case in self.generated] + found

    @property
    def changes_state(self) -> bool:
        methods = [step.template.method for s in self.scenarios for step in s.steps]
        methods += [case.template.method for case in self.generated]
        return any(method not in SAFE_METHODS for method in methods)


@dataclass
class PassOutcome:
    exchanges: dict[str, Exchange] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    sent: int = 0
    # Per scenario step: the run's values so far (bound built-ins, captures), which its answer
    # may echo; two passes differ in them without any noise.
    bound: dict[str, dict[str, str]] = field(default_factory=dict)
    # A twin pass sends the first pass's bound values again (same requests, same fresh state),
    # so what differs between the passes is noise, not the values: step id -> values.
    reuse: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Set when recording a fresh, seeded simulator: bound values derive from it (see
    # `seeded_value`), so re-recording sends, and stores, the same values.
    bound_seed: str | None = None
    observer: LaterObserver | None = None  # what gathers the later messages requests cause
    side: str = "legacy"  # the observer's name for this pass's target
    url: str = ""  # the target's base URL (a provider state's reset command is given it)
    notes: list[str] = field(default_factory=list)  # generated chains cut short, and why

    def joined(self, later: PassOutcome) -> PassOutcome:
        """This pass followed by a later one on the same target (a second round)."""
        return replace(
            self,
            exchanges={**self.exchanges, **later.exchanges},
            problems=[*self.problems, *later.problems],
            sent=self.sent + later.sent,
            bound={**self.bound, **later.bound},
            reuse={**self.reuse, **later.reuse},
            notes=[*self.notes, *later.notes],
        )


class Classifier:
    """(service, operation) of a request, from the interface's operation index.

    A SOAP request whose action is missing or unknown belongs to no action's operation; it is
    filed under the endpoint's own operationId (e.g. `smspPds`) when the document gives one.
    """

    def __init__(
        self,
        index: OperationIndex,
        default_service: str,
        document: Mapping[str, Any] | None = None,
    ) -> None:
        self.index = index
        self.default_service = default_service
        self.endpoints: list[tuple[str, re.Pattern[str], str, str]] = []
        for path, item in (document or {}).get("paths", {}).items():
            for method, spec in item.items():
                if isinstance(spec, Mapping) and spec.get("x-soap-actions"):
                    tags = spec.get("tags") or [default_service]
                    pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)))
                    name = str(spec.get("operationId") or f"{method.upper()} {path}")
                    self.endpoints.append((method.upper(), pattern, str(tags[0]), name))

    def __call__(self, request: Request) -> tuple[str, str]:
        operation = self.index.match(request)
        if operation is not None:
            return operation.service, operation.id
        for method, pattern, service, name in self.endpoints:
            if method == request.method.upper() and pattern.fullmatch(request.path):
                return service, name
        return self.default_service, UNMATCHED


async def run_pass(
    transport: Transport,
    plan: Plan,
    classify: Classifier,
    *,
    concurrency: int = 16,
    reuse: Mapping[str, Mapping[str, str]] | None = None,
    bound_seed: str | None = None,
    observer: LaterObserver | None = None,
    side: str = "legacy",
    url: str = "",
) -> PassOutcome:
    """Send the plan once. `reuse`: another pass's `bound` values, sent again (a twin pass);
    `bound_seed`: derive bound values from it instead of drawing them; `observer`: gather the
    later messages each request causes on `side`."""
    outcome = PassOutcome(
        reuse=reuse or {}, bound_seed=bound_seed, observer=observer, side=side, url=url
    )
    safe = [c for c in plan.generated if c.template.method in SAFE_METHODS]
    unsafe = [c for c in plan.generated if c.template.method not in SAFE_METHODS]
    limit = asyncio.Semaphore(concurrency)

    async def send_case(case: GeneratedCase) -> None:
        async with limit:
            await _send_generated(transport, case, classify, outcome)

    await asyncio.gather(*(send_case(case) for case in safe))
    for case in unsafe:
        await _send_generated(transport, case, classify, outcome)
    for scenario in plan.ordered_scenarios():
        await _run_scenario(transport, scenario, classify, outcome)
    ordered = {i: outcome.exchanges[i] for i in plan.ids() if i in outcome.exchanges}
    outcome.exchanges = ordered
    return outcome


async def _run_scenario(
    transport: Transport,
    scenario: Scenario,
    classify: Classifier,
    outcome: PassOutcome,
) -> None:
    steps: list[Exchange] = []
    watched: list[tuple[int, Watch]] = []
    sent_at: list[float] = []
    if scenario.states:  # the target put in the scenario's provider states (never recorded)
        problem = await enter(scenario.states, transport, outcome.url)
        if problem is not None:
            outcome.problems.append(
                f"scenario {scenario.name} ({outcome.side}): {problem}; the scenario was not sent"
            )
            return
    try:
        await _run_steps(transport, scenario, classify, outcome, steps, watched, sent_at)
    finally:
        if scenario.states:
            problem = await leave(scenario.states, transport)
            if problem is not None:
                outcome.problems.append(f"scenario {scenario.name} ({outcome.side}): {problem}")
        if outcome.observer is not None:
            for index, watch in watched:
                later = outcome.observer.collect(watch, sent_at)
                if index < len(steps):  # a step that failed was not kept
                    steps[index] = replace(steps[index], later=later)
        # Every step of a scenario lives in one contract: the scenario's service, else the
        # service of its first recognised request.
        known = [e.service for e in steps if e.operation != UNMATCHED]
        home = scenario.service or (known[0] if known else classify.default_service)
        for exchange in steps:
            outcome.exchanges[exchange.id] = replace(exchange, service=home)


async def _run_steps(
    transport: Transport,
    scenario: Scenario,
    classify: Classifier,
    outcome: PassOutcome,
    steps: list[Exchange],
    watched: list[tuple[int, Watch]],
    sent_at: list[float],
) -> None:
    variables: dict[str, str] = {}
    for number, step in enumerate(scenario.steps):
        label = f"scenario {scenario.name} step {number} ({step.name}, {step.where})"
        earlier = outcome.reuse.get(f"{scenario.name}/{number}", {})
        for alias, builtin in step.template.aliases.items():
            if alias in earlier:
                variables.setdefault(alias, earlier[alias])
            elif outcome.bound_seed is not None:
                seed_label = f"{outcome.bound_seed}:{scenario.name}:{alias}"
                variables.setdefault(alias, seeded_value(builtin, seed_label))
        try:
            bind_fresh(step.template, variables)
        except HarnessError as error:
            outcome.problems.append(f"{label}: {error}; the rest of the scenario was not sent")
            return
        started = perf_counter()
        sent = await run_step(transport, step, variables)
        sent_at.append(started)
        watch = await _watched(outcome, sent.request, sent.response, started)
        if watch is not None:
            watched.append((len(steps), watch))
        problem = sent.problem or sent.failure
        if problem is not None or sent.request is None or sent.response is None:
            if scenario.source == "generated" and sent.failure is None:
                outcome.notes.append(f"{label}: {problem}; the rest of the chain was not sent")
                return
            outcome.problems.append(f"{label}: {problem}; the rest of the scenario was not sent")
            return
        outcome.sent += 1
        request, response = sent.request, sent.response
        service, operation = classify(request)
        outcome.bound[f"{scenario.name}/{number}"] = dict(variables)
        steps.append(
            Exchange(
                id=f"{scenario.name}/{number}",
                service=service,
                operation=operation,
                request=request,
                response=response,
                source=scenario.source,
                scenario=scenario.name,
                step=number,
                template=step.template,
                captures=dict(step.captures),
            )
        )
        if step.expect is not None and response.status != step.expect:
            outcome.problems.append(
                f"{label}: expected status {step.expect}, got {response.status}"
            )
        if sent.capture_problem is not None:
            if scenario.source == "generated":  # a generated chain whose first answer missed
                outcome.notes.append(f"{label}: {sent.capture_problem}; the chain stops here")
                return
            outcome.problems.append(
                f"{label}: {sent.capture_problem}; the rest of the scenario was not sent"
            )
            return
        variables.update(sent.captured)


async def _send_generated(
    transport: Transport,
    case: GeneratedCase,
    classify: Classifier,
    outcome: PassOutcome,
) -> None:
    started = perf_counter()
    sent = await run_step(transport, Step(case.id, case.template), {})
    watch = await _watched(outcome, sent.request, sent.response, started)
    problem = sent.problem or sent.failure
    if problem is not None or sent.request is None or sent.response is None:
        outcome.problems.append(f"generated {case.id}: {problem}")
        return
    outcome.sent += 1
    request: Request = sent.request
    service, operation = classify(request)
    if operation == UNMATCHED and case.service:
        service, operation = case.service, case.key  # e.g. a SOAP call with no valid action
    outcome.exchanges[case.id] = Exchange(
        id=case.id,
        service=service,
        operation=operation,
        request=request,
        response=sent.response,
        source="generated",
        template=case.template,
        later=()
        if watch is None or outcome.observer is None
        else outcome.observer.collect(watch, [started]),
    )


async def _watched(
    outcome: PassOutcome, request: Request | None, response: Response | None, sent_at: float
) -> Watch | None:
    """Watch what a request caused, and wait until its channel falls quiet (nothing is known
    of what it causes: this is the recording)."""
    observer = outcome.observer
    if observer is None or request is None:
        return None
    watch = observer.watch(outcome.side, request, response, sent_at)
    if watch is not None:
        await observer.wait([watch], None)
    return watch

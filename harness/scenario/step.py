"""One step against one target: render the template with the run's values, send it, capture.

`run_step` is the only place a scenario step is sent: the recorder walks a scenario through it
for the target it records, and the rehearsal runner for each of legacy and candidate (each with
the values it captured itself). What happened is a `StepOutcome`: the request sent (None when it
could not be rendered), the answer or the transport failure, the values captured, and the
capture that found nothing. The caller decides what a failure means for the rest of its run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.core.exchange import Request, Response
from harness.errors import HarnessError
from harness.scenario.capture import capture
from harness.scenario.render import render
from harness.scenario.stepfile import Step
from harness.transport.base import Transport, TransportError


@dataclass(frozen=True, slots=True)
class StepOutcome:
    request: Request | None
    response: Response | None = None
    failure: TransportError | None = None  # the target could not be reached or answered badly
    problem: HarnessError | None = None  # the step could not be rendered (a value is missing)
    captured: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # captures that found nothing in the answer
    capture_problem: HarnessError | None = None  # the first of them, as an error

    @property
    def answered(self) -> bool:
        return self.response is not None


async def run_step(
    transport: Transport,
    step: Step,
    bindings: Mapping[str, str],
    *,
    environ: Mapping[str, str] | None = None,
    request: Request | None = None,
) -> StepOutcome:
    """Send one step. `request`: the step already rendered (a rehearsal renders for both
    targets before sending either, so that a value missing on one side sends nothing)."""
    if request is None:
        try:
            request = render(step.template, bindings, environ=environ)
        except HarnessError as problem:
            return StepOutcome(None, problem=problem)
    try:
        response = await transport.send(request)
    except TransportError as failure:
        return StepOutcome(request, failure=failure)
    return captured_from(request, response, step.captures)


def captured_from(
    request: Request | None, response: Response, captures: Mapping[str, str]
) -> StepOutcome:
    """The outcome of an answer already in hand (a recording answering for legacy)."""
    values: dict[str, str] = {}
    missing: list[str] = []
    first: HarnessError | None = None
    for name, expression in captures.items():
        try:
            values.update(capture(response, {name: expression}))
        except HarnessError as problem:
            missing.append(name)
            first = first or problem
    return StepOutcome(
        request, response, captured=values, missing=tuple(missing), capture_problem=first
    )

"""The runner: sends every unit of work, judges each exchange, emits events.

It runs phases one after the other (`Phase`: the units of one source's phase, the offset of that
source's noise models in the judge, and its refinement). Within a phase, independent units run
concurrently on a bounded pool of workers pulling from one shared, lazily read iterator, so
memory does not grow with the corpus. A sequential unit (a scenario, a workflow) runs its steps
in order on one worker, each target with its own captured values (`harness.scenario.run_step`);
its results are emitted together when it ends (an interrupted scenario is re-run whole on
resume, reporting only the steps not yet reported). Cancelling `run` (Ctrl-C) drops in-flight
work, and the runner still emits `RehearsalFinished(interrupted=True)`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, replace
from time import perf_counter, process_time
from typing import overload

from harness.core.difference import Verdict
from harness.core.exchange import Exchange, Request, Response
from harness.core.http import is_credential
from harness.core.result import ResultRecord
from harness.core.template import Template, holds_placeholder
from harness.core.varying import kind_of
from harness.engine.dependence import Dependence
from harness.engine.events import (
    Consumer,
    Event,
    ExchangeCompared,
    RehearsalFinished,
    RehearsalStarted,
)
from harness.engine.judge import Judge, Outcome
from harness.engine.later import LaterObserver
from harness.engine.opinion import LegacyTwin, SecondOpinion, ask
from harness.engine.plan import Unit
from harness.engine.secrets import NO_SECRETS, Secrets
from harness.engine.serial import Serial
from harness.engine.states import StateTargets
from harness.engine.watched import Later, Watched, watch_step
from harness.errors import HarnessError
from harness.scenario import (
    Step,
    StepOutcome,
    bind_fresh,
    captured_from,
    recorded_bindings,
    render,
    run_step,
    template_of,
)
from harness.transport.base import Transport, TransportError

REDACTED = "[redacted]"
# A timestamp that differs is asked about again this much later, so that a clock with
# one-second resolution moves on if it is a clock (the recorder's gap between passes too).
ASK_TIMESTAMP_AFTER_S = 1.1
NOT_RUN = "not_run"  # the error kind of a step left out because a step it depends on failed
# Called with each unit's records before they are emitted (e.g. to shrink a divergence).
Refine = Callable[[Unit, list[ResultRecord]], Awaitable[list[ResultRecord]]]


@dataclass(frozen=True, slots=True)
class Phase:
    """Units that may run side by side; the next phase starts once they have all finished.

    `units` is an iterable, read lazily, or an async iterator for a source whose units arrive
    while it runs (mirrored live traffic): the phase ends when it is exhausted. Several
    workers await its `__anext__` at once, so it must allow that (a class over an
    `asyncio.Queue` does; an async generator does not)."""

    units: Iterable[Unit] | AsyncIterator[Unit]
    noise_offset: int = 0  # where the units' source's noise models start in the judge
    refine: Refine | None = None
    observer: LaterObserver | None = None  # what gathers the later messages units cause
    concurrency: int | None = None  # workers for this phase (None: the runner's)


class Runner:
    def __init__(
        self,
        judge: Judge,
        candidate: Transport,
        legacy: Transport | None,
        consumers: Sequence[Consumer],
        *,
        concurrency: int = 32,
        secrets: Mapping[str, str] | None = None,
        opinion: SecondOpinion | None = None,
        urls: Mapping[str, str] | None = None,
        states: StateTargets | None = None,
    ) -> None:
        self.judge = judge
        self.candidate = candidate
        self.legacy = legacy
        # Where a second legacy answer comes from (live noise cancellation); needs live legacy.
        self.opinion = opinion if legacy is not None else None
        self.consumers = consumers
        self.concurrency = max(1, concurrency)
        self.environ: Mapping[str, str] = {**os.environ, **(secrets or {})}
        # Headers every live side's auth provider sets per request: a recording's placeholder
        # there is dropped before rendering (no variable needed), the provider fills it in.
        sides = [candidate] if legacy is None else [candidate, legacy]
        self.provided: frozenset[str] = frozenset.intersection(
            *(frozenset(getattr(side, "provides", frozenset())) for side in sides)
        )
        # Where conversations' provider states are set up: each live target, by name and URL
        # (`states`: other transports for them, e.g. ones whose answers are not being kept).
        live = [("candidate", candidate)] + ([("legacy", legacy)] if legacy is not None else [])
        self.states = states or StateTargets(
            [(name, side, (urls or {}).get(name, "")) for name, side in live], self.environ
        )
        self._serial = Serial()  # units of one partition in the order taken
        self.compared = 0
        self.elapsed_s = 0.0
        self.cpu_s = 0.0  # this process's CPU time during the run (benchmarks)

    def emit(self, event: Event) -> None:
        for consumer in self.consumers:
            consumer.handle(event)

    async def run(self, phases: Sequence[Phase], started: RehearsalStarted) -> bool:
        """Run every phase in order; returns True when interrupted (cancelled).

        The workers of a phase share one iterator (reading it never awaits, so no two workers
        are inside it at once): at most `concurrency` units exist at any time, whatever the
        corpus size. Every consumer is started first and finished last, whatever happens.
        """
        started_consumers: list[Consumer] = []
        try:
            for consumer in self.consumers:
                consumer.start()
                started_consumers.append(consumer)
            return await self._run(phases, started)
        finally:
            for consumer in started_consumers:
                consumer.finish()

    async def _run(self, phases: Sequence[Phase], started: RehearsalStarted) -> bool:
        self.emit(started)
        began, cpu_began = perf_counter(), process_time()
        interrupted = False
        workers: list[asyncio.Future[None]] = []
        try:
            for phase in phases:
                units = phase.units
                shared = units if isinstance(units, AsyncIterator) else iter(units)
                workers = [
                    asyncio.ensure_future(self._work(shared, phase))
                    for _ in range(max(1, phase.concurrency or self.concurrency))
                ]
                await asyncio.gather(*workers)
        except asyncio.CancelledError:
            interrupted = True
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self.elapsed_s = perf_counter() - began
            self.cpu_s = process_time() - cpu_began
            self.emit(RehearsalFinished(interrupted, self.compared, self.elapsed_s))
        return interrupted

    async def _work(self, units: Iterator[Unit] | AsyncIterator[Unit], phase: Phase) -> None:
        """Take units until none is left; a unit waits for its partition's earlier ones."""
        if isinstance(units, AsyncIterator):
            async for unit in units:
                async with self._serial.of(unit.partition):
                    await self._unit(unit, phase)
        else:
            for unit in units:
                async with self._serial.of(unit.partition):
                    await self._unit(unit, phase)

    async def _unit(self, unit: Unit, phase: Phase) -> None:
        offset, observer = phase.noise_offset, phase.observer
        cause = await self.states.enter(unit.states) if unit.states else None
        if cause is not None:  # a target not in its state: the conversation says nothing
            records = [
                self.judge.error_record(step, step.request, f"not run: {cause}", kind=NOT_RUN)
                for step in unit.steps
                if unit.reports(step.id)
            ]
        else:
            try:
                if unit.sequential:
                    records = await self._sequence(unit, offset, observer)
                else:
                    records = [await self._single(offset + unit.noise, unit.steps[0], observer)]
            finally:
                if unit.states:
                    await self.states.leave(unit.states, unit.partition)
        if phase.refine is not None:
            records = await phase.refine(unit, records)
        self.compared += len(records)
        for record in records:
            self.emit(ExchangeCompared(record))

    async def _single(
        self, noise: int, exchange: Exchange, observer: LaterObserver | None = None
    ) -> ResultRecord:
        try:
            request = self._prepare(exchange, {})
        except HarnessError as error:
            return self.judge.error_record(exchange, exchange.request, f"cannot send: {error}")
        sent_at = perf_counter()
        twin = self._mirrored(request)
        candidate, legacy = await self._send_both(request, request)
        secrets = self.secrets_for(exchange, request)
        if secrets:  # echoed secrets are compared (and stored) as their placeholders
            candidate, legacy = _swept(secrets, candidate), _swept(secrets, legacy)
        sent = _redacted(request, exchange, secrets)
        later = None
        if observer is not None:
            watched = watch_step(observer, exchange, request, candidate, request, legacy, sent_at)
            await watched.wait(observer, exchange)
            later = watched.collect(observer, exchange, [sent_at])
        try:
            record = self.judge.judge(noise, exchange, sent, candidate, legacy, later=later)
            if record.verdict is Verdict.MISMATCH and self.opinion is not None:
                record = await self._reconsider(noise, exchange, record, request, legacy, twin)
            elif twin is not None:
                await twin  # the twin must have taken the change before the next unit runs
            return record
        except Exception as error:  # a comparison bug must not end the rehearsal
            return self.judge.error_record(exchange, sent, _internal(error))

    def _mirrored(self, request: Request) -> asyncio.Future[Outcome] | None:
        """A state-changing request also sent to a legacy twin as it happens (its history must
        stay the legacy's); its answer waits for a second opinion that may be wanted."""
        opinion = self.opinion
        if opinion is None or not opinion.mirrors(request):
            return None
        return asyncio.ensure_future(ask(opinion, request))

    async def _reconsider(
        self,
        noise: int,
        exchange: Exchange,
        record: ResultRecord,
        request: Request,
        legacy: Outcome | None,
        twin: asyncio.Future[Outcome] | None,
        carried: _Carried | None = None,
        twin_request: Request | None = None,
    ) -> ResultRecord:
        """Legacy's second answer weighed against its first (live noise cancellation)."""
        opinion = self.opinion
        assert opinion is not None
        if twin is not None:
            again, second = twin_request or request, await twin
        elif opinion.can_ask(request):
            again = opinion.again(request)
            if any(kind_of(d) == "timestamp" for d in record.differences if d.waiver is None):
                await asyncio.sleep(ASK_TIMESTAMP_AFTER_S)  # one-second clocks must move on
            second = await ask(opinion, again)
        else:
            return self.judge.reconsider(noise, exchange, record, legacy, None)
        secrets = self.secrets_for(exchange, request)
        second = _swept(secrets, second)
        asked = (_redacted(request, exchange, secrets), _redacted(again, exchange, secrets))
        return self.judge.reconsider(noise, exchange, record, legacy, second, asked, carried)

    async def _sequence(
        self, unit: Unit, offset: int, observer: LaterObserver | None = None
    ) -> list[ResultRecord]:
        legacy_vars: dict[str, str] = {}
        candidate_vars: dict[str, str] = {}
        twin_vars: dict[str, str] = {}  # a legacy twin's own captured values (it allocates its own)
        twin = self.opinion if isinstance(self.opinion, LegacyTwin) else None
        records: list[ResultRecord | None] = []
        failed: str | None = None  # why an earlier step got no answer, if one did not
        steps_sent: list[float] = []  # when each step was sent (later messages are placed so)
        watched_steps: list[Watched] = []
        deferred: list[tuple[int, _Step, Watched]] = []
        cut = Dependence()  # what the steps after a failed one may no longer rely on
        for position, exchange in enumerate(unit.steps):
            noise = offset + unit.noise_of(position)
            step = _step_of(exchange)
            cause = cut.cause_for(step)
            if cause is not None:  # it depends on a step that failed: not sent, not compared
                if unit.reports(exchange.id):
                    records.append(
                        self.judge.error_record(
                            exchange, exchange.request, f"not run: {cause}", kind=NOT_RUN
                        )
                    )
                cut.lost(step, cause)
                continue
            try:
                if exchange.template is not None:  # `{{$name as var}}`: one value, both targets
                    fresh = bind_fresh(exchange.template, candidate_vars)
                    if fresh and self.legacy is None:  # the recording answered the old values
                        recorded = recorded_bindings(exchange.template, exchange.request)
                        fresh = {name: recorded.get(name, value) for name, value in fresh.items()}
                    legacy_vars.update(fresh)
                    twin_vars.update(fresh)
                sent_candidate = self._prepare(exchange, candidate_vars)
                sent_legacy = (
                    sent_candidate if self.legacy is None else self._prepare(exchange, legacy_vars)
                )
                sent_twin = self._prepare(exchange, twin_vars) if twin is not None else None
            except HarnessError as error:
                if unit.reports(exchange.id):
                    records.append(
                        self.judge.error_record(
                            exchange,
                            exchange.request,
                            f"step not sent: {error.describe()}"
                            + (f" (an earlier step failed: {failed})" if failed else ""),
                        )
                    )
                cut.lost(step, f"step {exchange.id} was not sent ({error.message})")
                continue
            sent_at = perf_counter()
            steps_sent.append(sent_at)
            twin_task = (
                asyncio.ensure_future(run_step(twin.transport, step, {}, request=sent_twin))
                if twin is not None and sent_twin is not None
                else None
            )
            candidate_step, legacy_step = await self._run_both(step, sent_candidate, sent_legacy)
            twin_step = await twin_task if twin_task is not None else None
            if twin_step is not None and step.captures:
                _keep_captured(twin_vars, twin_step)
            secrets = self.secrets_for(exchange, sent_candidate)
            candidate = _swept(secrets, _outcome_of(candidate_step))
            legacy = None if legacy_step is None else _swept(secrets, _outcome_of(legacy_step))
            watched: Watched | None = None
            if observer is not None:
                watched = watch_step(
                    observer, exchange, sent_candidate, candidate, sent_legacy, legacy, sent_at
                )
                watched_steps.append(watched)
                await watched.wait(observer, exchange)  # before the next step is sent
            for outcome in (candidate, legacy):
                if isinstance(outcome, TransportError):
                    failed = failed or f"{exchange.id}: {outcome}"
                    cut.lost(step, f"step {exchange.id} failed ({outcome})")
            if step.captures:
                legacy_side = legacy_step or captured_from(None, exchange.response, step.captures)
                _keep_captured(legacy_vars, legacy_side)
                _keep_captured(candidate_vars, candidate_step)
            if unit.reports(exchange.id):
                judged = _Step(
                    noise,
                    exchange,
                    _redacted(sent_candidate, exchange, secrets),
                    candidate,
                    legacy,
                    (dict(legacy_vars), dict(candidate_vars)),
                    None
                    if self.legacy is None or sent_legacy is sent_candidate
                    else _redacted(sent_legacy, exchange, secrets),
                    sent_legacy,
                    twin_step,
                    sent_twin,
                    dict(twin_vars),
                )
                if watched is not None and watched.any:  # judged once the conversation is over
                    deferred.append((len(records), judged, watched))
                    records.append(None)
                    continue
                records.append(await self._judged(judged, unit.shapes))
        for watched in watched_steps:
            if observer is not None and not any(watched is d[-1] for d in deferred):
                watched.collect(observer, None, steps_sent)  # not reported: it ends all the same
        for index, judged, watched in deferred:
            assert observer is not None
            later = watched.collect(observer, judged.exchange, steps_sent)
            records[index] = await self._judged(judged, unit.shapes, later)
        return [record for record in records if record is not None]

    async def _judged(
        self, step: _Step, shapes: Mapping[str, str] | None, later: Later | None = None
    ) -> ResultRecord:
        """A scenario step judged, and, where it differs, legacy's second answer weighed: the
        twin's (it ran the step too), or legacy asked again with the same values (safe steps)."""
        try:
            record = self.judge.judge(
                step.noise,
                step.exchange,
                step.sent,
                step.candidate,
                step.legacy,
                step.carried,
                shapes,
                later,
                step.legacy_sent,
            )
            if record.verdict is not Verdict.MISMATCH or self.opinion is None:
                return record
            if step.twin is not None and step.sent_twin is not None:
                future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
                future.set_result(_outcome_of(step.twin))
                return await self._reconsider(
                    step.noise, step.exchange, record, step.sent_legacy, step.legacy, future,
                    (step.carried[0], step.twin_vars), step.sent_twin,
                )  # fmt: skip
            same = (step.carried[0], step.carried[0])  # asked again: the same values both times
            return await self._reconsider(
                step.noise, step.exchange, record, step.sent_legacy, step.legacy, None, same
            )
        except Exception as error:  # a comparison bug must not end the rehearsal
            return self.judge.error_record(step.exchange, step.sent, _internal(error))

    def secrets_for(self, exchange: Exchange, sent: Request) -> Secrets:
        """The secret values `sent` carries (none when nothing was filled from `${NAME}`)."""
        if sent is exchange.request:
            return NO_SECRETS
        return Secrets.of(_step_of(exchange).template, self.environ)

    def _prepare(self, exchange: Exchange, variables: Mapping[str, str]) -> Request:
        """The request to send: the stored one, or its template rendered with `variables`
        (without the headers the targets' auth providers set)."""
        if exchange.template is None:
            if not _has_placeholder(exchange.request):
                return exchange.request
            template = _step_of(exchange).template
        else:
            template = exchange.template
        if self.provided:
            template = _without_headers(template, self.provided)
        return render(template, variables, environ=self.environ)

    async def _run_both(
        self, step: Step, to_candidate: Request, to_legacy: Request
    ) -> tuple[StepOutcome, StepOutcome | None]:
        """The step sent to both targets at once (legacy None: the recording answers)."""
        if self.legacy is None:
            return await run_step(self.candidate, step, {}, request=to_candidate), None
        legacy_task = asyncio.ensure_future(run_step(self.legacy, step, {}, request=to_legacy))
        try:
            candidate = await run_step(self.candidate, step, {}, request=to_candidate)
        except BaseException:
            legacy_task.cancel()
            raise
        return candidate, await legacy_task

    async def _send_both(
        self, to_candidate: Request, to_legacy: Request
    ) -> tuple[Outcome, Outcome | None]:
        if self.legacy is None:
            return await _send(self.candidate, to_candidate), None
        legacy_task = asyncio.ensure_future(_send(self.legacy, to_legacy))
        try:
            candidate = await _send(self.candidate, to_candidate)
        except BaseException:
            legacy_task.cancel()
            raise
        return candidate, await legacy_task


_Carried = tuple[Mapping[str, str], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class _Step:
    """What a scenario step's judgement needs: both answers, what each side was sent and
    carried, and the twin's answer (a second opinion), if any."""

    noise: int
    exchange: Exchange
    sent: Request
    candidate: Outcome
    legacy: Outcome | None
    carried: _Carried
    legacy_sent: Request | None
    sent_legacy: Request
    twin: StepOutcome | None
    sent_twin: Request | None
    twin_vars: Mapping[str, str]


async def _send(transport: Transport, request: Request) -> Outcome:
    try:
        return await transport.send(request)
    except TransportError as error:
        return error


def _step_of(exchange: Exchange) -> Step:
    """The scenario step an exchange stands for: its template, else its stored request."""
    return Step(exchange.id, template_of(exchange), exchange.captures or {})


def _outcome_of(step: StepOutcome) -> Outcome:
    if step.failure is not None:
        return step.failure
    assert step.response is not None
    return step.response


def _keep_captured(variables: dict[str, str], outcome: StepOutcome) -> None:
    """Take what was captured; a missing value surfaces when a later step needs it."""
    if outcome.failure is not None:
        return
    variables.update(outcome.captured)
    for name in outcome.missing:
        variables.pop(name, None)


def _internal(error: Exception) -> str:
    return f"harness: comparison failed ({type(error).__name__}: {error}); please report it"


def _without_headers(template: Template, names: frozenset[str]) -> Template:
    if not any(name.lower() in names for name, _ in template.headers):
        return template
    kept = tuple((k, v) for k, v in template.headers if k.lower() not in names)
    return replace(template, headers=kept)


def _has_placeholder(request: Request) -> bool:
    """A stored request (no template) left with `${NAME}` by redaction, or a `{{...}}`."""
    return (
        any(holds_placeholder(value) for _, value in request.headers)
        or holds_placeholder(request.path)
        or any(holds_placeholder(value) for _, value in request.query)
        or (b"${" in request.body and holds_placeholder(request.body.decode("utf-8", "replace")))
    )


@overload
def _swept(secrets: Secrets, outcome: Outcome) -> Outcome: ...
@overload
def _swept(secrets: Secrets, outcome: Outcome | None) -> Outcome | None: ...
def _swept(secrets: Secrets, outcome: Outcome | None) -> Outcome | None:
    return secrets.response(outcome) if isinstance(outcome, Response) else outcome


def _redacted(sent: Request, exchange: Exchange, secrets: Secrets = NO_SECRETS) -> Request:
    """What goes into results: each secret value sent is put back as its placeholder, wherever
    it is; a credential header or query parameter still holding a value is masked."""
    if sent is exchange.request and not any(is_credential(name) for name, _ in sent.headers):
        return sent
    stored = secrets.request(sent)
    return replace(
        stored,
        headers=tuple(_masked(pair) for pair in stored.headers),
        query=tuple(_masked(pair) for pair in stored.query),
    )


def _masked(pair: tuple[str, str]) -> tuple[str, str]:
    name, value = pair
    if is_credential(name) and "${" not in value:
        return name, REDACTED
    return pair

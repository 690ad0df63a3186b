"""The rehearsal runner: sends every unit of work, judges each exchange, emits events.

Independent exchanges run concurrently on a bounded pool of workers pulling from one shared,
lazily read iterator, so memory does not grow with the corpus. A scenario is one unit: its steps
run in order on one worker, each target with its own captured values; its results are emitted
together when it ends (an interrupted scenario is re-run whole on resume, reporting only the steps
not yet reported). Cancelling `run` (Ctrl-C) drops in-flight work, and the runner still emits
`RehearsalFinished(interrupted=True)`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from time import perf_counter, process_time
from typing import Any

from harness.core.exchange import Exchange, Request
from harness.core.http import is_credential
from harness.core.result import ResultRecord
from harness.errors import HarnessError
from harness.record.scenario import (
    bind_generated,
    bound_aliases,
    capture,
    captures_of,
    recorded_bindings,
    render_request,
    template_of,
)
from harness.rehearsal.events import (
    Consumer,
    Event,
    ExchangeCompared,
    RehearsalFinished,
    RehearsalStarted,
)
from harness.rehearsal.judge import Judge, Outcome
from harness.rehearsal.plan import Unit
from harness.transport.base import Transport, TransportError

REDACTED = "[redacted]"
# Called with each unit's records before they are emitted (e.g. to shrink a divergence).
Refine = Callable[[Unit, list[ResultRecord]], Awaitable[list[ResultRecord]]]


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
        refine: Refine | None = None,
    ) -> None:
        self.judge = judge
        self.refine = refine
        self.candidate = candidate
        self.legacy = legacy
        self.consumers = consumers
        self.concurrency = max(1, concurrency)
        self.environ: Mapping[str, str] = {**os.environ, **(secrets or {})}
        self.compared = 0
        self.elapsed_s = 0.0
        self.cpu_s = 0.0  # this process's CPU time during the run (benchmarks)

    def emit(self, event: Event) -> None:
        for consumer in self.consumers:
            consumer.handle(event)

    async def run(
        self,
        units: Iterable[Unit],
        started: RehearsalStarted,
        *,
        then: Sequence[Iterable[Unit]] = (),
    ) -> bool:
        """Run everything; returns True when interrupted (cancelled).

        The workers share one iterator (reading it never awaits, so no two workers are inside
        it at once): at most `concurrency` units exist at any time, whatever the corpus size.
        Each of `then` is a further phase, started once every unit before it has finished (so
        state-changing generated traffic never overlaps the contracts' own sequences).
        """
        self.emit(started)
        began, cpu_began = perf_counter(), process_time()
        interrupted = False
        workers: list[asyncio.Future[None]] = []
        try:
            for phase in (units, *then):
                shared = iter(phase)
                workers = [
                    asyncio.ensure_future(self._work(shared)) for _ in range(self.concurrency)
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

    async def _work(self, units: Iterator[Unit]) -> None:
        for unit in units:
            if unit.scenario is None and not _binds(unit.steps[0]):
                records = [await self._single(unit.contract, unit.steps[0])]
            else:
                records = await self._scenario(unit)
            if self.refine is not None:
                records = await self.refine(unit, records)
            self.compared += len(records)
            for record in records:
                self.emit(ExchangeCompared(record))

    async def _single(self, contract: int, exchange: Exchange) -> ResultRecord:
        try:
            request = self._prepare(exchange, {})
        except HarnessError as error:
            return self.judge.error_record(exchange, exchange.request, f"cannot send: {error}")
        candidate, legacy = await self._send_both(request, request)
        sent = _redacted(request, exchange)
        try:
            return self.judge.judge(contract, exchange, sent, candidate, legacy)
        except Exception as error:  # a comparison bug must not end the rehearsal
            return self.judge.error_record(exchange, sent, _internal(error))

    async def _scenario(self, unit: Unit) -> list[ResultRecord]:
        legacy_vars: dict[str, str] = {}
        candidate_vars: dict[str, str] = {}
        records = []
        failed: str | None = None  # why an earlier step got no answer, if one did not
        for exchange in unit.steps:
            try:
                if "template" in exchange.meta:  # `{{$name as var}}`: one value, both targets
                    template = template_of(exchange)
                    fresh = bind_generated(template, candidate_vars)
                    if fresh and self.legacy is None:  # the recording answered the old values
                        recorded = recorded_bindings(template, exchange.request)
                        fresh = {name: recorded.get(name, value) for name, value in fresh.items()}
                    legacy_vars.update(fresh)
                sent_candidate = self._prepare(exchange, candidate_vars)
                sent_legacy = (
                    sent_candidate if self.legacy is None else self._prepare(exchange, legacy_vars)
                )
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
                continue
            candidate, legacy = await self._send_both(sent_candidate, sent_legacy)
            for outcome in (candidate, legacy):
                if failed is None and isinstance(outcome, TransportError):
                    failed = f"{exchange.id}: {outcome}"
            captures = captures_of(exchange)
            if captures:
                legacy_side = exchange.response if legacy is None else legacy
                _capture_into(legacy_vars, legacy_side, captures)
                _capture_into(candidate_vars, candidate, captures)
            if unit.reports(exchange.id):
                sent = _redacted(sent_candidate, exchange)
                carried = (legacy_vars, candidate_vars)
                try:
                    record = self.judge.judge(
                        unit.contract, exchange, sent, candidate, legacy, carried
                    )
                except Exception as error:  # a comparison bug must not end the rehearsal
                    record = self.judge.error_record(exchange, sent, _internal(error))
                records.append(record)
        return records

    def _prepare(self, exchange: Exchange, variables: Mapping[str, str]) -> Request:
        """The request to send: the stored one, or its template rendered with `variables`."""
        if "template" not in exchange.meta and not _has_placeholder(exchange.request):
            return exchange.request
        return render_request(template_of(exchange), variables, environ=self.environ)

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


async def _send(transport: Transport, request: Request) -> Outcome:
    try:
        return await transport.send(request)
    except TransportError as error:
        return error


def _capture_into(variables: dict[str, str], outcome: Any, captures: Mapping[str, str]) -> None:
    """Take what can be captured; a missing value surfaces when a later step needs it."""
    if isinstance(outcome, TransportError):
        return
    for name, expression in captures.items():
        try:
            variables.update(capture(outcome, {name: expression}))
        except HarnessError:
            variables.pop(name, None)


def _internal(error: Exception) -> str:
    return f"harness: comparison failed ({type(error).__name__}: {error}); please report it"


def _binds(exchange: Exchange) -> bool:
    """A lone exchange that binds a built-in (`{{$uuid as x}}`) runs as a one-step scenario, so
    both sides' values are known to the judge."""
    return "template" in exchange.meta and bool(bound_aliases(template_of(exchange)))


def _has_placeholder(request: Request) -> bool:
    return any("${" in value or "{{" in value for _, value in request.headers) or (
        "{{" in request.path or "${" in request.path
    )


def _redacted(sent: Request, exchange: Exchange) -> Request:
    """What goes into results: secrets re-injected at send time are put back as placeholders."""
    if sent is exchange.request and not any(is_credential(name) for name, _ in sent.headers):
        return sent
    stored = {name.lower(): value for name, value in exchange.request.headers}
    template = exchange.meta.get("template")
    if isinstance(template, Mapping):
        for pair in template.get("headers") or ():
            stored[str(pair[0]).lower()] = str(pair[1])
    headers = []
    for name, value in sent.headers:
        original = stored.get(name.lower(), "")
        if "${" in original:
            headers.append((name, original))
        elif is_credential(name):
            headers.append((name, REDACTED))
        else:
            headers.append((name, value))
    return Request(sent.method, sent.path, sent.query, tuple(headers), sent.body)

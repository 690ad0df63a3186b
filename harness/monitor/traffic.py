"""Compressed time: a consumer that lives a realistic day in a fraction of one.

`send_window` plays `days` simulated days of a `Workload` (its daily curve over its mix of
scenarios) against one base URL, one simulated day every `seconds_per_day` real seconds. Each
scenario starts at a simulated moment drawn uniformly within its hour (seeded), runs its steps
in order through `harness.scenario.run_step` (captured values carried, built-ins drawn per run),
and every request carries that moment in `clock_header` (ISO 8601, UTC): the shadow proxy
stamps the exchange with it, so the store's day partition follows simulated time. Before each
simulated hour starts, `on_hour` is awaited (the demo moves the simulators' clocks there).

It is a consumer, not a judge: what it counts is what a connected system would notice, the
answers by status and the requests that got no answer at all (`failures`). When the target
cannot keep up, it runs late rather than dropping traffic, and says how late (`max_lag_s`).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from time import perf_counter

from harness.core.exchange import Request, Response
from harness.monitor.workload import Workload
from harness.scenario import Scenario, bind_fresh, run_step
from harness.transport.base import Transport

CLOCK_HEADER = "X-Harness-Simulated-Time"
HourHook = Callable[[datetime], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SimulatedWindow:
    start: datetime  # the first simulated moment (midnight UTC of day 1)
    days: int
    seconds_per_day: float  # real seconds one simulated day takes

    def real_offset(self, moment: datetime) -> float:
        return (moment - self.start).total_seconds() / 86_400 * self.seconds_per_day


@dataclass
class TrafficReport:
    scenarios: int = 0
    requests: int = 0
    failures: int = 0  # requests that got no answer (what a consumer would see as an error)
    unrendered: int = 0  # steps that could not be rendered (a value an earlier step lacked)
    statuses: Counter[int] = field(default_factory=Counter)
    per_day: Counter[str] = field(default_factory=Counter)
    max_lag_s: float = 0.0
    elapsed_s: float = 0.0


class _Stamped:
    """A transport that adds the simulated time of its scenario to every request."""

    def __init__(self, transport: Transport, header: str, moment: datetime) -> None:
        self.name = transport.name
        self._transport = transport
        self._header = (header, moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))

    async def send(self, request: Request) -> Response:
        return await self._transport.send(
            replace(request, headers=(*request.headers, self._header))
        )

    async def aclose(self) -> None:
        return None


def schedule(
    workload: Workload, window: SimulatedWindow, seed: int
) -> Iterator[tuple[datetime, Scenario]]:
    """(simulated moment, scenario) in time order, one hour at a time (lazily)."""
    draw = random.Random(seed)
    scenarios = [scenario for scenario, _ in workload.mix]
    weights = [weight for _, weight in workload.mix]
    per_hour = workload.per_hour()
    for day in range(window.days):
        for hour in range(24):
            begin = window.start + timedelta(days=day, hours=hour)
            moments = sorted(draw.random() * 3600 for _ in range(per_hour[hour]))
            chosen = draw.choices(scenarios, weights, k=len(moments))
            for offset, scenario in zip(moments, chosen, strict=True):
                yield begin + timedelta(seconds=offset), scenario


async def send_window(
    transport: Transport,
    workload: Workload,
    window: SimulatedWindow,
    *,
    seed: int = 0,
    concurrency: int = 16,
    clock_header: str = CLOCK_HEADER,
    on_hour: HourHook | None = None,
) -> TrafficReport:
    report = TrafficReport()
    began = perf_counter()
    slots = asyncio.Semaphore(concurrency)
    running: set[asyncio.Task[None]] = set()
    hour: datetime | None = None

    async def one(moment: datetime, scenario: Scenario) -> None:
        try:
            stamped = _Stamped(transport, clock_header, moment)
            bindings: dict[str, str] = {}
            report.scenarios += 1
            report.per_day[moment.date().isoformat()] += 1
            for step in scenario.steps:
                bind_fresh(step.template, bindings)
                outcome = await run_step(stamped, step, bindings)
                if outcome.problem is not None:
                    report.unrendered += 1
                    break
                report.requests += 1
                if outcome.failure is not None:
                    report.failures += 1
                    break
                assert outcome.response is not None
                report.statuses[outcome.response.status] += 1
                bindings.update(outcome.captured)
        finally:
            slots.release()

    for moment, scenario in schedule(workload, window, seed):
        this_hour = moment.replace(minute=0, second=0, microsecond=0)
        if this_hour != hour:
            hour = this_hour
            if on_hour is not None:
                await on_hour(this_hour)
        due = window.real_offset(moment) - (perf_counter() - began)
        if due > 0:
            await asyncio.sleep(due)
        else:
            report.max_lag_s = max(report.max_lag_s, -due)
        await slots.acquire()
        task = asyncio.ensure_future(one(moment, scenario))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.gather(*running)
    report.elapsed_s = perf_counter() - began
    return report

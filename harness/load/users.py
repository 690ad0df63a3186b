"""Locust user classes and a `LoadTestShape` built from a workload's consumer types.

Imports Locust (and so gevent's monkey-patching): only the load process (`python -m
harness.load`) imports this module, never the facade's process.

- Each **consumer type** is a `FastHttpUser` subclass named after it, weighted by the users it
  needs at the busiest hour. One task: a scenario drawn from the type's mix, its steps sent in
  order through Locust's client (rendered with `harness.scenario.render`, captured values
  carried), each request named `<type>: <scenario>` in Locust's statistics and carrying the
  user's name in the consumer header (`<type>-<n>`).
- A user **paces** itself: the time between the starts of two of its scenarios is its think
  time, drawn from `think_s`, stretched by how quiet its type is at this hour compared with
  the load as a whole (`pace`), so each type's rate follows its own curve while the number of
  users follows the curve of all of them together.
- The **shape** (`CurveShape.tick`) gives Locust that number of users at each moment: what the
  workload's rates at the current hour of the compressed day need (`users_needed`).
- A request fails, for Locust's statistics, when it got no answer or a 502, 503 or 504 (the
  service was not there); any other status is the service's answer, whatever it says.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from typing import Any

from locust import FastHttpUser, LoadTestShape, User, task

from harness.core.exchange import Request, Response
from harness.errors import HarnessError
from harness.monitor.workload import ConsumerType, Workload
from harness.scenario import Scenario, bind_fresh, captured_from, render

UNAVAILABLE = frozenset({0, 502, 503, 504})
IDLE_S = 1.0  # how long a user of a type that is silent at this hour waits before looking again


def users_needed(workload: Workload, hour: float, rate: float) -> dict[str, int]:
    """Users of each type that send the workload's rate at `hour` with their think times."""
    rates = workload.type_rates(hour, rate)
    out = {}
    for kind in workload.consumers:
        mean_think = sum(kind.think_s) / 2
        out[kind.name] = math.ceil(rates[kind.name] * mean_think / kind.steps_per_scenario())
    return out


def busiest_users(workload: Workload, rate: float) -> dict[str, int]:
    """Users of each type at the busiest hour of all of them together (the classes' weights)."""
    hours = [h / 4 for h in range(96)]
    busiest = max(hours, key=lambda h: sum(workload.type_rates(h, rate).values()))
    return users_needed(workload, busiest, rate)


class Clock:
    """Where the load is in the compressed day (shared by the shape and the users)."""

    def __init__(self, workload: Workload, rate: float, started: float) -> None:
        self.workload = workload
        self.rate = rate
        self.started = started
        weights = busiest_users(workload, rate)
        self.weights = {name: max(1, n) for name, n in weights.items()}

    def hour(self) -> float:
        return self.workload.hour_at(time.time() - self.started)

    def total_users(self) -> int:
        return max(1, sum(users_needed(self.workload, self.hour(), self.rate).values()))

    def pace(self, kind: ConsumerType) -> float | None:
        """The factor on a `kind` user's think time now (None: the type is silent now)."""
        hour = self.hour()
        wanted = self.workload.type_rates(hour, self.rate)[kind.name]
        if wanted <= 0:
            return None
        users_now = self.total_users() * self.weights[kind.name] / sum(self.weights.values())
        mean_think = sum(kind.think_s) / 2
        return users_now * kind.steps_per_scenario() / wanted / mean_think


def user_classes(
    workload: Workload, clock: Clock, host: str, consumer_header: str
) -> list[type[User]]:
    return [_user_class(kind, clock, host, consumer_header) for kind in workload.consumers]


def _user_class(
    kind: ConsumerType, clock: Clock, host: str, consumer_header: str
) -> type[FastHttpUser]:
    scenarios = [scenario for scenario, _ in kind.mix]
    weights = [weight for _, weight in kind.mix]
    numbers = itertools.count(1)

    class ConsumerUser(FastHttpUser):
        abstract = False
        weight = clock.weights[kind.name]
        network_timeout = 30.0
        connection_timeout = 10.0

        def __init__(self, environment: Any) -> None:
            super().__init__(environment)
            self.consumer = f"{kind.name}-{next(numbers)}"
            self.draw = random.Random(self.consumer)
            self.next_start = time.monotonic()

        def wait_time(self) -> float:
            pace = clock.pace(kind)
            if pace is None:
                self.next_start = time.monotonic() + IDLE_S
                return IDLE_S
            self.next_start += self.draw.uniform(*kind.think_s) * pace
            now = time.monotonic()
            if self.next_start < now:  # late: start now, never in a burst to catch up
                self.next_start = now
            return self.next_start - now

        @task
        def scenario(self) -> None:
            if clock.pace(kind) is None:
                return
            chosen = self.draw.choices(scenarios, weights)[0]
            self.play(chosen)

        def play(self, scenario: Scenario) -> None:
            bindings: dict[str, str] = {}
            name = f"{kind.name}: {scenario.name}"
            for step in scenario.steps:
                bind_fresh(step.template, bindings)
                try:
                    request = render(step.template, bindings)
                except HarnessError:
                    return  # a value an earlier step did not give: the scenario ends here
                response = self.send(request, name)
                if response is None:
                    return
                bindings.update(captured_from(request, response, step.captures).captured)

        def send(self, request: Request, name: str) -> Response | None:
            headers = dict(request.headers)
            headers[consumer_header] = self.consumer
            target = request.target
            with self.client.request(
                request.method,
                target,
                headers=headers,
                data=request.body.decode("utf-8", "surrogateescape") if request.body else None,
                name=name,
                catch_response=True,
            ) as answer:
                status = answer.status_code or 0
                if status in UNAVAILABLE:
                    answer.failure(f"no service: {status or answer.error}")
                    return None
                answer.success()
                return Response(status, tuple(answer.headers.items()), answer.content or b"")

    ConsumerUser.__name__ = ConsumerUser.__qualname__ = _class_name(kind.name)
    ConsumerUser.host = host
    return ConsumerUser


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-")) or "Consumer"


class CurveShape(LoadTestShape):
    """The number of users the workload needs now; None (stop) once `stop()` was called."""

    def __init__(self, clock: Clock, spawn_rate: float = 50.0) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.clock = clock
        self.spawn_rate = spawn_rate
        self.stopping = False

    def stop(self) -> None:
        self.stopping = True

    def tick(self) -> tuple[int, float] | None:
        if self.stopping:
            return None
        return self.clock.total_users(), self.spawn_rate

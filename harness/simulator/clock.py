"""The messaging clock: real UTC time plus an offset that tests move forward.

MESH expiry (5 days), MHS duplicate elimination (the persist duration) and MHS retries (the
retry interval) all read this clock, so a test proves a 5-day expiry or a one-minute retry
interval by moving it instead of waiting. It moves three ways, all of them outside the
published OpenAPI document:

- in-process: `clock_of(app).advance(timedelta(days=5))`;
- over a socket: `POST /_simulator/clock` with `{"advance": "P5D"}` (`GET` reads it), see
  `control.py`;
- nothing else: the clock never moves backwards, so what has expired stays expired.

Listeners (the MHS dispatcher) are told when it moves, from whichever thread moved it.

A request may also carry its own moment: a compressed-time consumer (`harness.monitor.traffic`)
stamps each request with the simulated time it lives in (`SIMULATED_TIME_HEADER`, ISO 8601),
and a shadow proxy mirrors that stamp with the request, however late the mirror sends it.
`moment_of(headers, clock)` is that time when the request has it, else the clock's: drift that
starts on day 12 (`since:`) starts on the consumer's day 12, not when the mirror catches up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

Listener = Callable[[], None]
SIMULATED_TIME_HEADER = "x-harness-simulated-time"


class SimulatorClock:
    """Monotonic simulated time: `now()` is the wall clock plus every `advance()` so far."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, by: timedelta) -> datetime:
        """Move the clock forward by `by` (never back) and tell the listeners."""
        if by < timedelta(0):
            raise ValueError("the simulator clock only moves forward")
        with self._lock:
            self._offset += by
            listeners = list(self._listeners)
        for listener in listeners:
            listener()
        return self.now()

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)


def clock_of(holder: Any) -> SimulatorClock:
    """The clock of a SimulatorContext, or of an app built by `build_app`."""
    context = getattr(getattr(holder, "state", None), "context", holder)
    clock: SimulatorClock = context.clock
    return clock


def moment_of(headers: Iterable[tuple[str, str]], clock: SimulatorClock) -> datetime:
    """The simulated time a request was stamped with (`SIMULATED_TIME_HEADER`), else now."""
    for name, value in headers:
        if name.lower() == SIMULATED_TIME_HEADER:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                break
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return clock.now()

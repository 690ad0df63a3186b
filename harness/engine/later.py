"""The engine's seam for later messages: what an exchange causes after its answer.

An asynchronous exchange is answered at once with little (a 202) and causes messages later: an
acknowledgement delivered to the sender's endpoint, an entry in an inbox. A source whose units
cause such messages gives the engine a `LaterObserver` (`TrafficSource.observer()`); the runner
then, for each step of a unit:

1. `watch(side, request, answer, sent_at)` for each side once it has answered: the observer
   starts gathering what this exchange causes on that side (None: it causes nothing);
2. `wait(watches, expected)`: until every watch has what is expected (the recorded later
   messages), or, with nothing recorded, until the channel falls quiet, or the timeout; then
   the next step is sent, so messages are placed in their conversation;
3. at the end of the unit, `collect(watch, steps)` for each: the messages gathered, each with
   `after_step` (how many of the conversation's later steps had been sent when it came, from the
   steps' send times), and the watch ends.

The judge compares both sides' collections (`harness.core.later_parity`). The observer owns
the channels (`harness.messaging`); the engine only holds the opaque watches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from harness.core.exchange import LaterMessage, Request, Response


class Watch(Protocol):
    """An observer's handle on what one exchange causes on one side (opaque to the engine)."""


class LaterObserver(Protocol):
    def watch(
        self, side: str, request: Request, answer: Response | None, sent_at: float
    ) -> Watch | None:
        """Start gathering what `request` causes on `side` (`sent_at`: `time.perf_counter()`
        when it was sent); None when it causes nothing later."""
        ...

    async def wait(self, watches: Sequence[Watch], expected: Sequence[LaterMessage] | None) -> None:
        """Return once every watch has what is `expected` (None: nothing is known, so until
        its channels fall quiet), or when the observer's timeout has passed."""
        ...

    def collect(self, watch: Watch, steps_sent_at: Sequence[float]) -> tuple[LaterMessage, ...]:
        """The later messages gathered, in the order they came, placed among the conversation's
        steps (`steps_sent_at`: when each of its steps was sent); the watch ends."""
        ...

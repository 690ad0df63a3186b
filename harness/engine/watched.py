"""What one step of a unit causes later, on each side: its watches for later messages.

A step whose request the observer (`LaterObserver`) watches is waited for, and its later
messages collected, on each side that answered (a side that failed to answer is still
watched: a request may have been taken before its answer was lost). Without a live legacy,
legacy's later messages are the recording's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.core.exchange import Exchange, LaterMessage, Request, Response
from harness.engine.judge import Outcome
from harness.engine.later import LaterObserver, Watch

# (legacy's later messages, the candidate's); None on a side means: not watched (legacy: the
# recording's, when there is no live legacy).
Later = tuple[tuple[LaterMessage, ...] | None, tuple[LaterMessage, ...] | None]


@dataclass(slots=True)
class Watched:
    """One step's watches, on each side that answered."""

    candidate: Watch | None
    legacy: Watch | None
    live_legacy: bool

    @property
    def any(self) -> bool:
        return self.candidate is not None or self.legacy is not None

    async def wait(self, observer: LaterObserver, exchange: Exchange) -> None:
        watches = [w for w in (self.candidate, self.legacy) if w is not None]
        if watches:
            await observer.wait(watches, exchange.later if exchange.recorded else None)

    def collect(
        self, observer: LaterObserver, exchange: Exchange | None, steps_sent: Sequence[float]
    ) -> Later:
        candidate = None if self.candidate is None else observer.collect(self.candidate, steps_sent)
        legacy = None if self.legacy is None else observer.collect(self.legacy, steps_sent)
        if not self.live_legacy and exchange is not None:
            legacy = exchange.later  # the recording's
        return legacy, candidate


def watch_step(
    observer: LaterObserver,
    exchange: Exchange,
    to_candidate: Request,
    candidate: Outcome,
    to_legacy: Request,
    legacy: Outcome | None,
    sent_at: float,
) -> Watched:
    """Watches for what one step causes on each side that answered (a side that failed to
    answer is still watched: a request may have been taken before its answer was lost)."""
    candidate_answer = candidate if isinstance(candidate, Response) else None
    legacy_answer = legacy if isinstance(legacy, Response) else None
    return Watched(
        observer.watch("candidate", to_candidate, candidate_answer, sent_at),
        None if legacy is None else observer.watch("legacy", to_legacy, legacy_answer, sent_at),
        live_legacy=legacy is not None,
    )

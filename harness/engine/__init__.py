"""The engine: units of work from traffic sources, sent to the targets, judged, emitted as events.

It imports only the core, the transport seam and the scenario language. Sources implement
`TrafficSource` (contract replay, generated traffic, messaging conversations, and later mirrored
live traffic and cutover load); consumers of its events implement `Consumer`.
"""

from __future__ import annotations

from harness.engine.events import (
    BaseConsumer,
    CollectResults,
    Consumer,
    Event,
    ExchangeCompared,
    RehearsalFinished,
    RehearsalStarted,
)
from harness.engine.judge import Judge, Outcome, Reproducer
from harness.engine.later import LaterObserver, Watch
from harness.engine.plan import Unit, read_ahead
from harness.engine.runner import Phase, Refine, Runner
from harness.engine.source import TrafficSource, phases_of
from harness.engine.targets import Targets, open_targets
from harness.engine.unit import ReplayedStep, UnitReplayer

__all__ = [
    "BaseConsumer",
    "CollectResults",
    "Consumer",
    "Event",
    "ExchangeCompared",
    "Judge",
    "LaterObserver",
    "Outcome",
    "Phase",
    "Refine",
    "RehearsalFinished",
    "RehearsalStarted",
    "ReplayedStep",
    "Reproducer",
    "Runner",
    "Targets",
    "TrafficSource",
    "Unit",
    "UnitReplayer",
    "Watch",
    "open_targets",
    "phases_of",
    "read_ahead",
]

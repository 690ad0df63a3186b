"""What the rehearsal runner emits. Consumers (results writer, progress display, checkpoint,
pytest plugin, report writers) subscribe to these; the runner knows nothing about them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from harness.core.result import ResultRecord


@dataclass(frozen=True, slots=True)
class RehearsalStarted:
    name: str
    report_dir: Path | None
    targets: Mapping[str, str | None]  # candidate / legacy base URLs (legacy None: recordings)
    expected: int | None = None  # exchanges planned, when known cheaply
    already_done: int = 0  # exchanges carried over by --resume


@dataclass(frozen=True, slots=True)
class ExchangeCompared:
    result: ResultRecord


@dataclass(frozen=True, slots=True)
class RehearsalFinished:
    interrupted: bool
    compared: int = 0  # in this run (not counting resumed ones)
    elapsed_s: float = 0.0
    extra: Mapping[str, object] = field(default_factory=dict)


Event = RehearsalStarted | ExchangeCompared | RehearsalFinished


class Consumer(Protocol):
    """Receives every event in order, on the runner's event loop thread. Must not block long."""

    def handle(self, event: Event) -> None: ...


class CollectResults:
    """A consumer keeping every judged result in memory (for one unit, not a whole rehearsal)."""

    def __init__(self) -> None:
        self.records: list[ResultRecord] = []

    def handle(self, event: Event) -> None:
        if isinstance(event, ExchangeCompared):
            self.records.append(event.result)

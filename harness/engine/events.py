"""What the engine emits, and the consumers that receive it.

The engine knows nothing about its consumers (the results writer, the progress display, the
pytest plugin, a collector). Each consumer has a lifecycle, as schemathesis's event handlers
do: `start` once before the first event (open files), `handle` for every event in order, on
the engine's event loop thread (it must not block long), and `finish` once after the last,
whether the run ended, was interrupted or failed (flush and close).
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
    def start(self) -> None: ...

    def handle(self, event: Event) -> None: ...

    def finish(self) -> None: ...


class BaseConsumer:
    """A consumer with nothing to open or close: subclasses override what they need."""

    def start(self) -> None:
        return None

    def handle(self, event: Event) -> None:
        return None

    def finish(self) -> None:
        return None


class CollectResults(BaseConsumer):
    """Keeps every judged result in memory (for one unit, not a whole rehearsal)."""

    def __init__(self) -> None:
        self.records: list[ResultRecord] = []

    def handle(self, event: Event) -> None:
        if isinstance(event, ExchangeCompared):
            self.records.append(event.result)

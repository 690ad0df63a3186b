"""Per-server state shared by the simulated services: config, population, clock, identifiers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Flavour = Literal["legacy", "spine2"]
FLAVOURS: tuple[Flavour, ...] = ("legacy", "spine2")


@dataclass(frozen=True)
class SimulatorConfig:
    seed: int = 0
    population: int = 10_000
    flavour: Flavour = "legacy"
    drift_file: Path | None = None


@dataclass
class SimulatorContext:
    """Built once per server. Services keep their mutable state in `state[service_name]`."""

    config: SimulatorConfig
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def flavour(self) -> Flavour:
        return self.config.flavour

    def now(self) -> datetime:
        """Wall-clock time in UTC: response timestamps legitimately vary between calls."""
        return datetime.now(UTC)

    def new_id(self) -> str:
        """A generated message identifier (differs per call and per implementation)."""
        return str(uuid.uuid4())

"""Per-server state shared by the simulated services: config, population, clock, identifiers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from harness.simulator.clock import SimulatorClock

Flavour = Literal["legacy", "spine2"]
FLAVOURS: tuple[Flavour, ...] = ("legacy", "spine2")


@dataclass(frozen=True)
class SimulatorConfig:
    seed: int = 0
    population: int = 10_000
    flavour: Flavour = "legacy"
    drift_file: Path | None = None
    # MESH: the environment's shared secret in the NHSMESH token (None: $HARNESS_MESH_SHARED_KEY,
    # else the key NHS England's MESH sandbox is run with, `TestKey`).
    mesh_shared_key: str | None = None
    # MHS: where messages the Spine sends (asynchronous responses and acknowledgements) are
    # POSTed (None: $HARNESS_MHS_CONSUMER_URL, else they are kept undelivered).
    mhs_consumer_url: str | None = None


@dataclass
class SimulatorContext:
    """Built once per server. Services keep their mutable state in `state[service_name]`."""

    config: SimulatorConfig
    state: dict[str, Any] = field(default_factory=dict)
    clock: SimulatorClock = field(default_factory=SimulatorClock)  # messaging time (`clock.py`)

    @property
    def flavour(self) -> Flavour:
        return self.config.flavour

    def now(self) -> datetime:
        """Wall-clock time in UTC: response timestamps legitimately vary between calls."""
        return datetime.now(UTC)

    def new_id(self) -> str:
        """A generated message identifier (differs per call and per implementation)."""
        return str(uuid.uuid4())

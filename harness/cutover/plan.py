"""A cutover plan, as values: phases that move traffic from legacy to the candidate, each with
the gate that decides whether it stays moved, its rollback, its time budgets and how state
follows it. Pure: `harness.cutover.planfile` reads and validates the YAML.

A phase **moves** a slice of traffic: services (`pds`), operations (`pds.getPatient`), named
consumers (globs over the consumer's name), or a percentage of the slice (chosen by a stable
hash of the consumer's name, so one consumer stays on one side). Before its switch, legacy
answers the slice and the candidate shadows it; after it, the candidate answers and legacy
shadows (the reverse shadow, so that a rollback stays proven).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Literal

from harness.core.policy import Policy

FORMAT_VERSION = 1
EVENTS = (
    "rehearsal_started",
    "phase_started",
    "switched",
    "state_checked",
    "gate",
    "phase_completed",
    "rollback_started",
    "rolled_back",
    "rehearsal_finished",
)
StateHow = Literal["none", "dual_write", "migrate", "both"]
AfterRollback = Literal["continue", "stop"]


@dataclass(frozen=True, slots=True)
class Move:
    """The slice of traffic a phase moves (every given criterion must hold)."""

    services: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()  # globs over service.operation
    consumers: tuple[str, ...] = ()  # globs over the consumer's name
    percent: float = 100.0

    def names(self, service: str, operation: str) -> bool:
        """Whether the slice's services and operations (if it names any) cover an operation."""
        if not (self.services or self.operations):
            return True
        return service in self.services or any(
            fnmatchcase(f"{service}.{operation}", glob) for glob in self.operations
        )

    def covers(self, service: str, operation: str, consumer: str, bucket: int) -> bool:
        """Whether a request is in the slice; `bucket` is the consumer's hash, 0..9999."""
        if not self.names(service, operation):
            return False
        if self.consumers and not any(fnmatchcase(consumer, glob) for glob in self.consumers):
            return False
        return bucket < self.percent * 100

    def describe(self) -> str:
        parts = [*self.services, *self.operations]
        what = ", ".join(parts) if parts else "every service"
        if self.consumers:
            what += f" for consumers {', '.join(self.consumers)}"
        if self.percent < 100:
            what = f"{self.percent:g}% of {what}"
        return what


@dataclass(frozen=True, slots=True)
class Gate:
    """Held at the end of the phase, over its last `window_s` seconds on the candidate."""

    policy: Policy
    window_s: float = 15.0
    policy_file: str | None = None  # where the policy came from, when a file


@dataclass(frozen=True, slots=True)
class Budget:
    """How long each step may take before it counts as failed (seconds)."""

    switch_s: float = 5.0  # the switch: migration, the routing swap, in-flight drained
    rollback_s: float = 10.0
    phase_s: float | None = None  # the whole phase, when bounded


@dataclass(frozen=True, slots=True)
class Step:
    """A command (argv) or an HTTP call the plan runs; `{from}` and `{to}` stand for the base
    URLs of the side traffic leaves and the side it moves to, `{legacy}` and `{candidate}`."""

    command: tuple[str, ...] = ()
    method: str = "POST"
    url: str = ""
    body: str | None = None
    timeout_s: float = 60.0

    def describe(self) -> str:
        return " ".join(self.command) if self.command else f"{self.method} {self.url}"


@dataclass(frozen=True, slots=True)
class StateCheck:
    """After each switch, records written before it are read on the side that now answers.

    `writes` are globs over service.operation of the state-changing requests to remember;
    `id` a capture expression (`/json/pointer`, `header:Location`, `xpath:...`) over the
    write's answer (or over its request when `id_from` is `request`); `read` the request that
    reads the record back, with `{id}` in its path or query."""

    writes: tuple[str, ...]
    id: str
    read_path: str
    read_method: str = "GET"
    read_headers: tuple[tuple[str, str], ...] = ()
    id_from: Literal["answer", "request"] = "answer"
    sample: int = 20
    found: str | None = None  # a capture that must find a value in the read's answer

    def remembers(self, service: str, operation: str) -> bool:
        return any(fnmatchcase(f"{service}.{operation}", glob) for glob in self.writes)


@dataclass(frozen=True, slots=True)
class StatePlan:
    """How what was written on one side is found on the other: `dual_write` mirrors the slice's
    state-changing requests to the shadowing side from the phase's start (to the candidate while
    legacy answers, to legacy once the candidate does); `migrate` runs `migrate` at the switch
    and at a rollback (`{from}` -> `{to}`); `both` does both (a side that allocates its own ids
    needs the migration for what consumers hold, and dual writes keep the other side current).

    `dual_writes_from: rehearsal` begins the dual writes with the facade's first request
    instead: the candidate then holds everything consumers wrote to the slice, a record created
    in an earlier phase and changed in this one included, without a migration."""

    how: StateHow = "none"
    migrate: Step | None = None
    check: StateCheck | None = None
    dual_writes_from: Literal["phase", "rehearsal"] = "phase"

    @property
    def dual_writes(self) -> bool:
        return self.how in ("dual_write", "both")

    @property
    def migrates(self) -> bool:
        return self.how in ("migrate", "both")


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    move: Move
    gate: Gate
    soak_s: float = 20.0  # on the candidate before the gate decides
    observe_s: float = 0.0  # shadowed by the candidate first, before the switch
    budget: Budget = field(default_factory=Budget)
    state: StatePlan = field(default_factory=StatePlan)
    after_rollback: AfterRollback = "continue"
    description: str = ""


@dataclass(frozen=True, slots=True)
class Notifications:
    webhooks: tuple[str, ...] = ()
    events: tuple[str, ...] = EVENTS


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    phases: tuple[Phase, ...]
    file: str = ""
    description: str = ""
    consumer_header: str = "X-Harness-Consumer"
    notifications: Notifications = field(default_factory=Notifications)
    settle_s: float = 2.0  # traffic on the final routes after the last phase, before stopping

    def duration_s(self) -> float:
        """How long the plan takes when every gate passes (switches and checks aside)."""
        return sum(p.observe_s + p.soak_s for p in self.phases) + self.settle_s

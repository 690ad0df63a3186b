"""Drift in messaging behaviour: what a re-implementation's MESH or MHS does differently.

These effects change what happens next, not the answer's bytes: each shapes the request's
`MessagingBehaviour` (`harness.simulator.behaviour`), which the messaging services read.

- `lost_acknowledgement`: the acknowledgement never comes (MHS reliable messages; a MESH
  acknowledge is answered but not recorded, so the message stays in the inbox);
- `late_acknowledgement`: the MHS acknowledgement comes `beyond_seconds` after the directory's
  retry interval, to the consumer's endpoint;
- `duplicate_delivery`: `copies` copies of what the message causes are delivered (MHS answers;
  MESH messages, each copy with its own id);
- `missing_report`: no MESH REPORT for an undeliverable or expired message;
- `lost_delivery`: a MESH message is taken (202, with its id) but never reaches its
  recipient's inbox, and nobody is told;
- `chunk_reassembly`: MESH chunks reassembled in another `order` (reverse or rotate).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from harness.simulator.behaviour import ChunkOrder, MessagingBehaviour


@runtime_checkable
class BehaviourEffect(Protocol):
    @property
    def kind(self) -> str: ...

    def shape(self, behaviour: MessagingBehaviour) -> MessagingBehaviour: ...


@dataclass(frozen=True, slots=True)
class LostAcknowledgement:
    kind: str = "lost_acknowledgement"

    def shape(self, behaviour: MessagingBehaviour) -> MessagingBehaviour:
        return replace(behaviour, acknowledge=False)


@dataclass(frozen=True, slots=True)
class LateAcknowledgement:
    beyond_seconds: float = 1.0
    kind: str = "late_acknowledgement"

    def shape(self, behaviour: MessagingBehaviour) -> MessagingBehaviour:
        return replace(behaviour, acknowledgement_delay=self.beyond_seconds)


@dataclass(frozen=True, slots=True)
class DuplicateDelivery:
    copies: int = 2
    kind: str = "duplicate_delivery"

    def shape(self, behaviour: MessagingBehaviour) -> MessagingBehaviour:
        return replace(behaviour, deliveries=self.copies)


@dataclass(frozen=True, slots=True)
class MissingReport:
    kind: str = "missing_report"

    def shape(self, behaviour: MessagingBehaviour) -> MessagingBehaviour:
        return replace(behaviour, report=False)


@dataclass(frozen=True, slots=True)
class LostDelivery:
    kind: str = "lost_delivery"

    def shape(self, behaviour: MessagingBehaviour) -> MessagingBehaviour:
        return replace(behaviour, delivered=False)


@dataclass(frozen=True, slots=True)
class ChunkReassembly:
    order: ChunkOrder = "reverse"
    kind: str = "chunk_reassembly"

    def shape(self, behaviour: MessagingBehaviour) -> MessagingBehaviour:
        return replace(behaviour, chunk_order=self.order)

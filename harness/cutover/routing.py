"""The facade's routing table: which side answers a request, and whose writes are mirrored.

Pure and immutable: the executor builds the next table and the facade swaps one reference, so
a switch is atomic; a request takes the table it found on arrival and finishes on the side that
table named (in-flight requests are never moved). Every table has a `version` (shown by
`/_cutover/routes`); which requests are in flight across a switch is the facade's count
(`CutoverFacade.crossing`), by slice and side, not by table.

A consumer's **bucket** (0..9999) is a stable hash of its name (CRC-32): a phase that moves a
percentage of a slice moves the same consumers every time, so one consumer stays on one side.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Literal

from harness.cutover.plan import Move

Side = Literal["legacy", "candidate"]
BUCKETS = 10_000


def bucket_of(consumer: str) -> int:
    return zlib.crc32(consumer.encode("utf-8", "surrogateescape")) % BUCKETS


def other(side: Side) -> Side:
    return "candidate" if side == "legacy" else "legacy"


@dataclass(frozen=True, slots=True)
class RoutingTable:
    version: int = 0
    moved: tuple[tuple[str, Move], ...] = ()  # (phase, slice) answered by the candidate
    writes: tuple[tuple[str, Move], ...] = ()  # (phase, slice) whose writes are mirrored
    held: tuple[tuple[str, Move], ...] = ()  # (phase, slice) waiting while it is switched
    shadowing: bool = True  # the side that does not answer is sent a copy

    def holds(self, service: str, operation: str, consumer: str, bucket: int) -> bool:
        return any(move.covers(service, operation, consumer, bucket) for _, move in self.held)

    def holding(self, phase: str, move: Move) -> RoutingTable:
        """The next table: the slice's new requests wait (the switch's quiet moment)."""
        return replace(self, version=self.version + 1, held=(*self.held, (phase, move)))

    def released(self, phase: str) -> RoutingTable:
        return replace(self, held=tuple(entry for entry in self.held if entry[0] != phase))

    def side(self, service: str, operation: str, consumer: str, bucket: int) -> Side:
        for _, move in self.moved:
            if move.covers(service, operation, consumer, bucket):
                return "candidate"
        return "legacy"

    def dual_write(self, service: str, operation: str, consumer: str, bucket: int) -> bool:
        return any(move.covers(service, operation, consumer, bucket) for _, move in self.writes)

    def moving(self, phase: str, move: Move) -> RoutingTable:
        """The next table: the phase's slice answered by the candidate."""
        return replace(self, version=self.version + 1, moved=(*self.moved, (phase, move)))

    def back(self, phase: str) -> RoutingTable:
        """The next table: the phase's slice answered by legacy again (a rollback)."""
        kept = tuple(entry for entry in self.moved if entry[0] != phase)
        return replace(self, version=self.version + 1, moved=kept)

    def writing(self, phase: str, move: Move) -> RoutingTable:
        return replace(self, version=self.version + 1, writes=(*self.writes, (phase, move)))

    def not_writing(self, phase: str) -> RoutingTable:
        kept = tuple(entry for entry in self.writes if entry[0] != phase)
        return replace(self, version=self.version + 1, writes=kept)

    def to_dict(self) -> dict[str, object]:
        return {
            "version": self.version,
            "candidate_answers": [
                {"phase": phase, "slice": move.describe()} for phase, move in self.moved
            ],
            "dual_writes": [
                {"phase": phase, "slice": move.describe()} for phase, move in self.writes
            ],
            "held": [{"phase": phase, "slice": move.describe()} for phase, move in self.held],
            "shadowing": self.shadowing,
        }

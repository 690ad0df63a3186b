"""Whether a write reached the upstream between two reads: the recording proxy's noise guard.

The proxy learns noise by asking a safe request again a moment later and comparing the two
answers. A write in between (a consumer's PATCH of the record just read, a create that a search
would now find) changes the second answer for a reason that is not noise: learning from that
pair would blind every later replay to the field the write changed. `WriteWatch` counts the
writes begun and those still in flight; a read marks the count when it is sent, and its pair is
clean only if no write was in flight then and none began before its second answer came back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class WriteWatch:
    begun: int = 0
    in_flight: int = 0

    def began(self) -> None:
        self.begun += 1
        self.in_flight += 1

    def ended(self) -> None:
        self.in_flight -= 1

    def mark(self) -> int | None:
        """A mark for a read sent now (None: a write is in flight, no pair can be clean)."""
        return None if self.in_flight else self.begun

    def clean_since(self, mark: int | None) -> bool:
        """No write in flight at the mark, none begun since, none in flight now."""
        return mark is not None and self.begun == mark and not self.in_flight

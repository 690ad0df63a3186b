"""How often generated requests reach an operation's success paths (2xx answers).

Generated traffic that never reaches 2xx tests only the error paths; a consumer's traffic
mostly does the opposite. `harness record` and rehearsals count, per operation, the generated
requests and those answered 2xx (by the live legacy in a rehearsal, by the target recorded
from in `harness record`), and warn about an operation under `SUCCESS_FLOOR`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SUCCESS_FLOOR = 0.25  # below this share of 2xx answers, generation misses the success paths
GENERATED_SOURCES = frozenset({"generated", "stateful"})


def success_warning(operation: str, good: int, sent: int) -> str | None:
    """The warning for an operation whose generated requests reach 2xx too rarely."""
    if not sent or good / sent >= SUCCESS_FLOOR:
        return None
    return (
        f"{operation}: {good} of {sent} generated requests answered 2xx "
        f"({100 * good / sent:.0f}%, under {100 * SUCCESS_FLOOR:.0f}%)"
    )


@dataclass(slots=True)
class SuccessShare:
    """Generated requests and their 2xx answers per (service, operation), from result lines."""

    counts: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(self, result: Mapping[str, Any]) -> None:
        """One result line (the `results.jsonl` format)."""
        status = result.get("status") or {}
        if not isinstance(status, Mapping):
            return
        self.count(
            str(result.get("service", "")),
            str(result.get("operation", "")),
            str(result.get("source", "")),
            status.get("legacy"),
            status.get("candidate"),
        )

    def count(
        self, service: str, operation: str, source: str, legacy: object, candidate: object
    ) -> None:
        """One result: the legacy answer's status decides (else the candidate's)."""
        if source not in GENERATED_SOURCES:
            return
        answered = legacy if isinstance(legacy, int) else candidate
        if not isinstance(answered, int):
            return  # not answered (an error before any answer): nothing to say of success
        found = self.counts.setdefault((service, operation), [0, 0])
        found[0] += 200 <= answered < 300
        found[1] += 1

    def of(self, service: str, operation: str) -> dict[str, Any] | None:
        """`{"requests", "2xx", "share"}` for one operation (None: nothing generated)."""
        found = self.counts.get((service, operation))
        if found is None:
            return None
        good, sent = found
        return {"requests": sent, "2xx": good, "share": round(good / sent, 4)}

    def warnings(self) -> list[str]:
        out = []
        for (service, operation), (good, sent) in sorted(self.counts.items()):
            warning = success_warning(f"{service}.{operation}", good, sent)
            if warning is not None:
                out.append(warning)
        return out

"""What generated traffic a rehearsal adds: how many cases, from which seed, within what time."""

from __future__ import annotations

from dataclasses import dataclass
from time import monotonic

from harness.errors import HarnessError


@dataclass(frozen=True, slots=True)
class GenerationOptions:
    """`count` bounds the generated cases (interface + domain, plus `stateful` sequences);
    `time_budget_s` bounds the wall time spent on them, shrinking included."""

    count: int
    seed: int = 0
    stateful: bool = False
    time_budget_s: float | None = None
    save_regressions: bool = True
    max_shrinks: int = 8  # distinct divergences shrunk per rehearsal (each costs ~100 sends)

    def __post_init__(self) -> None:
        if self.count < 0:
            raise HarnessError("must be 0 or more", field="--generate")
        if self.time_budget_s is not None and self.time_budget_s <= 0:
            raise HarnessError("must be a positive number of seconds", field="--time-budget")

    def to_dict(self) -> dict[str, object]:
        """The options as stored in rehearsal.json."""
        return {
            "count": self.count,
            "seed": self.seed,
            "stateful": self.stateful,
            "time_budget_s": self.time_budget_s,
        }

    @classmethod
    def from_dict(cls, data: object) -> GenerationOptions:
        """What `to_dict` wrote into rehearsal.json (to resume an interrupted rehearsal)."""
        if not isinstance(data, dict):
            raise HarnessError("must be a mapping", file="rehearsal.json", field="generation")
        try:
            budget = data.get("time_budget_s")
            return cls(
                int(data["count"]),
                seed=int(data.get("seed", 0)),
                stateful=bool(data.get("stateful", False)),
                time_budget_s=None if budget is None else float(budget),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise HarnessError(
                f"malformed: {error}", file="rehearsal.json", field="generation"
            ) from None


class Deadline:
    """The time budget: started when the first generated case is about to be sent."""

    def __init__(self, budget_s: float | None) -> None:
        self.budget_s = budget_s
        self._ends: float | None = None

    def start(self) -> None:
        if self._ends is None and self.budget_s is not None:
            self._ends = monotonic() + self.budget_s

    def stop(self) -> None:
        """End the budget now (an interrupted rehearsal stops shrinking promptly)."""
        self._ends = monotonic()

    @property
    def passed(self) -> bool:
        return self._ends is not None and monotonic() >= self._ends

"""A conversation's provider states on every target it runs against (`harness.scenario.states`).

Set up on each target before the conversation (the candidate first, then a live legacy); when
one fails, the conversation is not run and its steps are reported `not run` with the cause (a
target that could not be put in its state says nothing about parity). Torn down after it on
each target; a tear-down that fails is kept (`StateTargets.problems`) for the end of the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from harness.scenario.states import ProviderState, enter, leave
from harness.transport.base import Transport


@dataclass(slots=True)
class StateTargets:
    """The targets (name -> transport and base URL) a conversation's states are set up on."""

    targets: Sequence[tuple[str, Transport, str]]
    environ: Mapping[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # tear-downs that failed
    entered: int = 0  # conversations whose states were set up on every target

    async def enter(self, states: Sequence[ProviderState]) -> str | None:
        """Why the states could not be set up (naming the target), or None."""
        for name, transport, url in self.targets:
            problem = await enter(states, transport, url, self.environ)
            if problem is not None:
                return f"{problem} (on {name})"
        self.entered += 1
        return None

    async def leave(self, states: Sequence[ProviderState], conversation: str) -> None:
        for name, transport, _ in self.targets:
            problem = await leave(states, transport, self.environ)
            if problem is not None:
                self.problems.append(f"{conversation}: {problem} (on {name})")

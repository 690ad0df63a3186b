"""Messaging conversations: the traffic source of the contract units that cause later messages.

A unit belongs here when one of its steps was recorded with later messages, or when a domain
profile finds keys in one of its requests (an ebXML message that recorded nothing may still
cause something on the candidate). Contract replay (`harness.replay.ContractReplay`, given
`keep=not is_conversation`) sends the others. These units run in their own phase, after the
plain exchanges, with more workers (they mostly wait) and the channels' observer, so the runner
waits for each step's later messages before the next step and the judge compares them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from harness.contracts import Contract
from harness.core.rules import NoiseModel
from harness.domains.messaging import MessagingProfile
from harness.engine.later import LaterObserver
from harness.engine.plan import Unit
from harness.replay import ContractReplay

CONCURRENCY = 64  # conversations in flight: each mostly waits for its later messages


def conversation_test(profiles: Sequence[MessagingProfile]) -> ConversationTest:
    return ConversationTest(tuple(profiles))


class ConversationTest:
    """Whether a unit is a messaging conversation (see the module's docstring)."""

    def __init__(self, profiles: tuple[MessagingProfile, ...]) -> None:
        self.profiles = profiles

    def __call__(self, unit: Unit) -> bool:
        return any(
            step.later or any(p.keys(step.request, step.response) for p in self.profiles)
            for step in unit.steps
        )

    def negated(self, unit: Unit) -> bool:
        return not self(unit)


class MessagingConversations:
    """The `TrafficSource` of contract conversations that cause later messages."""

    name = "messaging"

    def __init__(
        self,
        contracts: Sequence[Contract],
        observer: LaterObserver,
        is_conversation: ConversationTest,
        *,
        only: Collection[str] = (),
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._replay = ContractReplay(contracts, only=only, keep=is_conversation)
        self._observer = observer
        self._concurrency = concurrency

    def noise(self) -> list[NoiseModel]:
        return self._replay.noise()

    def phases(self, done: Collection[str] = ()) -> list[Iterable[Unit]]:
        return self._replay.phases(done)

    def refinement(self) -> None:
        return None

    def observer(self) -> LaterObserver:
        return self._observer

    def concurrency(self) -> int:
        return self._concurrency

    def close(self, report_dir: Path | None) -> None:
        return None

"""Asynchronous messaging in a run: the channels later messages arrive through, and the source of
the conversations that cause them.

- `Channels`: the endpoint targets deliver to (`endpoint.InboundEndpoint`: one port, a path
  per side and channel, bound when made so its URLs can be given to targets before they
  start), each side's arrivals (`arrivals`), and the engine's observer over them
  (`observer.MessagingObserver`, with its `WaitPolicy`), and the poller that fetches what a
  target keeps for the consumer to ask for (`poller.Poller`: an inbox, through each side's
  own transport, given by `connect`);
- `MessagingConversations` (`source`): the contract units that cause later messages, a
  `TrafficSource` whose phase carries the observer.

What a later message is, how it is correlated and what the endpoint answers come from the
domain packs' profiles (`harness.domains.messaging`); how it is judged, from the core
(`harness.core.later_parity`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.domains import messaging_profiles
from harness.domains.messaging import MessagingProfile
from harness.messaging.endpoint import InboundEndpoint
from harness.messaging.observer import MessagingObserver, WaitPolicy
from harness.messaging.poller import Poller, PollPolicy, Send
from harness.messaging.source import ConversationTest, MessagingConversations, conversation_test


class Channels:
    """The channels of one run, for the sides named (`legacy`, `candidate`, `twin`)."""

    def __init__(
        self,
        sides: Iterable[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        refuse_first: int = 0,
        policy: WaitPolicy | None = None,
        profiles: Sequence[MessagingProfile] | None = None,
        poll: PollPolicy | None = None,
    ) -> None:
        self.profiles = tuple(messaging_profiles() if profiles is None else profiles)
        self.endpoint = InboundEndpoint(
            self.profiles, sides, host=host, port=port, refuse_first=refuse_first
        )
        self.poller = Poller(self.endpoint.books, poll)
        self.observer = MessagingObserver(self.profiles, self.endpoint.books, policy, self.poller)

    def urls(self, side: str) -> dict[str, str]:
        """Where `side` must deliver, per channel (a channel that is only polled has none)."""
        return {
            profile.channel: self.endpoint.url(side, profile.channel)
            for profile in self.profiles
            if getattr(profile, "delivered", True)
        }

    def connect(self, side: str, send: Send) -> None:
        """Poll `side`'s inboxes through `send` (its target's transport, signed as its access
        says); a side never connected is not polled."""
        self.poller.connect(side, send)

    def polling_note(self) -> str | None:
        """What polling did, when it failed at all (None: it never did, or never had to)."""
        poller = self.poller
        if not poller.failures:
            return None
        return (
            f"inboxes listed {poller.polls} times and {poller.fetches} entries read; "
            f"{poller.failures} of those got no usable answer (an error status, no answer, or "
            "credentials that cannot sign for the mailbox): what they would have shown is "
            "missing on that side"
        )

    def is_conversation(self) -> ConversationTest:
        return conversation_test(self.profiles)

    async def start(self) -> None:
        await self.endpoint.start()

    async def aclose(self) -> None:
        await self.poller.aclose()
        await self.endpoint.aclose()


__all__ = [
    "Channels",
    "ConversationTest",
    "MessagingConversations",
    "MessagingObserver",
    "PollPolicy",
    "Poller",
    "WaitPolicy",
]

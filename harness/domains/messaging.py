"""What a domain pack says about its asynchronous messaging: the `MessagingProfile` seam.

The harness knows, generically, that an exchange may cause later messages, how to receive them
(an endpoint it runs, to which a target delivers: `harness.messaging`), how to poll an inbox
through a target's transport, how to wait for them and how to judge them
(`harness.core.later_parity`). What only a domain knows comes from a profile:

- `keys(request, response)`: the values by which later messages will name an exchange (an
  ebXML MessageId; the message id a send was given). No key: the exchange causes nothing
  later, and nothing is waited for;
- `read(delivery)`: what a delivery is: its kind, code, own message id, conversation and the
  references that tie it to exchanges (`Observed`); None when it is not this profile's;
- `reply(delivery, observed)`: what the harness's endpoint answers a delivery (the default:
  202 and no body), and `refusal(delivery, observed)`: what it answers when told to refuse a
  first delivery, so that a target's retries can be rehearsed (None: never refused);
- `polls(request, response)` and `entries(listing, answer)`: for an inbox the harness polls
  (`harness.messaging.poller`, through the side's own transport), the requests that list it
  and, from a listing's answer, the requests that fetch each entry (their answers are read as
  deliveries). Both must leave the target as it was (list, HEAD: never download or
  acknowledge). A profile whose messages are only polled says `delivered = False`: the
  endpoint then offers no URL for its channel.

A profile's `channel` names it: the endpoint path a target delivers to is
`/<side>/<channel>` (side `legacy`, `candidate`, or a recording's `record`, `twin`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from harness.core.exchange import Correlation, Headers, Request, Response

Answer = tuple[int, Headers, bytes]  # what the harness's endpoint answers: status, headers, body
ACCEPTED: Answer = (202, (), b"")


@dataclass(frozen=True, slots=True)
class Delivery:
    """What arrived through a channel: a request a target made to the harness's endpoint, or
    the answer to a fetch of an inbox entry (its method and path are the fetch's)."""

    channel: str
    method: str
    path: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class Observed:
    """What a profile reads in a delivery. `headers` and `body` are its content as compared
    (a profile may keep only the headers that mean something)."""

    kind: str
    references: tuple[Correlation, ...]
    code: str | None = None
    message_id: str | None = None
    conversation: str | None = None
    headers: Headers = ()
    body: bytes = b""


@runtime_checkable
class MessagingProfile(Protocol):
    channel: str

    def keys(self, request: Request, response: Response | None) -> frozenset[str]:
        """The values by which later messages name this exchange (none: it causes none)."""
        ...

    def read(self, delivery: Delivery) -> Observed | None:
        """What a delivery is, or None when it is not this profile's."""
        ...

    def reply(self, delivery: Delivery, observed: Observed | None) -> Answer:
        """The endpoint's answer to a delivery it accepts."""
        ...

    def refusal(self, delivery: Delivery, observed: Observed | None) -> Answer | None:
        """The endpoint's answer to a first delivery it is told to refuse (a receiver that is
        down for a moment), or None when such a delivery is not refused."""
        ...

    def polls(self, request: Request, response: Response) -> Sequence[Request]:
        """Requests that list an inbox where this exchange's later messages appear."""
        ...

    def entries(self, listing: Request, answer: Response) -> Sequence[tuple[str, Request]]:
        """(entry id, the request that fetches it) for each entry a listing's answer names."""
        ...


class BaseProfile:
    """A profile's defaults: accept every delivery, refuse none, poll nothing."""

    channel = "messages"
    delivered = True  # targets deliver to the endpoint (False: only polled)

    def reply(self, delivery: Delivery, observed: Observed | None) -> Answer:
        return ACCEPTED

    def refusal(self, delivery: Delivery, observed: Observed | None) -> Answer | None:
        return None

    def polls(self, request: Request, response: Response) -> Sequence[Request]:
        return ()

    def entries(self, listing: Request, answer: Response) -> Sequence[tuple[str, Request]]:
        return ()


__all__ = ["ACCEPTED", "Answer", "BaseProfile", "Delivery", "MessagingProfile", "Observed"]

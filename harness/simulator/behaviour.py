"""How a request's messaging side effects behave: faithfully, or as a drift entry says.

The messaging services (MESH, MHS) read one `MessagingBehaviour` from the request's ASGI scope
when they decide what a message does next: whether its acknowledgement is sent, how late,
how many copies are delivered, whether a REPORT follows a failure, how chunks are reassembled.
Legacy (and plain spine2) requests carry none and get `FAITHFUL`; the drift middleware puts
one there for requests its entries match (`harness.simulator.drift.messaging`). The services
therefore know the knobs, never the drift file.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from typing import Any, Literal

ChunkOrder = Literal["reverse", "rotate"]
SCOPE_KEY = "harness.messaging_behaviour"


@dataclass(frozen=True, slots=True)
class MessagingBehaviour:
    acknowledge: bool = True  # False: the acknowledgement is lost
    # Seconds on the simulator clock *beyond the directory's retry interval* at which the
    # acknowledgement is sent (asynchronously); None: on time.
    acknowledgement_delay: float | None = None
    deliveries: int = 1  # copies of the message delivered (2: a duplicate)
    delivered: bool = True  # False: a MESH message is taken but never reaches its recipient
    report: bool = True  # False: no REPORT for an undeliverable or expired message
    chunk_order: ChunkOrder | None = None  # chunks reassembled in another order

    @property
    def faithful(self) -> bool:
        return self == FAITHFUL


FAITHFUL = MessagingBehaviour()


def merged(first: MessagingBehaviour, then: MessagingBehaviour) -> MessagingBehaviour:
    """`first` with every field `then` changes from the faithful behaviour."""
    changes = {
        name: getattr(then, name)
        for name in MessagingBehaviour.__dataclass_fields__
        if getattr(then, name) != getattr(FAITHFUL, name)
    }
    return replace(first, **changes) if changes else first


def behaviour_of(scope: MutableMapping[str, Any]) -> MessagingBehaviour:
    behaviour = scope.get(SCOPE_KEY)
    return behaviour if isinstance(behaviour, MessagingBehaviour) else FAITHFUL


def set_behaviour(scope: MutableMapping[str, Any], behaviour: MessagingBehaviour) -> None:
    scope[SCOPE_KEY] = behaviour


def reorder(items: list[Any], order: ChunkOrder | None) -> list[Any]:
    """Items in the drifted order (`None` keeps them): the one rule chunks are mixed up by."""
    if order == "reverse":
        return items[::-1]
    if order == "rotate":
        return items[1:] + items[:1]
    return list(items)

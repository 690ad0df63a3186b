"""Finding correlations in recorded traffic: which answer's values later requests carried.

One pass over the exchanges in recorded order:

- a distinctive value (`values.distinctive`) that an answer gives before any request carried
  it was produced by that answer (the target allocated it, or told the client about it);
- a later request whose path, query, headers or body carries it uses it: the request must be
  sent with the value its own target produced, not the recorded one;
- a later answer that echoes a value a state-changing request's answer produced (a search that
  finds the record just created) depends on that request having run first;
- an ETag comes back in `If-Match` / `If-None-Match` however short it is: the latest answer
  for the same resource (or in the same conversation) that gave that ETag produced it.

Exchanges joined by a use, or sharing an `X-Correlation-ID`, are one conversation; an exchange
otherwise on its own that addresses a resource (a request path, or the nearest one above or below
it) a conversation addresses joins it (listing an inbox after the conversation changed it, a
handshake with the mailbox a conversation then sends from). A conversation replays in order, as
one unit; conversations are independent of each other. Values a state-changing
request's answer produced are allocated (a new record's number): they are captured even when
nothing uses them again, and compared by shape rather than by value.

`sources` restricts which (operation, capture expression) may produce (a reviewed
correlations.yaml: only its enabled entries apply at replay); None learns from everything.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.core.exchange import Exchange
from harness.core.http import SAFE_METHODS
from harness.correlation.values import (
    ETAG,
    PRECONDITIONS,
    answer_tokens,
    answer_values,
    carried_tokens,
    distinctive,
    request_texts,
)

CORRELATION_HEADERS = ("x-correlation-id",)
ANSWER = "answer"  # the location of an echo: the value came back in a later answer
Allowed = Callable[[str, str], bool]  # (operation, capture expression) -> may it produce?


@dataclass(frozen=True, slots=True)
class Produced:
    """A value an answer gave first: which exchange, where in its answer, and whether the
    target allocated it (the answer to a state-changing request)."""

    value: str
    exchange: int  # index into the exchanges analysed
    expression: str  # how a step captures it: `/id`, `header:etag`
    allocated: bool
    weak: bool = False  # an ETag: followed only to the same resource or conversation


@dataclass(frozen=True, slots=True)
class Use:
    produced: Produced
    exchange: int
    location: str  # `path`, `query.<name>`, `headers.<name>`, `body`, or `answer` (an echo)


@dataclass(frozen=True, slots=True)
class Correlation:
    """What one analysis found: the values that matter (used, or allocated), their uses, and
    the conversations (indices in recorded order; only those of two or more exchanges)."""

    produced: tuple[Produced, ...]
    uses: tuple[Use, ...]
    conversations: tuple[tuple[int, ...], ...]

    def uses_of(self, produced: Produced) -> list[Use]:
        return [use for use in self.uses if use.produced is produced]


class _Groups:
    """Union-find over exchange indices."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, first: int, second: int) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def analyse(exchanges: Sequence[Exchange], sources: Allowed | None = None) -> Correlation:
    allowed: Allowed = sources or (lambda operation, expression: True)
    groups = _Groups(len(exchanges))
    known: set[str] = set()  # every token a request carried so far
    strong: dict[str, Produced] = {}  # value -> the answer that gave it first
    etags: dict[str, list[Produced]] = {}  # ETag value -> answers that gave it, in order
    kept: dict[int, Produced] = {}  # id(produced) -> produced, for those that matter
    uses: list[Use] = []
    correlation_ids: dict[str, int] = {}
    for index, exchange in enumerate(exchanges):
        request = exchange.request
        carried: set[str] = set()
        for location, text in request_texts(request):
            found = carried_tokens(location, text)
            carried |= found
            for token in found & strong.keys():
                produced = strong[token]
                if produced.exchange != index:
                    uses.append(Use(produced, index, location))
                    kept[id(produced)] = produced
                    groups.join(produced.exchange, index)
            header = location.partition(".")[2].lower()
            if location.startswith("headers.") and header in PRECONDITIONS:
                produced_etag = _etag_source(etags.get(text, ()), exchanges, index, groups)
                if produced_etag is not None:
                    uses.append(Use(produced_etag, index, location))
                    kept[id(produced_etag)] = produced_etag
                    groups.join(produced_etag.exchange, index)
            if header in CORRELATION_HEADERS and text:
                groups.join(correlation_ids.setdefault(text, index), index)
        known |= carried
        response = exchange.response
        if not exchange.recorded:
            continue
        echoed = answer_tokens(response) - carried
        for token in echoed & strong.keys():
            produced = strong[token]
            if produced.allocated and produced.exchange != index:
                uses.append(Use(produced, index, ANSWER))
                kept[id(produced)] = produced
                groups.join(produced.exchange, index)
        allocated = request.method.upper() not in SAFE_METHODS
        for expression, value in answer_values(response):
            if not allowed(exchange.operation, expression):
                continue
            if expression == ETAG:
                etags.setdefault(value, []).append(
                    Produced(value, index, expression, allocated, weak=True)
                )
            elif distinctive(value) and value not in known and value not in strong:
                strong[value] = Produced(value, index, expression, allocated)
                if allocated:
                    kept[id(strong[value])] = strong[value]
    _join_same_resource(exchanges, groups)
    members: dict[int, list[int]] = {}
    for index in range(len(exchanges)):
        members.setdefault(groups.find(index), []).append(index)
    conversations = tuple(tuple(group) for _, group in sorted(members.items()) if len(group) > 1)
    mattering = tuple(sorted(kept.values(), key=lambda p: (p.exchange, p.expression)))
    return Correlation(mattering, tuple(uses), conversations)


def _join_same_resource(exchanges: Sequence[Exchange], groups: _Groups) -> None:
    """An exchange on its own that addresses a resource a conversation addresses joins that
    conversation (the one whose member came last before it, else first after it): listing an
    inbox after the conversation changed it depends on it. The same resource is the same request
    path, else the nearest one above or below it (`/mailbox` and `/mailbox/outbox`: a client's
    handshake with its mailbox before it sends from it), so that replay keeps the order the
    recording had between them. Two conversations are never merged so."""
    sizes: dict[int, int] = {}
    for index in range(len(exchanges)):
        root = groups.find(index)
        sizes[root] = sizes.get(root, 0) + 1
    members: dict[str, list[int]] = {}  # path -> members addressing it
    below: dict[str, list[int]] = {}  # path -> members addressing a resource under it
    for index, exchange in enumerate(exchanges):
        if sizes[groups.find(index)] > 1:
            path = exchange.request.path
            members.setdefault(path, []).append(index)
            for parent in _parents(path):
                below.setdefault(parent, []).append(index)
    for index, exchange in enumerate(exchanges):
        if sizes[groups.find(index)] > 1:
            continue
        path = exchange.request.path
        found = (
            members.get(path)
            or next((members[p] for p in _parents(path) if p in members), None)
            or below.get(path)
        )
        if found:
            position = bisect.bisect_left(found, index)  # members are in recorded order
            groups.join(found[position - 1] if position else found[0], index)


def _parents(path: str) -> list[str]:
    """The paths above `path`, nearest first, down to its first segment (`/a/b/c`: `/a/b`,
    `/a`); never `/` alone, which is above everything."""
    out = []
    cut = path.rstrip("/").rfind("/")
    while cut > 0:
        path = path[:cut]
        out.append(path)
        cut = path.rfind("/")
    return out


def _etag_source(
    candidates: Sequence[Produced], exchanges: Sequence[Exchange], index: int, groups: _Groups
) -> Produced | None:
    """The latest earlier answer that gave this ETag for the same resource (the same request
    path) or in the same conversation; None when there is none."""
    path = exchanges[index].request.path
    for produced in reversed(candidates):
        if produced.exchange >= index:
            continue
        if exchanges[produced.exchange].request.path == path or groups.find(
            produced.exchange
        ) == groups.find(index):
            return produced
    return None

"""Values the shadow allocated for itself, mapped to the primary's: an id map, learned live.

A shadow with its own state answers a mirrored create with its own id (an NHS number, a UUID, an
ETag), and the consumer's next request carries the primary's. Recorded traffic learns which
values are allocated once, after the recording (`harness.correlation`, `correlations.yaml`);
live traffic cannot wait, so the shadow learns them pair by pair with the same pieces:

- **learn**: of the two answers to one mirrored state-changing request, each value an answer
  gives (`correlation.values.answer_values`: header values, JSON string and integer leaves)
  that differs between the two at the same place, is distinctive (id-like: long enough, with a
  digit, not a date; an ETag however short) and has the same shape on both sides
  (`scenario.shapes.shape_of`: a domain pack's NHS number, a UUID, digits...) is an allocated
  value: primary value -> shadow value;
- **rewrite**: a later mirrored request has each learned primary value replaced by the
  shadow's wherever it stands as a whole token (`correlation.values.replaced`) in its path,
  query, headers and body, before it goes to the shadow;
- **explain**: a difference whose primary text, with the learned values swapped token by token,
  is the shadow's text is the same meaning, not a divergence: on the create's own answer and on
  every later answer that echoes the id.

The map is bounded (`capacity`, oldest forgotten first): weeks of traffic never grow it without
end, and a value forgotten makes later echoes of it show as divergences, never hides one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace

from harness.core.exchange import Request, Response
from harness.core.result import ResultDifference
from harness.correlation.values import ETAG, answer_values, distinctive, tokens
from harness.correlation.values import replaced as token_replaced
from harness.scenario.shapes import shape_of

CAPACITY = 100_000


def allocated(primary: Response, shadow: Response) -> list[tuple[str, str]]:
    """(primary value, shadow value) for each value the two answers allocated differently."""
    if primary.status != shadow.status:
        return []
    theirs = dict(answer_values(shadow))
    pairs = []
    for where, ours in answer_values(primary):
        other = theirs.get(where)
        if other is None or other == ours:
            continue
        if not (where == ETAG or distinctive(ours)):
            continue
        if shape_of([ours]).name == shape_of([other]).name:
            pairs.append((ours, other))
    return pairs


class Correlation:
    """The id map of one shadow run: learned from answers, applied to requests and results."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._map: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._map)

    def learn(self, primary: Response, shadow: Response) -> int:
        """Take the values the two answers allocated; how many were new."""
        new = 0
        for ours, theirs in allocated(primary, shadow):
            if self._map.get(ours) != theirs:
                new += 1
            self._map[ours] = theirs
            self._map.move_to_end(ours)
        while len(self._map) > self.capacity:
            self._map.popitem(last=False)
        return new

    def swapped(self, text: str) -> str:
        """`text` with every learned primary value (a whole token) replaced by the shadow's."""
        if not self._map:
            return text
        found = [token for token in tokens(text) if token in self._map]
        for token in sorted(found, key=len, reverse=True):
            text = token_replaced(text, token, self._map[token])
        return text

    def rewrite(self, request: Request) -> Request:
        """The request as the shadow must receive it: the primary's values replaced."""
        if not self._map:
            return request
        body = request.body
        if body:
            decoded = body.decode("utf-8", "surrogateescape")
            changed = self.swapped(decoded)
            if changed != decoded:
                body = changed.encode("utf-8", "surrogateescape")
        return replace(
            request,
            path=self.swapped(request.path),
            query=tuple((k, self.swapped(v)) for k, v in request.query),
            headers=tuple((k, self.swapped(v)) for k, v in request.headers),
            body=body,
        )

    def explained(
        self, differences: Iterable[ResultDifference]
    ) -> tuple[tuple[ResultDifference, ...], int]:
        """The differences that are not the same meaning under the map, and how many were."""
        every = tuple(differences)
        if not self._map or not every:
            return every, 0
        kept = tuple(d for d in every if not self._same_meaning(d.legacy, d.candidate))
        return kept, len(every) - len(kept)

    def _same_meaning(self, primary: object, shadow: object) -> bool:
        if isinstance(primary, int) and not isinstance(primary, bool):
            primary = str(primary)
        if isinstance(shadow, int) and not isinstance(shadow, bool):
            shadow = str(shadow)
        return (
            isinstance(primary, str)
            and isinstance(shadow, str)
            and primary != shadow
            and self.swapped(primary) == shadow
        )

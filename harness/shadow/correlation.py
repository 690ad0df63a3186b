"""Values the shadow allocated for itself, mapped to the primary's: an id map, learned live.

A shadow with its own state answers a mirrored create with its own id (an NHS number, a UUID, an
ETag), and the consumer's next request carries the primary's. Until the correlation of recorded
traffic (a `correlations.yaml` beside the contracts) exists to say which values are allocated,
the shadow learns them from the answers themselves, as the engine reads captured values:

- **learn**: the answers both sides gave to one mirrored state-changing request are compared with
  no noise rules; each changed string leaf (body field, `Location`, `ETag`) whose two values have
  one shape (digits for digits, letters for letters, the same punctuation, at least `MIN_LENGTH`
  characters) is an allocated value: primary value -> shadow value;
- **rewrite**: a later mirrored request has every learned primary value (path, query, headers,
  body) replaced by the shadow's, longest first, in one pass, before it goes to the shadow;
- **explain**: a difference whose primary text, with every learned value swapped, equals the
  shadow's text is the same meaning (`harness.core.difference.same_meaning_removed`), not a
  divergence: on the create's own answer and on every later answer that echoes the id.

The map is bounded (`capacity`, oldest forgotten first): weeks of traffic never grow it without
end, and a value forgotten makes later echoes of it show as divergences, never hides one.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace

from harness.core.compare import Comparator, CompareOptions
from harness.core.difference import Difference, DiffKind, same_meaning_removed
from harness.core.exchange import Request, Response
from harness.core.result import ResultDifference

MIN_LENGTH = 6
CAPACITY = 100_000
_SHAPE = str.maketrans(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "9999999999" + "a" * 26 + "A" * 26,
)
_LEARN_HEADERS = ("location", "etag", "content-location")


def shape(value: str) -> str:
    """Digits as 9, lower-case letters as a, upper-case as A; everything else kept."""
    return value.translate(_SHAPE)


def allocated(primary: Response, shadow: Response) -> list[tuple[str, str]]:
    """(primary value, shadow value) for each leaf the two answers allocated differently."""
    if primary.status != shadow.status:
        return []
    options = CompareOptions(headers=_LEARN_HEADERS, status=False, max_differences=50)
    pairs = []
    for difference in Comparator((), options).compare(primary, shadow):
        old, new = difference.legacy, difference.candidate
        if (
            difference.kind in (DiffKind.CHANGED, DiffKind.HEADER)
            and isinstance(old, str)
            and isinstance(new, str)
            and len(old) >= MIN_LENGTH
            and shape(old) == shape(new)
        ):
            pairs.append((old, new))
    return pairs


class Correlation:
    """The id map of one shadow run: learned from answers, applied to requests and results."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._map: OrderedDict[str, str] = OrderedDict()
        self._pattern: re.Pattern[str] | None = None

    def __len__(self) -> int:
        return len(self._map)

    def learn(self, primary: Response, shadow: Response) -> int:
        """Take the values the two answers allocated; how many were new."""
        new = 0
        for old, value in allocated(primary, shadow):
            if self._map.get(old) != value:
                new += 1
            self._map[old] = value
            self._map.move_to_end(old)
        while len(self._map) > self.capacity:
            self._map.popitem(last=False)
        if new:
            self._pattern = None
        return new

    def rewrite(self, request: Request) -> Request:
        """The request as the shadow must receive it: the primary's values replaced."""
        if not self._map:
            return request
        pattern = self._compiled()
        swap = self._swap

        def text(value: str) -> str:
            return pattern.sub(swap, value) if pattern.search(value) else value

        body = request.body
        if body:
            decoded = body.decode("utf-8", "surrogateescape")
            if pattern.search(decoded):
                body = pattern.sub(swap, decoded).encode("utf-8", "surrogateescape")
        return replace(
            request,
            path=text(request.path),
            query=tuple((k, text(v)) for k, v in request.query),
            headers=tuple((k, text(v)) for k, v in request.headers),
            body=body,
        )

    def explained(
        self, differences: Iterable[ResultDifference]
    ) -> tuple[tuple[ResultDifference, ...], int]:
        """The differences that are not the same meaning under the map, and how many were."""
        kept = list(differences)
        if not self._map or not kept:
            return tuple(kept), 0
        plain = [Difference(d.path, d.kind, d.legacy, d.candidate) for d in kept]
        # same_meaning_removed pairs two tables of variables by name: a value names itself
        left = same_meaning_removed(plain, {old: old for old in self._map}, self._map)
        survivors = {id(d) for d in left}
        out = tuple(r for r, d in zip(kept, plain, strict=True) if id(d) in survivors)
        return out, len(kept) - len(out)

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            ordered = sorted(self._map, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, ordered)))
        return self._pattern

    def _swap(self, match: re.Match[str]) -> str:
        return self._map.get(match.group(0), match.group(0))

"""What typed value checks need beyond the two values: each answer's own time, and what each
side was sent or carried.

A `Comparator` with `uuid` or `timestamp` rules owns one `Sides` cell; `compare` points it at
the pair being compared (three attribute stores: nothing is computed unless a check asks), and
its checks read from it:

- `anchor(side, relative_to)`: the answer's own time, from its `Date` header (the default) or
  another header, or a JSON pointer into its body (`/timestamp`), parsed once per comparison;
  a timestamp is then compared as an offset from it, so an answer recorded days ago still
  matches one given now, while a date two days off does not.
- `known(side)`: the UUID-shaped values that side was sent (headers, path, query, body) or
  carried (captured, bound): a `uuid` rule does not accept a difference in such a value, which
  must be the echo of what was sent (the judge then compares it on meaning).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from harness.core.canonical.times import parse_timestamp
from harness.core.exchange import Request, Response
from harness.core.pointer import resolve

LEGACY, CANDIDATE = 0, 1
_EMPTY: Mapping[str, str] = MappingProxyType({})
DATE_HEADER = "header:date"
_UUID_TEXT = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)


class CompareContext(NamedTuple):
    """What each side was sent (None: not known) and the values it carried by name (a named
    tuple: the judge builds one per exchange)."""

    legacy_request: Request | None = None
    candidate_request: Request | None = None
    legacy_vars: Mapping[str, str] = _EMPTY
    candidate_vars: Mapping[str, str] = _EMPTY

    def request(self, side: int) -> Request | None:
        return self.legacy_request if side == LEGACY else self.candidate_request

    def variables(self, side: int) -> Mapping[str, str]:
        return self.legacy_vars if side == LEGACY else self.candidate_vars


class Sides:
    """The pair a comparator is comparing, and what its checks derive from it (lazily)."""

    __slots__ = ("_anchors", "_known", "context", "responses")

    def __init__(self) -> None:
        self.responses: tuple[Response, Response] | None = None
        self.context: CompareContext | None = None
        self._anchors: dict[tuple[int, str], datetime | None] | None = None
        self._known: list[frozenset[str] | None] | None = None

    def reset(self, legacy: Response, candidate: Response, context: CompareContext | None) -> None:
        self.responses = (legacy, candidate)
        self.context = context
        self._anchors = None
        self._known = None

    def anchor(self, side: int, relative_to: str) -> datetime | None:
        """The answer's own time (None when it has none there, or no answer is set)."""
        if self.responses is None:
            return None
        if self._anchors is None:
            self._anchors = {}
        key = (side, relative_to)
        if key not in self._anchors:
            self._anchors[key] = anchor_of(self.responses[side], relative_to)
        return self._anchors[key]

    def known(self, side: int) -> frozenset[str]:
        """UUID-shaped values (lower case) that side was sent or carried."""
        if self.context is None:
            return frozenset()
        if self._known is None:
            self._known = [None, None]
        found = self._known[side]
        if found is None:
            found = self._known[side] = _uuids_of(
                self.context.request(side), self.context.variables(side)
            )
        return found


def anchor_of(response: Response, relative_to: str) -> datetime | None:
    """An answer's own time for timestamp rules: a header (`header:date`) or a JSON pointer."""
    if relative_to.lower().startswith("header:"):
        text = response.header(relative_to[7:].strip())
    else:
        text = _json_text(response.body, relative_to)
    return parse_timestamp(text) if text else None


def _json_text(body: bytes, pointer: str) -> str | None:
    import orjson  # here: importing the comparison core stays light (the pytest plugin loads it)

    try:
        node: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    node = resolve(node, pointer)
    return node if isinstance(node, str) else None


def _uuids_of(request: Request | None, variables: Mapping[str, str]) -> frozenset[str]:
    texts = [value for value in variables.values() if isinstance(value, str)]
    if request is not None:
        texts.append(request.path)
        texts.extend(value for _, value in request.query)
        texts.extend(value for _, value in request.headers)
        if request.body:
            texts.append(request.body.decode("utf-8", "replace"))
    return frozenset(match.lower() for text in texts for match in _UUID_TEXT.findall(text))

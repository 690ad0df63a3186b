"""Telling whether a stream of ids holds one twice, in 8 bytes per id.

A corpus or a results file may hold hundreds of thousands of ids: a set of them would cost
~90 bytes each, and readers must stay flat in memory. `IdLedger` keeps one 64-bit hash per id
(an `array`); `suspects()` sorts those once at the end and returns the hashes seen more than
once. Two different ids may share a hash (about one chance in 10^9 for 200,000 ids), so a
suspect is only a reason to look again: `first_repeat` goes over the ids once more, keeping
only those with a suspect hash, and returns a real repeat, if there is one.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import TypeVar

import numpy as np

T = TypeVar("T")


class IdLedger:
    """The ids of one stream, as they come: `add(id)`; then `suspects()`."""

    __slots__ = ("_hashes",)

    def __init__(self) -> None:
        self._hashes = array("q")

    def add(self, ident: str) -> None:
        self._hashes.append(hash(ident))

    def __len__(self) -> int:
        return len(self._hashes)

    def suspects(self) -> frozenset[int]:
        """The hashes added more than once (empty: every id was added once)."""
        if len(self._hashes) < 2:
            return frozenset()
        ordered = np.sort(np.frombuffer(self._hashes, dtype=np.int64))
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        return frozenset(int(value) for value in np.unique(repeated))


def first_repeat(
    items: Iterable[tuple[str, T]], suspects: frozenset[int]
) -> tuple[str, T, T] | None:
    """The first id of `items` ((id, where) pairs) seen twice: (id, first where, second where);
    None when the suspects were only hashes shared by different ids."""
    if not suspects:
        return None
    seen: dict[str, T] = {}
    for ident, where in items:
        if hash(ident) not in suspects:
            continue
        first = seen.get(ident)
        if first is not None:
            return ident, first, where
        seen[ident] = where
    return None

"""Every shape a value may be compared by: the domain packs' first, then the generic ones.

`known_shapes()` lists them (a name two packs define is refused, naming both); `fits(name,
value)` says whether a value has the named shape; `shape_of(values)` picks the most specific
shape all the values share (what a recording learns for an allocated value).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from harness.core.shapes import GENERIC_SHAPES, Shape, by_name
from harness.core.shapes import shape_of as first_fitting


@functools.cache
def known_shapes() -> tuple[Shape, ...]:
    """The domain packs' shapes, then the generic ones (a name given twice is refused)."""
    from harness.domains import distinct

    found = distinct(lambda pack: pack.shapes(), lambda s: s.name, "value shape", GENERIC_SHAPES)
    return (*found[len(GENERIC_SHAPES) :], *GENERIC_SHAPES)


def shape_named(name: str) -> Shape | None:
    return by_name(known_shapes()).get(name)


def fits(name: str, value: str) -> bool:
    """Whether `value` has the shape `name` (an unknown name fits nothing)."""
    shape = shape_named(name)
    return shape is not None and shape.matches(value)


def shape_of(values: Iterable[str]) -> Shape:
    return first_fitting(values, known_shapes())


__all__ = ["fits", "known_shapes", "shape_named", "shape_of"]

"""Shapes of values: what an allocated value looks like, so that two targets' are compared so.

A target allocates its own identifiers (a record's number, a message id, a UUID): the legacy
platform and the candidate give different ones for the same request, and both are right when
each is a valid value of the same kind. A `Shape` names such a kind and says whether a value is
one. The generic shapes are here, most specific first; domain packs add theirs
(`DomainPack.shapes()`: the Spine pack's NHS number, whose check digit must hold) and they are
tried before these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from harness.core.canonical.values import is_uuid


@dataclass(frozen=True, slots=True)
class Shape:
    """A kind of value: its name (as written in correlations.yaml) and its test."""

    name: str
    matches: Callable[[str], bool]
    description: str = ""


def _full(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


GENERIC_SHAPES: tuple[Shape, ...] = (
    Shape("uuid", is_uuid, "a UUID"),
    Shape("integer", _full(r"[0-9]+"), "digits"),
    Shape("hex", _full(r"[0-9a-fA-F]+"), "hexadecimal digits"),
    Shape("token", _full(r"[A-Za-z0-9][A-Za-z0-9_.:-]*"), "letters, digits and _ . : -"),
    Shape("text", lambda value: True, "any text"),
)
ANY = GENERIC_SHAPES[-1]


def shape_of(values: Iterable[str], shapes: Sequence[Shape]) -> Shape:
    """The first of `shapes` that every value fits (the last generic one fits everything)."""
    seen = list(values)
    for shape in shapes:
        if all(shape.matches(value) for value in seen):
            return shape
    return ANY


def by_name(shapes: Sequence[Shape]) -> dict[str, Shape]:
    return {shape.name: shape for shape in shapes}

"""Plain text bodies, compared line by line; paths are 1-based line numbers (`/3`).

Line endings (CRLF / LF) and trailing blank lines do not matter. Also the fallback for bodies
that do not parse as their declared type, and for bodies whose media types differ.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from harness.core.canonical.base import ContentTypes, snippet
from harness.core.difference import Difference, DiffKind
from harness.core.rules import NO_EFFECT, RuleNode, effect_of, step


def lines_of(body: bytes) -> list[str]:
    return body.decode("utf-8", "replace").replace("\r\n", "\n").rstrip("\n").split("\n")


class TextComparator:
    name = "text"

    def diff(
        self,
        legacy: bytes,
        candidate: bytes,
        states: tuple[RuleNode, ...],
        out: list[Difference],
        content_types: ContentTypes = (None, None),
    ) -> bool:
        if legacy == candidate:
            return True
        if states:
            effect = effect_of(states)
            if effect.ignore:
                return True
            if effect is not NO_EFFECT and effect.value is not None:
                whole_a = legacy.decode("utf-8", "replace").strip()
                whole_b = candidate.decode("utf-8", "replace").strip()
                if effect.value.accepts(whole_a, whole_b):
                    return True
        a, b = lines_of(legacy), lines_of(candidate)
        if a == b:
            return True
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        for tag, start_a, end_a, start_b, end_b in matcher.get_opcodes():
            if tag == "equal":
                continue
            paired = min(end_a - start_a, end_b - start_b) if tag == "replace" else 0
            for offset in range(paired):
                _line(out, states, start_a + offset, DiffKind.CHANGED, a, b, start_b + offset)
            for index in range(start_a + paired, end_a):
                _line(out, states, index, DiffKind.MISSING, a, b, None)
            for index in range(start_b + paired, end_b):
                _line(out, states, index, DiffKind.EXTRA, a, b, index)
        return True


def _line(
    out: list[Difference],
    states: tuple[RuleNode, ...],
    index: int,
    kind: DiffKind,
    a: list[str],
    b: list[str],
    index_b: int | None,
) -> None:
    legacy = None if kind is DiffKind.EXTRA else a[index]
    candidate = None if index_b is None else b[index_b]
    if states:
        effect = effect_of(step(states, str(index + 1)))
        if effect.ignore:
            return
        if (
            kind is DiffKind.CHANGED
            and effect.value is not None
            and effect.value.accepts(legacy, candidate)
        ):
            return
    out.append(
        Difference(
            f"/{index + 1}",
            kind,
            None if legacy is None else snippet(legacy),
            None if candidate is None else snippet(candidate),
        )
    )


TEXT = TextComparator()

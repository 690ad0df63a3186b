"""Parity of later messages: did the candidate cause what legacy caused, and in the same way?

For one exchange, legacy's later messages (recorded, or observed live) against the candidate's:

- **presence**: how many distinct messages of each kind (a message's retries and duplicates
  are deliveries of it, not new messages): `later:<kind>`, `missing` or `extra`;
- **duplicates**: deliveries of a message the receiver had already accepted:
  `later:<kind>:duplicates`, `extra` (or `missing`);
- **retries**: how many times each message was delivered before it was accepted:
  `later:<kind>:attempts`, `changed`;
- **order within the conversation**: how many of the conversation's later steps had been sent
  when it came (`after_step`): `later:<kind>:order`, `order`. Messages of different kinds
  caused by one exchange may race each other (two deliveries on two connections), so their
  relative order is not compared;
- **codes**: `later:<kind>:code`, `changed` (an acknowledgement that became a negative one);
- **content**: the n-th distinct message of a kind on each side, compared like an answer (its
  headers, its body by media type: a multipart body part by part) at `later:<kind>:<path>`
  (`later:message:/part[2]/...`, `later:message:header:content-type`).

Noise rules address the same paths: a rule `later:<kind>:<path>` applies to that path of the
messages of that kind (`later:message:/part/@content-id`), `later:<kind>` alone ignores the kind.
The latency of later messages is not judged here but across the rehearsal
(`harness.core.summary`, with `harness.core.latency_parity`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.core.compare import Comparator, CompareOptions
from harness.core.difference import Difference, DiffKind
from harness.core.exchange import LaterMessage, Response
from harness.core.later import ASPECTS, later_path, split_later_path
from harness.core.rules import Rule


class LaterComparator:
    """Compares later messages for one operation with its `later:` rules (compiled once)."""

    __slots__ = ("_by_kind", "_ignored", "_rules")

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._rules: dict[str, list[Rule]] = {}
        self._ignored: set[str] = set()  # `later:<kind>` or `later:<kind>:<aspect>` ignored
        for rule in rules:
            split = split_later_path(rule.path)
            if split is None:
                continue
            kind, rest = split
            if not rest or rest in ASPECTS:
                if rule.kind == "ignore":
                    self._ignored.add(later_path(kind, rest))
                continue
            self._rules.setdefault(kind, []).append(_rerooted(rule, rest))
        self._by_kind: dict[tuple[str, frozenset[str]], Comparator] = {}

    def compare(
        self,
        legacy: Sequence[LaterMessage],
        candidate: Sequence[LaterMessage],
        anchors: tuple[Response, Response] | None = None,
    ) -> list[Difference]:
        """`anchors`: the answers the messages followed (each side's), whose own times the
        messages' timestamps are read against (a recording's hours ago, one given now)."""
        out: list[Difference] = []
        if not legacy and not candidate:
            return out
        kinds = list(dict.fromkeys(m.kind for m in (*legacy, *candidate)))
        for kind in kinds:
            if later_path(kind) in self._ignored:
                continue
            self._compare_kind(
                kind,
                [m for m in legacy if m.kind == kind],
                [m for m in candidate if m.kind == kind],
                out,
                anchors,
            )
        return out

    def _compare_kind(
        self,
        kind: str,
        legacy: list[LaterMessage],
        candidate: list[LaterMessage],
        out: list[Difference],
        anchors: tuple[Response, Response] | None = None,
    ) -> None:
        firsts_a, firsts_b = _distinct(legacy), _distinct(candidate)
        if len(firsts_a) != len(firsts_b):
            out.append(
                Difference(
                    later_path(kind),
                    DiffKind.MISSING if len(firsts_a) > len(firsts_b) else DiffKind.EXTRA,
                    _describe(firsts_a),
                    _describe(firsts_b),
                )
            )
        duplicates_a = sum(1 for m in legacy if m.duplicate)
        duplicates_b = sum(1 for m in candidate if m.duplicate)
        if duplicates_a != duplicates_b and not self._skips(kind, "duplicates"):
            out.append(
                Difference(
                    later_path(kind, "duplicates"),
                    DiffKind.EXTRA if duplicates_b > duplicates_a else DiffKind.MISSING,
                    duplicates_a,
                    duplicates_b,
                )
            )
        for first_a, first_b in zip(firsts_a, firsts_b, strict=False):
            self._compare_pair(kind, first_a, first_b, legacy, candidate, out, anchors)

    def _compare_pair(
        self,
        kind: str,
        a: LaterMessage,
        b: LaterMessage,
        legacy: list[LaterMessage],
        candidate: list[LaterMessage],
        out: list[Difference],
        anchors: tuple[Response, Response] | None = None,
    ) -> None:
        attempts_a, attempts_b = _attempts(a, legacy), _attempts(b, candidate)
        if attempts_a != attempts_b and not self._skips(kind, "attempts"):
            out.append(
                Difference(later_path(kind, "attempts"), DiffKind.CHANGED, attempts_a, attempts_b)
            )
        if a.after_step != b.after_step and not self._skips(kind, "order"):
            out.append(
                Difference(
                    later_path(kind, "order"),
                    DiffKind.ORDER,
                    _when(a.after_step),
                    _when(b.after_step),
                )
            )
        if a.code != b.code and not self._skips(kind, "code"):
            out.append(Difference(later_path(kind, "code"), DiffKind.CHANGED, a.code, b.code))
        names = frozenset(name.lower() for name, _ in (*a.headers, *b.headers))
        comparator = self._comparator(kind, names)
        for difference in comparator.compare(a.content, b.content, anchors=anchors):
            out.append(
                Difference(
                    later_path(kind, difference.path),
                    difference.kind,
                    difference.legacy,
                    difference.candidate,
                )
            )

    def _skips(self, kind: str, aspect: str) -> bool:
        return later_path(kind, aspect) in self._ignored

    def _comparator(self, kind: str, headers: frozenset[str]) -> Comparator:
        key = (kind, headers)
        found = self._by_kind.get(key)
        if found is None:
            options = CompareOptions(headers=tuple(sorted(headers)), status=False)
            found = self._by_kind[key] = Comparator(self._rules.get(kind, ()), options)
        return found


def _rerooted(rule: Rule, rest: str) -> Rule:
    """A `later:<kind>:<path>` rule as a rule of the message's own content (`<path>`)."""
    return Rule(rest, rule.kind, rule.pattern, rule.tolerance_s, rule.comment)


def _distinct(messages: Sequence[LaterMessage]) -> list[LaterMessage]:
    """First deliveries, in the order they came (retries and duplicates are not new)."""
    return [m for m in messages if m.attempt == 1 and not m.duplicate]


def _attempts(first: LaterMessage, messages: Sequence[LaterMessage]) -> int:
    """Deliveries of `first`'s message up to the one accepted (1 when it was at once)."""
    if first.message_id is None:
        return 1
    return max(
        (m.attempt for m in messages if m.message_id == first.message_id and not m.duplicate),
        default=1,
    )


def _describe(messages: Sequence[LaterMessage]) -> str | None:
    if not messages:
        return None
    codes = [m.code for m in messages if m.code]
    shown = f"{len(messages)} ({', '.join(codes)})" if codes else str(len(messages))
    return f"{shown} after {', '.join(f'{m.after_ms:.0f} ms' for m in messages)}"


def _when(after_step: int) -> str:
    return "before the next step" if after_step == 0 else f"after {after_step} later step(s)"

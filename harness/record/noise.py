"""Learning the noise model: what differs between two answers to the same request.

Every recorded request is answered twice (two fresh instances, or the same target twice). The
comparator, run with no rules, lists the differing paths; each becomes a rule for the exchange's
operation. List indices are generalised to `*` when the field varied in every element that has
it; XML `[n]` steps are dropped (a rule on `name` covers every `name[n]`). A rule is typed when
every differing pair of values is of that type (both UUIDs -> `uuid`; both timestamps ->
`timestamp`), else `ignore`; a reordered list becomes `unordered`. A differing status is never
learned (it would hide real divergences): it is reported instead.

The later messages each answer's request caused are compared the same way
(`harness.core.later_parity`): what differs in their content becomes a `later:<kind>:<path>`
rule; a difference in how many came, their codes, duplicates, retries or order is never
learned (it is what later-message parity judges): it is reported.

A `timestamp` rule gets a tolerance from what was observed: twice the largest spread between
the two answers' values (read as the comparison reads them: the smaller of the absolute gap
and the gap between offsets from each answer's own `Date`), rounded up to a minute and never
below the default 120 s, so that seconds of skew pass and a date days off does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from harness.contracts.noisefile import NoiseEntry
from harness.core.difference import Difference, DiffKind, same_meaning_removed
from harness.core.exchange import LaterMessage, Response
from harness.core.later import ASPECTS, later_path, split_later_path
from harness.core.later_parity import LaterComparator
from harness.core.varying import combined_kind, kind_of, learned_tolerance, timestamp_spread

Differ = Callable[[Response, Response], list[Difference]]
# The second answer of a pair is asked for at least this long after the first, so that
# timestamps with one-second resolution differ too (and are learned as noise).
GAP_S = 1.1

_XML_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True, slots=True)
class Pair:
    """Two answers to the same request of one operation; `typed_only` when state may differ."""

    operation: str
    first: Response
    second: Response
    typed_only: bool = False
    label: str = ""
    # The values each pass ran with (bound built-ins, captures): their echoes are not noise.
    first_bound: Mapping[str, str] = field(default_factory=dict)
    second_bound: Mapping[str, str] = field(default_factory=dict)
    # The later messages each call caused (`Exchange.later`).
    first_later: tuple[LaterMessage, ...] = ()
    second_later: tuple[LaterMessage, ...] = ()


@dataclass
class _Observed:
    values: list[tuple[object, object]] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    concrete: set[str] = field(default_factory=set)
    spread_s: float = 0.0  # the largest gap between two timestamps seen here


@dataclass(frozen=True, slots=True)
class Learned:
    entries: tuple[NoiseEntry, ...]
    warnings: tuple[str, ...]


def default_differ() -> Differ:
    """The comparator with no rules and no cap: every differing path."""
    from harness.core.compare import Comparator, CompareOptions

    return Comparator((), CompareOptions(max_differences=1_000_000)).compare


def learn_noise(pairs: Iterable[Pair], differ: Differ | None = None) -> Learned:
    """The rules explaining every difference between the pairs' two answers."""
    diff = differ or default_differ()
    observed: dict[tuple[str, str], _Observed] = {}
    answers: dict[str, list[Response]] = {}
    warnings: list[str] = []
    later_diff = LaterComparator().compare
    for pair in pairs:
        answers.setdefault(pair.operation, []).append(pair.first)
        differences = diff(pair.first, pair.second)
        if pair.first_later or pair.second_later:
            differences = [*differences, *later_diff(pair.first_later, pair.second_later)]
        if differences and pair.first_bound:
            differences = same_meaning_removed(differences, pair.first_bound, pair.second_bound)
        if not differences:
            continue
        document = _json(pair.first)
        for difference in differences:
            if difference.kind == DiffKind.STATUS:
                warnings.append(
                    f"{pair.label or pair.operation}: status differed between two identical "
                    f"calls ({difference.legacy} then {difference.candidate}); not learned"
                )
                continue
            if _later_aspect(difference.path):
                warnings.append(
                    f"{pair.label or pair.operation}: {difference.path} differed between two "
                    f"identical calls ({difference.legacy} then {difference.candidate}); "
                    "not learned"
                )
                continue
            typed = kind_of(difference)
            if pair.typed_only and typed not in ("uuid", "timestamp"):
                warnings.append(
                    f"{pair.label or pair.operation}: {difference.path} differed but the target's "
                    "state may have changed in between (no twin instance); not learned"
                )
                continue
            general = _generalise_any(difference.path, document)
            slot = observed.setdefault((pair.operation, general), _Observed())
            slot.values.append((difference.legacy, difference.candidate))
            slot.kinds.add(typed)
            slot.concrete.add(difference.path)
            if typed == "timestamp":
                spread = timestamp_spread(difference, pair.first, pair.second)
                slot.spread_s = max(slot.spread_s, spread)
    entries: list[NoiseEntry] = []
    for (operation, path), slot in sorted(observed.items()):
        kind = combined_kind(slot.kinds)
        tolerance = learned_tolerance(slot.spread_s) if kind == "timestamp" else None
        if "*" in path and path.startswith("/"):
            documents = (_json(answer) for answer in answers.get(operation, []))
            holders = sum(1 for doc in documents for _ in _expand(doc, path))
            if len(slot.values) < holders:  # the field kept its value somewhere: stay precise
                entries.extend(
                    NoiseEntry(operation, concrete, kind, tolerance_s=tolerance, learned=True)
                    for concrete in sorted(slot.concrete)
                )
                continue
        entries.append(NoiseEntry(operation, path, kind, tolerance_s=tolerance, learned=True))
    return Learned(tuple(_dedupe(entries)), tuple(dict.fromkeys(warnings)))


def _json(response: Response) -> Any:
    if not response.media_type.endswith("json") or not response.body:
        return None
    try:
        return orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return None


def _later_aspect(path: str) -> bool:
    """A `later:` path about how many messages came, or how (not their content)."""
    split = split_later_path(path)
    return split is not None and (not split[1] or split[1] in ASPECTS)


def _generalise_any(path: str, document: Any) -> str:
    """`_generalise` of an answer's path, or of the content path of a later message (whose
    own document is not at hand: its XML or multipart indices are dropped)."""
    split = split_later_path(path)
    if split is None:
        return _generalise(path, document)
    kind, rest = split
    return later_path(kind, _generalise(rest, None) if rest.startswith("/") else rest)


def _generalise(path: str, document: Any) -> str:
    """List indices -> `*` (JSON: the document tells indices from keys); XML `[n]` dropped."""
    if not path.startswith("/") or path == "/":
        return path
    if document is None:
        return _XML_INDEX.sub("", path)
    steps = path[1:].split("/")
    node = document
    out = []
    for step in steps:
        key = step.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit():
            out.append("*")
            index = int(key)
            node = node[index] if index < len(node) else None
        elif isinstance(node, dict):
            out.append(step)
            node = node.get(key)
        else:
            out.append(step)
            node = None
    return "/" + "/".join(out)


def _expand(document: Any, path: str) -> Iterator[Any]:
    """Values at a JSON path with `*` steps (each list element / object member)."""
    steps = [s.replace("~1", "/").replace("~0", "~") for s in path[1:].split("/")]

    def walk(node: Any, depth: int) -> Iterator[Any]:
        if depth == len(steps):
            yield node
            return
        step = steps[depth]
        if step == "*":
            children = node if isinstance(node, list) else []
            for child in children:
                yield from walk(child, depth + 1)
        elif isinstance(node, dict) and step in node:
            yield from walk(node[step], depth + 1)
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            yield from walk(node[int(step)], depth + 1)

    yield from walk(document, 0)


def _dedupe(entries: list[NoiseEntry]) -> list[NoiseEntry]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for entry in entries:
        key = (entry.operation, entry.path)
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique

"""JSON bodies: key order never matters; list order matters unless an `unordered` rule says not.

Fast paths, cheapest first: identical bytes; parsed values `==` and identical sorted-key
serialisations (which also tells `true` from `1`). Otherwise a walk descends only into subtrees
that differ, reporting JSON pointers (RFC 6901 escaping) of changed, missing, extra, type and
order differences.
"""

from __future__ import annotations

import json as stdlib_json
from typing import Any

import orjson

from harness.core.canonical import root_path, unparsed_body, unparsed_difference
from harness.core.difference import Difference, DiffKind
from harness.core.rules import NO_EFFECT, RuleNode, effect_of, step

_SORT = orjson.OPT_SORT_KEYS
_PAIRING_LIMIT = 400  # unordered: at most this many pairwise element diffs per list

_CHANGED, _MISSING, _EXTRA = DiffKind.CHANGED, DiffKind.MISSING, DiffKind.EXTRA
_TYPE, _ORDER = DiffKind.TYPE, DiffKind.ORDER
_Unparsed = object()
_ABSENT = object()


def parse(body: bytes) -> Any:
    """The parsed body, or `_Unparsed` (orjson first; the stdlib for what orjson refuses)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            return stdlib_json.loads(body)
        except ValueError:
            return _Unparsed


def escape(key: str) -> str:
    """One JSON pointer step (RFC 6901: `~` -> `~0`, `/` -> `~1`)."""
    if "~" in key or "/" in key:
        return key.replace("~", "~0").replace("/", "~1")
    return key


def canonical(value: Any) -> bytes:
    """Sorted-key serialisation: equal for equal values, distinguishing `true` from `1`."""
    try:
        return orjson.dumps(value, option=_SORT)
    except TypeError:  # integers beyond 64 bits
        return stdlib_json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def same(a: Any, b: Any) -> bool:
    """Strict JSON equality: `==`, but a boolean never equals a number."""
    if a != b:
        return False
    kind = type(a)
    if kind is dict or kind is list:
        return canonical(a) == canonical(b)
    if kind is not type(b):
        return kind is not bool and type(b) is not bool
    return True


def json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


class JsonComparator:
    name = "json"

    def diff(
        self,
        legacy: bytes,
        candidate: bytes,
        states: tuple[RuleNode, ...],
        out: list[Difference],
    ) -> bool:
        if legacy == candidate:
            return True
        a, b = parse(legacy), parse(candidate)
        if a is _Unparsed and b is _Unparsed:
            return False
        if a is _Unparsed or b is _Unparsed:
            if not (states and effect_of(states).ignore):
                out.append(_unparsed_difference(legacy, a, candidate, b))
            return True
        if a == b:
            # `==` is strict unless a boolean may meet a number (`True == 1` in Python).
            if not _may_hold_booleans(legacy, candidate) or canonical(a) == canonical(b):
                return True
            diff_values(a, b, "", states, out, None)  # `true` where `1` was: a strict walk
            return True
        start = len(out)
        skipped: list[Any] = []
        diff_values(a, b, "", states, out, skipped)
        if (
            skipped
            and _may_hold_booleans(legacy, candidate)
            and canonical(skipped[0::2]) != canonical(skipped[1::2])
        ):
            # Python has `True == 1`: a subtree skipped as equal hides a boolean/number swap.
            del out[start:]
            diff_values(a, b, "", states, out, None)
        return True


JSON = JsonComparator()


def _unparsed_difference(legacy: bytes, a: Any, candidate: bytes, b: Any) -> Difference:
    return unparsed_difference(
        legacy,
        unparsed_body(legacy) if a is _Unparsed else a,
        candidate,
        unparsed_body(candidate) if b is _Unparsed else b,
    )


def _may_hold_booleans(legacy: bytes, candidate: bytes) -> bool:
    return b"true" in legacy or b"false" in legacy or b"true" in candidate or b"false" in candidate


def diff_values(
    a: Any,
    b: Any,
    path: str,
    states: tuple[RuleNode, ...],
    out: list[Difference],
    skipped: list[Any] | None = None,
) -> None:
    """Append the differences between two parsed JSON values.

    Containers equal under `==` are not walked: they are appended to `skipped` (legacy then
    candidate) for one strict check at the end, or checked strictly at once when it is None.
    """
    unordered = False
    if states:
        effect = effect_of(states)
        if effect is not NO_EFFECT:
            if effect.ignore:
                return
            if effect.value is not None and effect.value.accepts(a, b):
                return
            unordered = effect.unordered
    kind_a = type(a)
    if kind_a is dict and type(b) is dict:
        _diff_objects(a, b, path, states, out, skipped)
    elif kind_a is list and type(b) is list:
        if unordered:
            _diff_unordered(a, b, path, states, out)
        else:
            _diff_lists(a, b, path, states, out, skipped)
    elif same(a, b):
        return
    elif json_kind(a) != json_kind(b):
        out.append(Difference(root_path(path), _TYPE, a, b))
    else:
        out.append(Difference(root_path(path), _CHANGED, a, b))


def _diff_objects(
    a: dict[str, Any],
    b: dict[str, Any],
    path: str,
    states: tuple[RuleNode, ...],
    out: list[Difference],
    skipped: list[Any] | None,
) -> None:
    missing = 0
    get = b.get
    for key, value_a in a.items():
        value_b = get(key, _ABSENT)
        if value_a == value_b:
            kind = type(value_a)
            if kind is dict or kind is list:
                if skipped is not None:
                    skipped.append(value_a)
                    skipped.append(value_b)
                    continue
                if canonical(value_a) == canonical(value_b):
                    continue
            elif kind is type(value_b) or (kind is not bool and type(value_b) is not bool):
                continue
        elif value_b is _ABSENT:
            missing += 1
            child = step(states, key) if states else ()
            if not (child and effect_of(child).ignore):
                out.append(Difference(f"{path}/{escape(key)}", _MISSING, value_a, None))
            continue
        if not states and type(value_a) is str and type(value_b) is str:
            out.append(Difference(f"{path}/{escape(key)}", _CHANGED, value_a, value_b))
            continue
        child = step(states, key) if states else ()
        diff_values(value_a, value_b, f"{path}/{escape(key)}", child, out, skipped)
    if len(b) > len(a) - missing:
        for key, value_b in b.items():
            if key not in a:
                child = step(states, key) if states else ()
                if not (child and effect_of(child).ignore):
                    out.append(Difference(f"{path}/{escape(key)}", _EXTRA, None, value_b))


def _diff_lists(
    a: list[Any],
    b: list[Any],
    path: str,
    states: tuple[RuleNode, ...],
    out: list[Difference],
    skipped: list[Any] | None,
) -> None:
    common = min(len(a), len(b))
    differing = []
    for index in range(common):
        item_a, item_b = a[index], b[index]
        if item_a == item_b:
            kind = type(item_a)
            if kind is dict or kind is list:
                if skipped is not None:
                    skipped.append(item_a)
                    skipped.append(item_b)
                    continue
                if canonical(item_a) == canonical(item_b):
                    continue
            elif kind is type(item_b) or (kind is not bool and type(item_b) is not bool):
                continue
        differing.append(index)
    if len(a) == len(b) and len(differing) > 1:
        # Same elements in another order? Only the differing positions can tell.
        keys_a = sorted(canonical(a[index]) for index in differing)
        keys_b = sorted(canonical(b[index]) for index in differing)
        if keys_a == keys_b:
            out.append(Difference(root_path(path), _ORDER, a, b))
            return
    for index in differing:
        item_a, item_b = a[index], b[index]
        if not states and type(item_a) is str and type(item_b) is str:
            out.append(Difference(f"{path}/{index}", _CHANGED, item_a, item_b))
            continue
        child = step(states, str(index)) if states else ()
        diff_values(item_a, item_b, f"{path}/{index}", child, out, skipped)
    for index in range(common, len(a)):
        _report_alone(a[index], index, _MISSING, path, states, out)
    for index in range(common, len(b)):
        _report_alone(b[index], index, _EXTRA, path, states, out)


def _report_alone(
    value: Any,
    index: int,
    kind: DiffKind,
    path: str,
    states: tuple[RuleNode, ...],
    out: list[Difference],
) -> None:
    child = step(states, str(index)) if states else ()
    if child and effect_of(child).ignore:
        return
    if kind is _MISSING:
        out.append(Difference(f"{path}/{index}", kind, value, None))
    else:
        out.append(Difference(f"{path}/{index}", kind, None, value))


def _diff_unordered(
    a: list[Any], b: list[Any], path: str, states: tuple[RuleNode, ...], out: list[Difference]
) -> None:
    """Multiset comparison; unmatched legacy elements are missing, unmatched candidates extra."""
    pool: dict[bytes, list[int]] = {}
    for index, item in enumerate(b):
        pool.setdefault(canonical(item), []).append(index)
    left: list[int] = []
    for index, item in enumerate(a):
        matches = pool.get(canonical(item))
        if matches:
            matches.pop(0)
        else:
            left.append(index)
    right = sorted(index for indexes in pool.values() for index in indexes)
    # Rules below the list (e.g. an ignored id in each element) may make elements equal.
    if (
        left
        and right
        and len(left) * len(right) <= _PAIRING_LIMIT
        and any(step(states, str(index)) for index in left)
    ):
        left, right = _pair_by_rules(a, b, left, right, path, states)
    for index in left:
        _report_alone(a[index], index, _MISSING, path, states, out)
    for index in right:
        _report_alone(b[index], index, _EXTRA, path, states, out)


def _pair_by_rules(
    a: list[Any],
    b: list[Any],
    left: list[int],
    right: list[int],
    path: str,
    states: tuple[RuleNode, ...],
) -> tuple[list[int], list[int]]:
    unmatched_left: list[int] = []
    remaining = list(right)
    for index in left:
        child = step(states, str(index))
        for position, other in enumerate(remaining):
            scratch: list[Difference] = []
            diff_values(a[index], b[other], f"{path}/{index}", child, scratch, None)
            if not scratch:
                del remaining[position]
                break
        else:
            unmatched_left.append(index)
    return unmatched_left, remaining

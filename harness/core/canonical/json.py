"""JSON bodies: key order never matters; list order matters unless an `unordered` rule says not.

Fast paths, cheapest first: identical bytes; parsed values `==` and identical serialisations
(which tell `true` from `1`; unsorted when both documents list keys in one order, else sorted).
Otherwise a walk descends only into subtrees that differ, reporting JSON pointers (RFC 6901
escaping) of changed, missing, extra, type and order differences; the subtrees it skips as equal
get the same serialisation check, all at once.
"""

from __future__ import annotations

import json as stdlib_json
from typing import Any

import orjson

from harness.core.canonical.base import ContentTypes, root_path, unparsed_body, unparsed_difference
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


def _strictly_equal(a: Any, b: Any, same_order: bool) -> bool:
    """Whether values already equal under `==` also hold no `true` where the other has `1`.

    A serialisation tells booleans from numbers. When both documents list their keys in the
    same order (one producer), identical unsorted serialisations settle it, a third cheaper than
    sorting keys; otherwise, or when they differ, the sorted-key serialisations decide.
    """
    if same_order:
        try:
            if orjson.dumps(a) == orjson.dumps(b):
                return True
        except TypeError:  # integers beyond 64 bits: the sorted path knows the stdlib fallback
            pass
    return canonical(a) == canonical(b)


_JSON_KINDS: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    type(None): "null",
    int: "number",
    float: "number",
}  # the only types orjson and the stdlib parser produce


def _diff_leaves(a: Any, b: Any, path: str, out: list[Difference]) -> None:
    """Scalars, or an object against an array: nothing when strictly equal, else changed / type.

    Kinds compare first, so `true` against `1` (equal in Python) is a `type` difference.
    """
    if _JSON_KINDS[type(a)] != _JSON_KINDS[type(b)]:
        out.append(Difference(root_path(path), _TYPE, a, b))
    elif a != b:
        out.append(Difference(root_path(path), _CHANGED, a, b))


class JsonComparator:
    name = "json"

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
        a, b = parse(legacy), parse(candidate)
        if a is _Unparsed and b is _Unparsed:
            return False
        if a is _Unparsed or b is _Unparsed:
            if not (states and effect_of(states).ignore):
                out.append(_unparsed_difference(legacy, a, candidate, b))
            return True
        same_order = type(a) is dict and type(b) is dict and list(a) == list(b)
        if len(legacy) == len(candidate) and a == b:
            # Equal bodies with other bytes are mostly keys in another order, of equal length;
            # for other pairs the walk tells equality itself, and `==` first would repeat it.
            if not _strictly_equal(a, b, same_order):  # `true` where `1` was: a strict walk
                diff_values(a, b, "", states, out, None)
            return True
        start = len(out)
        skipped: list[Any] = []
        diff_values(a, b, "", states, out, skipped)
        if skipped and not _strictly_equal(skipped[0::2], skipped[1::2], same_order):
            # A subtree skipped as equal hides a boolean/number swap: walk again, strictly.
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
    else:
        _diff_leaves(a, b, path, out)


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
        kind = type(value_a)
        if value_a == value_b:
            if kind is str:  # the commonest leaf, and a string equals only a string
                continue
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
            if not (states and effect_of(step(states, key)).ignore):
                out.append(Difference(f"{path}/{escape(key)}", _MISSING, value_a, None))
            continue
        _descend(value_a, value_b, f"{path}/{escape(key)}", key, states, out, skipped)
    if len(b) > len(a) - missing:
        for key, value_b in b.items():
            if key not in a and not (states and effect_of(step(states, key)).ignore):
                out.append(Difference(f"{path}/{escape(key)}", _EXTRA, None, value_b))


def _descend(
    a: Any,
    b: Any,
    path: str,
    key: str,
    states: tuple[RuleNode, ...],
    out: list[Difference],
    skipped: list[Any] | None,
) -> None:
    """Diff one pair of children found unequal (`key` is their step, for the rules)."""
    kind = type(a)
    if states:
        diff_values(a, b, path, step(states, key), out, skipped)
    elif kind is not type(b):
        _diff_leaves(a, b, path, out)
    elif kind is dict:
        _diff_objects(a, b, path, states, out, skipped)
    elif kind is list:
        _diff_lists(a, b, path, states, out, skipped)
    else:  # two unequal scalars of one type
        out.append(Difference(path, _CHANGED, a, b))


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
        item_a = a[index]
        item_b = b[index]
        if item_a == item_b:
            kind = type(item_a)
            if kind is str:  # the commonest leaf, and a string equals only a string
                continue
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
        _descend(a[index], b[index], f"{path}/{index}", str(index), states, out, skipped)
    if len(a) != len(b):
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

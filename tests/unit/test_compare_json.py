"""JSON comparison: every difference kind, rules, and properties over PDS-shaped documents."""

from __future__ import annotations

import copy
import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.core.compare import Comparator, compare
from harness.core.difference import Difference, DiffKind
from harness.core.exchange import Response
from harness.core.rules import Rule
from tests.unit.pds_documents import PATIENT

FHIR = (("Content-Type", "application/fhir+json"),)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def response(body: Any, status: int = 200) -> Response:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(status, FHIR, data)


def diff(legacy: Any, candidate: Any, *rules: Rule) -> list[tuple[str, str, Any, Any]]:
    found = compare(response(legacy), response(candidate), rules)
    return [(d.path, d.kind.value, d.legacy, d.candidate) for d in found]


def test_equal_documents_and_reordered_keys_have_no_differences() -> None:
    assert diff(PATIENT, PATIENT) == []
    reordered = {key: PATIENT[key] for key in reversed(list(PATIENT))}
    assert diff(PATIENT, reordered) == []


def test_changed_missing_extra_and_type() -> None:
    candidate = copy.deepcopy(PATIENT)
    candidate["gender"] = "male"
    del candidate["birthDate"]
    candidate["active"] = True
    candidate["multipleBirthInteger"] = "1"
    assert diff(PATIENT, candidate) == [
        ("/gender", "changed", "female", "male"),
        ("/birthDate", "missing", "2010-10-22", None),
        ("/multipleBirthInteger", "type", 1, "1"),
        ("/active", "extra", None, True),
    ]


def test_boolean_is_never_equal_to_a_number() -> None:
    assert diff({"a": True}, {"a": 1}) == [("/a", "type", True, 1)]
    # Deep inside a subtree that Python's `==` calls equal, next to a real difference.
    legacy = {"x": {"deep": [False, 1]}, "y": 1}
    assert diff(legacy, {"x": {"deep": [0, 1]}, "y": 2}) == [
        ("/x/deep/0", "type", False, 0),
        ("/y", "changed", 1, 2),
    ]
    assert diff({"n": 1}, {"n": 1.0}) == []


def test_equal_under_python_equality_paths_stay_strict() -> None:
    # The fast paths (no booleans in either body; one strict check of what `==` skipped) must
    # agree with a full strict walk, with keys reordered around them.
    bool_free = (
        {"a": {"x": 1, "y": [1.0, 2]}, "b": "s"},
        {"b": "s", "a": {"y": [1, 2.0], "x": 1.0}},
    )
    assert diff(*bool_free) == []
    swapped = {"b": "s", "a": {"y": [1, 2], "x": 1}}
    assert diff({"a": {"x": True, "y": [1, 2]}, "b": "s"}, swapped) == [("/a/x", "type", True, 1)]
    assert diff({"a": {"x": True, "y": [1, 2]}, "b": "s"}, {**swapped, "b": "t"}) == [
        ("/a/x", "type", True, 1),
        ("/b", "changed", "s", "t"),
    ]


def test_boolean_swaps_deep_in_reordered_subtrees_are_reported_at_their_paths() -> None:
    # `==` calls these subtrees equal; only the strict check of what the walk skipped sees them.
    legacy = copy.deepcopy(PATIENT)
    legacy["contact"][0]["telecom"][0]["rank"] = True
    for number in (1, 1.0):
        candidate = copy.deepcopy(legacy)
        candidate["contact"][0]["telecom"][0]["rank"] = number
        candidate["gender"] = "male"  # a real difference, so the walk runs
        found = [("/contact/0/telecom/0/rank", "type", True, number)]
        changed = [("/gender", "changed", "female", "male")]
        reordered = {key: candidate[key] for key in reversed(list(candidate))}
        assert diff(legacy, reordered) == changed + found
        assert diff(reordered, legacy) == [  # document order is the legacy side's
            ("/contact/0/telecom/0/rank", "type", number, True),
            ("/gender", "changed", "male", "female"),
        ]
        assert diff(legacy, candidate) == changed + found  # same key order: unsorted check
    zero = copy.deepcopy(legacy)
    zero["contact"][0]["telecom"][0]["rank"] = False
    for number in (0, 0.0, -0.0):
        candidate = copy.deepcopy(zero)
        candidate["contact"][0]["telecom"][0]["rank"] = number
        assert diff(zero, candidate) == [("/contact/0/telecom/0/rank", "type", False, number)]


def test_opposite_boolean_swaps_in_one_document_are_both_reported() -> None:
    # One `true` becomes `1` and one `1` becomes `true`: counts of each kind stay the same.
    legacy = {
        "a": {"x": True, "y": 1, "z": [0, "p"]},
        "b": "s",
        "c": [{"k": 1, "m": 2}, {"k": True}],
    }
    candidate = {
        "c": [{"m": 2, "k": True}, {"k": 1}],
        "b": "s",
        "a": {"z": [False, "p"], "y": True, "x": 1},
    }
    assert diff(legacy, candidate) == [
        ("/a/x", "type", True, 1),
        ("/a/y", "type", 1, True),
        ("/a/z/0", "type", 0, False),
        ("/c/0/k", "type", 1, True),
        ("/c/1/k", "type", True, 1),
    ]
    pretty = orjson.dumps(candidate, option=orjson.OPT_INDENT_2)  # other bytes, other length
    assert diff(legacy, pretty) == diff(legacy, candidate)
    assert diff(b'{"x": {"a": true}, "y": 1}', b'{"x":{"a":1},"y":1}') == [
        ("/x/a", "type", True, 1)
    ]
    # Swapped elements of one list are the same elements in another order.
    assert diff({"l": [0, False]}, {"l": [False, 0]}) == [("/l", "order", [0, False], [False, 0])]
    assert diff({**legacy, "b": "t"}, candidate)[0] == ("/a/x", "type", True, 1)
    assert diff(legacy, candidate) == diff(legacy, {key: candidate[key] for key in legacy})


def test_strict_check_handles_integers_beyond_64_bits_and_other_encodings() -> None:
    big = b'{"n": 1180591620717411303424, "f": true, "s": "x"}'  # 2**70: orjson refuses it
    assert diff(big, big.replace(b'"x"', b'"y"')) == [("/s", "changed", "x", "y")]
    assert diff(big, big.replace(b"true", b"1").replace(b'"x"', b'"y"')) == [
        ("/f", "type", True, 1),
        ("/s", "changed", "x", "y"),
    ]
    assert diff(big, big.replace(b"true", b"1")) == [("/f", "type", True, 1)]
    # UTF-16 bodies (the stdlib parser reads them) hide `true` from any byte search.
    legacy = '{"f": true, "s": "x"}'.encode("utf-16")
    assert diff(legacy, '{"f": 1, "s": "x"}'.encode("utf-16")) == [("/f", "type", True, 1)]


def test_lists_extra_missing_and_order() -> None:
    assert diff({"l": [1, 2]}, {"l": [1, 2, 3]}) == [("/l/2", "extra", None, 3)]
    assert diff({"l": [1, 2, 3]}, {"l": [1, 2]}) == [("/l/2", "missing", 3, None)]
    assert diff({"l": [1, 2, 3]}, {"l": [3, 1, 2]}) == [("/l", "order", [1, 2, 3], [3, 1, 2])]


def test_pointer_escaping_rfc6901() -> None:
    assert diff({"a/b": {"c~d": 1}}, {"a/b": {"c~d": 2}}) == [("/a~1b/c~0d", "changed", 1, 2)]
    rule = Rule("/a~1b/c~0d")
    assert diff({"a/b": {"c~d": 1}}, {"a/b": {"c~d": 2}}, rule) == []


def test_root_level_differences_use_slash() -> None:
    assert diff([1], {"a": 1}) == [("/", "type", [1], {"a": 1})]
    assert diff(b'"x"', b'"y"') == [("/", "changed", "x", "y")]


def test_ignore_rules_cover_subtrees_and_wildcards() -> None:
    candidate = copy.deepcopy(PATIENT)
    candidate["meta"]["versionId"] = "3"
    candidate["telecom"][0]["id"] = "X"
    candidate["telecom"][1]["id"] = "Y"
    assert len(diff(PATIENT, candidate)) == 3
    assert diff(PATIENT, candidate, Rule("/meta"), Rule("/telecom/*/id")) == []
    del candidate["meta"]
    assert diff(PATIENT, candidate, Rule("/meta"), Rule("/telecom/*/id")) == []


def test_unordered_lists_compare_as_multisets() -> None:
    legacy = {"entry": [{"id": 1}, {"id": 2}, {"id": 3}]}
    shuffled = {"entry": [{"id": 3}, {"id": 1}, {"id": 2}]}
    rule = Rule("/entry", "unordered")
    assert diff(legacy, shuffled, rule) == []
    assert diff(legacy, {"entry": [{"id": 3}, {"id": 1}, {"id": 4}]}, rule) == [
        ("/entry/1", "missing", {"id": 2}, None),
        ("/entry/2", "extra", None, {"id": 4}),
    ]


def test_unordered_lists_honour_rules_inside_elements() -> None:
    legacy = {"entry": [{"id": "a", "v": 1}, {"id": "b", "v": 2}]}
    candidate = {"entry": [{"id": "x", "v": 2}, {"id": "y", "v": 1}]}
    rules = (Rule("/entry", "unordered"), Rule("/entry/*/id"))
    assert diff(legacy, candidate, *rules) == []


def test_typed_rules() -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    assert diff({"id": a}, {"id": b}, Rule("/id", "uuid")) == []
    assert diff({"id": a}, {"id": "not-a-uuid"}, Rule("/id", "uuid")) != []
    assert (
        diff(
            {"t": "2024-01-01T10:00:00Z"},
            {"t": "2024-01-01T10:00:04+00:00"},
            Rule("/t", "timestamp", tolerance_s=5),
        )
        == []
    )
    assert (
        diff(
            {"t": "2024-01-01T10:00:00Z"},
            {"t": "2024-01-01T10:00:06Z"},
            Rule("/t", "timestamp", tolerance_s=5),
        )
        != []
    )
    assert (
        diff(
            {"t": "20240101100000"},
            {"t": "2024-01-01T10:00:01Z"},
            Rule("/t", "timestamp", tolerance_s=1),
        )
        == []
    )
    assert diff({"v": 'W/"1"'}, {"v": 'W/"2"'}, Rule("/v", "pattern", pattern=r'W/"\d+"')) == []
    assert diff({"v": 1}, {"v": 2}, Rule("/v", "pattern", pattern=r"\d")) == []
    assert diff({"v": "1"}, {"v": "x"}, Rule("/v", "pattern", pattern=r"\d")) == [
        ("/v", "changed", "1", "x")
    ]


def test_unparseable_bodies() -> None:
    assert diff(b"{not json", b"{not json either") == [
        ("/1", "changed", "{not json", "{not json either")
    ]
    assert diff(b"{}", b"<html>") == [("/", "type", {}, "<html>")]
    assert diff(b"{}", b"") == [("/", "missing", {}, None)]


def test_differences_are_json_compatible() -> None:
    candidate = copy.deepcopy(PATIENT)
    candidate["name"][0]["given"].append("Extra")
    found = compare(response(PATIENT), response(candidate))
    assert found == [Difference("/name/0/given/2", DiffKind.EXTRA, None, "Extra")]
    assert orjson.loads(orjson.dumps([d.to_dict() for d in found]))[0]["kind"] == "extra"


# -- properties ---------------------------------------------------------------------------

KEYS = st.text(alphabet="abcxyz/~_-", min_size=1, max_size=6)
SCALARS = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)
DOCUMENTS = st.one_of(st.just(PATIENT), st.dictionaries(KEYS, JSON_VALUES, max_size=6))


def shuffled_keys(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {key: shuffled_keys(value[key], rng) for key in keys}
    if isinstance(value, list):
        return [shuffled_keys(item, rng) for item in value]
    return value


def leaves(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        return [
            found
            for key, item in value.items()
            for found in leaves(item, f"{path}/{key.replace('~', '~0').replace('/', '~1')}")
        ]
    if isinstance(value, list):
        return [
            found for index, item in enumerate(value) for found in leaves(item, f"{path}/{index}")
        ]
    return [path]


def replace_at(document: Any, pointer: str, new: Any) -> Any:
    copied = copy.deepcopy(document)
    steps = [s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/")]
    node = copied
    for key in steps[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = steps[-1]
    if isinstance(node, list):
        node[int(last)] = new
    else:
        node[last] = new
    return copied


@PROPERTY
@given(document=DOCUMENTS, seed=st.integers(0, 2**32))
def test_any_key_reordering_has_no_differences(document: Any, seed: int) -> None:
    reordered = shuffled_keys(document, random.Random(seed))
    assert diff(document, reordered) == []


@PROPERTY
@given(document=DOCUMENTS, data=st.data())
def test_one_changed_leaf_is_reported_at_exactly_its_path(
    document: Any, data: st.DataObject
) -> None:
    paths = leaves(document)
    if not paths or paths == [""]:
        return
    pointer = data.draw(st.sampled_from(paths))
    old = _value_at(document, pointer)
    new = data.draw(SCALARS.filter(lambda v: orjson.dumps(v) != orjson.dumps(old)))
    candidate = shuffled_keys(replace_at(document, pointer, new), random.Random(1))
    found = compare(response(document), response(candidate))
    assert [(d.path, d.legacy, d.candidate) for d in found] == [(pointer, old, new)]
    assert found[0].kind in (DiffKind.CHANGED, DiffKind.TYPE)


def _value_at(document: Any, pointer: str) -> Any:
    node = document
    for key in (s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/")):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


@PROPERTY
@given(items=st.lists(JSON_VALUES, min_size=1, max_size=6), seed=st.integers(0, 2**32))
def test_unordered_list_accepts_any_permutation_and_reports_a_removal(
    items: list[Any], seed: int
) -> None:
    rule = Rule("/list", "unordered")
    permuted = list(items)
    random.Random(seed).shuffle(permuted)
    assert diff({"list": items}, {"list": permuted}, rule) == []
    removed = permuted.pop()
    found = diff({"list": items}, {"list": permuted}, rule)
    assert len(found) == 1
    path, kind, legacy, candidate = found[0]
    assert (kind, candidate) == ("missing", None)
    assert orjson.dumps(legacy, option=orjson.OPT_SORT_KEYS) == orjson.dumps(
        removed, option=orjson.OPT_SORT_KEYS
    )
    assert path.startswith("/list/")


@PROPERTY
@given(first=st.uuids(), second=st.uuids(), text=st.text(min_size=1, max_size=10))
def test_uuid_rule_accepts_any_two_uuids_only(
    first: uuid.UUID, second: uuid.UUID, text: str
) -> None:
    rule = Rule("/entry/*/fullUrl", "uuid")
    legacy = {"entry": [{"fullUrl": f"urn:uuid:{first}"}]}
    assert diff(legacy, {"entry": [{"fullUrl": f"urn:uuid:{second}"}]}, rule) == []
    if text != f"urn:uuid:{first}":
        assert diff(legacy, {"entry": [{"fullUrl": text}]}, rule) != []


@PROPERTY
@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    shift=st.integers(-100, 100),
    hl7=st.booleans(),
)
def test_timestamp_rule_honours_tolerance(moment: datetime, shift: int, hl7: bool) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    other = moment + timedelta(seconds=shift)
    shown = other.strftime("%Y%m%d%H%M%S") if hl7 else other.isoformat()
    rule = Rule("/meta/lastUpdated", "timestamp", tolerance_s=30)
    found = diff(
        {"meta": {"lastUpdated": moment.isoformat()}}, {"meta": {"lastUpdated": shown}}, rule
    )
    assert (found == []) == (abs(shift) <= 30)


@PROPERTY
@given(a=st.from_regex(r"[A-Z]\d{5}", fullmatch=True), b=st.text(max_size=8))
def test_pattern_rule_needs_both_sides_to_match(a: str, b: str) -> None:
    rule = Rule("/identifier/value", "pattern", pattern=r"[A-Z]\d{5}")
    found = diff({"identifier": {"value": "Y12345"}}, {"identifier": {"value": a}}, rule)
    assert found == []
    matches = Comparator([rule]).compare(
        response({"identifier": {"value": "Y12345"}}), response({"identifier": {"value": b}})
    )
    assert (matches == []) == (b == "Y12345" or re.fullmatch(r"[A-Z]\d{5}", b) is not None)

"""Values stored in results are capped: the whole value's length and SHA-256 kept, small values
untouched, the same line when read back and written again."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from typing import Any

import orjson
import pytest

from harness.core.capping import DEFAULT_CAP_BYTES, Capped, cap_text, cap_value
from harness.core.difference import DiffKind, Verdict
from harness.core.exchange import Request
from harness.core.result import ResultDifference, ResultRecord

LIMIT = 1024


def json_size(value: object) -> int:
    return len(orjson.dumps(value))


@pytest.mark.parametrize(
    "value", [None, True, 7, 2.5, "", "short", {"a": [1, 2]}, ["x" * 900], "é" * 300]
)
def test_values_within_the_cap_are_kept_as_they_are(value: object) -> None:
    assert json_size(value) <= LIMIT
    assert cap_value(value, LIMIT) is value


def test_a_long_string_keeps_its_length_digest_and_start() -> None:
    value = "ab" * 10_000
    kept = Capped.from_json(cap_value(value, LIMIT))
    assert kept is not None
    assert kept.length == 20_000 and kept.sha256 == hashlib.sha256(value.encode()).hexdigest()
    assert value.startswith(kept.head) and LIMIT // 2 < len(kept.head) < LIMIT
    assert json_size(kept.to_json()) <= LIMIT


def test_a_big_subtree_is_measured_as_its_sorted_json() -> None:
    value = {"z": list(range(500)), "a": "x" * 2000}
    kept = Capped.from_json(cap_value(value, LIMIT))
    canonical = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    assert kept is not None and kept.length == len(canonical)
    assert kept.sha256 == hashlib.sha256(canonical).hexdigest()
    assert kept.head.startswith('{"a":"xxx')
    reordered = {"a": value["a"], "z": value["z"]}
    assert cap_value(reordered, LIMIT) == cap_value(value, LIMIT)


def test_two_huge_values_alike_at_the_start_stay_distinguishable() -> None:
    one, other = "x" * 100_000 + "1", "x" * 100_000 + "2"
    first, second = Capped.from_json(cap_value(one)), Capped.from_json(cap_value(other))
    assert first is not None and second is not None
    assert first.head == second.head and first.length == second.length
    assert first.sha256 != second.sha256


@pytest.mark.parametrize("character", ["\x01", "é", "😀", '"'])
def test_a_marker_fits_the_cap_whatever_the_characters_cost(character: str) -> None:
    marker = cap_value(character * 5000, LIMIT)
    assert Capped.from_json(marker) is not None
    assert json_size(marker) <= LIMIT
    assert cap_value(marker, LIMIT) == marker, "capping a marker again changes nothing"


def test_text_for_people_stays_text() -> None:
    text = "curl -d '" + "q" * 5000 + "'"
    capped = cap_text(text, LIMIT)
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert capped.endswith(f" …[capped: {len(text):,} bytes, sha256 {digest}]")
    assert text.startswith(capped.split(" …[capped")[0])
    assert json_size(capped) <= LIMIT and cap_text(capped, LIMIT) == capped
    assert cap_text("small", LIMIT) == "small"


def test_only_a_marker_is_taken_for_one() -> None:
    assert Capped.from_json({"$capped": {"length": 1, "sha256": "ab", "head": ""}}) is not None
    for value in (
        {"$capped": {"length": "1", "sha256": "ab", "head": ""}},
        {"$capped": {"length": 1}},
        {"$capped": "x"},
        {"$capped": {"length": 1, "sha256": "ab", "head": ""}, "other": 1},
        "$capped",
        None,
    ):
        assert Capped.from_json(value) is None


MISMATCH = ResultRecord(
    id="r-1",
    source="recorded",
    service="things",
    operation="read",
    request=Request("GET", "/things/1"),
    verdict=Verdict.MISMATCH,
    differences=(
        ResultDifference("/text", DiffKind.CHANGED, "a" * 200_000, "b" * 200_000),
        ResultDifference("/n", DiffKind.CHANGED, 1, 2),
    ),
    reproducer="curl http://candidate.test/things/1",
)


def record(**changes: Any) -> ResultRecord:
    return replace(MISMATCH, **changes)


def round_trip(original: ResultRecord) -> tuple[bytes, ResultRecord, bytes]:
    line = orjson.dumps(original.to_dict())
    back = ResultRecord.from_dict(orjson.loads(line), "results.jsonl:1")
    return line, back, orjson.dumps(back.to_dict())


def test_a_result_line_caps_differences_and_round_trips() -> None:
    line, back, again = round_trip(record())
    assert again == line
    assert len(line) < 3 * DEFAULT_CAP_BYTES
    legacy = Capped.from_json(back.differences[0].legacy)
    assert legacy is not None and legacy.length == 200_000
    assert legacy.sha256 == hashlib.sha256(b"a" * 200_000).hexdigest()
    assert (back.differences[1].legacy, back.differences[1].candidate) == (1, 2)


@pytest.mark.parametrize("body", [b'{"doc":"' + b"t" * 300_000 + b'"}', b"\xff\xfe" * 100_000])
def test_a_huge_request_body_is_capped_with_the_bodys_own_digest(body: bytes) -> None:
    original = record(request=Request("POST", "/things", body=body), differences=())
    line, back, again = round_trip(original)
    assert again == line and len(line) < 2 * DEFAULT_CAP_BYTES
    assert back.request_body_capped is not None
    assert back.request_body_capped.length == len(body)
    assert back.request_body_capped.sha256 == hashlib.sha256(body).hexdigest()
    assert body.startswith(back.request.body) and len(back.request.body) > 1000
    encoding = orjson.loads(line)["request"]["body_encoding"]
    assert encoding == ("utf-8" if body.startswith(b"{") else "base64")
    if encoding == "base64":
        head = back.request_body_capped.head
        assert base64.b64decode(head[: len(head) // 4 * 4]) == back.request.body


def test_error_and_reproducer_are_capped_as_text() -> None:
    line, back, again = round_trip(
        record(error="candidate: " + "e" * 100_000, reproducer="curl " + "r" * 100_000)
    )
    assert again == line
    assert back.error is not None and "…[capped: 100,011 bytes, sha256 " in back.error
    assert "…[capped: 100,005 bytes, sha256 " in back.reproducer


def test_error_kind_is_written_when_known_and_may_be_absent() -> None:
    with_kind = record(verdict=Verdict.ERROR, differences=(), error="x", error_kind="too_large")
    line, back, again = round_trip(with_kind)
    assert orjson.loads(line)["error_kind"] == "too_large" and back.error_kind == "too_large"
    assert again == line
    plain = orjson.loads(orjson.dumps(record().to_dict()))
    assert "error_kind" not in plain, "lines stay as they were when there is no kind"
    assert ResultRecord.from_dict(plain).error_kind is None

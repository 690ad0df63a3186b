"""Whole-response comparison: status, headers, media types, text bodies, options and caching."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.core.canonical.values import parse_timestamp
from harness.core.compare import Comparator, Comparators, CompareOptions, compare
from harness.core.difference import DiffKind
from harness.core.exchange import Response
from harness.core.rules import NoiseModel, Rule

JSON = "application/fhir+json"


def answer(
    body: bytes = b"{}", status: int = 200, media: str | None = JSON, **headers: str
) -> Response:
    pairs = [("Content-Type", media)] if media else []
    pairs += [(name.replace("_", "-"), value) for name, value in headers.items()]
    return Response(status, tuple(pairs), body)


def kinds(found: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(d.path, d.kind.value) for d in found]


def test_status_is_compared_first_and_can_be_relaxed() -> None:
    found = compare(answer(b'{"a":1}', 200), answer(b'{"a":2}', 404))
    assert kinds(found) == [("status", "status"), ("/a", "changed")]
    assert found[0].legacy == 200 and found[0].candidate == 404
    assert kinds(compare(answer(status=200), answer(status=201), [Rule("status")])) == []
    relaxed = [Rule("status", "pattern", pattern="2..")]
    assert kinds(compare(answer(status=200), answer(status=201), relaxed)) == []
    assert kinds(compare(answer(status=200), answer(status=500), relaxed)) == [("status", "status")]


def test_configured_headers_case_insensitive_and_missing() -> None:
    legacy = answer(ETag='W/"1"', X_Request_ID="abc", Server="legacy")
    same = Response(
        200, (("x-request-id", "abc"), ("etag", 'W/"1"'), ("content-type", JSON)), b"{}"
    )
    assert compare(legacy, same) == []
    found = compare(legacy, answer(ETag='W/"2"', Server="spine2"))
    assert [(d.path, d.kind, d.legacy, d.candidate) for d in found] == [
        ("header:etag", DiffKind.HEADER, 'W/"1"', 'W/"2"'),
        ("header:x-request-id", DiffKind.HEADER, "abc", None),
    ]


def test_header_rules_and_options() -> None:
    legacy, candidate = answer(ETag='W/"1"'), answer(ETag='W/"7"')
    assert compare(legacy, candidate, [Rule("header:ETag")]) == []
    assert compare(legacy, candidate, [Rule("header:etag", "pattern", pattern=r'W/"\d+"')]) == []
    assert compare(legacy, candidate, options=CompareOptions(headers=())) == []
    dated = (
        answer(Date="Tue, 24 Nov 2026 03:00:00 GMT"),
        answer(Date="Tue, 24 Nov 2026 03:00:02 GMT"),
    )
    options = CompareOptions(headers=("date",))
    assert kinds(compare(*dated, options=options)) == [("header:date", "header")]
    assert compare(*dated, [Rule("header:date", "timestamp", tolerance_s=5)], options) == []


def test_content_type_and_location_are_normalised() -> None:
    assert (
        compare(
            answer(media="application/fhir+json; charset=UTF-8"),
            answer(media="Application/FHIR+json;charset=utf-8"),
        )
        == []
    )
    moved = answer(Location="http://127.0.0.1:9001/Patient/9000000009?x=1")
    assert compare(moved, answer(Location="http://127.0.0.1:9002/Patient/9000000009?x=1")) == []
    assert kinds(compare(moved, answer(Location="/Patient/9000000017?x=1"))) == [
        ("header:location", "header")
    ]


def test_different_media_families_report_content_type_and_compare_text() -> None:
    found = compare(answer(b'{"a": 1}'), answer(b"<a>1</a>", media="text/xml"))
    assert kinds(found) == [("header:content-type", "header"), ("/1", "changed")]
    options = CompareOptions(headers=())
    found = compare(answer(b"{}"), answer(b"{}", media="text/plain"), options=options)
    assert kinds(found) == [("header:content-type", "header")]
    assert (
        compare(
            answer(b"{}"), answer(b"{}", media="text/plain"), [Rule("header:content-type")], options
        )
        == []
    )


def test_media_family_comes_from_each_sides_content_type() -> None:
    shared = (("Content-Type", "Application/FHIR+JSON; charset=utf-8"), ("ETag", 'W/"1"'))
    legacy, candidate = Response(200, shared, b'{"a":1,"b":2}'), Response(200, shared, b'{"b":2}')
    assert kinds(compare(legacy, candidate)) == [("/a", "missing")]  # one header tuple, both sides
    assert kinds(compare(answer(b'{"a":1}', media=None), answer(b'{"a":1}', media=None))) == []
    found = compare(answer(b'{"a": 1}', media=None), answer(b'{"a":1}', media=None))
    assert kinds(found) == [("/1", "changed")]  # no Content-Type: text, line by line
    found = compare(answer(b'{"a": 1}', media="application/json"), answer(b'{"a":1}', media=None))
    assert kinds(found) == [("header:content-type", "header"), ("/1", "changed")]


def test_text_bodies_line_by_line() -> None:
    legacy = answer(b"one\r\ntwo\nthree\n", media="text/plain")
    assert compare(legacy, answer(b"one\ntwo\nthree", media="text/plain")) == []
    found = compare(legacy, answer(b"one\n2\nthree\nfour\n", media="text/plain"))
    assert [(d.path, d.kind.value, d.legacy, d.candidate) for d in found] == [
        ("/2", "changed", "two", "2"),
        ("/4", "extra", None, "four"),
    ]
    assert compare(legacy, answer(b"one\nthree", media="text/plain"))[0].kind is DiffKind.MISSING
    assert compare(legacy, answer(b"one\n2\nthree", media="text/plain"), [Rule("/2")]) == []


def test_max_differences_caps_the_output() -> None:
    legacy = orjson.dumps({str(i): i for i in range(50)})
    candidate = orjson.dumps({str(i): -i - 1 for i in range(50)})
    found = compare(answer(legacy), answer(candidate), options=CompareOptions(max_differences=5))
    assert len(found) == 5


def test_comparators_compile_once_per_operation() -> None:
    noise = NoiseModel({"*": (Rule("/meta"),), "getPatient": (Rule("/id", "uuid"),)})
    comparators = Comparators(noise, extra_rules=[Rule("header:etag")])
    first = comparators.for_operation("getPatient")
    assert comparators.for_operation("getPatient") is first
    legacy = answer(
        orjson.dumps({"id": "5f0c2a4e-0000-4000-8000-000000000001", "meta": 1}), ETag="1"
    )
    candidate = answer(
        orjson.dumps({"id": "5f0c2a4e-0000-4000-8000-000000000002", "meta": 2}), ETag="2"
    )
    assert first.compare(legacy, candidate) == []
    assert kinds(comparators.for_operation("searchPatients").compare(legacy, candidate)) == [
        ("/id", "changed")
    ]
    assert isinstance(first, Comparator)


def test_timestamp_formats() -> None:
    assert parse_timestamp("2024-01-15") is not None
    assert parse_timestamp("2024-01-15T09:30:12.123+01:00") is not None
    assert parse_timestamp("20240115093012") == parse_timestamp("2024-01-15T09:30:12Z")
    assert parse_timestamp("20240115093012+0100") == parse_timestamp("2024-01-15T08:30:12Z")
    assert parse_timestamp("Mon, 15 Jan 2024 09:30:12 GMT") == parse_timestamp(
        "2024-01-15T09:30:12Z"
    )
    assert parse_timestamp("20241315") is None
    assert parse_timestamp("soon") is None


@settings(max_examples=50, deadline=None)
@given(
    name=st.sampled_from(["ETag", "X-Request-ID", "X-Correlation-ID", "Location"]),
    value=st.from_regex(r"[A-Za-z0-9/\"-]{1,12}", fullmatch=True),
    other=st.from_regex(r"[A-Za-z0-9/\"-]{1,12}", fullmatch=True),
    flip=st.booleans(),
)
def test_header_names_any_case_and_rules(name: str, value: str, other: str, flip: bool) -> None:
    cased = name.swapcase() if flip else name.lower()
    legacy = Response(200, ((name, value),))
    assert compare(legacy, Response(200, ((cased, value),))) == []
    changed = compare(legacy, Response(200, ((cased, other),)))
    assert kinds(changed) == ([] if other == value else [(f"header:{name.lower()}", "header")])
    assert compare(legacy, Response(200, ((cased, other),)), [Rule(f"header:{cased}")]) == []

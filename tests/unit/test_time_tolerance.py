"""Timestamps within a tolerance (absolute, or as offsets from each answer's own time), and uuid
rules that still require an echo to be the echo; noise learning writes the tolerance."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from harness.contracts.noisefile import read_noise_file, render_noise_file
from harness.core.canonical.sides import CompareContext
from harness.core.compare import Comparator
from harness.core.exchange import Request, Response
from harness.core.rules import Rule
from harness.errors import HarnessError
from harness.record.noise import Pair, learn_noise


def answer(date: str | None, **body: object) -> Response:
    headers = [("content-type", "application/json")]
    if date is not None:
        headers.append(("date", date))
    return Response(200, tuple(headers), orjson.dumps(body))


TIMESTAMP = [Rule("/timestamp", "timestamp"), Rule("/expires", "timestamp")]


@pytest.mark.parametrize(
    ("legacy", "candidate", "differs"),
    [
        # both answers given now: two seconds of skew pass, two days do not
        (("Tue, 01 Dec 2026 10:00:00 GMT", "2026-12-01T10:00:00Z"),
         ("Tue, 01 Dec 2026 10:00:01 GMT", "2026-12-01T10:00:02Z"), False),
        (("Tue, 01 Dec 2026 10:00:00 GMT", "2026-12-01T10:00:00Z"),
         ("Tue, 01 Dec 2026 10:00:00 GMT", "2026-12-03T10:00:00Z"), True),
        # an answer recorded a week ago: its own time moved with it
        (("Tue, 24 Nov 2026 10:00:00 GMT", "2026-11-24T10:00:00Z"),
         ("Tue, 01 Dec 2026 10:00:00 GMT", "2026-12-01T10:00:01Z"), False),
        (("Tue, 24 Nov 2026 10:00:00 GMT", "2026-11-24T10:00:00Z"),
         ("Tue, 01 Dec 2026 10:00:00 GMT", "2026-12-03T10:00:00Z"), True),
        # no Date on one side: absolute times, 120 s by default
        ((None, "2026-12-01T10:00:00Z"), (None, "2026-12-01T10:01:59Z"), False),
        ((None, "2026-12-01T10:00:00Z"), (None, "2026-12-01T10:02:01Z"), True),
    ],
)  # fmt: skip
def test_a_timestamp_is_compared_within_a_tolerance(
    legacy: tuple[str | None, str], candidate: tuple[str | None, str], differs: bool
) -> None:
    comparator = Comparator(TIMESTAMP)
    found = comparator.compare(
        answer(legacy[0], timestamp=legacy[1]), answer(candidate[0], timestamp=candidate[1])
    )
    assert bool(found) is differs


def test_a_relative_expiry_is_its_answers_time_plus_five_days() -> None:
    """A message expiry moved from five days to three is found against a recording of any age."""
    comparator = Comparator(TIMESTAMP)
    recorded = answer("Tue, 24 Nov 2026 10:00:00 GMT", expires="2026-11-29T10:00:00Z")
    same = answer("Tue, 01 Dec 2026 10:00:30 GMT", expires="2026-12-06T10:00:30Z")
    three_days = answer("Tue, 01 Dec 2026 10:00:30 GMT", expires="2026-12-04T10:00:30Z")
    assert comparator.compare(recorded, same) == []
    assert [d.path for d in comparator.compare(recorded, three_days)] == ["/expires"]


def test_relative_to_names_the_documents_own_time_and_tolerance_is_per_rule() -> None:
    rules = [
        Rule("/expires", "timestamp", tolerance_s=5, relative_to="/issued"),
        Rule("/issued", "ignore"),
    ]
    comparator = Comparator(rules)
    a = answer(None, issued="2026-11-24T10:00:00Z", expires="2026-11-29T10:00:00Z")
    b = answer(None, issued="2026-12-01T10:00:00Z", expires="2026-12-06T10:00:04Z")
    c = answer(None, issued="2026-12-01T10:00:00Z", expires="2026-12-06T10:00:06Z")
    assert comparator.compare(a, b) == [] and len(comparator.compare(a, c)) == 1
    with pytest.raises(HarnessError, match="relative_to"):
        Rule("/expires", "uuid", relative_to="/issued")
    with pytest.raises(HarnessError, match="relative_to"):
        Rule("/expires", "timestamp", relative_to="issued")


ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
OTHER = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def echoed(value: str) -> Response:
    return Response(200, (("content-type", "application/json"), ("x-request-id", value)), b"{}")


def test_a_uuid_rule_still_requires_an_echo_to_be_the_echo() -> None:
    comparator = Comparator([Rule("header:x-request-id", "uuid")])
    request = Request("GET", "/x", headers=(("X-Request-ID", ID),))
    context = CompareContext(request, request)
    # The candidate answered a fresh id instead of echoing the request's: a difference.
    found = comparator.compare(echoed(ID), echoed(OTHER), context)
    assert [d.path for d in found] == ["header:x-request-id"]
    # Generated values (neither sent) are what the rule accepts; without context, as before.
    assert comparator.compare(echoed(OTHER), echoed(ID.replace("0f", "1f"))) == []
    unrelated = Request("GET", "/x")
    assert comparator.compare(echoed(OTHER), echoed(ID), CompareContext(unrelated, unrelated)) == []


def test_the_judge_reads_each_sides_own_echo_as_the_same_meaning() -> None:
    import datetime as dt

    from harness.core.exchange import Exchange
    from harness.core.policy import WaiverBook
    from harness.core.rules import NoiseModel
    from harness.engine.judge import Judge

    judge = Judge(
        [NoiseModel({"*": (Rule("header:x-request-id", "uuid"),)})],
        WaiverBook((), dt.date(2026, 1, 1)),
        lambda e, s: "",
    )
    recorded_request = Request("GET", "/x", headers=(("X-Request-ID", ID),))
    sent = Request("GET", "/x", headers=(("X-Request-ID", OTHER),))
    exchange = Exchange("e", "s", "op", recorded_request, echoed(ID))
    assert judge.judge(0, exchange, sent, echoed(OTHER), None).verdict.value == "match"
    third = ID.replace("0f8f", "9999")
    wrong = judge.judge(0, exchange, sent, echoed(third), None)  # not what it was sent: a bug
    assert [d.path for d in wrong.differences] == ["header:x-request-id"]


def test_noise_learning_writes_a_tolerance_from_the_spread_it_saw(tmp_path: Path) -> None:
    first = answer("Tue, 01 Dec 2026 10:00:00 GMT", timestamp="2026-12-01T10:00:00Z")
    second = answer("Tue, 01 Dec 2026 10:00:01 GMT", timestamp="2026-12-01T10:00:01Z")
    far = answer("Tue, 01 Dec 2026 10:00:00 GMT", timestamp="2026-12-01T10:10:00Z")
    learned = learn_noise([Pair("op", first, second)])
    assert [(e.path, e.kind, e.tolerance_s) for e in learned.entries] == [
        ("/timestamp", "timestamp", 120.0)
    ]
    wide = learn_noise([Pair("op", first, second), Pair("op", far, second)])
    (entry,) = wide.entries
    assert entry.tolerance_s == 1200.0  # ten minutes apart, twice that
    path = tmp_path / "noise.yaml"
    path.write_text(render_noise_file("s", wide.entries))
    assert read_noise_file(path).entries[0].tolerance_s == 1200.0


def test_the_noise_file_reads_relative_to_and_refuses_it_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "noise.yaml"
    path.write_text(
        "format_version: 1\nservice: s\noperations:\n  op:\n"
        "    - {path: /expires, kind: timestamp, relative_to: /issued, tolerance_s: 30}\n"
    )
    (entry,) = read_noise_file(path).entries
    assert (entry.relative_to, entry.tolerance_s) == ("/issued", 30.0)
    assert entry.to_rule().relative_to == "/issued"
    path.write_text(
        "format_version: 1\nservice: s\noperations:\n  op:\n"
        "    - {path: /id, kind: uuid, relative_to: header:date}\n"
    )
    with pytest.raises(HarnessError) as raised:
        read_noise_file(path)
    assert raised.value.line == 5 and "relative_to" in str(raised.value.field)

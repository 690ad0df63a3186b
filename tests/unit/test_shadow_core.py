"""The shadow's pure parts: the id map, mirror rules, the source's settle marks, stored rows and
clusters, workloads and their schedule, drift that starts at a simulated moment."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import orjson
import pytest

from harness.core.difference import DiffKind, Verdict
from harness.core.exchange import Request, Response
from harness.core.operations import Classifier
from harness.core.result import ResultDifference, ResultRecord
from harness.errors import HarnessError
from harness.monitor.traffic import SimulatedWindow, schedule
from harness.monitor.workload import load_workload
from harness.shadow.correlation import Correlation, allocated
from harness.shadow.source import Mirrored, MirrorRules, ShadowSource
from harness.shadow.store import cluster_of, row_of
from harness.simulator.clock import SimulatorClock, moment_of
from harness.simulator.drift.profile import load_profile
from harness.transport.forwarding import Forwarded
from harness.transport.limits import DEFAULT_LIMITS

ROOT = Path(__file__).resolve().parents[2]
JSON = (("content-type", "application/json"),)


def _answer(body: dict[str, object], *headers: tuple[str, str]) -> Response:
    return Response(201, (*JSON, *headers), orjson.dumps(body))


def test_allocated_values_are_the_leaves_of_one_shape_that_differ() -> None:
    primary = _answer({"id": "9000000017", "n": 1, "name": "Ada"}, ("location", "/P/9000000017"))
    shadow = _answer({"id": "9000000025", "n": 2, "name": "Eve"}, ("location", "/P/9000000025"))
    # names are not ids (no digit), small numbers are not distinctive; NHS numbers are, and both
    # sides' are valid ones (the Spine pack's shape)
    assert sorted(allocated(primary, shadow)) == [
        ("/P/9000000017", "/P/9000000025"),
        ("9000000017", "9000000025"),
    ]
    assert allocated(Response(404, JSON, b"{}"), shadow) == []  # different outcomes: nothing


def test_the_id_map_rewrites_requests_and_explains_echoes() -> None:
    correlation = Correlation(capacity=2)
    correlation.learn(_answer({"id": "9000000017"}), _answer({"id": "9000000025"}))
    sent = Request(
        "PATCH",
        "/Patient/9000000017",
        (("identifier", "https://fhir.nhs.uk/Id/nhs-number|9000000017"), ("q", "x9000000017")),
        (("If-Match", 'W/"1"'),),
        b'{"id": "9000000017"}',
    )
    rewritten = correlation.rewrite(sent)
    assert rewritten.path == "/Patient/9000000025"
    assert rewritten.query == (
        ("identifier", "https://fhir.nhs.uk/Id/nhs-number|9000000025"),
        ("q", "x9000000017"),  # a whole token only: x9000000017 is another value
    )
    assert rewritten.body == b'{"id": "9000000025"}'
    echo = ResultDifference("/id", DiffKind.CHANGED, "9000000017", "9000000025")
    real = ResultDifference("/birthDate", DiffKind.CHANGED, "2001-02-03", "20010203")
    assert correlation.explained([echo, real]) == ((real,), 1)
    for number in range(3):  # bounded: the oldest values are forgotten first
        correlation.learn(
            _answer({"id": f"80000000{number}0"}), _answer({"id": f"70000000{number}0"})
        )
    assert len(correlation) == 2
    assert correlation.rewrite(sent) == sent


def test_unsafe_requests_are_mirrored_only_where_named() -> None:
    rules = MirrorRules(unsafe=("pds.create*", "POST /post"))
    assert rules.allows_unsafe("pds", "createPatient", Request("POST", "/Patient"))
    assert rules.allows_unsafe("httpbin", "unmatched", Request("POST", "/post"))
    assert not rules.allows_unsafe("pds", "updatePatient", Request("PATCH", "/Patient/1"))


def _record(verdict: Verdict, *differences: ResultDifference) -> ResultRecord:
    return ResultRecord(
        id="shadow-000000001",
        source="shadow",
        service="pds",
        operation="searchPatients",
        request=Request("GET", "/Patient", (("family", "Smith"),)),
        verdict=verdict,
        differences=differences,
        status_legacy=200,
        status_candidate=200,
        latency_legacy_ms=1.5,
        latency_candidate_ms=2.5,
        reproducer="curl ...",
    )


def test_a_cluster_is_the_shape_of_the_unwaived_differences() -> None:
    first = ResultDifference("/entry/3/resource/birthDate", DiffKind.CHANGED, "a", "b")
    waived = ResultDifference("/meta", DiffKind.MISSING, 1, None, waiver="W-1")
    assert cluster_of(_record(Verdict.MISMATCH, first, waived)) == (
        "pds.searchPatients: changed /entry/*/resource/birthDate"
    )
    assert cluster_of(_record(Verdict.WAIVED, waived)) is None


def test_stored_rows_keep_requests_only_for_what_did_not_match() -> None:
    at = dt.datetime(2026, 12, 1, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    matched = row_of(_record(Verdict.MATCH), at)
    assert matched[0] == dt.datetime(2026, 12, 2, 1, 59, tzinfo=dt.UTC) and matched[1] == 1
    assert matched[-3:] == (None, None, None)  # differences, request, reproducer
    differing = row_of(
        _record(Verdict.MISMATCH, ResultDifference("/x", DiffKind.CHANGED, 1, 2)), at
    )
    assert orjson.loads(differing[-2])["query"] == [["family", "Smith"]]
    assert differing[-1] == "curl ..."


def test_a_workload_shares_its_day_out_by_the_curve(tmp_path: Path) -> None:
    workload = load_workload(ROOT / "fixtures/workloads/spine-day.yaml")
    per_hour = workload.per_hour()
    assert sum(per_hour) == workload.requests_per_day and per_hour[9] > per_hour[3]
    window = SimulatedWindow(dt.datetime(2027, 1, 4, tzinfo=dt.UTC), 2, seconds_per_day=1.0)
    moments = [moment for moment, _ in schedule(workload, window, seed=1)]
    assert len(moments) == 2 * workload.requests_per_day and moments == sorted(moments)
    assert moments == [moment for moment, _ in schedule(workload, window, seed=1)]
    assert window.real_offset(window.start + dt.timedelta(hours=12)) == 0.5


def test_a_bad_workload_names_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "w.yaml"
    bad.write_text(
        f"format_version: 1\nscenarios: {ROOT / 'fixtures/scenarios'}\nrequests_per_day: 5\n"
        "curve: [1, 2]\nmix: {pds-read-patient: 1}\n"
    )
    with pytest.raises(HarnessError) as error:
        load_workload(bad)
    assert error.value.field == "curve" and error.value.file == str(bad)
    bad.write_text(
        bad.read_text().replace("[1, 2]", str([1] * 24)).replace("pds-read-patient", "nope")
    )
    with pytest.raises(HarnessError, match="unknown scenario 'nope'"):
        load_workload(bad)


def test_drift_can_start_at_a_simulated_moment(tmp_path: Path) -> None:
    profile = tmp_path / "drift.yaml"
    profile.write_text(
        "format_version: 1\ndrift:\n  - id: late\n    operation: getPatient\n"
        "    since: 2031-03-14T00:00:00Z\n    effect: {kind: drop, path: /gender}\n"
    )
    entry = load_profile(profile).entries[0]
    assert not entry.active_at(dt.datetime(2031, 3, 13, 23, 59, tzinfo=dt.UTC))
    assert entry.active_at(dt.datetime(2031, 3, 14, tzinfo=dt.UTC))
    profile.write_text(profile.read_text().replace("2031-03-14T00:00:00Z", "next tuesday"))
    with pytest.raises(HarnessError) as error:
        load_profile(profile)
    assert error.value.field == "since" and error.value.line == 3
    stamped = [("X-Harness-Simulated-Time", "2031-03-14T10:00:00Z")]
    assert moment_of(stamped, SimulatorClock()) == dt.datetime(2031, 3, 14, 10, tzinfo=dt.UTC)
    assert moment_of([], SimulatorClock()).year == dt.datetime.now(dt.UTC).year


def test_a_settle_mark_waits_for_each_earlier_item_not_a_count() -> None:
    source = ShadowSource(Classifier(None, "http://legacy"), {}, DEFAULT_LIMITS)
    answered = Forwarded(200, JSON, b"{}", 1.0)

    def offer(method: str, path: str, *, write: bool = False) -> None:
        at = dt.datetime.now(dt.UTC)
        assert source.offer(Mirrored(at, Request(method, path), answered, write=write))

    async def scenario() -> None:
        refine = source.refinement()
        offer("GET", "/slow")
        offer("GET", "/fast")
        offer("POST", "/write", write=True)
        mark = source.sequence
        slow, fast, write = [await source.next_unit() for _ in range(3)]
        assert slow is not None and fast is not None and write is not None
        await refine(fast, [])  # a later read finished first: the slow one is still owed
        assert not source.finished_through(mark)
        assert not source.finished_through(mark, writes_only=True)
        await refine(write, [])  # every dual write before the mark has landed
        assert source.finished_through(mark, writes_only=True)
        assert not source.finished_through(mark)
        await refine(slow, [])
        assert source.finished_through(mark)
        offer("GET", "/later")  # queued after the mark: not waited for
        assert source.finished_through(mark) and not source.finished_through(source.sequence)

    asyncio.run(scenario())

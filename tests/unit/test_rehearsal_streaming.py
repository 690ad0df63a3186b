"""The rehearsal's batched reading and batched result writing keep order, lines and errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from harness.core.difference import Verdict
from harness.core.exchange import Request
from harness.core.result import ResultRecord
from harness.engine import ExchangeCompared, read_ahead
from harness.rehearsal.writer import ResultsWriter


def test_read_ahead_yields_everything_in_order() -> None:
    assert list(read_ahead(iter(range(10)), 4)) == list(range(10))
    assert list(read_ahead(iter([]), 4)) == []


def test_read_ahead_raises_only_after_the_items_read_before_the_error() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("line 3 is malformed")

    seen = []
    with pytest.raises(ValueError, match="line 3"):
        for item in read_ahead(items(), 64):
            seen.append(item)
    assert seen == [1, 2]


def _record(index: int) -> ResultRecord:
    return ResultRecord(
        id=f"x-{index}",
        source="recorded",
        service="pds",
        operation="getPatient",
        scenario=None,
        step=None,
        request=Request("GET", f"/Patient/{index}"),
        verdict=Verdict.MATCH,
        differences=(),
        status_legacy=200,
        status_candidate=200,
        latency_legacy_ms=1.0,
        latency_candidate_ms=1.0,
        error=None,
        reproducer="curl",
    )


def test_results_writer_writes_whole_lines_in_order(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    writer = ResultsWriter(path, flush_every_s=3600, flush_lines=3)
    writer.start()
    for index in range(5):
        writer.handle(ExchangeCompared(_record(index)))
    flushed = path.read_bytes().splitlines()
    assert [orjson.loads(line)["id"] for line in flushed] == ["x-0", "x-1", "x-2"]
    writer.finish()
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line)["id"] for line in lines] == [f"x-{i}" for i in range(5)]
    assert lines[0] == orjson.dumps(_record(0).to_dict())


def _stored(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "p-1",
        "service": "pds",
        "operation": "getPatient",
        "source": "recorded",
        "scenario": None,
        "step": None,
        "request": {
            "method": "get",
            "path": "/Patient/9000000009",
            "query": [["_format", "json"]],
            "headers": [["Accept", "application/fhir+json"]],
            "body": None,
            "body_encoding": "utf-8",
        },
        "response": {
            "status": 200,
            "headers": [["content-type", "application/fhir+json"]],
            "body": '{"id": "9000000009"}',
            "body_encoding": "utf-8",
            "elapsed_ms": 3,
        },
        "meta": {"note": "x"},
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "data",
    [
        _stored(),
        _stored(meta={}, scenario="s", step=2),
        _stored(response={"status": 204, "headers": [], "body": "aGk=", "body_encoding": "base64"}),
        _stored(response={"status": True, "headers": []}),
        _stored(step=-1),
        _stored(request={"method": "GET", "path": "Patient"}),
        _stored(request={"method": "GET", "path": "/", "headers": [["a"]]}),
    ],
)
def test_fast_exchange_parsing_agrees_with_the_validating_path(
    data: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.contracts import codec
    from harness.errors import HarnessError

    def parse() -> object:
        try:
            return codec.exchange_from_dict(orjson.loads(orjson.dumps(data)), "f.jsonl:3")
        except HarnessError as error:
            return str(error)

    fast = parse()
    monkeypatch.setattr(codec, "_well_formed_exchange", lambda data: None)
    assert fast == parse()


def test_interleaving_takes_kinds_in_turn_and_keeps_each_kinds_order() -> None:
    from harness.engine.plan import interleaved

    items = [("a", n) for n in range(6)] + [("b", n) for n in range(3)] + [("c", 0)]
    out = list(interleaved(iter(items), key=lambda item: item[0], window=100))
    assert sorted(out) == sorted(items)
    assert out[:3] == [("a", 0), ("b", 0), ("c", 0)]
    for kind in "abc":
        assert [n for k, n in out if k == kind] == sorted(n for k, n in items if k == kind)
    # a small window still takes every item once, in each kind's order
    small = list(interleaved(iter(items), key=lambda item: item[0], window=4))
    assert sorted(small) == sorted(items)
    assert [n for k, n in small if k == "a"] == list(range(6))

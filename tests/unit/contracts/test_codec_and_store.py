"""The on-disk contract format: round trip, versions, malformed files, streaming."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from harness.contracts import (
    FORMAT_VERSION,
    discover,
    exchange_from_dict,
    exchange_to_dict,
    iter_exchanges,
    load_noise,
    read_contract,
)
from harness.contracts.noisefile import NoiseEntry
from harness.contracts.writer import dump_line, write_contract
from harness.core.template import Template
from harness.core.exchange import Exchange, Request, Response
from harness.errors import HarnessError


def make_exchange(number: int = 0, body: bytes = b'{"a":1}') -> Exchange:
    return Exchange(
        id=f"x/{number}",
        service="books",
        operation="getBook",
        request=Request("GET", f"/books/{number}", (("q", "1"),), (("Accept", "*/*"),)),
        response=Response(200, (("content-type", "application/json"),), body, 1.5),
        source="scenario",
        scenario="x",
        step=number,
        template=Template("GET", "/books/{{id}}"),
        captures={},
    )


def write(tmp_path: Path, exchanges: list[Exchange], noise: list[NoiseEntry] = ()) -> Path:
    directory = tmp_path / "books"
    write_contract(
        directory,
        service="books",
        openapi={"openapi": "3.0.3", "paths": {}},
        exchanges=exchanges,
        noise=list(noise),
        provenance={"target": "http://x", "seed": 1, "command": "harness record"},
    )
    return directory


def test_exchange_round_trips_through_dict_and_disk(tmp_path: Path) -> None:
    binary = make_exchange(1, body=bytes(range(256)))
    exchanges = [make_exchange(0), binary]
    assert [exchange_from_dict(exchange_to_dict(e), "t") for e in exchanges] == exchanges
    directory = write(tmp_path, exchanges)
    (contract,) = discover(tmp_path)
    assert contract.service == "books"
    assert contract.provenance["seed"] == 1
    assert list(iter_exchanges(contract)) == exchanges
    line = (directory / "exchanges.jsonl").read_bytes().splitlines()[1]
    assert orjson.loads(line)["response"]["body_encoding"] == "base64"


def test_json_bodies_are_stored_as_readable_text(tmp_path: Path) -> None:
    directory = write(tmp_path, [make_exchange(0)])
    stored = orjson.loads((directory / "exchanges.jsonl").read_bytes())
    assert stored["response"]["body"] == '{"a":1}'
    assert list(stored) == sorted(stored)  # keys sorted: stable diffs


def test_regressions_come_after_recorded_exchanges(tmp_path: Path) -> None:
    directory = write(tmp_path, [make_exchange(0)])
    (directory / "regressions").mkdir()
    (directory / "regressions" / "b.jsonl").write_bytes(dump_line(make_exchange(9)) + b"\n")
    (directory / "regressions" / "a.jsonl").write_bytes(dump_line(make_exchange(5)) + b"\n")
    ids = [e.id for e in iter_exchanges(read_contract(directory))]
    assert ids == ["x/0", "x/5", "x/9"]


def test_unknown_format_version_is_rejected_naming_file_line_field(tmp_path: Path) -> None:
    directory = write(tmp_path, [make_exchange(0)])
    manifest = directory / "contract.yaml"
    text = manifest.read_text().replace("format_version: 1", "format_version: 99")
    manifest.write_text(text)
    with pytest.raises(HarnessError) as caught:
        read_contract(directory)
    error = caught.value
    assert error.file == str(manifest)
    assert error.field == "format_version"
    assert error.line == text.splitlines().index("format_version: 99") + 1
    assert "99" in error.describe()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["response"].update(status=99), "response.status"),
        (lambda d: d["request"].update(path="no-slash"), "request.path"),
        (lambda d: d["request"].update(headers=[["only-name"]]), "request.headers[0]"),
        (lambda d: d.pop("operation"), "operation"),
        (lambda d: d["response"].update(body="%%%", body_encoding="base64"), "response.body"),
        (lambda d: d.update(step=-1), "step"),
    ],
)
def test_malformed_exchange_names_file_line_and_field(tmp_path: Path, mutate, field: str) -> None:
    directory = write(tmp_path, [make_exchange(0), make_exchange(1)])
    path = directory / "exchanges.jsonl"
    lines = path.read_bytes().splitlines()
    bad = orjson.loads(lines[1])
    mutate(bad)
    path.write_bytes(lines[0] + b"\n" + orjson.dumps(bad) + b"\n")
    with pytest.raises(HarnessError) as caught:
        list(iter_exchanges(read_contract(directory)))
    assert caught.value.file == str(path)
    assert caught.value.line == 2
    assert caught.value.field == field


def test_invalid_json_line_names_file_and_line(tmp_path: Path) -> None:
    directory = write(tmp_path, [make_exchange(0)])
    path = directory / "exchanges.jsonl"
    path.write_bytes(path.read_bytes() + b"{not json\n")
    with pytest.raises(HarnessError) as caught:
        list(iter_exchanges(read_contract(directory)))
    assert (caught.value.file, caught.value.line) == (str(path), 2)


def test_missing_contract_directory_is_a_harness_error(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="no such contracts directory"):
        discover(tmp_path / "absent")


def test_reading_is_lazy_and_memory_is_bounded(tmp_path: Path) -> None:
    directory = write(tmp_path, [make_exchange(0)])
    path = directory / "exchanges.jsonl"
    line = path.read_bytes()
    big_body = b'{"pad":"' + b"x" * 2000 + b'"}'
    line = dump_line(make_exchange(0, big_body)) + b"\n"
    with path.open("wb") as handle:
        for _ in range(5000):  # ~12 MB on disk
            handle.write(line)
    contract = read_contract(directory)
    stream = iter_exchanges(contract)
    assert next(stream).id == "x/0"  # a generator: nothing else read yet
    tracemalloc.start()
    try:
        count = 1 + sum(1 for _ in stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 5000
    assert peak < 2_000_000, peak  # one line at a time, not the 12 MB file


def test_noise_file_loads_as_a_noise_model(tmp_path: Path) -> None:
    entries = [
        NoiseEntry("getBook", "/served_at", "timestamp", learned=True),
        NoiseEntry("*", "header:x-request-id", "uuid"),
    ]
    directory = write(tmp_path, [make_exchange(0)], entries)
    model = load_noise(read_contract(directory))
    paths = [(rule.path, rule.kind) for rule in model.rules_for("getBook")]
    assert paths == [("header:x-request-id", "uuid"), ("/served_at", "timestamp")]


def test_a_scenario_is_kept_or_rewritten_whole(tmp_path: Path) -> None:
    """Steps carry values to one another: one changed step rewrites its whole scenario, never
    mixing lines of two runs; an unchanged scenario and lone exchanges keep their lines."""
    lone = replace(
        make_exchange(9), id="lone", scenario=None, step=None, template=None, captures=None
    )
    other = [replace(e, scenario="y", id=f"y/{e.step}") for e in (make_exchange(0), make_exchange(1))]
    first = [make_exchange(0), make_exchange(1), *other, lone]
    directory = tmp_path / "books"

    def record(exchanges: list[Exchange]) -> list[bytes]:
        write_contract(
            directory,
            service="books",
            openapi={},
            exchanges=exchanges,
            noise=[],
            provenance={},
            equivalent=lambda old, new: old.response.body == new.response.body,
        )
        return (directory / "exchanges.jsonl").read_bytes().splitlines()

    before = record(first)
    # A second run: new latencies everywhere (volatile), one real change in step 1 of `x`.
    again = [replace(e, response=replace(e.response, elapsed_ms=9.0)) for e in first]
    again[1] = replace(again[1], response=replace(again[1].response, body=b'{"a":2}'))
    after = record(again)
    assert after[0] == dump_line(again[0]) != before[0]  # x/0 rewritten with x/1
    assert after[1] == dump_line(again[1])
    assert after[2:] == before[2:]  # scenario y and the lone exchange untouched

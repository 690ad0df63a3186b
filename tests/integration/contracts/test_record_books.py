"""Recording works against any HTTP service with an OpenAPI document: a small library API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from harness.contracts import discover, iter_exchanges, load_noise
from harness.record.session import RecordRequest, run_record
from harness.serving import serve_in_thread
from tests.books_app import TOKEN, build_books_app

pytestmark = pytest.mark.integration

SCENARIO = """\
name: books-create-then-read
description: Create a book, read it back with the id just returned, then list by author.
defaults:
  headers:
    Authorization: "Bearer ${LIBRARY_TOKEN}"
steps:
  - name: create
    method: POST
    path: /books
    json: {title: "The Mill on the Floss", author: "George Eliot"}
    capture: {id: /id}
    expect: 201
  - name: read it
    path: /books/{{id}}
    expect: 200
  - name: read as XML
    path: /books/{{id}}
    headers: {Accept: application/xml}
    capture: {title: "xpath:/book/title"}
    expect: 200
  - name: list by author
    path: /books
    query: {author: George Eliot}
    expect: 200
  - name: no credentials
    path: /books
    headers: {Authorization: null}
    expect: 401
"""


@pytest.fixture
def scenarios(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "scenarios"
    directory.mkdir()
    (directory / "books.yaml").write_text(SCENARIO)
    monkeypatch.setenv("LIBRARY_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)  # no harness.toml / pyproject redaction table here
    return directory


def record_books(out: Path, scenarios: Path, generate: int = 3) -> bool:
    # Two fresh instances: the second pass goes to the twin, so POST is compared honestly.
    with serve_in_thread(build_books_app()) as first, serve_in_thread(build_books_app()) as twin:
        request = RecordRequest(
            out=out,
            command="harness record --target URL --twin URL",
            target=first.url,
            twin=twin.url,
            scenarios=scenarios,
            generate=generate,
            seed=3,
        )
        return run_record(request, echo=lambda _line: None)


def all_files(root: Path) -> Iterator[Path]:
    return (path for path in root.rglob("*") if path.is_file())


def test_record_learns_noise_redacts_and_is_deterministic(tmp_path: Path, scenarios: Path) -> None:
    out = tmp_path / "contracts"
    assert record_books(out, scenarios)
    (contract,) = discover(out)
    assert contract.service == "books"
    assert set(contract.openapi["paths"]) == {"/books", "/books/{bookId}"}
    exchanges = list(iter_exchanges(contract))
    scenario_steps = [e for e in exchanges if e.scenario == "books-create-then-read"]
    assert [e.response.status for e in scenario_steps] == [201, 200, 200, 200, 401]
    assert [e.operation for e in scenario_steps] == [
        "createBook",
        "getBook",
        "getBook",
        "listBooks",
        "listBooks",
    ]
    assert scenario_steps[1].template is not None
    assert scenario_steps[1].template.path == "/books/{{id}}"
    assert any(e.source == "generated" for e in exchanges)

    # Noise: the volatile timestamp and ids are learned (typed); stable fields are not.
    model = load_noise(contract)
    get_rules = {(r.path, r.kind) for r in model.rules_for("getBook")}
    assert ("/served_at", "timestamp") in get_rules
    assert ("/trace", "uuid") in get_rules
    assert ("/book/@servedAt", "timestamp") in get_rules  # an XML attribute
    assert ("/books/*/fetched", "uuid") in {(r.path, r.kind) for r in model.rules_for("listBooks")}
    assert not any(r.path in ("/title", "/author", "/id") for r in model.rules_for("getBook"))

    # No secret anywhere under the output directory; the placeholder is stored instead.
    for path in all_files(out):
        assert TOKEN.encode() not in path.read_bytes(), path
    lines = [orjson.loads(x) for x in (out / "books" / "exchanges.jsonl").read_bytes().splitlines()]
    created = next(line for line in lines if line["id"] == "books-create-then-read/0")
    assert ["Authorization", "Bearer ${LIBRARY_TOKEN}"] in created["request"]["headers"]

    # Re-recording the same seed against fresh instances changes no byte.
    before = {path: path.read_bytes() for path in all_files(out)}
    assert record_books(out, scenarios)
    after = {path: path.read_bytes() for path in all_files(out)}
    assert after == before


def test_a_real_change_is_rewritten_and_stamped(tmp_path: Path, scenarios: Path) -> None:
    out = tmp_path / "contracts"
    assert record_books(out, scenarios)
    exchanges_file = out / "books" / "exchanges.jsonl"
    lines = exchanges_file.read_bytes().splitlines()
    ids = [orjson.loads(line)["id"] for line in lines]
    at = ids.index("books-create-then-read/1")
    changed = orjson.loads(lines[at])
    changed["response"]["body"] = changed["response"]["body"].replace("Floss", "Flood")
    exchanges_file.write_bytes(
        b"\n".join([*lines[:at], orjson.dumps(changed), *lines[at + 1 :]]) + b"\n"
    )
    manifest = (out / "books" / "contract.yaml").read_text()
    manifest = manifest.replace("recorded_at: '", "recorded_at: 'x")
    (out / "books" / "contract.yaml").write_text(manifest)
    assert record_books(out, scenarios)
    now = exchanges_file.read_bytes().splitlines()
    assert [orjson.loads(line)["id"] for line in now] == ids
    assert b"Floss" in now[at] and b"Flood" not in now[at]  # the true answer is back
    # The changed step's scenario is rewritten whole, from one run (values travel between its
    # steps); every other exchange keeps its stored line.
    scenario = changed["scenario"]
    others = [i for i, line in enumerate(lines) if orjson.loads(line).get("scenario") != scenario]
    assert others and [now[i] for i in others] == [lines[i] for i in others]
    assert "recorded_at: 'x" not in (out / "books" / "contract.yaml").read_text()

"""Every contract line is checked before the first request: a bad line deep in a corpus stops
the rehearsal (exit 2, naming file, line and field) with nothing sent and nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.contracts import exchange_to_dict
from tests.cli_support import run
from tests.integration.rehearsal_support import thing_exchanges, write_contracts
from tests.integration.scripted import OK, ScriptedServer

pytestmark = pytest.mark.integration


def spoil(contracts: Path, number: int, change: Callable[[dict[str, object]], None]) -> Path:
    """Line `number` of the exchanges file changed by `change`; returns the file."""
    path = contracts / "things" / "exchanges.jsonl"
    lines = path.read_text().splitlines()
    data = json.loads(lines[number - 1])
    change(data)
    lines[number - 1] = json.dumps(data)
    path.write_text("\n".join(lines) + "\n")
    return path


def unknown_top_key(data: dict[str, object]) -> None:
    data["operaton"] = "typo"


def unknown_request_key(data: dict[str, object]) -> None:
    request = data["request"]
    assert isinstance(request, dict)
    request["header"] = []


def missing_status(data: dict[str, object]) -> None:
    response = data["response"]
    assert isinstance(response, dict)
    del response["status"]


def repeated_id(data: dict[str, object]) -> None:
    data["id"] = "r-0003"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (unknown_top_key, "operaton", "unknown key"),
        (unknown_request_key, "request.header", "unknown key"),
        (missing_status, "response.status", "must be an HTTP status code"),
        (repeated_id, "id", "'r-0003' is used twice (also at things/exchanges.jsonl:4)"),
    ],
)
def test_a_bad_line_deep_in_the_corpus_stops_the_run_before_any_request(
    tmp_path: Path,
    scripted: Callable[..., ScriptedServer],
    capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, object]], None],
    field: str,
    words: str,
) -> None:
    server = scripted(lambda index, request: OK)
    contracts = write_contracts(tmp_path / "c", thing_exchanges(300))
    spoiled = spoil(contracts, 250, change)
    code, output = run(
        [
            *("rehearse", "--candidate", server.url, "--contracts", str(contracts)),
            *("--out", str(tmp_path / "reports"), "--name", "r", "--no-progress"),
        ],
        capsys,
    )
    assert code == 2, output
    assert f"{spoiled}:250, field '{field}'" in output and words in output, output
    assert "Traceback" not in output
    assert server.requests == [], "a request was sent before the corpus was checked"
    assert not (tmp_path / "reports" / "r").exists()


def test_unknown_keys_in_contract_yaml_are_refused_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contracts = write_contracts(tmp_path / "c", thing_exchanges(3))
    manifest = contracts / "things" / "contract.yaml"
    manifest.write_text(manifest.read_text() + "servce: things\n")
    line = manifest.read_text().splitlines().index("servce: things") + 1
    code, output = run(
        ["rehearse", "--candidate", "http://127.0.0.1:9", "--contracts", str(contracts)], capsys
    )
    assert code == 2 and f"{manifest}:{line}, field 'servce': unknown key" in output, output


def test_a_scenario_with_two_steps_of_one_number_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exchanges = thing_exchanges(3)
    path = write_contracts(tmp_path / "c", exchanges) / "things" / "exchanges.jsonl"
    last = exchange_to_dict(exchanges[-1])
    last["id"] = "create-then-read-again"
    with path.open("a") as handle:
        handle.write(json.dumps(last) + "\n")
    code, output = run(
        ["rehearse", "--candidate", "http://127.0.0.1:9", "--contracts", str(tmp_path / "c")],
        capsys,
    )
    assert code == 2 and "has two steps numbered 1" in output, output
    assert f"{path}:{len(exchanges) + 1}, field 'step'" in output, output

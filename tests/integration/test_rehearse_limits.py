"""A rehearsal against a candidate that misbehaves on some answers: each answer past a limit is
an `error` exchange naming the limit, the run goes on, and no output carries a huge value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.core.capping import DEFAULT_CAP_BYTES, Capped
from harness.core.exchange import Exchange, Request, Response
from harness.transport.limits import MiB
from tests.cli_support import run
from tests.integration.faults import bomb, compressed, endless_headers, huge_answer
from tests.integration.rehearsal_support import write_contracts
from tests.integration.scripted import Answer, ScriptedServer

pytestmark = pytest.mark.integration

JSON = (("content-type", "application/json"),)
BIG_TEXT = "y" * (3 * MiB)  # within the answer limits, far past the cap on stored values


def json_answer(body: bytes) -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def candidate(request: bytes) -> Answer:
    path = request.split(b" ", 2)[1].decode()
    if path == "/fault/big":
        return huge_answer(200 * MiB)
    if path == "/fault/bomb":
        return bomb(compressed(80 * MiB, "gzip"), "gzip")
    if path == "/fault/headers":
        return endless_headers()
    if path == "/differs":
        return json_answer(json.dumps({"text": BIG_TEXT}).encode())
    return json_answer(json.dumps({"path": path}).encode())


def exchange(name: str, path: str, body: bytes) -> Exchange:
    return Exchange(name, "things", "read", Request("GET", path), Response(200, JSON, body))


def test_answers_past_a_limit_are_errors_and_the_rehearsal_goes_on(
    tmp_path: Path,
    scripted: Callable[..., ScriptedServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = scripted(lambda index, request: candidate(request))
    recorded_text = "x" * (3 * MiB)
    exchanges = [
        exchange("ok-1", "/ok/1", b'{"path": "/ok/1"}'),
        exchange("big", "/fault/big", b"{}"),
        exchange("bomb", "/fault/bomb", b"{}"),
        exchange("headers", "/fault/headers", b"{}"),
        exchange("differs", "/differs", json.dumps({"text": recorded_text}).encode()),
        exchange("ok-2", "/ok/2", b'{"path": "/ok/2"}'),
    ]
    contracts = write_contracts(tmp_path / "c", exchanges)
    code, output = run(
        [
            *("rehearse", "--candidate", server.url, "--contracts", str(contracts)),
            *("--out", str(tmp_path), "--name", "r", "--no-progress", "--concurrency", "2"),
        ],
        capsys,
    )
    assert code == 1, output
    report = tmp_path / "r"
    lines = (report / "results.jsonl").read_bytes().splitlines()
    rows = {row["id"]: row for row in map(json.loads, lines)}
    verdicts = {name: row["verdict"] for name, row in rows.items()}
    assert verdicts == {
        "ok-1": "match",
        "big": "error",
        "bomb": "error",
        "headers": "error",
        "differs": "mismatch",
        "ok-2": "match",
    }
    assert "GET /fault/big: answer too large: its body passed max_body_bytes = 16 MiB" in str(
        rows["big"]["error"]
    )
    assert "gzip-decoded body passed max_decoded_bytes = 64 MiB" in str(rows["bomb"]["error"])
    assert "more than max_header_count = 200 header fields" in str(rows["headers"]["error"])
    assert {rows[name]["error_kind"] for name in ("big", "bomb", "headers")} == {"too_large"}
    assert all(not str(row["error"]).startswith("candidate: candidate:") for row in rows.values())
    assert "error_kind" not in rows["ok-2"]  # only error verdicts carry a kind

    (difference,) = rows["differs"]["differences"]
    assert difference["path"] == "/text"
    for side, text in (("legacy", recorded_text), ("candidate", BIG_TEXT)):
        kept = Capped.from_json(difference[side])
        assert kept is not None, f"{side} value stored whole"
        assert kept.length == len(text)
        assert kept.sha256 == hashlib.sha256(text.encode()).hexdigest()
        assert text.startswith(kept.head) and len(kept.head) > DEFAULT_CAP_BYTES // 2
    assert max(map(len, lines)) < 3 * DEFAULT_CAP_BYTES
    for written in report.rglob("*"):
        if written.is_file():
            assert written.stat().st_size < 1 * MiB, f"{written.name} carries a huge value"


def test_each_target_gets_the_limits_of_its_table_in_harness_toml(
    tmp_path: Path,
    scripted: Callable[..., ScriptedServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`[targets.candidate]` in harness.toml bounds the candidate's answers, and no other's."""
    body = json.dumps({"text": "z" * 5000}).encode()
    server = scripted(lambda index, request: json_answer(body))
    legacy = scripted(lambda index, request: json_answer(body))
    contracts = write_contracts(tmp_path / "c", [exchange("five-k", "/five-k", body)])
    (tmp_path / "harness.toml").write_text(
        "[targets.candidate]\nmax_body_bytes = 4096\nmax_header_count = 50\n"
        "[targets.legacy]\nmax_body_bytes = 8192\n"
    )
    monkeypatch.chdir(tmp_path)
    code, output = run(
        [
            *("rehearse", "--candidate", server.url, "--legacy", legacy.url),
            *("--contracts", str(contracts), "--out", str(tmp_path), "--name", "r"),
            "--no-progress",
        ],
        capsys,
    )
    assert code == 1, output
    (row,) = map(json.loads, (tmp_path / "r" / "results.jsonl").read_bytes().splitlines())
    assert row["verdict"] == "error" and row["error_kind"] == "too_large"
    assert row["error"].startswith("candidate: GET /five-k: answer too large")
    assert "max_body_bytes = 4 KiB" in row["error"] and "legacy" not in row["error"]

    (tmp_path / "harness.toml").write_text("[targets.candidate]\nmax_body_bytes = -1\n")
    code, output = run(["rehearse", "--candidate", server.url, "--name", "r2"], capsys)
    assert code == 2 and "field 'targets.candidate.max_body_bytes'" in output, output
    assert "Traceback" not in output

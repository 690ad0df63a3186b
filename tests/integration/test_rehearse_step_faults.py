"""A scenario step that fails in transport makes no false divergence: the steps that depend on
it are reported `not run` with the cause, never compared, and a state-changing request that
failed after it was sent says so. The candidate is a raw-socket server on loopback that
answers some steps and holds or resets others; legacy is the recording.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.core.exchange import Exchange, Request, Response
from harness.core.template import Template
from harness.serving import serve_in_thread
from harness.simulator.app import build_app
from harness.simulator.context import SimulatorConfig
from tests.cli_support import run
from tests.integration.rehearsal_support import write_contracts
from tests.integration.scripted import Answer, ScriptedServer

pytestmark = pytest.mark.integration
JSON = (("content-type", "application/json"),)


def answer(status: int, body: dict[str, Any], *headers: tuple[str, str]) -> bytes:
    payload = json.dumps(body).encode()
    head = [f"HTTP/1.1 {status} X", "Content-Type: application/json"]
    head += [f"{name}: {value}" for name, value in headers]
    head.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def recorded(status: int, body: dict[str, Any], *headers: tuple[str, str]) -> Response:
    return Response(status, (*JSON, *headers), json.dumps(body).encode())


def step(
    number: int,
    method: str,
    path: str,
    response: Response,
    captures: dict[str, str] | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Exchange:
    rendered = path.replace("{{thing}}", "1000")
    sent_headers = tuple((k, v.replace("{{etag}}", 'W/"1"')) for k, v in headers)
    return Exchange(
        id=f"patch/{number}",
        service="things",
        operation=f"{method.lower()}Thing",
        source="scenario",
        scenario="patch",
        step=number,
        request=Request(method, rendered, headers=sent_headers),
        response=response,
        template=Template(method, path, headers=headers),
        captures=captures or {},
    )


def scenario() -> list[Exchange]:
    etag, if_match, stale = (
        (("ETag", 'W/"1"'),),
        (("If-Match", "{{etag}}"),),
        (("If-Match", 'W/"1"'),),
    )
    thing, capture_etag = "/things/{{thing}}", {"etag": "header:etag"}
    return [
        step(0, "POST", "/things", recorded(201, {"id": "1000"}), {"thing": "/id"}),
        step(1, "GET", thing, recorded(200, {"v": 1}, *etag), capture_etag),
        step(2, "PATCH", thing, recorded(200, {"v": 2}), capture_etag, if_match),
        step(3, "GET", thing, recorded(200, {"v": 2})),
        step(4, "PATCH", thing, recorded(409, {"stale": True}), None, stale),
        step(5, "GET", "/things/0", recorded(200, {"v": 0})),
    ]


def rehearse(
    tmp_path: Path, server: ScriptedServer, exchanges: list[Exchange], capsys: Any
) -> dict[str, dict[str, Any]]:
    contracts = write_contracts(tmp_path / "c", exchanges)
    code, output = run(
        [
            *("rehearse", "--candidate", server.url, "--contracts", str(contracts)),
            *("--out", str(tmp_path), "--name", "r", "--no-progress", "--timeout", "1"),
        ],
        capsys,
    )
    assert code == 1, output
    lines = (tmp_path / "r" / "results.jsonl").read_bytes().splitlines()
    return {row["id"]: row for row in map(json.loads, lines)}


def test_a_patch_that_times_out_leaves_every_later_step_not_run(
    tmp_path: Path, scripted: Callable[..., ScriptedServer], capsys: Any
) -> None:
    def candidate(index: int, request: bytes) -> Answer | tuple[bytes, str]:
        line = request.split(b"\r\n", 1)[0]
        if line.startswith(b"POST"):
            return answer(201, {"id": "5000"})
        if line.startswith(b"PATCH"):
            return (b"", "hold")  # applied, maybe: the answer never comes
        return answer(200, {"v": 1}, ("ETag", 'W/"1"'))

    server = scripted(candidate)
    rows = rehearse(tmp_path, server, scenario(), capsys)
    verdicts = {ident: (row["verdict"], row.get("error_kind")) for ident, row in rows.items()}
    assert verdicts == {
        "patch/0": ("match", None),
        "patch/1": ("match", None),
        "patch/2": ("error", "timeout"),
        "patch/3": ("error", "not_run"),
        "patch/4": ("error", "not_run"),
        "patch/5": ("error", "not_run"),
    }
    assert "(the PATCH was sent: it may have been applied)" in rows["patch/2"]["error"]
    for later in ("patch/3", "patch/4", "patch/5"):
        assert rows[later]["error"].startswith("not run: step patch/2 failed (candidate: PATCH")
        assert rows[later]["differences"] == [] and rows[later]["status"]["candidate"] is None
    sent = [request.split(b" ", 1)[0] for request in server.requests]
    assert sent == [b"POST", b"GET", b"PATCH"], "a step after the failed PATCH was sent"


def test_a_failed_read_leaves_out_only_the_steps_that_use_what_it_captures(
    tmp_path: Path, scripted: Callable[..., ScriptedServer], capsys: Any
) -> None:
    reads = []

    def candidate(index: int, request: bytes) -> Answer | tuple[bytes, str]:
        line = request.split(b"\r\n", 1)[0]
        if line.startswith(b"POST"):
            return answer(201, {"id": "5000"})
        reads.append(line)
        if len(reads) == 1:  # the read that was to capture the ETag: cut by a reset
            return (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{", "reset")
        return answer(200, {"v": 2})

    first, read, patch, read_again = scenario()[:4]
    exchanges = [
        first,
        read,
        replace(read_again, step=2, id="patch/2"),
        replace(patch, step=3, id="patch/3"),
    ]
    rows = rehearse(tmp_path, scripted(candidate), exchanges, capsys)
    assert rows["patch/1"]["verdict"] == "error" and rows["patch/1"]["error_kind"] == "protocol"
    assert "the server reset the connection" in rows["patch/1"]["error"]
    assert rows["patch/2"]["verdict"] == "match"  # a read that uses nothing patch/1 captured
    assert rows["patch/3"]["error_kind"] == "not_run"  # it needs the ETag patch/1 was to give
    assert rows["patch/3"]["error"].startswith("not run: step patch/1 failed")


def test_a_patch_scenario_cut_after_its_create_leaves_later_rehearsals_clean(
    tmp_path: Path, capsys: Any
) -> None:
    """pds-patch-with-etag against long-lived targets: a run cut after its create (only the
    create step sent), then whole runs: each binds a new patient, so each matches throughout."""
    contracts = Path(__file__).resolve().parents[2] / "contracts"
    legacy = SimulatorConfig(seed=0, population=500, flavour="legacy")
    spine2 = SimulatorConfig(seed=0, population=500, flavour="spine2")
    with serve_in_thread(build_app(legacy)) as old, serve_in_thread(build_app(spine2)) as new:
        base = ["rehearse", "--candidate", new.url, "--legacy", old.url, "--no-progress"]
        base += ["--contracts", str(contracts), "--out", str(tmp_path)]
        code, output = run([*base, "--name", "cut", "--only", "pds-patch-with-etag/0"], capsys)
        assert code == 0, output
        for name in ("after-1", "after-2"):
            code, output = run([*base, "--name", name, "--only", "pds-patch-with-etag"], capsys)
            assert code == 0, output
            rows = [json.loads(line) for line in (tmp_path / name / "results.jsonl").open()]
            assert len(rows) == 6 and {row["verdict"] for row in rows} == {"match"}
            assert rows[0]["status"] == {"legacy": 201, "candidate": 201}  # a new patient

"""Schema conformance against a service this project did not write: httpbin (Flask, from PyPI)
on loopback, recorded with `harness record --openapi` from a document that mis-describes one
answer (`GET /json` promised as `{slides: [...]}`; httpbin sends `{slideshow: {...}}`), then
rehearsed: the stored document finds that answer and nothing else, `--openapi` with a faithful
document finds nothing, and parity is 100% both times."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from werkzeug.serving import make_server

from tests.cli_support import run

pytestmark = pytest.mark.integration
httpbin = pytest.importorskip("httpbin")


def document(json_schema: dict[str, Any]) -> dict[str, Any]:
    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "ok", "content": {"application/json": {"schema": schema}}}

    uuid = {"type": "object", "required": ["uuid"], "properties": {"uuid": {"type": "string"}}}
    code = {"name": "code", "in": "path", "required": True,
            "schema": {"type": "integer", "enum": [200, 418]}}  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "httpbin", "version": "1"},
        "paths": {
            "/json": {"get": {"operationId": "getJson", "responses": {"200": answer(json_schema)}}},
            "/uuid": {"get": {"operationId": "getUuid", "responses": {"200": answer(uuid)}}},
            "/status/{code}": {
                "get": {
                    "operationId": "getStatus",
                    "parameters": [code],
                    "responses": {"200": {"description": "ok"}, "default": {"description": "any"}},
                }
            },
        },
    }


STRINGS = {"type": "array", "items": {"type": "string"}}
WRONG = {"type": "object", "required": ["slides"], "properties": {"slides": STRINGS}}
SLIDESHOW = {"type": "object", "required": ["title", "slides"]}
RIGHT = {"type": "object", "required": ["slideshow"], "properties": {"slideshow": SLIDESHOW}}


@pytest.fixture
def httpbin_url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, httpbin.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_httpbin_answers_held_to_their_document(
    httpbin_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong, right = tmp_path / "wrong.yaml", tmp_path / "right.yaml"
    wrong.write_text(yaml.safe_dump(document(WRONG)))
    right.write_text(yaml.safe_dump(document(RIGHT)))
    contracts, out = tmp_path / "contracts", tmp_path / "reports"
    code, printed = run(
        ["record", "--target", httpbin_url, "--openapi", str(wrong), "--out", str(contracts),
         "--generate", "12"],
        capsys,
    )  # fmt: skip
    assert code == 0, printed

    def rehearse(name: str, *extra: str) -> tuple[int, str, dict[str, Any]]:
        code, printed = run(
            ["rehearse", "--candidate", httpbin_url, "--contracts", str(contracts),
             "--out", str(out), "--name", name, "--no-progress", *extra],
            capsys,
        )  # fmt: skip
        return code, printed, json.loads((out / name / "summary.json").read_text())

    code, printed, summary = rehearse("stored")
    assert code == 0, printed  # no conformance limit in the policy: reported, not gated
    assert summary["totals"]["mismatch"] == 0 and summary["totals"]["error"] == 0
    per_operation = {o["operation"]: o["conformance"] for o in summary["operations"]}
    assert per_operation["getJson"]["nonconforming"] == per_operation["getJson"]["checked"] > 0
    assert per_operation["getJson"]["kinds"] == {"schema": per_operation["getJson"]["checked"]}
    assert per_operation["getUuid"]["nonconforming"] == 0 < per_operation["getUuid"]["checked"]
    assert per_operation["getStatus"]["nonconforming"] == 0 < per_operation["getStatus"]["checked"]
    [group] = summary["conformance"]["groups"]
    assert (group["operation"], group["kind"]) == ("getJson", "schema")
    assert "slides" in group["example"]["message"]
    assert group["example"]["reproducer"].endswith("/json")
    assert "httpbin.getJson" in printed
    junit = ET.parse(out / "stored" / "junit.xml").getroot()
    suite = next(s for s in junit.iter("testsuite") if s.get("name") == "harness.conformance")
    assert suite.get("failures") == "1"

    code, printed, summary = rehearse("given", "--openapi", str(right))
    assert code == 0, printed
    assert summary["conformance"]["checked"] == summary["totals"]["exchanges"]
    assert summary["conformance"]["nonconforming"] == 0
    header = json.loads((out / "given" / "rehearsal.json").read_text())
    assert header["openapi"] == str(right)

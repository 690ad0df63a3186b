"""coverage.json: per operation, what recorded plus generated traffic exercised and never saw."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from harness.reports.coverage import build_coverage, coverage_section, write_coverage
from harness.rundir import RehearsalDir, RehearsalHeader

OPENAPI = {
    "openapi": "3.0.3",
    "paths": {
        "/Patient": {
            "get": {
                "operationId": "searchPatients",
                "parameters": [
                    {"name": "family", "in": "query", "schema": {"type": "string"}},
                    {"name": "gender", "in": "query",
                     "schema": {"type": "string", "enum": ["male", "female", "other"]}},
                    {"name": "_max-results", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": {}, "400": {}, "403": {}},
            }
        }
    },
}  # fmt: skip


def _result(source: str, query: list[list[str]], legacy: int, candidate: int) -> dict[str, object]:
    return {
        "format_version": 1, "id": f"{source}-{len(query)}", "source": source, "service": "pds",
        "operation": "searchPatients", "scenario": None, "step": None,
        "request": {"method": "GET", "path": "/Patient", "query": query, "headers": [],
                    "body": None, "body_encoding": "utf-8"},
        "verdict": "match", "differences": [], "status": {"legacy": legacy, "candidate": candidate},
        "latency_ms": {"legacy": 1.0, "candidate": 1.0}, "error": None, "reproducer": "",
    }  # fmt: skip


def test_coverage_lists_what_was_never_seen(tmp_path: Path) -> None:
    contract = tmp_path / "contracts" / "pds"
    contract.mkdir(parents=True)
    (contract / "contract.yaml").write_text("format_version: 1\nservice: pds\n")
    (contract / "openapi.json").write_text(json.dumps(OPENAPI))
    report = tmp_path / "report"
    header = RehearsalHeader(
        "r", "2026-12-01T00:00:00Z", {"candidate": "http://c"}, str(tmp_path / "contracts")
    )
    RehearsalDir(report).write_header(header)
    lines = [
        _result("recorded", [["family", "Smith"], ["gender", "male"]], 200, 200),
        _result("generated", [["gender", "female"]], 400, 400),
    ]
    (report / "results.jsonl").write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    data = build_coverage(report)
    search = data["operations"]["searchPatients"]
    assert search["sources"] == {"generated": 1, "recorded": 1}
    assert search["parameters_never_sent"] == ["_max-results"]
    assert search["parameters"]["gender"]["enum_never_seen"] == ["other"]
    assert search["statuses_seen"] == ["200", "400"]
    assert search["statuses_never_seen"] == ["403"]
    write_coverage(report)
    html = coverage_section(report)
    assert 'id="coverage"' in html and "_max-results" in html and "403" in html

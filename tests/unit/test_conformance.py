"""Schema conformance: the checker over a document (schemathesis's parse and validators), the
per-operation tally, the result line's field, the policy's `conformance:` key and its gate."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from harness.config.policy import load_policy
from harness.conformance import DocumentConformance
from harness.core.conformance import ConformanceTally, Finding
from harness.core.difference import Verdict
from harness.core.exchange import Request, Response
from harness.core.gate import Tally, divergence_key, evaluate
from harness.core.policy import ConformanceLimit, Policy
from harness.core.result import ResultRecord
from harness.errors import HarnessError

TODAY = date(2026, 6, 1)
THING = {
    "type": "object",
    "required": ["id", "tags"],
    "properties": {
        "id": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "things", "version": "1"},
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "getThing",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "the thing",
                        "headers": {"ETag": {"required": True, "schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": THING}},
                    },
                    "4XX": {"description": "not found"},
                },
            }
        },
        "/any": {"get": {"operationId": "getAny", "responses": {"default": {"description": "x"}}}},
    },
}


def answer(status: int, body: Any, *headers: tuple[str, str]) -> Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(status, (("content-type", "application/json"), *headers), data)


@pytest.fixture
def check() -> DocumentConformance:
    return DocumentConformance({"things": DOCUMENT})


def test_a_documented_answer_conforms(check: DocumentConformance) -> None:
    good = answer(200, {"id": "1", "tags": ["a"]}, ("ETag", 'W/"1"'))
    assert check("things", "getThing", good) == ()
    assert check("things", "getThing", answer(404, {"error": "gone"})) == ()  # 4XX covers it
    assert check("things", "getAny", answer(599, b"")) == ()  # default covers every status


def test_each_kind_of_departure_is_a_finding(check: DocumentConformance) -> None:
    [status] = check("things", "getThing", answer(500, {}))
    assert status.kind == "status" and "500 is not documented" in status.message
    found = check("things", "getThing", answer(200, {"id": 1, "tags": [2]}, ("ETag", "x")))
    assert found is not None
    assert {(f.kind, f.path) for f in found} == {("schema", "/id"), ("schema", "/tags/0")}
    [header] = check("things", "getThing", answer(200, {"id": "1", "tags": []}))
    assert (header.kind, header.path) == ("header", "ETag")
    xml = Response(200, (("content-type", "text/xml"), ("etag", "x")), b"<thing/>")
    [media] = check("things", "getThing", xml)
    assert media.kind == "content-type" and "text/xml is not documented" in media.message
    [broken] = check("things", "getThing", answer(200, b"{not json", ("ETag", "x")))
    assert broken.kind == "schema" and "not JSON" in broken.message


def test_nothing_is_checked_without_a_document_for_the_operation(
    check: DocumentConformance,
) -> None:
    assert check("things", "deleteThing", answer(200, {})) is None
    assert check("other", "getThing", answer(200, {})) is None
    assert (
        DocumentConformance({"things": {"openapi": "3.0.3"}})("things", "getThing", answer(200, {}))
        is None
    )


def record(operation: str, findings: tuple[Finding, ...] | None, index: int = 0) -> ResultRecord:
    return ResultRecord(
        f"{operation}-{index}", "recorded", "things", operation, Request("GET", "/"),
        Verdict.MATCH, conformance=findings,
    )  # fmt: skip


def test_the_result_line_keeps_the_findings() -> None:
    finding = Finding("schema", "1 is not of type 'string'", "/id")
    line = record("getThing", (finding,)).to_dict()
    assert line["conformance"] == [{"kind": "schema", "path": "/id", "message": finding.message}]
    assert ResultRecord.from_dict(json.loads(json.dumps(line))).conformance == (finding,)
    assert "conformance" not in record("getThing", None).to_dict()  # not checked: absent
    assert record("getThing", ()).to_dict()["conformance"] == []
    with pytest.raises(HarnessError) as raised:
        ResultRecord.from_dict({**line, "conformance": "bad"}, "results.jsonl:3")
    assert raised.value.field == "conformance"


def test_the_tally_groups_findings_per_operation_kind_and_path() -> None:
    tally = ConformanceTally()
    for index in range(3):
        findings = (Finding("schema", "bad", f"/entry/{index}/id"), Finding("schema", "bad", "/x"))
        tally.add(record("getThing", findings, index).to_dict(), divergence_key)
    tally.add(record("getThing", (), 9).to_dict(), divergence_key)
    tally.add(record("getAny", None).to_dict(), divergence_key)  # unchecked: not counted
    assert tally.of("things", "getThing") == {
        "checked": 4,
        "nonconforming": 3,
        "kinds": {"schema": 3},
    }
    assert tally.of("things", "getAny") is None
    data = tally.to_dict()
    assert (data["checked"], data["nonconforming"]) == (4, 3)
    assert [(g["path"], g["answers"]) for g in data["groups"]] == [("/entry/*/id", 3), ("/x", 3)]
    assert data["groups"][0]["example"]["id"] == "getThing-0"


def test_conformance_limits_load_per_scope(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "format_version: 1\nconformance:\n"
        '  "*": {max_nonconforming: 0}\n'
        "  things.getThing: {max_nonconforming: 3}\n"
    )
    assert load_policy(path).conformance_limits == (
        ConformanceLimit("*", 0),
        ConformanceLimit("things.getThing", 3),
    )
    assert Policy().conformance_limits == ()


def test_the_gate_counts_nonconforming_answers_per_most_specific_scope() -> None:
    tally = Tally()
    bad = (Finding("status", "500 is not documented"),)
    for index in range(4):
        tally.add(record("getThing", bad if index < 3 else (), index))
    tally.add(record("getAny", bad))
    tally.add(record("getAny", None, 1))
    policy = Policy(
        conformance_limits=(ConformanceLimit("*", 0), ConformanceLimit("things.getThing", 3))
    )
    decision = evaluate(tally, policy, TODAY)
    assert not decision.passed
    outcomes = {o.scope: (o.nonconforming, o.checked, o.passed) for o in decision.conformance}
    assert outcomes == {"*": (1, 1, False), "things.getThing": (3, 4, True)}
    assert list(decision.reasons) == [
        "*: 1 of 1 candidate answers do not conform to their document (allowed 0)"
    ]
    assert evaluate(tally, Policy(), TODAY).passed  # reported, not gated, without limits
    json.dumps(decision.to_dict())


def test_prepare_compiles_every_validator_before_the_first_answer() -> None:
    check = DocumentConformance({"things": DOCUMENT}).prepare()
    expected = check._operations[("things", "getThing")].expected[200]
    assert expected is not None and "application/json" in expected.validators
    assert check("things", "getThing", answer(200, {"id": 1, "tags": []}, ("ETag", "x")))

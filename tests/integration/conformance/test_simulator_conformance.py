"""Schema conformance on the simulator: the candidate's answers held to the contract's stored
openapi.json, beside parity. A faithful document finds nothing; one that mis-describes the read
of a patient (a 200 body with a property the simulator never sends, the 404 left out) finds
exactly those answers, gates on `conformance:`, and leaves parity as it was."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import run
from tests.integration.generation.support import (
    copy_contract,
    json_lines,
    record_contract,
    simulator,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_contract(tmp_path_factory.mktemp("recorded"), ["pds-fhir-read.yaml"], "pds")


@pytest.fixture(scope="module")
def candidate() -> Iterator[str]:
    with simulator() as server:
        yield server.url


def mis_describe(contract: Path) -> None:
    """getPatient's 200 body requires `harnessNeverSent`; its 404 is not documented."""
    path = contract / "openapi.json"
    document = json.loads(path.read_text())
    for item in document["paths"].values():
        operation = item.get("get") or {}
        if operation.get("operationId") == "getPatient":
            responses = operation["responses"]
            responses.pop("404")
            responses["200"]["content"] = {
                "application/fhir+json": {
                    "schema": {"type": "object", "required": ["harnessNeverSent"]}
                }
            }
    path.write_text(json.dumps(document))


def rehearse(
    capsys: pytest.CaptureFixture[str], contracts: Path, candidate: str, out: Path, *extra: str
) -> tuple[int, str, dict[str, Any]]:
    code, printed = run(
        ["rehearse", "--candidate", candidate, "--contracts", str(contracts), "--out", str(out),
         "--name", "run", "--no-progress", *extra],
        capsys,
    )  # fmt: skip
    summary = json.loads((out / "run" / "summary.json").read_text())
    return code, printed, summary


def test_a_faithful_document_finds_nothing(
    recorded: Path, candidate: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contracts = copy_contract(recorded, tmp_path).parent
    code, printed, summary = rehearse(capsys, contracts, candidate, tmp_path / "reports")
    assert code == 0, printed
    assert summary["conformance"]["checked"] == summary["totals"]["exchanges"] > 0
    assert summary["conformance"]["nonconforming"] == 0, summary["conformance"]["groups"]
    assert "Schema conformance: all" in printed


def test_a_mis_described_read_is_a_finding_beside_parity(
    recorded: Path, candidate: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contract = copy_contract(recorded, tmp_path)
    mis_describe(contract)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "format_version: 1\nthresholds:\n  '*': 100\nconformance:\n  '*': {max_nonconforming: 0}\n"
    )
    out = tmp_path / "reports"
    code, printed, summary = rehearse(
        capsys, contract.parent, candidate, out, "--policy", str(policy)
    )
    results = json_lines(out / "run" / "results.jsonl")
    reads = [r for r in results if r["operation"] == "getPatient"]
    ok = [r for r in reads if r["status"]["candidate"] == 200]
    missing = [r for r in reads if r["status"]["candidate"] == 404]
    assert ok and missing
    # every answer still matches legacy: conformance is never a mismatch
    assert {r["verdict"] for r in results} == {"match"}
    assert summary["totals"]["mismatch"] == 0
    for r in ok:
        [finding] = r["conformance"]
        assert finding["kind"] == "schema" and finding["path"] == ""
        assert "harnessNeverSent" in finding["message"] and "required" in finding["message"]
    for r in missing:
        assert [f["kind"] for f in r["conformance"]] == ["status"]
    assert all(r["conformance"] == [] for r in results if r["operation"] != "getPatient")
    groups = {(g["operation"], g["kind"]): g["answers"] for g in summary["conformance"]["groups"]}
    assert groups == {("getPatient", "schema"): len(ok), ("getPatient", "status"): len(missing)}
    # the gate fails on conformance alone, naming the scope
    assert code == 1, printed
    assert summary["gate"]["thresholds"][0]["passed"] is True
    outcome = {o["scope"]: o for o in summary["gate"]["conformance"]}
    assert outcome["*"]["passed"] is False
    assert outcome["*"]["nonconforming"] == len(ok) + len(missing)
    assert "do not conform to their document (allowed 0)" in printed
    assert "pds.getPatient" in printed and "Schema conformance:" in printed
    # report.html and junit.xml carry it in a section / suite of its own
    html = (out / "run" / "report.html").read_text()
    assert 'id="conformance"' in html and "harnessNeverSent" in html
    junit = ET.parse(out / "run" / "junit.xml").getroot()
    suite = next(s for s in junit.iter("testsuite") if s.get("name") == "harness.conformance")
    failing = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failing == ["getPatient"]
    pds = next(s for s in junit.iter("testsuite") if s.get("name") == "pds")
    assert pds.get("failures") == "0"
    # the most specific scope wins: a limit for the operation lets the same run pass
    policy.write_text(
        policy.read_text() + f"  pds.getPatient: {{max_nonconforming: {len(ok) + len(missing)}}}\n"
    )
    code, printed = run(["gate", str(out / "run"), "--policy", str(policy)], capsys)
    assert code == 0, printed
    gate = json.loads((out / "run" / "gate.json").read_text())
    assert [(o["scope"], o["passed"]) for o in gate["conformance"]] == [("pds.getPatient", True)]

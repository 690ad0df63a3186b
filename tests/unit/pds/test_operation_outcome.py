"""OperationOutcomes and header rules shared by the FHIR services (harness/simulator/fhir.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.simulator.fhir import (
    SPINE_CODES,
    RequestLedger,
    StoredResponse,
    check_request_id,
    echo_headers,
    operation_outcome,
)
from tests.reference import REFERENCE as SHARED_REFERENCE

pytestmark = pytest.mark.pds
STUBS = SHARED_REFERENCE / "pds/stubs"


def stub_files() -> list[Path]:
    folders = ("errorResponses", "postPatientResponses", "searchResponses")
    files = [p for folder in folders for p in sorted((STUBS / folder).glob("*.json"))]
    return [p for p in files if json.loads(p.read_text()).get("resourceType") == "OperationOutcome"]


@pytest.mark.skipif(not STUBS.is_dir(), reason="shared/reference absent: no PDS stubs here")
def test_outcomes_match_the_spec_stubs() -> None:
    checked = 0
    for path in stub_files():
        stub = json.loads(path.read_text())
        issue = stub["issue"][0]
        if "details" not in issue:
            continue  # the sandbox's "no example for this search" warning: not a Spine code
        coding = issue["details"]["coding"][0]
        built = operation_outcome(coding["code"], diagnostics=issue.get("diagnostics"))
        ours = built["issue"][0]
        assert set(ours) == set(issue), path.name
        assert (ours["severity"], ours["code"]) == (issue["severity"], issue["code"]), path.name
        mine = ours["details"]["coding"][0]
        assert set(mine) == set(coding), path.name
        assert (mine["system"], mine["version"], mine["code"]) == (
            coding["system"],
            coding["version"],
            coding["code"],
        )
        if not coding["display"].startswith("#("):
            assert mine["display"] == coding["display"], path.name
        checked += 1
    assert checked >= 20


def test_outcome_shape_without_diagnostics() -> None:
    outcome = operation_outcome("INVALID_RESOURCE_ID")
    assert outcome == {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "value",
                "details": {
                    "coding": [
                        {
                            "system": "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode",
                            "version": "1",
                            "code": "INVALID_RESOURCE_ID",
                            "display": "Resource Id is invalid",
                        }
                    ]
                },
            }
        ],
    }
    assert "TOO_MANY_MATCHES" in SPINE_CODES


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "MISSING_VALUE"),
        ("", "MISSING_VALUE"),
        ("1234", "INVALID_VALUE"),
        ("60E0B220-8136-4CA5-AE46-1D97EF59D06", "INVALID_VALUE"),
    ],
)
def test_request_id_rules(value: str | None, code: str) -> None:
    headers = {} if value is None else {"x-request-id": value}
    problem = check_request_id(headers)
    assert problem is not None and (problem.code, problem.status) == (code, 400)
    assert check_request_id({"x-request-id": "60E0B220-8136-4CA5-AE46-1D97EF59D068"}) is None


def test_echoed_headers() -> None:
    assert echo_headers({"x-request-id": "a", "x-correlation-id": "b"}) == {
        "X-Request-ID": "a",
        "X-Correlation-ID": "b",
    }
    assert echo_headers({}) == {}


def test_ledger_window_and_capacity() -> None:
    ledger = RequestLedger(window_s=60, capacity=2)
    stored = StoredResponse(200, b"{}", (), "application/fhir+json")
    for name in ("a", "b", "c"):
        ledger.remember((name, "GET", "/"), stored)
    assert ledger.recall(("a", "GET", "/")) is None  # evicted, oldest first
    assert ledger.recall(("c", "GET", "/")) is stored
    expired = RequestLedger(window_s=-1)
    expired.remember(("a", "GET", "/"), stored)
    assert expired.recall(("a", "GET", "/")) is None

"""Rehearsal directories written per the pinned results format, for the report writers' tests."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

INJECTION = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# summary.json operations[].latency, as docs/guide/reports.md describes it
LATENCY_FIELDS = {
    "verdict",
    "shift_ms",
    "ci_ms",
    "p",
    "q",
    "floor_ms",
    "n_legacy",
    "n_candidate",
    "sampled_legacy",
    "sampled_candidate",
}


def result(
    number: int,
    service: str,
    operation: str,
    verdict: str = "match",
    differences: Iterable[Mapping[str, Any]] = (),
    latency: tuple[float | None, float | None] = (12.0, 10.0),
    error: str | None = None,
    source: str = "recorded",
    scenario: str | None = None,
) -> dict[str, Any]:
    identifier = f"{service}-{operation}-{number:05d}"
    return {
        "format_version": 1,
        "id": identifier,
        "source": source,
        "service": service,
        "operation": operation,
        "scenario": scenario,
        "step": 0 if scenario else None,
        "request": {
            "method": "GET",
            "path": f"/personal-demographics/FHIR/R4/Patient/{9000000000 + number}",
            "query": [["_summary", "count"]] if number % 7 == 0 else [],
            "headers": [["X-Request-ID", "{{$uuid}}"], ["Accept", "application/fhir+json"]],
            "body": None,
            "body_encoding": "utf-8",
        },
        "verdict": verdict,
        "differences": [
            {"path": "", "kind": "changed", "legacy": None, "candidate": None, "waiver": None, **d}
            for d in differences
        ],
        "status": {"legacy": 200, "candidate": None if verdict == "error" else 200},
        "latency_ms": {"legacy": latency[0], "candidate": latency[1]},
        "error": error,
        "reproducer": f"harness rehearse --candidate http://127.0.0.1:9001 --only {identifier}",
    }


def gate(passed: bool, *, expired: bool = True) -> dict[str, Any]:
    return {
        "format_version": 1,
        "passed": passed,
        "reasons": (
            ["all thresholds met"]
            if passed
            else ["pds/getPatient parity 96.5% is below the required 100%", "1 waiver expired"]
        ),
        "thresholds": [
            {
                "scope": "pds.getPatient",
                "required": 100.0,
                "actual": 96.5,
                "exchanges": 40,
                "passed": passed,
            },
            {
                "scope": "pds.searchPatients",
                "required": 99.5,
                "actual": 100.0,
                "exchanges": 40,
                "passed": True,
            },
            {"scope": "*", "required": 99.0, "actual": None, "exchanges": 0, "passed": True},
        ],
        "errors": {"actual": 1, "max": 0 if not passed else 5},
        "waivers": [
            {
                "id": "W-12 eTag format",
                "owner": "pds-team@nhs.example",
                "reason": "weak ETag accepted by all consumers",
                "expires": "2027-03-01",
                "expired": False,
                "applied": 4,
                "would_apply": 0,
            },
            {
                "id": "W-07 meta.versionId",
                "owner": "spine2-core",
                "reason": f"temporary {INJECTION}",
                "expires": "2026-01-01",
                "expired": expired,
                "applied": 0,
                "would_apply": 3 if expired else 0,
            },
        ],
        "evaluated_at": "2026-11-24T03:00:00Z",
    }


def write_rehearsal(
    directory: Path,
    started_at: str,
    results: Iterable[Mapping[str, Any]],
    gate_decision: Mapping[str, Any] | None = None,
    *,
    torn_tail: bytes = b"",
    interrupted: bool = False,
    header_fields: Mapping[str, Any] | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    header = {
        "format_version": 1,
        "name": directory.name,
        "started_at": started_at,
        "finished_at": started_at.replace("T03", "T04"),
        "interrupted": interrupted,
        "targets": {"candidate": "http://127.0.0.1:9001", "legacy": "http://127.0.0.1:9000"},
        "contracts": "contracts",
        "policy": "fixtures/policies/demo.yaml",
        "seed": 42,
        "command": f"harness rehearse --candidate http://127.0.0.1:9001 --name {directory.name}",
        "harness_version": "0.1.0",
        **(header_fields or {}),
    }
    (directory / "rehearsal.json").write_text(json.dumps(header))
    with (directory / "results.jsonl").open("wb") as stream:
        for item in results:
            stream.write(json.dumps(item).encode() + b"\n")
        stream.write(torn_tail)
    if gate_decision is not None:
        (directory / "gate.json").write_text(json.dumps(gate_decision))
    return directory


OPERATIONS = (
    ("pds", "getPatient"),
    ("pds", "searchPatients"),
    ("pds", "getPatientDetailsByNHSNumber"),
    ("sds", "searchDevices"),
    ("eps", "releasePrescription"),
)


def demo_results(variant: int, per_operation: int = 40) -> list[dict[str, Any]]:
    """A small rehearsal: variant 0 has an etag and a name divergence, 1 fixes the etag and adds
    a gender divergence plus an injection attempt, 2 is nearly clean. Deterministic."""
    rng = random.Random(variant)
    out = []
    for service, operation in OPERATIONS:
        for n in range(per_operation):
            legacy = rng.lognormvariate(2.3, 0.35)
            candidate = legacy * (0.7 if service == "pds" else 1.25) * rng.uniform(0.8, 1.2)
            if operation == "releasePrescription":
                candidate += 40.0  # a slowdown the latency verdict has to call "slower"
            differences: list[dict[str, Any]] = []
            verdict = "match"
            if operation == "getPatient" and variant in (0, 1) and n % 10 == 3:
                differences.append(
                    {
                        "path": "/name/0/given/1",
                        "kind": "missing",
                        "legacy": "Jane",
                        "candidate": None,
                    }
                )
            if operation == "getPatient" and variant == 0 and n % 8 == 1:
                differences.append(
                    {"path": "header:etag", "kind": "header", "legacy": 'W/"2"', "candidate": '"2"'}
                )
            if operation == "searchPatients" and variant == 1 and n % 13 == 5:
                differences.append(
                    {
                        "path": "/entry/0/resource/gender",
                        "kind": "changed",
                        "legacy": "female",
                        "candidate": INJECTION,
                    }
                )
            if operation == "getPatientDetailsByNHSNumber" and n % 9 == 2:
                differences.append(
                    {
                        "path": "/Envelope/Body/getPatientDetailsResponse/@versionId",
                        "kind": "changed",
                        "legacy": "1",
                        "candidate": "2",
                        "waiver": "W-12 eTag format",
                    }
                )
            if differences:
                waived = all(d.get("waiver") for d in differences)
                verdict = "waived" if waived else "mismatch"
            error = None
            if operation == "releasePrescription" and variant < 2 and n == 17:
                verdict, error, candidate = "error", "candidate: timed out after 5.0 s", None
            out.append(
                result(n, service, operation, verdict, differences, (legacy, candidate), error)
            )
    return out


def write_demo_reports(root: Path) -> list[Path]:
    """Three sibling rehearsals in root (oldest first); the last one has a failed gate."""
    return [
        write_rehearsal(root / "r1-monday", "2026-11-23T03:00:00Z", demo_results(0), gate(False)),
        write_rehearsal(root / "r2-tuesday", "2026-11-23T09:00:00Z", demo_results(2)),
        write_rehearsal(
            root / "r3-wednesday", "2026-11-24T03:00:00Z", demo_results(1), gate(False)
        ),
    ]

"""The policy's `latency` and `conformance` keys: loading, errors naming file/line/field (and the
nearest name of a misspelt one), and the latency gate."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from harness.config.policy import load_policy
from harness.core.difference import Verdict
from harness.core.exchange import Request
from harness.core.gate import Tally, evaluate
from harness.core.latency_parity import LatencyCriteria
from harness.core.policy import LatencyLimit, Policy
from harness.core.result import ResultRecord
from harness.errors import HarnessError

TODAY = date(2026, 6, 1)


def test_latency_limits_load_per_scope(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "format_version: 1\nlatency:\n"
        '  "*": {max_shift_ms: 50}\n'
        "  eps: {max_shift_ms: 30.5}\n"
        "  eps.releasePrescription: {max_shift_ms: 0}\n"
    )
    policy = load_policy(path)
    assert policy.latency_limits == (
        LatencyLimit("*", 50.0),
        LatencyLimit("eps", 30.5),
        LatencyLimit("eps.releasePrescription", 0.0),
    )
    assert Policy().latency_limits == ()


@pytest.mark.parametrize(
    ("body", "line", "field", "message"),
    [
        ("latency: 50\n", 2, "latency", "a mapping of scope"),
        ("latency:\n  pds..get: {max_shift_ms: 5}\n", 3, "latency.pds..get", "a scope is"),
        ("latency:\n  pds: 50\n", 3, "latency.pds", "{max_shift_ms: N}"),
        ("latency:\n  pds: {}\n", 3, "latency.pds", "required: max_shift_ms"),
        ("latency:\n  pds:\n    max_shift: 5\n", 4, "latency.pds.max_shift", "unknown field"),
        (
            'latency:\n  "*": {max_shift_ms: 20}\n  pds.getPatient:\n    max_shift_ms: -1\n',
            5,
            "latency.pds.getPatient.max_shift_ms",
            "milliseconds >= 0, got -1",
        ),
        (
            "latency:\n  pds: {max_shift_ms: fast}\n",
            3,
            "latency.pds.max_shift_ms",
            "got 'fast'",
        ),
        ("latency:\n  pds: {max_shift_ms: true}\n", 3, "latency.pds.max_shift_ms", "got True"),
        # the conformance section's limits follow the same language
        ("conformance: 0\n", 2, "conformance", "a mapping of scope"),
        ("conformance:\n  pds: 3\n", 3, "conformance.pds", "{max_nonconforming: N}"),
        ("conformance:\n  pds: {}\n", 3, "conformance.pds", "required: max_nonconforming"),
        (
            "conformance:\n  pds:\n    max_nonconformng: 1\n",
            4,
            "conformance.pds.max_nonconformng",
            "did you mean 'max_nonconforming'?",
        ),
        (
            "conformance:\n  pds: {max_nonconforming: 1.5}\n",
            3,
            "conformance.pds.max_nonconforming",
            "a whole number >= 0, got 1.5",
        ),
        (
            "conformance:\n  pds: {max_nonconforming: -1}\n",
            3,
            "conformance.pds.max_nonconforming",
            "got -1",
        ),
        (
            "conformace:\n  pds: {max_nonconforming: 1}\n",
            2,
            "conformace",
            "did you mean 'conformance'?",
        ),
    ],
)
def test_latency_errors_name_the_file_line_and_field(
    tmp_path: Path, body: str, line: int, field: str, message: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("format_version: 1\n" + body)
    with pytest.raises(HarnessError) as raised:
        load_policy(path)
    error = raised.value
    assert (error.file, error.line, error.field) == (str(path), line, field)
    assert message in error.message


def records(operation: str, legacy_ms: np.ndarray, candidate_ms: np.ndarray) -> list[ResultRecord]:
    return [
        ResultRecord(
            f"{operation}-{index}",
            "recorded",
            "eps",
            operation,
            Request("GET", "/"),
            Verdict.MATCH,
            latency_legacy_ms=round(float(legacy), 3),
            latency_candidate_ms=round(float(candidate), 3),
        )
        for index, (legacy, candidate) in enumerate(zip(legacy_ms, candidate_ms, strict=True))
    ]


def rehearsal_tally() -> Tally:
    """releasePrescription 40 ms slower, prepare 8 ms slower, claim the same: 60 timings each."""
    rng = np.random.default_rng(1)
    tally = Tally(latency_criteria=LatencyCriteria(warmup_results=0))
    for operation, slower in (("releasePrescription", 40.0), ("prepare", 8.0), ("claim", 0.0)):
        legacy = rng.lognormal(math.log(20.0), 0.2, 60)
        candidate = rng.lognormal(math.log(20.0), 0.2, 60) + slower
        for record in records(operation, legacy, candidate):
            tally.add(record)
    return tally


def test_the_gate_fails_an_operation_slower_than_its_limit() -> None:
    policy = Policy(
        latency_limits=(LatencyLimit("*", 50.0), LatencyLimit("eps.releasePrescription", 20.0))
    )
    decision = evaluate(rehearsal_tally(), policy, TODAY)
    assert not decision.passed
    [reason] = [r for r in decision.reasons if "latency" in r]
    assert reason.startswith("eps.releasePrescription: latency slower by ")
    assert "95% CI" in reason and "allowed at most 20 ms (eps.releasePrescription)" in reason
    checks = {c["operation"]: c for c in decision.to_dict()["latency"]}
    assert set(checks) == {"releasePrescription", "prepare", "claim"}
    release = checks["releasePrescription"]
    assert release["verdict"] == "slower" and release["passed"] is False
    assert release["scope"] == "eps.releasePrescription" and release["max_shift_ms"] == 20.0
    low, high = release["ci_ms"]
    assert 20.0 < low <= release["shift_ms"] <= high
    assert (release["n_legacy"], release["n_candidate"]) == (60, 60)
    prepare = checks["prepare"]  # slower, but within the 50 ms everything else may lose
    assert prepare["verdict"] == "slower" and prepare["passed"] is True
    assert checks["claim"]["verdict"] == "same" and checks["claim"]["passed"] is True
    json.dumps(decision.to_dict())  # gate.json is plain JSON


def test_the_gate_passes_slower_operations_within_their_limits_and_without_limits() -> None:
    within = evaluate(rehearsal_tally(), Policy(latency_limits=(LatencyLimit("eps", 60),)), TODAY)
    assert within.passed and all(c.passed for c in within.latency)
    unlimited = evaluate(rehearsal_tally(), Policy(), TODAY)
    assert unlimited.passed and unlimited.latency == ()
    assert unlimited.to_dict()["latency"] == []
    only_one = evaluate(
        rehearsal_tally(), Policy(latency_limits=(LatencyLimit("eps.claim", 0),)), TODAY
    )
    assert only_one.passed and [c.operation for c in only_one.latency] == ["claim"]


def test_the_gate_skips_the_warm_up_like_the_summary() -> None:
    tally = Tally()  # default criteria: the first 32 results are warm-up
    rng = np.random.default_rng(2)
    legacy = rng.lognormal(math.log(20.0), 0.2, 40)
    for record in records("releasePrescription", legacy, legacy + 100.0):
        tally.add(record)
    decision = evaluate(tally, Policy(latency_limits=(LatencyLimit("*", 10),)), TODAY)
    [check] = decision.latency
    assert check.parity.verdict == "insufficient" and check.parity.n_legacy == 8
    assert decision.passed

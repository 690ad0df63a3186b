"""Recording the built-in simulator with the shipped scenarios: every expectation holds, the noise
is learned, and re-recording the same seed changes no byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.contracts import discover, iter_exchanges, load_noise
from harness.cli.simulators import simulator_targets
from harness.record.session import RecordRequest, run_record

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "fixtures" / "scenarios"
ARGS = ["simulate", "--seed", "0", "--population", "300"]


def record(out: Path, lines: list[str]) -> bool:
    with simulator_targets(ARGS, seed=1) as targets:
        request = RecordRequest(
            target="",
            out=out,
            command="harness record --simulator --population 300 ...",
            scenarios=SCENARIOS,
            generate=12,
            seed=1,
        )
        return run_record(targets.recording(request), echo=lines.append)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_shipped_scenarios_record_deterministically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "contracts"
    lines: list[str] = []
    assert record(out, lines), "\n".join(lines)  # every `expect:` of every scenario held
    contracts = {contract.service: contract for contract in discover(out)}
    assert {"pds", "sds", "eps"} <= set(contracts)
    pds = list(iter_exchanges(contracts["pds"]))
    scenarios = {e.scenario for e in pds if e.scenario}
    assert {"pds-patch-with-etag", "smsp-faults", "pds-search-too-many-matches"} <= scenarios
    operations = {e.operation for e in pds}
    assert {
        "getPatient",
        "searchPatients",
        "updatePatient",
        "createPatient",
        "getRelatedPersons",
        "getPatientDetailsByNHSNumber",
        "getPatientDetailsBySearch",
        "getNHSNumber",
        "verifyNHSNumber",
    } <= operations
    eps_steps = [e for e in iter_exchanges(contracts["eps"]) if e.scenario == "eps-life-cycle"]
    assert [e.response.status for e in eps_steps][:5] == [200, 200, 200, 200, 400]
    # The noise: FHIR search timestamps, SOAP message ids, echoed request ids; not the data.
    noise = load_noise(contracts["pds"])
    search = {(r.path, r.kind) for r in noise.rules_for("searchPatients")}
    assert ("/timestamp", "timestamp") in search
    assert ("header:x-request-id", "uuid") in search
    soap = {(r.path, r.kind) for r in noise.rules_for("getPatientDetailsByNHSNumber")}
    assert ("/Envelope/Header/MessageID", "uuid") in soap
    assert not any(
        r.path.startswith(("/name", "/birthDate"))
        for r in noise.rules_for("getPatient")
        if r.path != "/name/0/id"
    )

    before = snapshot(out)
    assert record(out, lines)
    after = snapshot(out)
    assert after == before

"""Generated traffic in rehearsals, against the legacy simulator and the spine2 candidate.

Real servers on ephemeral ports (population 500); contracts recorded from two fresh legacy
instances with the PDS scenarios; small, derandomised generation budgets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.generation.options import GenerationOptions
from tests.integration.generation.support import (
    copy_contract,
    json_lines,
    record_contract,
    rehearse_live,
    simulator,
)

PDS_SCENARIOS = [
    "pds-fhir-read.yaml",
    "pds-fhir-search.yaml",
    "pds-fhir-update.yaml",
    "pds-fhir-create-related.yaml",
    "pds-soap.yaml",
]
SEARCH_DRIFT = """
format_version: 1
drift:
  - id: search-gender-breaks
    operation: searchPatients
    when: {query_present: [gender]}
    effect: {kind: status, to: 418}
"""
VERSION_DRIFT = """
format_version: 1
drift:
  - id: version-off-by-one
    operation: updatePatient
    effect: {kind: version_off_by_one, delta: 1}
"""


@pytest.fixture(scope="module")
def legacy() -> Iterator[str]:
    with simulator() as server:
        yield server.url


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PDS contracts recorded from two fresh legacy instances (scenarios only)."""
    return record_contract(tmp_path_factory.mktemp("recorded"), PDS_SCENARIOS, "pds")


@pytest.fixture()
def contracts(recorded: Path, tmp_path: Path) -> Path:
    return copy_contract(recorded, tmp_path)


def test_no_false_alarm_against_a_faithful_candidate(
    contracts: Path, legacy: str, tmp_path: Path
) -> None:
    with simulator(flavour="spine2") as candidate:
        options = GenerationOptions(60, seed=3, stateful=True)
        outcome, results = rehearse_live(contracts, candidate.url, legacy, tmp_path, options)
    generated = [r for r in results if r["source"] in ("generated", "stateful")]
    assert len([r for r in generated if r["source"] == "generated"]) >= 50
    assert any(r["source"] == "stateful" for r in generated)
    creates = [r for r in generated if r["operation"] == "createPatient"]
    assert any(r["status"]["legacy"] == 201 for r in creates)  # allocated ids, compared on meaning
    problems = [
        (r["id"], r["differences"], r["error"]) for r in generated if r["verdict"] != "match"
    ]
    assert problems == []
    assert not (contracts / "regressions").exists()
    report = json.loads((outcome.report_dir / "generation.json").read_text())
    assert report["divergences"] == []


def test_search_divergence_shrinks_to_the_parameter_that_matters(
    contracts: Path, legacy: str, tmp_path: Path
) -> None:
    drift = tmp_path / "drift.yaml"
    drift.write_text(SEARCH_DRIFT)
    with simulator(flavour="spine2", drift_file=drift) as candidate:
        options = GenerationOptions(60, seed=1)
        _outcome, results = rehearse_live(contracts, candidate.url, legacy, tmp_path / "r", options)
        diverging = [
            r for r in results if r["source"] == "generated" and r["verdict"] == "mismatch"
        ]
        assert diverging, "the gender search drift was not found"
        assert all(r["operation"] == "searchPatients" for r in diverging)
        files = sorted((contracts / "regressions").glob("*.jsonl"))
        assert len(files) == 1
        (regression,) = json_lines(files[0])
        assert regression["source"] == "regression"
        assert [name for name, _ in regression["request"]["query"]] == ["gender"]
        assert regression["request"]["headers"] == []
        assert {d["path"] for d in regression["meta"]["divergence"]} == {"status"}
        assert regression["meta"]["seed"] == 1
        assert all(regression["id"] in r["reproducer"] for r in diverging)
        assert "curl" in diverging[0]["reproducer"]

        # A plain rehearsal (no generation) replays the regression contract.
        _, replayed = rehearse_live(contracts, candidate.url, legacy, tmp_path / "plain", None)
    again = [r for r in replayed if r["id"] == regression["id"]]
    assert [(r["source"], r["verdict"]) for r in again] == [("regression", "mismatch")]
    assert again[0]["status"] == {"legacy": 400, "candidate": 418}


def test_stateful_divergence_shrinks_to_the_shortest_sequence(
    contracts: Path, legacy: str, tmp_path: Path
) -> None:
    drift = tmp_path / "drift.yaml"
    drift.write_text(VERSION_DRIFT)
    with simulator(flavour="spine2", drift_file=drift) as candidate:
        options = GenerationOptions(10, seed=0, stateful=True)
        _, results = rehearse_live(contracts, candidate.url, legacy, tmp_path / "r", options)
        stateful = [r for r in results if r["source"] == "stateful"]
        assert any(r["verdict"] == "mismatch" for r in stateful)
        files = sorted((contracts / "regressions").glob("*.jsonl"))
        scripts = [steps for steps in map(json_lines, files) if len(steps) > 1]
        assert len(scripts) == 1
        (steps,) = scripts
        assert [s["operation"] for s in steps] == ["createPatient", "updatePatient"]
        assert [s["step"] for s in steps] == [0, 1]
        (created,) = [k for k, v in steps[0]["meta"]["captures"].items() if v == "/id"]
        assert steps[1]["meta"]["template"]["path"].endswith(f"/Patient/{{{{{created}}}}}")
        paths = {d["path"] for d in steps[0]["meta"]["divergence"]}
        assert "/meta/versionId" in paths

        _, replayed = rehearse_live(contracts, candidate.url, legacy, tmp_path / "plain", None)
    scenario = steps[0]["scenario"]
    again = [r for r in replayed if r["scenario"] == scenario]
    assert [r["verdict"] for r in again] == ["match", "mismatch"]


def _planned(contracts: Path, options: GenerationOptions) -> list[tuple[str, str, object]]:
    from harness.contracts import discover
    from harness.generation.options import Deadline
    from harness.generation.units import generated_phases

    found = discover(contracts)
    reads, changes = generated_phases(found, options, Deadline(options.time_budget_s))
    units = [*reads, *changes]
    return [(s.id, s.request.target, s.template) for u in units for s in u.steps]


def test_same_seed_same_cases_and_the_budget_bounds_generation(recorded: Path) -> None:
    first = _planned(recorded, GenerationOptions(16, seed=9, stateful=True))
    assert first == _planned(recorded, GenerationOptions(16, seed=9, stateful=True))
    assert len([c for c in first if not c[0].startswith("stateful")]) == 16
    assert first != _planned(recorded, GenerationOptions(16, seed=10, stateful=True))
    bounded = _planned(recorded, GenerationOptions(400, seed=9, time_budget_s=0.001))
    assert 0 < len(bounded) <= 200  # the first batch (domain cases) only: no schemathesis batch


def test_excluded_operations_are_neither_replayed_nor_generated_and_success_is_reported(
    contracts: Path, legacy: str, tmp_path: Path
) -> None:
    from rich.console import Console

    from harness.config.operations import OperationSettings
    from harness.rehearsal.session import RehearsalRequest, rehearse

    with simulator(flavour="spine2") as candidate:
        outcome = rehearse(
            RehearsalRequest(
                candidate=candidate.url,
                legacy=legacy,
                contracts=contracts.parent,
                name="selected",
                out=tmp_path,
                progress=False,
                generation=GenerationOptions(40, seed=2),
                operations=OperationSettings(exclude=("searchPatients", "method:PATCH")),
            ),
            Console(quiet=True),
        )
    results = json_lines(outcome.report_dir / "results.jsonl")
    assert results
    assert not [r for r in results if r["operation"] in ("searchPatients", "updatePatient")]
    assert {r["source"] for r in results} >= {"scenario", "generated"}
    header = json.loads((outcome.report_dir / "rehearsal.json").read_text())
    assert header["operations"]["exclude"] == ["searchPatients", "method:PATCH"]
    summary = json.loads((outcome.report_dir / "summary.json").read_text())
    figures = {o["operation"]: o.get("generated") for o in summary["operations"]}
    reads = figures["getPatient"]
    assert reads is not None and reads["requests"] >= 1 and 0 <= reads["share"] <= 1
    assert isinstance(summary["generation_warnings"], list)
    html = (outcome.report_dir / "report.html").read_text()
    assert "Generated traffic: success paths" in html
